using BenchmarkDotNet.Attributes;

namespace DeepGen.Benchmarks.Kernels;

/// <summary>Square float32 products and the MLP's first layer, plain, transposed and as Linear (+bias).</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    Tensor a = null!, b = null!, x = null!, w = null!, weight = null!, bias = null!;

    [Params(256, 1024)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Torch.ManualSeed(1);
        a = Tensor.Randn(N, N);
        b = Tensor.Randn(N, N);
        x = Tensor.Randn(128, 784);
        w = Tensor.Randn(784, 256);
        weight = Tensor.Randn(256, 784);
        bias = Tensor.Randn(256);
    }

    [Benchmark]
    public Tensor Square() => a.MatMul(b);

    [Benchmark]
    public Tensor SquareTransposedB() => a.MatMul(b.T);

    [Benchmark]
    public Tensor Mlp128x784x256() => x.MatMul(w);

    [Benchmark]
    public Tensor Linear128x784x256() => F.Linear(x, weight, bias);
}
