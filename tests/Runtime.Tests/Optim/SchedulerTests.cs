using DeepGen.Optim;

namespace DeepGen.Tests.Optim;

public class SchedulerTests
{
    /// <summary>An SGD optimizer with two groups (initial learning rates 0.1 and 0.02).</summary>
    static SGD TwoGroups()
    {
        var sgd = new SGD([Tensor.Zeros(2).RequiresGrad_()], lr: 0.1);
        sgd.AddParamGroup([Tensor.Zeros(3).RequiresGrad_()]).LearningRate = 0.02;
        return sgd;
    }

    /// <summary>Checks epochs 0..epochs against a closed form: after construction (epoch 0) and after each Step.</summary>
    static void FollowsClosedForm(Optimizer optimizer, LRScheduler scheduler, Func<double, int, double> expected, int epochs = 25)
    {
        double[] bases = [.. optimizer.ParamGroups.Select(g => g.InitialLR!.Value)];
        for (int epoch = 0; epoch <= epochs; epoch++)
        {
            if (epoch > 0) scheduler.Step();
            Assert.Equal(epoch, scheduler.LastEpoch);
            for (int g = 0; g < bases.Length; g++)
            {
                double want = expected(bases[g], epoch);
                Assert.True(Math.Abs(optimizer.ParamGroups[g].LearningRate - want) <= 1e-15 * Math.Max(1, want),
                    $"epoch {epoch}, group {g}: lr {optimizer.ParamGroups[g].LearningRate:R}, expected {want:R}");
                Assert.Equal(optimizer.ParamGroups[g].LearningRate, scheduler.LastLR[g]);
                Assert.Equal(optimizer.ParamGroups[g].LearningRate, scheduler.GetLastLR()[g]);
            }
        }
    }

    [Fact]
    public void StepLRDecaysEveryStepSizeEpochs()
    {
        var sgd = TwoGroups();
        var scheduler = new StepLR(sgd, stepSize: 3, gamma: 0.5);
        Assert.Equal([0.1, 0.02], scheduler.BaseLRs);
        FollowsClosedForm(sgd, scheduler, (lr, e) => lr * Math.Pow(0.5, e / 3));
        Assert.Equal(0.1 * Math.Pow(0.5, 8), sgd.ParamGroups[0].LearningRate, 15);
    }

    [Fact]
    public void StepLRWithDefaultGammaDividesByTen()
    {
        var sgd = new SGD([Tensor.Zeros(1).RequiresGrad_()], lr: 0.05);
        var scheduler = new StepLR(sgd, stepSize: 30);
        var lrs = new List<double>();
        for (int e = 0; e < 90; e++)
        {
            lrs.Add(sgd.ParamGroups[0].LearningRate);
            scheduler.Step();
        }
        Assert.All(lrs.Take(30), lr => Assert.Equal(0.05, lr));
        Assert.All(lrs.Skip(30).Take(30), lr => Assert.Equal(0.005, lr, 15));
        Assert.All(lrs.Skip(60), lr => Assert.Equal(0.0005, lr, 15));
    }

    [Fact]
    public void CosineAnnealingFollowsPyTorchsClosedFormPastTMax()
    {
        var sgd = TwoGroups();
        var scheduler = new CosineAnnealingLR(sgd, tMax: 10, etaMin: 0.001);
        FollowsClosedForm(sgd, scheduler, (lr, e) => 0.001 + (lr - 0.001) * (1 + Math.Cos(Math.PI * e / 10)) / 2, epochs: 30);

        var fresh = new SGD([Tensor.Zeros(1).RequiresGrad_()], lr: 1);
        var cosine = new CosineAnnealingLR(fresh, tMax: 4);
        Assert.Equal(1.0, fresh.ParamGroups[0].LearningRate);
        for (int i = 0; i < 4; i++) cosine.Step();
        Assert.Equal(0.0, fresh.ParamGroups[0].LearningRate, 15); // reaches etaMin at tMax
    }

    [Fact]
    public void LinearLRWarmsUpThenStaysConstant()
    {
        var sgd = TwoGroups();
        var scheduler = new LinearLR(sgd);
        FollowsClosedForm(sgd, scheduler, (lr, e) => lr * (1.0 / 3 + (1 - 1.0 / 3) * Math.Min(e, 5) / 5));
        Assert.Equal(0.1, sgd.ParamGroups[0].LearningRate, 15);

        var decay = new SGD([Tensor.Zeros(1).RequiresGrad_()], lr: 0.5);
        FollowsClosedForm(decay, new LinearLR(decay, startFactor: 1, endFactor: 0.1, totalIters: 8), (lr, e) => lr * (1 + (0.1 - 1) * Math.Min(e, 8) / 8));
    }

    [Fact]
    public void SequentialLRChainsWarmUpThenCosine()
    {
        var sgd = TwoGroups();
        var warmup = new LinearLR(sgd, startFactor: 0.1, totalIters: 5);
        var cosine = new CosineAnnealingLR(sgd, tMax: 15, etaMin: 1e-4);
        var scheduler = new SequentialLR(sgd, [warmup, cosine], milestones: [5]);
        FollowsClosedForm(sgd, scheduler, (lr, e) =>
            e < 5 ? lr * (0.1 + 0.9 * e / 5.0) : 1e-4 + (lr - 1e-4) * (1 + Math.Cos(Math.PI * (e - 5) / 15)) / 2, epochs: 25);
        Assert.Equal(20, cosine.LastEpoch);
        Assert.Equal(scheduler.LastLR, cosine.LastLR);
    }

    [Fact]
    public void SequentialLRWithThreePhases()
    {
        var sgd = new SGD([Tensor.Zeros(1).RequiresGrad_()], lr: 1);
        var scheduler = new SequentialLR(sgd,
            [new LinearLR(sgd, startFactor: 0.25, totalIters: 4), new StepLR(sgd, stepSize: 2, gamma: 0.5), new LambdaLR(sgd, e => 1.0 / (e + 1))],
            milestones: [4, 10]);
        FollowsClosedForm(sgd, scheduler, (lr, e) =>
            e < 4 ? lr * (0.25 + 0.75 * e / 4) : e < 10 ? lr * Math.Pow(0.5, (e - 4) / 2) : lr / (e - 10 + 1));
    }

    [Fact]
    public void TheFirstSchedulerRecordsTheInitialLearningRate()
    {
        var sgd = new SGD([Tensor.Zeros(1).RequiresGrad_()], lr: 0.3);
        Assert.Null(sgd.ParamGroups[0].InitialLR);
        _ = new LinearLR(sgd, startFactor: 0.5);
        Assert.Equal(0.15, sgd.ParamGroups[0].LearningRate, 15);
        Assert.Equal(0.3, sgd.ParamGroups[0].InitialLR);
        var second = new StepLR(sgd, stepSize: 1, gamma: 0.5); // bases on 0.3, not on the current 0.15
        Assert.Equal([0.3], second.BaseLRs);
        Assert.Equal(0.3, sgd.ParamGroups[0].LearningRate);
    }

    [Fact]
    public void ScheduledLearningRateDrivesTheUpdate()
    {
        var w = Tensor.Zeros([1], DType.Float64).RequiresGrad_();
        var sgd = new SGD([w], lr: 1);
        var scheduler = new StepLR(sgd, stepSize: 1, gamma: 0.5);
        double expected = 0;
        for (int e = 0; e < 5; e++)
        {
            w.Grad = Tensor.FromArray(new double[] { 1 });
            sgd.Step();
            expected -= Math.Pow(0.5, e);
            scheduler.Step();
        }
        Assert.Equal(expected, w.ToArray<double>()[0], 15);
    }

    [Fact]
    public void SchedulerStateDictRestoresThePosition()
    {
        var sgd = TwoGroups();
        var scheduler = new CosineAnnealingLR(sgd, tMax: 10);
        for (int i = 0; i < 4; i++) scheduler.Step();
        var state = scheduler.StateDict();
        Assert.Equal(4, state["last_epoch"]);
        Assert.Equal(0.02, state["base_lrs.1"]);

        var other = TwoGroups();
        var restored = new CosineAnnealingLR(other, tMax: 10);
        restored.LoadStateDict(state);
        Assert.Equal(4, restored.LastEpoch);
        scheduler.Step();
        restored.Step();
        Assert.Equal(scheduler.LastLR, restored.LastLR);
        Assert.Equal(sgd.ParamGroups[1].LearningRate, other.ParamGroups[1].LearningRate);
    }

    [Fact]
    public void SchedulerErrors()
    {
        var sgd = new SGD([Tensor.Zeros(1).RequiresGrad_()], lr: 0.1);
        string Message(Func<object> make) => Assert.Throws<ArgumentException>(make).Message;
        Assert.Equal("StepLR: stepSize must be positive, got 0", Message(() => new StepLR(sgd, 0)));
        Assert.Equal("StepLR: gamma must be finite and >= 0, got -0.5", Message(() => new StepLR(sgd, 2, -0.5)));
        Assert.Equal("CosineAnnealingLR: tMax must be positive, got 0", Message(() => new CosineAnnealingLR(sgd, 0)));
        Assert.Equal("LinearLR: starting multiplicative factor expected to be greater than 0 and less or equal to 1, got 0", Message(() => new LinearLR(sgd, startFactor: 0)));
        Assert.Equal("LinearLR: ending multiplicative factor expected to be between 0 and 1, got 1.5", Message(() => new LinearLR(sgd, endFactor: 1.5)));
        Assert.Equal("LinearLR: totalIters must be positive, got 0", Message(() => new LinearLR(sgd, totalIters: 0)));

        var a = new StepLR(sgd, 2);
        var b = new StepLR(sgd, 3);
        Assert.Equal("SequentialLR: expects number of schedulers provided to be one more than the number of milestone points, but got 2 schedulers and 2 milestones",
            Message(() => new SequentialLR(sgd, [a, b], [2, 4])));
        Assert.Equal("SequentialLR: milestones must be positive and strictly increasing, got [3, 3]",
            Message(() => new SequentialLR(sgd, [a, b, a], [3, 3])));
        Assert.Equal("SequentialLR: expects at least one scheduler", Message(() => new SequentialLR(sgd, [], [])));
        var otherOptimizer = new SGD([Tensor.Zeros(1).RequiresGrad_()], lr: 0.1);
        Assert.Equal("SequentialLR: expects all schedulers to belong to the same optimizer, but the scheduler at index 1 (StepLR) has a different one",
            Message(() => new SequentialLR(sgd, [a, new StepLR(otherOptimizer, 1)], [2])));

        sgd.AddParamGroup([Tensor.Zeros(1).RequiresGrad_()]);
        Assert.Equal("StepLR: the optimizer has 2 parameter groups, but the scheduler was made for 1; create the scheduler after adding every group",
            Assert.Throws<InvalidOperationException>(a.Step).Message);
    }
}
