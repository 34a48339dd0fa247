namespace DeepGen.Optim;

/// <summary>
/// Parameters that share hyper-parameters (PyTorch's <c>param_groups</c> entries). The learning rate is
/// settable so schedulers and training loops can change it between steps; every setter validates.
/// </summary>
public abstract class ParamGroup
{
    readonly Tensor[] parameters;
    double learningRate;
    double weightDecay;

    private protected ParamGroup(string optimizer, Tensor[] parameters, double learningRate, double weightDecay, bool maximize)
    {
        OptimizerName = optimizer;
        this.parameters = parameters;
        LearningRate = learningRate;
        WeightDecay = weightDecay;
        Maximize = maximize;
    }

    /// <summary>The optimizer's name, for error messages.</summary>
    internal string OptimizerName { get; }

    public IReadOnlyList<Tensor> Params => parameters;

    public double LearningRate
    {
        get => learningRate;
        set => learningRate = Hyper.LearningRate(OptimizerName, value);
    }

    /// <summary>L2 penalty (SGD, Adam) or decoupled decay rate (AdamW).</summary>
    public double WeightDecay
    {
        get => weightDecay;
        set => weightDecay = Hyper.WeightDecay(OptimizerName, value);
    }

    /// <summary>Ascend the objective instead of descending it.</summary>
    public bool Maximize { get; set; }

    /// <summary>The learning rate schedulers compute from (PyTorch's <c>initial_lr</c>); set by the first scheduler attached.</summary>
    public double? InitialLR { get; set; }

    /// <summary>Checks constraints that involve several hyper-parameters (run before each step).</summary>
    internal virtual void Validate() { }

    /// <summary>Writes the optimizer-specific hyper-parameters under <paramref name="prefix"/>.</summary>
    internal abstract void SaveHyperParameters(string prefix, Dictionary<string, double> scalars);

    /// <summary>
    /// Reads the optimizer-specific hyper-parameters; with <paramref name="apply"/> false it only checks that they
    /// are present and valid, so a state dict is checked whole before anything changes.
    /// </summary>
    internal abstract void LoadHyperParameters(string prefix, IReadOnlyDictionary<string, double> scalars, bool apply);

    private protected double Read(IReadOnlyDictionary<string, double> scalars, string key) =>
        scalars.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"{OptimizerName}: the state dict has no scalar '{key}'");
}
