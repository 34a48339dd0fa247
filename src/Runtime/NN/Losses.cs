namespace DeepGen;

/// <summary>A loss as a module: <c>loss.Forward(input, target)</c>.</summary>
public abstract class Loss : Module
{
    private protected Loss(string reduction)
    {
        if (reduction is not ("mean" or "sum" or "none"))
            throw new ArgumentException($"{GetType().Name}: reduction must be \"mean\", \"sum\" or \"none\", got \"{reduction}\"");
        Reduction = reduction;
    }

    public string Reduction { get; }

    public abstract Tensor Forward(Tensor input, Tensor target);

    protected internal override void VisitMembers(IModuleVisitor visitor) { }
}

/// <summary>log_softmax + nll over class indices, with optional class weights and label smoothing (PyTorch's <c>nn.CrossEntropyLoss</c>).</summary>
public sealed class CrossEntropyLoss(Tensor? weight = null, long ignoreIndex = -100, string reduction = "mean", double labelSmoothing = 0) : Loss(reduction)
{
    public Tensor? Weight { get; } = weight;
    public long IgnoreIndex { get; } = ignoreIndex;
    public double LabelSmoothing { get; } = labelSmoothing;

    public override Tensor Forward(Tensor input, Tensor target) => F.CrossEntropy(input, target, Weight, IgnoreIndex, Reduction, LabelSmoothing);

    protected internal override void VisitMembers(IModuleVisitor visitor) => visitor.Buffer("weight", Weight);
}

/// <summary>Negative log likelihood of log-probabilities (PyTorch's <c>nn.NLLLoss</c>).</summary>
public sealed class NLLLoss(Tensor? weight = null, long ignoreIndex = -100, string reduction = "mean") : Loss(reduction)
{
    public Tensor? Weight { get; } = weight;
    public long IgnoreIndex { get; } = ignoreIndex;

    public override Tensor Forward(Tensor input, Tensor target) => F.NllLoss(input, target, Weight, IgnoreIndex, Reduction);

    protected internal override void VisitMembers(IModuleVisitor visitor) => visitor.Buffer("weight", Weight);
}

/// <summary>Mean squared error (PyTorch's <c>nn.MSELoss</c>).</summary>
public sealed class MSELoss(string reduction = "mean") : Loss(reduction)
{
    public override Tensor Forward(Tensor input, Tensor target) => F.MseLoss(input, target, Reduction);
}

/// <summary>Sigmoid + binary cross entropy in one stable formula (PyTorch's <c>nn.BCEWithLogitsLoss</c>).</summary>
public sealed class BCEWithLogitsLoss(Tensor? weight = null, string reduction = "mean", Tensor? posWeight = null) : Loss(reduction)
{
    public Tensor? Weight { get; } = weight;
    public Tensor? PosWeight { get; } = posWeight;

    public override Tensor Forward(Tensor input, Tensor target) => F.BinaryCrossEntropyWithLogits(input, target, Weight, PosWeight, Reduction);

    protected internal override void VisitMembers(IModuleVisitor visitor)
    {
        visitor.Buffer("weight", Weight);
        visitor.Buffer("pos_weight", PosWeight);
    }
}
