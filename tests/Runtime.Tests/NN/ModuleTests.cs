namespace DeepGen.Tests;

public class ModuleTests
{
    /// <summary>A hand-written model, as a user without the generator would write one.</summary>
    sealed class Net : Module, ITensorModule
    {
        public readonly Linear Fc1 = new(4, 3);
        public readonly BatchNorm1d Bn = new(3);
        public readonly Sequential Head = new(new ReLU(), new Linear(3, 2));

        public Tensor Forward(Tensor x) => Head.Forward(Bn.Forward(Fc1.Forward(x)));

        protected internal override void VisitMembers(IModuleVisitor visitor)
        {
            visitor.Module("fc1", Fc1);
            visitor.Module("bn", Bn);
            visitor.Module("head", Head);
        }
    }

    [Fact]
    public void NamesFollowPyTorch()
    {
        var net = new Net();
        Assert.Equal(new[] { "fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "head.1.weight", "head.1.bias" }, net.NamedParameters().Select(p => p.Key));
        Assert.Equal(
            new[] { "fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked", "head.1.weight", "head.1.bias" },
            net.StateDict().Keys);
        Assert.Equal(new[] { "", "fc1", "bn", "head", "head.0", "head.1" }, net.NamedModules().Select(m => m.Key));
    }

    [Fact]
    public void TrainAndEvalReachEveryDescendant()
    {
        var net = new Net();
        net.Eval();
        Assert.All(net.NamedModules(), m => Assert.False(m.Value.Training));
        net.Train();
        Assert.All(net.NamedModules(), m => Assert.True(m.Value.Training));
    }

    [Fact]
    public void ZeroGradClearsGradients()
    {
        var net = new Net();
        net.Forward(Tensor.Randn(5, 4)).Sum().Backward();
        Assert.All(net.Parameters(), p => Assert.NotNull(p.Grad));
        net.ZeroGrad(setToNone: false);
        Assert.All(net.Parameters(), p => Assert.All(p.Grad!.ToArray<float>(), v => Assert.Equal(0f, v)));
        net.ZeroGrad();
        Assert.All(net.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void StateDictRoundTripIntoAFreshModel()
    {
        var a = new Net();
        a.Forward(Tensor.Randn(6, 4));  // moves the running statistics
        var b = new Net();
        var result = b.LoadStateDict(a.StateDict());
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        a.Eval();
        b.Eval();
        var x = Tensor.Randn(3, 4);
        Assert.Equal(a.Forward(x).ToArray<float>(), b.Forward(x).ToArray<float>());
    }

    [Fact]
    public void LoadStateDictReportsEveryProblemAndLeavesTheModelUnchanged()
    {
        var net = new Net();
        var before = net.StateDict().ToDictionary(e => e.Key, e => e.Value.Clone());
        var state = new Net().StateDict();
        state.Remove("fc1.bias");
        state["extra.weight"] = Tensor.Zeros(1);
        state["head.1.weight"] = Tensor.Zeros(5, 5);
        var e = Assert.Throws<InvalidOperationException>(() => net.LoadStateDict(state));
        Assert.Contains("Missing key(s) in state_dict: \"fc1.bias\".", e.Message);
        Assert.Contains("Unexpected key(s) in state_dict: \"extra.weight\".", e.Message);
        Assert.Contains("size mismatch for head.1.weight: copying a param with shape [5, 5] from the checkpoint, the shape in the current model is [2, 3]", e.Message);
        foreach (var (name, t) in net.StateDict()) Assert.Equal(before[name].ToArray<double>(), t.ToArray<double>());

        state.Remove("head.1.weight");
        var loose = net.LoadStateDict(state, strict: false);
        Assert.Equal(new[] { "fc1.bias", "head.1.weight" }, loose.MissingKeys);
        Assert.Equal(new[] { "extra.weight" }, loose.UnexpectedKeys);
    }

    [Fact]
    public void ToStringLooksLikePyTorch()
    {
        Assert.Equal(
            "Net(\n  (fc1): Linear(in_features=4, out_features=3, bias=True)\n  (bn): BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n  (head): Sequential(\n    (0): ReLU()\n    (1): Linear(in_features=3, out_features=2, bias=True)\n  )\n)",
            new Net().ToString());
    }

    [Fact]
    public void SharedParametersAreListedOnce()
    {
        var shared = new Linear(2, 2);
        var seq = new Sequential(shared, shared);
        Assert.Equal(2, seq.Parameters().Count());
    }
}
