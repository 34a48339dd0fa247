using DeepGen.Fusion.Emit.Cuda;

namespace DeepGen.Cuda.Tests;

/// <summary>The whole test module, compiled once by g++ for the emulation tests.</summary>
public sealed class EmulatedKernels : IDisposable
{
    public EmulatedKernels()
    {
        Module = CudaEmitter.EmitModule(KernelCases.All.Select(c => c.Kernel));
        Emulator = EmulatedModule.Build(Module);
    }

    public CudaModule Module { get; }

    public EmulatedModule Emulator { get; }

    public void Dispose() => Emulator.Dispose();
}

/// <summary>
/// Every emitted function, run on the CPU (g++ and cuda_emulation.h) at sizes 1, 7, 33 and 1000, strided ones
/// also with rank-2 inputs stored transposed, against the eager runtime's math.
/// </summary>
public class EmulationTests(EmulatedKernels kernels) : IClassFixture<EmulatedKernels>
{
    public static TheoryData<string, string> Functions()
    {
        var data = new TheoryData<string, string>();
        foreach (KernelCase c in KernelCases.All)
        {
            foreach (CudaFunction f in CudaEmitter.Emit(c.Kernel).Functions)
            {
                data.Add(c.Kernel.Name, f.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Functions))]
    public void Emitted_function_matches_the_eager_math(string kernel, string function)
    {
        KernelCase testCase = KernelCases.All.Single(c => c.Kernel.Name == kernel);
        CudaFunction emitted = kernels.Module.Functions.Single(f => f.Name == function);
        var failures = new List<string>();
        foreach (int size in KernelCases.Sizes)
        {
            foreach (bool transposed in emitted.Layout == CudaLayout.Strided ? new[] { false, true } : [false])
            {
                CheckResult result = KernelCheck.Run(testCase, emitted, size, transposed, kernels.Emulator);
                if (!result.Passed)
                {
                    failures.Add(result.ToString());
                }
            }
        }

        Assert.Empty(failures);
    }

    [Fact]
    public void The_check_catches_a_wrong_kernel()
    {
        // relu's kernel checked as if it were sigmoid's: the comparison must fail.
        KernelCase relu = KernelCases.All.Single(c => c.Kernel.Name == "t_relu_f32");
        KernelCase sigmoid = KernelCases.All.Single(c => c.Kernel.Name == "t_sigmoid_f32");
        CudaFunction reluFunction = kernels.Module.Functions.Single(f => f.Name == "t_relu_f32_contiguous");
        var mislabelled = new KernelCase(sigmoid.Kernel with { Name = relu.Kernel.Name }, sigmoid.Domains);

        CheckResult result = KernelCheck.Run(mislabelled, reluFunction, 33, false, kernels.Emulator);

        Assert.False(result.Passed);
        Assert.Contains("expected", result.Detail);
    }
}
