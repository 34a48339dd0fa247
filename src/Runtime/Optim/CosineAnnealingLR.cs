namespace DeepGen.Optim;

/// <summary>
/// Cosine annealing from each group's initial learning rate down to <c>etaMin</c> over <c>tMax</c> epochs, PyTorch's
/// closed form: lr = etaMin + (initial - etaMin) * (1 + cos(pi * epoch / tMax)) / 2 (it rises again after tMax).
/// </summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    readonly int tMax;
    readonly double etaMin;

    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0) : base("CosineAnnealingLR", optimizer)
    {
        if (tMax < 1) throw new ArgumentException($"CosineAnnealingLR: tMax must be positive, got {tMax}");
        if (!(etaMin >= 0) || double.IsInfinity(etaMin)) throw new ArgumentException($"CosineAnnealingLR: etaMin must be finite and >= 0, got {Hyper.Format(etaMin)}");
        this.tMax = tMax;
        this.etaMin = etaMin;
        Start();
    }

    protected internal override double LearningRateAt(double baseLR, int epoch) =>
        etaMin + (baseLR - etaMin) * (1 + Math.Cos(Math.PI * epoch / tMax)) / 2;
}
