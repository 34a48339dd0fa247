using System.Text.RegularExpressions;
using DeepGen.Fusion.Emit.Cuda;

namespace DeepGen.Cuda.Tests;

/// <summary>
/// Every emitted kernel compiles with a real NVRTC. These tests fail (never skip) when NVRTC cannot be loaded:
/// <c>.ci/run</c> installs Debian's libnvrtc11.2.
/// </summary>
public class NvrtcTests
{
    private static readonly CudaModule Module = CudaEmitter.EmitModule(KernelCases.All.Select(c => c.Kernel));

    [Fact]
    public void Nvrtc_loads()
    {
        Assert.True(NvrtcCompiler.IsAvailable, NvrtcCompiler.LibraryDescription + " (.ci/run installs Debian's libnvrtc11.2 from contrib/non-free)");
        Assert.True(NvrtcCompiler.Version >= new Version(11, 2), $"NVRTC {NvrtcCompiler.Version} is older than 11.2");
    }

    [Theory]
    [InlineData("compute_80")]
    [InlineData("compute_90")]
    public void Every_emitted_kernel_compiles_to_ptx(string arch)
    {
        string ptx = NvrtcCompiler.Compile(Module.Source, "deepgen_test_kernels.cu", arch);

        Assert.Contains(".target sm_" + arch["compute_".Length..], ptx);
        var entries = Regex.Matches(ptx, @"\.entry\s+(\w+)").Select(m => m.Groups[1].Value).ToHashSet();
        string[] missing = Module.Functions.Select(f => f.Name).Where(name => !entries.Contains(name)).ToArray();
        Assert.True(missing.Length == 0, "not in the PTX: " + string.Join(", ", missing));
        Assert.True(Module.Functions.Count > 200, $"only {Module.Functions.Count} functions");
    }

    [Fact]
    public void A_real_architecture_gives_a_cubin()
    {
        CudaModule one = CudaEmitter.Emit(KernelCases.All[0].Kernel);
        byte[] cubin = NvrtcCompiler.CompileCubin(one.Source, "one.cu", "sm_90");
        Assert.Equal([0x7f, (byte)'E', (byte)'L', (byte)'F'], cubin.Take(4));
    }

    [Fact]
    public void A_compile_error_carries_nvrtcs_log()
    {
        const string source = "extern \"C\" __global__ void broken(float* out) {\n    out[0] = undefined_name;\n}\n";
        var error = Assert.Throws<NvrtcException>(() => NvrtcCompiler.Compile(source, "broken.cu", "compute_80"));

        Assert.Equal(6, error.Result);
        Assert.Contains("broken.cu(2)", error.Log);
        Assert.Contains("undefined_name", error.Log);
        Assert.Contains("NVRTC could not compile 'broken.cu' for compute_80", error.Message);
        Assert.Contains(error.Log, error.Message);
    }

    [Fact]
    public void A_malformed_architecture_is_refused_before_nvrtc_runs()
    {
        Assert.Contains("'volta' is not a GPU architecture", Assert.Throws<ArgumentException>(() => NvrtcCompiler.Compile("", "x.cu", "volta")).Message);
        Assert.Contains("needs a real architecture", Assert.Throws<ArgumentException>(() => NvrtcCompiler.CompileCubin("", "x.cu", "compute_90")).Message);
    }
}
