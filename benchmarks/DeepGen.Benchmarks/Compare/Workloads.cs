using DeepGen.Compiled;
using DeepGen.Optim;

namespace DeepGen.Benchmarks.Compare;

/// <summary>
/// The peer benchmark's workloads (float32, same shapes and names) written with DeepGen's eager API.
/// Where the peer asks autograd for gradients without accumulating (<c>torch.autograd.grad</c>), this side
/// runs <c>Backward</c> into gradients cleared before each call, which computes the same tensors.
/// </summary>
internal static class Workloads
{
    public static void Run(string group, Harness h)
    {
        Torch.ManualSeed(1234);
        switch (group)
        {
            case "gemm": Gemm(h); break;
            case "eltwise": Eltwise(h); break;
            case "eltwise.compiled": EltwiseCompiled(h); break;
            case "layernorm": LayerNorm(h); break;
            case "softmax": Softmax(h); break;
            case "mlp": Mlp(h); break;
            case "mlp.compiled": MlpCompiled(h); break;
            case "cnn": Cnn(h, compiled: false); break;
            case "cnn.compiled": Cnn(h, compiled: true); break;
            case "transformer": TransformerBlock.Run(h); break;
            case "transformer.compiled": TransformerBlock.RunCompiled(h); break;
            default: throw new ArgumentException($"unknown group {group}");
        }
    }

    static void Gemm(Harness h)
    {
        foreach (int n in new[] { 256, 512, 1024, 2048 })
        {
            var a = Tensor.Randn(n, n);
            var b = Tensor.Randn(n, n);
            var t = h.Time(() => a.MatMul(b));
            Harness.EmitRate($"gemm.n{n}", t, 2.0 * n * n * n, 1e9, "GFLOP/s");
            Harness.Emit($"gemm.n{n}.time", t.Median, "ms");
        }
        var x = Tensor.Randn(128, 784);
        var w = Tensor.Randn(784, 256);
        var mm = h.Time(() => x.MatMul(w));
        Harness.EmitRate("gemm.mlp_128x784x256", mm, 2.0 * 128 * 784 * 256, 1e9, "GFLOP/s");
        Harness.Emit("gemm.mlp_128x784x256.time", mm.Median * 1e3, "us");
        // the same product the way nn.Linear stores it: x · Wᵀ with W [256x784] (+ bias)
        var wt = Tensor.Randn(256, 784);
        var bias = Tensor.Randn(256);
        var linear = h.Time(() => F.Linear(x, wt, bias));
        Harness.EmitRate("gemm.linear_128x784x256", linear, 2.0 * 128 * 784 * 256, 1e9, "GFLOP/s");
    }

    static void Eltwise(Harness h)
    {
        const int rows = 4096, cols = 4096;
        double bytes = 2.0 * rows * cols * sizeof(float); // one read of x, one write of y
        var x = Tensor.Randn(rows, cols);
        var va = Tensor.Randn(cols);
        var vb = Tensor.Randn(cols);
        (string Name, Action Body)[] figures =
        [
            ("scalar", () => F.Gelu(x * 1.5 + 0.25)),
            ("vector", () => F.Gelu(x * va + vb)),
            ("gelu_only", () => F.Gelu(x)),
            ("clone", () => x.Clone()),
        ];
        // as written (outputs left to the collector), then each call in a dispose scope as the peer runs them
        foreach (var (group, scoped) in new[] { ("eltwise", false), ("eltwise.scoped", true) })
            foreach (var (name, body) in figures)
            {
                var t = h.Time(scoped ? Harness.Scoped(body) : body);
                Harness.EmitMs($"{group}.{name}", t);
                Harness.EmitRate($"{group}.{name}.bw", t, bytes, 1e9, "GB/s");
            }
        Harness.Note("eltwise.vector_inplace: not run (DeepGen has no in-place gelu)");
    }

    /// <summary>The two gelu chains of <c>eltwise</c> through models compiled into one fused pass each.</summary>
    static void EltwiseCompiled(Harness h)
    {
        const int rows = 4096, cols = 4096;
        double bytes = 2.0 * rows * cols * sizeof(float);
        var x = Tensor.Randn(rows, cols);
        ITensorModule vector = new CompiledGeluAffine();
        ITensorModule scalar = new CompiledGeluScalar();
        CompiledDispatch.ThrowOnFallback = true;
        try
        {
            foreach (var (name, model) in new[] { ("scalar", scalar), ("vector", vector) })
            {
                long calls = CompiledDispatch.CompiledCalls;
                model.Forward(x);
                if (CompiledDispatch.CompiledCalls != calls + 1)
                    throw new InvalidOperationException($"eltwise.compiled.{name}: the model did not run compiled");
                Harness.WarmUp(() => model.Forward(x));
                var t = h.Time(() => model.Forward(x));
                Harness.EmitMs($"eltwise.compiled.{name}", t);
                Harness.EmitRate($"eltwise.compiled.{name}.bw", t, bytes, 1e9, "GB/s");
                t = h.Time(Harness.Scoped(() => model.Forward(x)));
                Harness.EmitMs($"eltwise.compiled.scoped.{name}", t);
                Harness.EmitRate($"eltwise.compiled.scoped.{name}.bw", t, bytes, 1e9, "GB/s");
            }
        }
        finally
        {
            CompiledDispatch.ThrowOnFallback = false;
        }
    }

    static void LayerNorm(Harness h)
    {
        int[] shape = [1024];
        var x = Tensor.Randn(8192, 1024);
        var w = Tensor.Ones(1024);
        var b = Tensor.Zeros(1024);
        using (Torch.NoGrad())
            Harness.EmitMs("layernorm.fwd", h.Time(() => F.LayerNorm(x, shape, w, b)));

        var xg = Tensor.Randn(8192, 1024).RequiresGrad_();
        var wg = Tensor.Ones(1024).RequiresGrad_();
        var bg = Tensor.Zeros(1024).RequiresGrad_();
        var gy = Tensor.Randn(8192, 1024);
        Harness.EmitMs("layernorm.fwdbwd", h.Time(() =>
        {
            ClearGrads(xg, wg, bg);
            F.LayerNorm(xg, shape, wg, bg).Backward(gy);
        }));
    }

    static void Softmax(Harness h)
    {
        var x = Tensor.Randn(8192, 1024);
        using (Torch.NoGrad())
            Harness.EmitMs("softmax.fwd", h.Time(() => F.Softmax(x, -1)));
        var xg = Tensor.Randn(8192, 1024).RequiresGrad_();
        var gy = Tensor.Randn(8192, 1024);
        Harness.EmitMs("softmax.fwdbwd", h.Time(() =>
        {
            ClearGrads(xg);
            F.Softmax(xg, -1).Backward(gy);
        }));

        var logits = Tensor.Randn(8192, 1000);
        var targets = Tensor.Randint(0, 1000, [8192]);
        using (Torch.NoGrad())
            Harness.EmitMs("xent.fwd", h.Time(() => F.CrossEntropy(logits, targets)));
        var lg = Tensor.Randn(8192, 1000).RequiresGrad_();
        Harness.EmitMs("xent.fwdbwd", h.Time(() =>
        {
            ClearGrads(lg);
            F.CrossEntropy(lg, targets).Backward();
        }));
        // as the peer measures it: each step in a dispose scope, whose end frees the gradient too (the peer's
        // autograd.grad returns it into the scope; a leaf's .Grad stays out of scopes, so it is disposed here)
        Harness.EmitMs("xent.scoped.fwdbwd", h.Time(Harness.Scoped(() =>
        {
            F.CrossEntropy(lg, targets).Backward();
            lg.Grad!.Dispose();
            lg.Grad = null;
        })));
    }

    static void Mlp(Harness h)
    {
        var model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 256), new ReLU(), new Linear(256, 10));
        var opt = new SGD(model.Parameters(), lr: 0.01);
        var xb = Tensor.Randn(128, 784);
        var yb = Tensor.Randint(0, 10, [128]);
        Action step = () =>
        {
            model.ZeroGrad();          // set_to_none, as PyTorch's default
            F.CrossEntropy(model.Forward(xb), yb).Backward();
            opt.Step();
        };
        var t = h.Time(step);
        Harness.EmitMs("mlp.train_step", t);
        Harness.Emit("mlp.train_steps_per_s", 1e3 / t.Median, "steps/s");
        Harness.Emit("mlp.train_steps_per_s.best", 1e3 / t.Best, "steps/s");

        // the same step inside a dispose scope: its buffers go back to the pool for the next step
        var scoped = Harness.Scoped(step);
        Harness.EmitMs("mlp.scoped.train_step", h.Time(scoped));
        StepMemory.EmitAllocated("mlp.scoped", scoped);
        StepMemory.EmitAllocated("mlp", step);

        model.Eval();
        var x1 = Tensor.Randn(1, 784);
        using (Torch.NoGrad())
        {
            Harness.EmitUs("mlp.infer_b1", h.Time(() => model.Forward(x1)));
            var batch = h.Time(() => model.Forward(xb));
            Harness.EmitUs("mlp.infer_b128", batch);
            Harness.EmitRate("mlp.infer_b128.throughput", batch, 128, 1, "samples/s");
        }
    }

    /// <summary>
    /// <c>mlp.compiled.train_step</c>: the <see cref="Mlp"/> step with the model compiled by the generator
    /// (<see cref="CompiledMlp"/>), the loss and the optimizer eager. Fails rather than time a fallback to eager.
    /// </summary>
    static void MlpCompiled(Harness h)
    {
        var model = new CompiledMlp();
        ITensorModule compiled = model;
        var opt = new SGD(model.Parameters(), lr: 0.01);
        var xb = Tensor.Randn(128, 784);
        var yb = Tensor.Randint(0, 10, [128]);
        CompiledDispatch.ThrowOnFallback = true;
        try
        {
            string node = compiled.Forward(xb).GradFn?.Name ?? "none";
            if (node != "CompiledMlp.CompiledBackward")
                throw new InvalidOperationException($"mlp.compiled: the model did not run compiled (gradient node {node})");
            Action step = () =>
            {
                model.ZeroGrad();
                F.CrossEntropy(compiled.Forward(xb), yb).Backward();
                opt.Step();
            };
            Harness.WarmUp(step);
            var t = h.Time(step);
            Harness.EmitMs("mlp.compiled.train_step", t);
            Harness.Emit("mlp.compiled.train_steps_per_s", 1e3 / t.Median, "steps/s");

            // inference as the peer times it: eval mode, no gradients (the generated no-grad forward)
            model.Eval();
            var x1 = Tensor.Randn(1, 784);
            using (Torch.NoGrad())
            {
                long calls = CompiledDispatch.CompiledCalls;
                compiled.Forward(x1);
                if (CompiledDispatch.CompiledCalls != calls + 1)
                    throw new InvalidOperationException("mlp.compiled: inference did not run compiled");
                Harness.WarmUp(() => compiled.Forward(x1));
                Harness.EmitUs("mlp.compiled.infer_b1", h.Time(() => compiled.Forward(x1)));
                var tb = h.Time(() => compiled.Forward(xb));
                Harness.EmitUs("mlp.compiled.infer_b128", tb);
                Harness.EmitRate("mlp.compiled.infer_b128.throughput", tb, 128, 1, "samples/s");
            }
        }
        finally
        {
            CompiledDispatch.ThrowOnFallback = false;
        }
    }

    /// <summary>
    /// One training step of the Fashion-MNIST example's ConvNet (train mode, batch 64, cross entropy, Adam lr
    /// 1e-3, as the example trains it) on random images: the model called through its user-written Forward
    /// (eager) or through the generated ITensorModule.Forward (compiled). An epoch of the example is 938 steps.
    /// </summary>
    static void Cnn(Harness h, bool compiled)
    {
        var model = new DeepGen.Examples.FashionMnist.ConvNet();
        model.Train();
        var opt = new Adam(model.Parameters(), lr: 1e-3);
        var xb = Tensor.Randn(64, 1, 28, 28);
        var yb = Tensor.Randint(0, 10, [64]);
        Func<Tensor, Tensor> forward = compiled ? ((ITensorModule)model).Forward : model.Forward;
        string name = compiled ? "cnn.compiled" : "cnn";
        CompiledDispatch.ThrowOnFallback = compiled;
        try
        {
            string node = forward(xb).GradFn?.Name ?? "none";
            if (compiled != (node == "ConvNet.CompiledTrainBackward"))
                throw new InvalidOperationException($"{name}: the model ran the wrong path (gradient node {node})");
            Action step = () =>
            {
                model.ZeroGrad();
                F.CrossEntropy(forward(xb), yb).Backward();
                opt.Step();
            };
            Harness.WarmUp(step);
            var t = h.Time(step);
            Harness.EmitMs($"{name}.train_step", t);
            Harness.Emit($"{name}.train_steps_per_s", 1e3 / t.Median, "steps/s");
        }
        finally
        {
            CompiledDispatch.ThrowOnFallback = false;
        }
    }

    static void ClearGrads(params Tensor[] leaves)
    {
        foreach (var leaf in leaves) leaf.Grad = null;
    }
}
