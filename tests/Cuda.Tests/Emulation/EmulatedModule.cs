using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using DeepGen.Fusion.Emit.Cuda;

namespace DeepGen.Cuda.Tests;

/// <summary>
/// An emitted CUDA module compiled by g++ as C++ with <c>cuda_emulation.h</c> into a shared library, plus one
/// <c>dg_launch_NAME(grid, block, args)</c> export per function, loaded into this process.
/// </summary>
public sealed unsafe class EmulatedModule : IKernelLauncher, IDisposable
{
    /// <summary>Blocks and threads per block of each emulated launch: 64 threads, so 1000 elements take several grid-stride turns.</summary>
    public const uint Grid = 2, Block = 32;

    private readonly IntPtr _library;
    private readonly string _folder;

    private EmulatedModule(IntPtr library, string folder)
    {
        _library = library;
        _folder = folder;
    }

    /// <summary>Compiles <paramref name="module"/> with g++; throws with g++'s output when it does not compile.</summary>
    public static EmulatedModule Build(CudaModule module)
    {
        string folder = Path.Combine(Path.GetTempPath(), "deepgen-cuda-emu-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "module.cu"), module.Source);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Emulation", "cuda_emulation.h"), Path.Combine(folder, "cuda_emulation.h"));
        var main = new StringBuilder("#include \"cuda_emulation.h\"\n#include \"module.cu\"\n\n");
        foreach (CudaFunction function in module.Functions)
        {
            main.Append($"extern \"C\" void dg_launch_{function.Name}(unsigned grid, unsigned block, void** args) {{ dg_emu_launch({function.Name}, grid, block, args); }}\n");
        }

        File.WriteAllText(Path.Combine(folder, "main.cpp"), main.ToString());
        string library = Path.Combine(folder, "module.so");
        Run("g++", $"-std=c++20 -O1 -Wall -Werror -Wno-unused-function -shared -fPIC -o \"{library}\" main.cpp", folder);
        return new EmulatedModule(NativeLibrary.Load(library), folder);
    }

    /// <inheritdoc />
    public byte[][] Launch(CudaFunction function, long[] arguments, byte[][] inputs, int[] outputBytes, long count)
    {
        var launch = (delegate* unmanaged<uint, uint, void**, void>)NativeLibrary.GetExport(_library, "dg_launch_" + function.Name);
        byte[][] outputs = outputBytes.Select(n => new byte[Math.Max(n, 1)]).ToArray();
        var handles = new List<GCHandle>();
        try
        {
            long[] values = (long[])arguments.Clone();
            for (int p = 0; p < function.Parameters.Count; p++)
            {
                CudaParam parameter = function.Parameters[p];
                byte[]? buffer = parameter.Kind switch
                {
                    CudaParamKind.Output => outputs[parameter.Index],
                    CudaParamKind.Input => inputs[parameter.Index],
                    _ => null,
                };
                if (buffer is not null)
                {
                    GCHandle handle = GCHandle.Alloc(buffer, GCHandleType.Pinned);
                    handles.Add(handle);
                    values[p] = handle.AddrOfPinnedObject();
                }
            }

            fixed (long* value = values)
            {
                void** parameters = stackalloc void*[Math.Max(values.Length, 1)];
                for (int p = 0; p < values.Length; p++)
                {
                    parameters[p] = value + p;
                }

                launch(Grid, Block, parameters);
            }
        }
        finally
        {
            handles.ForEach(h => h.Free());
        }

        return outputs.Select((o, k) => o.AsSpan(0, outputBytes[k]).ToArray()).ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        NativeLibrary.Free(_library);
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // a leftover temp folder is harmless
        }
    }

    private static void Run(string tool, string arguments, string folder)
    {
        var start = new ProcessStartInfo(tool, arguments)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{tool} is needed to run CUDA kernels on the CPU but could not be started ({e.Message}); .ci/run installs it.", e);
        }

        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{tool} {arguments} failed (exit {process.ExitCode}) in {folder}:\n{stdout.Result}{stderr}");
            }
        }
    }
}
