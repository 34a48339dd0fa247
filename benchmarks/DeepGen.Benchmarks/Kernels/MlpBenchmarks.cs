using DeepGen.Optim;
using BenchmarkDotNet.Attributes;

namespace DeepGen.Benchmarks.Kernels;

/// <summary>The peer benchmark's MLP (784-256-256-10): one SGD training step at batch 128, inference at batch 1.</summary>
[MemoryDiagnoser]
public class MlpBenchmarks
{
    Sequential model = null!;
    SGD optimizer = null!;
    Tensor xb = null!, yb = null!, x1 = null!;

    [GlobalSetup]
    public void Setup()
    {
        Torch.ManualSeed(1);
        model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 256), new ReLU(), new Linear(256, 10));
        optimizer = new SGD(model.Parameters(), lr: 0.01);
        xb = Tensor.Randn(128, 784);
        yb = Tensor.Randint(0, 10, [128]);
        x1 = Tensor.Randn(1, 784);
    }

    [Benchmark]
    public void TrainStep()
    {
        model.ZeroGrad();
        F.CrossEntropy(model.Forward(xb), yb).Backward();
        optimizer.Step();
    }

    [Benchmark]
    public Tensor InferBatch1()
    {
        using var _ = Torch.NoGrad();
        return model.Forward(x1);
    }
}
