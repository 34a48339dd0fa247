using System.Runtime.InteropServices;

namespace DeepGen.Cuda;

/// <summary>The NVRTC C API (nvrtc.h), bound with <c>[LibraryImport]</c>: no reflection, NativeAOT-safe.</summary>
internal static unsafe partial class NvrtcNative
{
    /// <summary>NVRTC_SUCCESS.</summary>
    public const int Success = 0;

    /// <summary>NVRTC_ERROR_COMPILATION: the source did not compile; the program log says why.</summary>
    public const int CompilationError = 6;

    static NvrtcNative() => CudaLibraries.EnsureResolver();

    [LibraryImport(CudaLibraries.Nvrtc, EntryPoint = "nvrtcVersion")]
    public static partial int Version(out int major, out int minor);

    [LibraryImport(CudaLibraries.Nvrtc, EntryPoint = "nvrtcGetErrorString")]
    public static partial byte* GetErrorString(int result);

    [LibraryImport(CudaLibraries.Nvrtc, EntryPoint = "nvrtcCreateProgram", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int CreateProgram(out IntPtr program, string source, string name, int headerCount, IntPtr headers, IntPtr includeNames);

    [LibraryImport(CudaLibraries.Nvrtc, EntryPoint = "nvrtcDestroyProgram")]
    public static partial int DestroyProgram(ref IntPtr program);

    [LibraryImport(CudaLibraries.Nvrtc, EntryPoint = "nvrtcCompileProgram")]
    public static partial int CompileProgram(IntPtr program, int optionCount, IntPtr* options);

    [LibraryImport(CudaLibraries.Nvrtc, EntryPoint = "nvrtcGetProgramLogSize")]
    public static partial int GetProgramLogSize(IntPtr program, out nuint size);

    [LibraryImport(CudaLibraries.Nvrtc, EntryPoint = "nvrtcGetProgramLog")]
    public static partial int GetProgramLog(IntPtr program, byte* log);

    [LibraryImport(CudaLibraries.Nvrtc, EntryPoint = "nvrtcGetPTXSize")]
    public static partial int GetPtxSize(IntPtr program, out nuint size);

    [LibraryImport(CudaLibraries.Nvrtc, EntryPoint = "nvrtcGetPTX")]
    public static partial int GetPtx(IntPtr program, byte* ptx);

    [LibraryImport(CudaLibraries.Nvrtc, EntryPoint = "nvrtcGetCUBINSize")]
    public static partial int GetCubinSize(IntPtr program, out nuint size);

    [LibraryImport(CudaLibraries.Nvrtc, EntryPoint = "nvrtcGetCUBIN")]
    public static partial int GetCubin(IntPtr program, byte* cubin);

    /// <summary>NVRTC's text for a result code.</summary>
    public static string Describe(int result)
    {
        byte* text = GetErrorString(result);
        return text == null ? $"NVRTC error {result}" : Marshal.PtrToStringUTF8((IntPtr)text) ?? $"NVRTC error {result}";
    }
}
