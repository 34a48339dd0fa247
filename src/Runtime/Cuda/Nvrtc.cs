using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace DeepGen.Cuda;

/// <summary>
/// Compiles CUDA C source at run time with NVRTC (the CUDA runtime compilation library), loaded from
/// <c>libnvrtc.so.13</c>, <c>.12</c>, <c>.11.2</c> or <c>libnvrtc.so</c> (or the file named by the
/// <c>DEEPGEN_NVRTC_LIBRARY</c> environment variable). Thread-safe: each call compiles its own program.
/// </summary>
public static partial class NvrtcCompiler
{
    /// <summary>True when an NVRTC library loads on this machine.</summary>
    public static bool IsAvailable => CudaLibraries.TryLoad(CudaLibraries.Nvrtc, out _, out _);

    /// <summary>Which file was loaded, or which files were tried when none loads.</summary>
    public static string LibraryDescription
    {
        get
        {
            bool loaded = CudaLibraries.TryLoad(CudaLibraries.Nvrtc, out _, out string detail);
            return loaded ? detail : "NVRTC not found; " + detail;
        }
    }

    /// <summary>The loaded NVRTC's version (11.8 for Debian's libnvrtc11.2).</summary>
    /// <exception cref="DllNotFoundException">No NVRTC library loads.</exception>
    public static Version Version
    {
        get
        {
            RequireLibrary();
            Check(NvrtcNative.Version(out int major, out int minor), "nvrtcVersion");
            return new Version(major, minor);
        }
    }

    /// <summary>Compiles <paramref name="source"/> to PTX for <paramref name="arch"/>.</summary>
    /// <param name="source">A CUDA C++ translation unit (its <c>extern "C"</c> kernels keep their names).</param>
    /// <param name="name">The program's name, shown in NVRTC's messages (<c>model.cu</c>).</param>
    /// <param name="arch">A virtual architecture (<c>compute_80</c>, <c>compute_90</c>) or a real one (<c>sm_90</c>).</param>
    /// <returns>The PTX text.</returns>
    /// <exception cref="NvrtcException">The source does not compile; <see cref="NvrtcException.Log"/> holds NVRTC's log.</exception>
    /// <exception cref="DllNotFoundException">No NVRTC library loads.</exception>
    public static string Compile(string source, string name, string arch)
    {
        byte[] ptx = CompileTo(source, name, arch, cubin: false);
        int length = Array.IndexOf(ptx, (byte)0);
        return System.Text.Encoding.UTF8.GetString(ptx, 0, length < 0 ? ptx.Length : length);
    }

    /// <summary>Compiles <paramref name="source"/> to a CUBIN (machine code) for a real architecture (<c>sm_90</c>).</summary>
    /// <exception cref="ArgumentException"><paramref name="arch"/> is not a real architecture.</exception>
    /// <exception cref="NvrtcException">The source does not compile; <see cref="NvrtcException.Log"/> holds NVRTC's log.</exception>
    /// <exception cref="DllNotFoundException">No NVRTC library loads.</exception>
    public static byte[] CompileCubin(string source, string name, string arch)
    {
        if (!arch.StartsWith("sm_", StringComparison.Ordinal))
        {
            throw new ArgumentException($"NVRTC: a CUBIN needs a real architecture such as sm_90, not '{arch}'.", nameof(arch));
        }

        return CompileTo(source, name, arch, cubin: true);
    }

    [GeneratedRegex("^(compute|sm)_[0-9]{2,3}[af]?$")]
    private static partial Regex ArchPattern();

    private static unsafe byte[] CompileTo(string source, string name, string arch, bool cubin)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(name);
        if (!ArchPattern().IsMatch(arch))
        {
            throw new ArgumentException($"NVRTC: '{arch}' is not a GPU architecture (expected compute_XX or sm_XX, such as compute_90).", nameof(arch));
        }

        RequireLibrary();
        Check(NvrtcNative.CreateProgram(out IntPtr program, source, name, 0, IntPtr.Zero, IntPtr.Zero), "nvrtcCreateProgram");
        IntPtr option = Marshal.StringToCoTaskMemUTF8("--gpu-architecture=" + arch);
        try
        {
            int result = NvrtcNative.CompileProgram(program, 1, &option);
            string log = ProgramLog(program);
            if (result != NvrtcNative.Success)
            {
                throw new NvrtcException(name, arch, result, NvrtcNative.Describe(result), log);
            }

            nuint size;
            if (cubin)
            {
                Check(NvrtcNative.GetCubinSize(program, out size), "nvrtcGetCUBINSize");
            }
            else
            {
                Check(NvrtcNative.GetPtxSize(program, out size), "nvrtcGetPTXSize");
            }

            byte[] output = new byte[(int)size];
            fixed (byte* destination = output)
            {
                Check(cubin ? NvrtcNative.GetCubin(program, destination) : NvrtcNative.GetPtx(program, destination), cubin ? "nvrtcGetCUBIN" : "nvrtcGetPTX");
            }

            return output;
        }
        finally
        {
            Marshal.FreeCoTaskMem(option);
            NvrtcNative.DestroyProgram(ref program);
        }
    }

    private static unsafe string ProgramLog(IntPtr program)
    {
        Check(NvrtcNative.GetProgramLogSize(program, out nuint size), "nvrtcGetProgramLogSize");
        if (size <= 1)
        {
            return string.Empty;
        }

        byte[] log = new byte[(int)size];
        fixed (byte* destination = log)
        {
            Check(NvrtcNative.GetProgramLog(program, destination), "nvrtcGetProgramLog");
        }

        return System.Text.Encoding.UTF8.GetString(log, 0, log.Length - 1).TrimEnd();
    }

    private static void RequireLibrary()
    {
        if (!CudaLibraries.TryLoad(CudaLibraries.Nvrtc, out _, out string detail))
        {
            throw new DllNotFoundException(
                $"NVRTC could not be loaded ({detail}). Install the CUDA toolkit's NVRTC (on Debian: libnvrtc11.2 from contrib/non-free) " +
                $"or set {CudaLibraries.NvrtcVariable} to the library's path.");
        }
    }

    private static void Check(int result, string call)
    {
        if (result != NvrtcNative.Success)
        {
            throw new InvalidOperationException($"NVRTC: {call} failed: {NvrtcNative.Describe(result)} ({result}).");
        }
    }
}

/// <summary>NVRTC refused a program; <see cref="Log"/> is its compiler output (errors with line numbers).</summary>
public sealed class NvrtcException : Exception
{
    /// <summary>Creates the exception; the message names the program and architecture and includes the log.</summary>
    public NvrtcException(string program, string arch, int result, string description, string log)
        : base($"NVRTC could not compile '{program}' for {arch}: {description}." + (log.Length == 0 ? string.Empty : Environment.NewLine + log))
    {
        Program = program;
        Arch = arch;
        Result = result;
        Log = log;
    }

    /// <summary>The program's name.</summary>
    public string Program { get; }

    /// <summary>The architecture it was compiled for.</summary>
    public string Arch { get; }

    /// <summary>NVRTC's result code (6, NVRTC_ERROR_COMPILATION, for errors in the source).</summary>
    public int Result { get; }

    /// <summary>NVRTC's program log.</summary>
    public string Log { get; }
}
