namespace DeepGen.Optim;

/// <summary>
/// Base of the learning-rate schedulers (PyTorch's <c>torch.optim.lr_scheduler.LRScheduler</c>). A scheduler
/// counts epochs (calls to <see cref="Step"/>) and sets every parameter group's learning rate to a closed form
/// of the epoch and the group's initial learning rate. Creating it applies epoch 0, as PyTorch's constructor does.
/// </summary>
public abstract class LRScheduler
{
    double[] baseLRs = [];
    double[] lastLR = [];

    protected LRScheduler(string name, Optimizer optimizer)
    {
        Name = name;
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer), $"{name}: the optimizer is null");
    }

    /// <summary>The scheduler's name, for error messages.</summary>
    public string Name { get; }

    public Optimizer Optimizer { get; }

    /// <summary>The number of <see cref="Step"/> calls so far (PyTorch's <c>last_epoch</c>).</summary>
    public int LastEpoch { get; private set; } = -1;

    /// <summary>Each group's initial learning rate, the base of the closed forms.</summary>
    public IReadOnlyList<double> BaseLRs => baseLRs;

    /// <summary>The learning rates this scheduler last set, one per parameter group.</summary>
    public IReadOnlyList<double> LastLR => lastLR;

    /// <summary>A copy of <see cref="LastLR"/> (PyTorch's <c>get_last_lr()</c>).</summary>
    public double[] GetLastLR() => (double[])lastLR.Clone();

    /// <summary>
    /// Records each group's initial learning rate (kept if an earlier scheduler recorded it) and applies epoch 0.
    /// Subclasses call it at the end of their constructor, once their own fields are set.
    /// </summary>
    protected void Start()
    {
        var groups = Optimizer.ParamGroups;
        baseLRs = new double[groups.Count];
        for (int g = 0; g < groups.Count; g++)
            baseLRs[g] = groups[g].InitialLR ??= groups[g].LearningRate;
        Seek(0);
    }

    /// <summary>Advances one epoch and sets the new learning rates.</summary>
    public void Step() => Seek(LastEpoch + 1);

    /// <summary>The learning rate at <paramref name="epoch"/> for a group whose initial learning rate is <paramref name="baseLR"/>.</summary>
    protected internal abstract double LearningRateAt(double baseLR, int epoch);

    /// <summary>Moves to <paramref name="epoch"/> and sets every group's learning rate.</summary>
    internal virtual void Seek(int epoch)
    {
        var groups = Optimizer.ParamGroups;
        if (groups.Count != baseLRs.Length)
            throw new InvalidOperationException($"{Name}: the optimizer has {groups.Count} parameter groups, but the scheduler was made for {baseLRs.Length}; create the scheduler after adding every group");
        var lrs = new double[groups.Count];
        for (int g = 0; g < lrs.Length; g++) lrs[g] = LearningRateAt(baseLRs[g], epoch);
        for (int g = 0; g < lrs.Length; g++) groups[g].LearningRate = lrs[g];
        lastLR = lrs;
        LastEpoch = epoch;
    }

    /// <summary>The scheduler's position as plain data: <c>last_epoch</c> and <c>base_lrs.{g}</c>.</summary>
    public Dictionary<string, double> StateDict()
    {
        var state = new Dictionary<string, double> { ["last_epoch"] = LastEpoch };
        for (int g = 0; g < baseLRs.Length; g++) state[$"base_lrs.{g}"] = baseLRs[g];
        return state;
    }

    /// <summary>Restores a position saved by <see cref="StateDict"/> and sets the learning rates it implies.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, double> state)
    {
        double Read(string key) =>
            state.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"{Name}: the state dict has no '{key}'");
        double epoch = Read("last_epoch");
        if (epoch < 0 || epoch != Math.Floor(epoch) || epoch > int.MaxValue)
            throw new ArgumentException($"{Name}: 'last_epoch' must be a non-negative integer, got {Hyper.Format(epoch)}");
        var loaded = new double[Optimizer.ParamGroups.Count];
        for (int g = 0; g < loaded.Length; g++) loaded[g] = Read($"base_lrs.{g}");
        if (state.ContainsKey($"base_lrs.{loaded.Length}"))
            throw new ArgumentException($"{Name}: the state dict has more base learning rates than the optimizer's {loaded.Length} parameter groups");
        baseLRs = loaded;
        Seek((int)epoch);
    }
}
