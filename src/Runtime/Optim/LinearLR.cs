namespace DeepGen.Optim;

/// <summary>
/// Scales each group's initial learning rate by a factor going linearly from <c>startFactor</c> to <c>endFactor</c>
/// over <c>totalIters</c> epochs, then constant (a linear warm-up with the defaults):
/// lr = initial * (start + (end - start) * min(epoch, totalIters) / totalIters).
/// </summary>
public sealed class LinearLR : LRScheduler
{
    readonly double startFactor, endFactor;
    readonly int totalIters;

    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5) : base("LinearLR", optimizer)
    {
        if (!(startFactor > 0 && startFactor <= 1))
            throw new ArgumentException($"LinearLR: starting multiplicative factor expected to be greater than 0 and less or equal to 1, got {Hyper.Format(startFactor)}");
        if (!(endFactor >= 0 && endFactor <= 1))
            throw new ArgumentException($"LinearLR: ending multiplicative factor expected to be between 0 and 1, got {Hyper.Format(endFactor)}");
        if (totalIters < 1) throw new ArgumentException($"LinearLR: totalIters must be positive, got {totalIters}");
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        Start();
    }

    protected internal override double LearningRateAt(double baseLR, int epoch) =>
        baseLR * (startFactor + (endFactor - startFactor) * Math.Min(epoch, totalIters) / totalIters);
}
