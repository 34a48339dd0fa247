namespace DeepGen.Optim;

/// <summary>Decays each group's learning rate by <c>gamma</c> every <c>stepSize</c> epochs: lr = initial * gamma^(epoch / stepSize).</summary>
public sealed class StepLR : LRScheduler
{
    readonly int stepSize;
    readonly double gamma;

    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1) : base("StepLR", optimizer)
    {
        if (stepSize < 1) throw new ArgumentException($"StepLR: stepSize must be positive, got {stepSize}");
        if (!(gamma >= 0) || double.IsInfinity(gamma)) throw new ArgumentException($"StepLR: gamma must be finite and >= 0, got {Hyper.Format(gamma)}");
        this.stepSize = stepSize;
        this.gamma = gamma;
        Start();
    }

    protected internal override double LearningRateAt(double baseLR, int epoch) => baseLR * Math.Pow(gamma, epoch / stepSize);
}
