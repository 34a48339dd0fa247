using DeepGen.Optim;

namespace DeepGen.Tests.Optim;

public class OptimizerTests
{
    static readonly Func<Tensor[], Optimizer>[] Makers =
    [
        ps => new SGD(ps, lr: 0.1),
        ps => new SGD(ps, lr: 0.05, momentum: 0.9, nesterov: true),
        ps => new Adam(ps, lr: 0.1),
        ps => new AdamW(ps, lr: 0.1, weightDecay: 1e-4, amsgrad: true),
    ];

    public static TheoryData<int> OptimizerIndices => [0, 1, 2, 3];

    [Theory]
    [MemberData(nameof(OptimizerIndices))]
    public void QuadraticMinimisationConverges(int which)
    {
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            var target = OptimHarness.Make([1.5, -2, 0.25, 3, -0.5], [5], dtype);
            var w = Tensor.Zeros([5], dtype).RequiresGrad_();
            var optimizer = Makers[which]([w]);
            double first = 0, last = 0;
            for (int step = 0; step < 300; step++)
            {
                optimizer.ZeroGrad();
                var diff = w - target;
                var loss = (diff * diff).Sum();
                loss.Backward();
                optimizer.Step();
                last = loss.Item<double>();
                if (step == 0) first = last;
            }
            Assert.True(last < 1e-3 * first, $"{optimizer.Name} ({dtype.Name()}): loss went from {first} to {last}");
            Assert.Equal(new[] { 1.5, -2, 0.25, 3, -0.5 }, w.ToArray<double>(), new ToleranceComparer(0.05));
        }
    }

    [Theory]
    [MemberData(nameof(OptimizerIndices))]
    public void A_long_parameter_updated_in_chunks_over_threads_matches_short_parameters_bit_for_bit(int which)
    {
        // 60,003 elements are shared out over the worker threads (chunk edges off the vector width); the same
        // values as three parameters of 20,001 are each updated in one go, so equal bits show that where a
        // chunk ends changes nothing
        const int parts = 3, partLength = 20_001;
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var values = Tensor.Randn([parts * partLength], dtype, new Generator(5));
            var whole = values.Clone().RequiresGrad_();
            var pieces = Enumerable.Range(0, parts).Select(i => values.Narrow(0, i * partLength, partLength).Clone().RequiresGrad_()).ToArray();
            var wholeOptimizer = Makers[which]([whole]);
            var piecesOptimizer = Makers[which](pieces);
            for (int step = 0; step < 3; step++)
            {
                var grad = Tensor.Randn([parts * partLength], dtype, new Generator(10 + (ulong)step));
                whole.Grad = grad.Clone();
                for (int i = 0; i < parts; i++) pieces[i].Grad = grad.Narrow(0, i * partLength, partLength).Clone();
                wholeOptimizer.Step();
                piecesOptimizer.Step();
            }

            var expected = pieces.SelectMany(p => p.Detach().ToArray<double>()).ToArray();
            var actual = whole.Detach().ToArray<double>();
            for (int i = 0; i < actual.Length; i++)
                Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]),
                    $"{wholeOptimizer.Name} ({dtype.Name()}) element {i}: {actual[i]:R} vs {expected[i]:R}");
        }
    }

    [Fact]
    public void PlainSGDDecreasesTheLossAtEveryStep()
    {
        var target = Tensor.FromArray(new double[] { 1, 2, 3 });
        var w = Tensor.Zeros([3], DType.Float64).RequiresGrad_();
        var sgd = new SGD([w], lr: 0.1);
        double previous = double.PositiveInfinity;
        for (int step = 0; step < 20; step++)
        {
            sgd.ZeroGrad();
            var loss = ((w - target) * (w - target)).Sum();
            loss.Backward();
            sgd.Step();
            double value = loss.Item<double>();
            Assert.True(value < previous, $"step {step}: loss {value} did not decrease from {previous}");
            previous = value;
        }
    }

    [Theory]
    [MemberData(nameof(OptimizerIndices))]
    public void StepBumpsTheVersionSoAGraphSavedBeforeTheStepRefusesToBackward(int which)
    {
        var w = Tensor.FromArray(new double[] { 1, 2, 3 }).RequiresGrad_();
        var skipped = Tensor.FromArray(new double[] { 4 }).RequiresGrad_();
        var optimizer = Makers[which]([w, skipped]);
        var loss = (w * w).Sum(); // mul saves w
        w.Grad = Tensor.FromArray(new double[] { 1, 1, 1 });
        int before = w.Version, skippedBefore = skipped.Version;
        optimizer.Step();
        Assert.Equal(before + 1, w.Version);
        Assert.Equal(skippedBefore, skipped.Version); // no gradient, no update
        Assert.Equal(new double[] { 4 }, skipped.ToArray<double>());
        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("mul: one of the tensors needed for gradient computation has been modified by an in-place operation", e.Message);
    }

    [Fact]
    public void ZeroGradDropsOrZeroesTheGradients()
    {
        var a = Tensor.FromArray(new double[] { 1, 2 }).RequiresGrad_();
        var b = Tensor.FromArray(new double[] { 3 }).RequiresGrad_();
        var sgd = new SGD([a, b], lr: 0.1);
        (a * b).Sum().Backward();
        Assert.NotNull(a.Grad);
        sgd.ZeroGrad();
        Assert.Null(a.Grad);
        Assert.Null(b.Grad);

        (a * b).Sum().Backward();
        var grad = a.Grad!;
        sgd.ZeroGrad(setToNone: false);
        Assert.Equal(new double[] { 0, 0 }, a.Grad!.ToArray<double>());
        Assert.Same(grad.Storage, a.Grad.Storage); // zeroed in place
        Assert.Equal(new double[] { 0 }, b.Grad!.ToArray<double>());
        // gradients then accumulate from zero
        (a * b).Sum().Backward();
        Assert.Equal(new double[] { 3, 3 }, a.Grad!.ToArray<double>());
    }

    [Fact]
    public void NonContiguousGradientIsReadCorrectly()
    {
        var w = Tensor.Zeros([2, 3], DType.Float64).RequiresGrad_();
        var sgd = new SGD([w], lr: 1);
        w.Grad = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, 3, 2).T; // [[1, 3, 5], [2, 4, 6]]
        Assert.False(w.Grad.IsContiguous);
        sgd.Step();
        Assert.Equal(new double[] { -1, -3, -5, -2, -4, -6 }, w.ToArray<double>());
    }

    [Fact]
    public void FrozenParametersAreAcceptedAndLeftAlone()
    {
        var frozen = Tensor.Ones([3], DType.Float64);
        var trained = Tensor.Ones([3], DType.Float64).RequiresGrad_();
        var adam = new AdamW([frozen, trained], lr: 0.1);
        trained.Grad = Tensor.Ones([3], DType.Float64);
        adam.Step();
        Assert.Equal(new double[] { 1, 1, 1 }, frozen.ToArray<double>());
        Assert.All(trained.ToArray<double>(), v => Assert.True(v < 1));
    }

    [Fact]
    public void ParameterErrors()
    {
        string Message(Func<object> make) => Assert.Throws<ArgumentException>(make).Message;
        var leaf = Tensor.Zeros([2, 3], DType.Float64).RequiresGrad_();
        Assert.Equal("SGD: can't optimize a non-leaf tensor: parameter 0 (shape [2, 3]) was made by mul; optimize the leaf it was computed from",
            Message(() => new SGD([leaf * 2.0], lr: 0.1)));
        Assert.Equal("Adam: can only optimize float32 or float64 tensors, parameter 1 (shape [4]) is int64",
            Message(() => new Adam([leaf, Tensor.Arange(4)])));
        var transposed = Tensor.Zeros(2, 3).T.RequiresGrad_();
        Assert.Equal("SGD: parameter 0 (shape [3, 2]) is not contiguous (strides [1, 3]); parameters are updated in place over their storage and must be contiguous",
            Message(() => new SGD([transposed], lr: 0.1)));
        Assert.Equal("SGD: parameter 1 (shape [2, 3]) appears more than once; some parameters appear in more than one parameter group",
            Message(() => new SGD([leaf, leaf], lr: 0.1)));
        Assert.Equal("Adam: got an empty parameter list", Message(() => new Adam([])));
        var sgd = new SGD([leaf], lr: 0.1);
        Assert.Equal("SGD: parameter 0 (shape [2, 3]) appears more than once; some parameters appear in more than one parameter group",
            Message(() => sgd.AddParamGroup([leaf])));
    }

    [Fact]
    public void GradientMismatchErrors()
    {
        var w = Tensor.Zeros([3], DType.Float64).RequiresGrad_();
        var adam = new Adam([w]);
        w.Grad = Tensor.Zeros([4], DType.Float64);
        Assert.Equal("Adam: a parameter of shape [3] has a gradient of shape [4]", Assert.Throws<InvalidOperationException>(adam.Step).Message);
        w.Grad = Tensor.Zeros([3], DType.Float32);
        Assert.Equal("Adam: a parameter of dtype float64 (shape [3]) has a gradient of dtype float32", Assert.Throws<InvalidOperationException>(adam.Step).Message);
    }
}
