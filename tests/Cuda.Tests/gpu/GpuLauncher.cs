using DeepGen.Cuda.Tests;
using DeepGen.Fusion.Emit.Cuda;

namespace DeepGen.Cuda.GpuCheck;

/// <summary>Launches the functions of one loaded module on the current CUDA context, with device buffers per call.</summary>
internal sealed unsafe class GpuLauncher(IntPtr module) : IKernelLauncher
{
    /// <summary>Threads per block.</summary>
    public const uint Block = 128;

    /// <summary>At most this many blocks, so the larger sizes take several grid-stride turns.</summary>
    public const uint MaxGrid = 4;

    private readonly Dictionary<string, IntPtr> _functions = new(StringComparer.Ordinal);

    public byte[][] Launch(CudaFunction function, long[] arguments, byte[][] inputs, int[] outputBytes, long count)
    {
        if (!_functions.TryGetValue(function.Name, out IntPtr handle))
        {
            Driver.Check(Driver.ModuleGetFunction(out handle, module, function.Name), "cuModuleGetFunction(" + function.Name + ")");
            _functions[function.Name] = handle;
        }

        var allocations = new List<ulong>();
        try
        {
            ulong[] inputPointers = inputs.Select(bytes => Upload(bytes, allocations)).ToArray();
            ulong[] outputPointers = outputBytes.Select(n => Allocate(n, allocations)).ToArray();
            long[] values = (long[])arguments.Clone();
            for (int p = 0; p < function.Parameters.Count; p++)
            {
                CudaParam parameter = function.Parameters[p];
                if (parameter.Kind == CudaParamKind.Input)
                {
                    values[p] = (long)inputPointers[parameter.Index];
                }
                else if (parameter.Kind == CudaParamKind.Output)
                {
                    values[p] = (long)outputPointers[parameter.Index];
                }
            }

            uint grid = (uint)Math.Clamp((count + Block - 1) / Block, 1, MaxGrid);
            fixed (long* value = values)
            {
                void** parameters = stackalloc void*[Math.Max(values.Length, 1)];
                for (int p = 0; p < values.Length; p++)
                {
                    parameters[p] = value + p;
                }

                Driver.Check(Driver.LaunchKernel(handle, grid, 1, 1, Block, 1, 1, 0, IntPtr.Zero, parameters, null), "cuLaunchKernel(" + function.Name + ")");
            }

            Driver.Check(Driver.CtxSynchronize(), "cuCtxSynchronize after " + function.Name);
            var outputs = new byte[outputBytes.Length][];
            for (int k = 0; k < outputs.Length; k++)
            {
                outputs[k] = new byte[outputBytes[k]];
                fixed (byte* destination = outputs[k])
                {
                    Driver.Check(Driver.MemcpyDtoH(destination, outputPointers[k], (nuint)outputBytes[k]), "cuMemcpyDtoH");
                }
            }

            return outputs;
        }
        finally
        {
            allocations.ForEach(pointer => Driver.MemFree(pointer));
        }
    }

    private static ulong Allocate(int bytes, List<ulong> allocations)
    {
        Driver.Check(Driver.MemAlloc(out ulong pointer, (nuint)Math.Max(bytes, 1)), "cuMemAlloc");
        allocations.Add(pointer);
        return pointer;
    }

    private static ulong Upload(byte[] bytes, List<ulong> allocations)
    {
        ulong pointer = Allocate(bytes.Length, allocations);
        fixed (byte* source = bytes)
        {
            Driver.Check(Driver.MemcpyHtoD(pointer, source, (nuint)bytes.Length), "cuMemcpyHtoD");
        }

        return pointer;
    }
}
