using BenchmarkDotNet.Attributes;

namespace DeepGen.Benchmarks.Kernels;

/// <summary>The memory-bound row ops at the peer benchmark's sizes, forward and forward+backward.</summary>
[MemoryDiagnoser]
public class RowOpBenchmarks
{
    static readonly int[] NormShape = [1024];
    Tensor x = null!, gy = null!, w = null!, b = null!, logits = null!, targets = null!;

    [GlobalSetup]
    public void Setup()
    {
        Torch.ManualSeed(1);
        x = Tensor.Randn(8192, 1024).RequiresGrad_();
        gy = Tensor.Randn(8192, 1024);
        w = Tensor.Ones(1024).RequiresGrad_();
        b = Tensor.Zeros(1024).RequiresGrad_();
        logits = Tensor.Randn(8192, 1000).RequiresGrad_();
        targets = Tensor.Randint(0, 1000, [8192]);
    }

    [Benchmark]
    public Tensor LayerNormForward()
    {
        using var _ = Torch.NoGrad();
        return F.LayerNorm(x, NormShape, w, b);
    }

    [Benchmark]
    public void LayerNormForwardBackward()
    {
        x.Grad = w.Grad = b.Grad = null;
        F.LayerNorm(x, NormShape, w, b).Backward(gy);
    }

    [Benchmark]
    public Tensor SoftmaxForward()
    {
        using var _ = Torch.NoGrad();
        return F.Softmax(x, -1);
    }

    [Benchmark]
    public void SoftmaxForwardBackward()
    {
        x.Grad = null;
        F.Softmax(x, -1).Backward(gy);
    }

    [Benchmark]
    public void CrossEntropyForwardBackward()
    {
        logits.Grad = null;
        F.CrossEntropy(logits, targets).Backward();
    }

    [Benchmark]
    public Tensor GeluAffine16M()
    {
        using var _ = Torch.NoGrad();
        return F.Gelu(gy * 1.5 + 0.25);
    }
}
