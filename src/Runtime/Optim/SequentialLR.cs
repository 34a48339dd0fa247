namespace DeepGen.Optim;

/// <summary>
/// Runs schedulers one after another, switching at the milestones (e.g. a <see cref="LinearLR"/> warm-up then
/// <see cref="CosineAnnealingLR"/>). As in PyTorch, scheduler k starts from its own epoch 0 at milestone k-1:
/// at epoch e the active scheduler is the one after the last milestone &lt;= e, evaluated at e minus that milestone.
/// </summary>
public sealed class SequentialLR : LRScheduler
{
    readonly LRScheduler[] schedulers;
    readonly int[] milestones;

    public SequentialLR(Optimizer optimizer, IReadOnlyList<LRScheduler> schedulers, IReadOnlyList<int> milestones) : base("SequentialLR", optimizer)
    {
        if (schedulers.Count == 0) throw new ArgumentException("SequentialLR: expects at least one scheduler");
        for (int i = 0; i < schedulers.Count; i++)
            if (!ReferenceEquals(schedulers[i].Optimizer, optimizer))
                throw new ArgumentException($"SequentialLR: expects all schedulers to belong to the same optimizer, but the scheduler at index {i} ({schedulers[i].Name}) has a different one");
        if (milestones.Count != schedulers.Count - 1)
            throw new ArgumentException($"SequentialLR: expects number of schedulers provided to be one more than the number of milestone points, but got {schedulers.Count} schedulers and {milestones.Count} milestones");
        for (int i = 0; i < milestones.Count; i++)
            if (milestones[i] < 1 || (i > 0 && milestones[i] <= milestones[i - 1]))
                throw new ArgumentException($"SequentialLR: milestones must be positive and strictly increasing, got [{string.Join(", ", milestones)}]");
        this.schedulers = [.. schedulers];
        this.milestones = [.. milestones];
        Start();
    }

    /// <summary>The scheduler in charge at <paramref name="epoch"/> and its own epoch count.</summary>
    (LRScheduler Scheduler, int Epoch) Active(int epoch)
    {
        int k = 0;
        while (k < milestones.Length && milestones[k] <= epoch) k++;
        return (schedulers[k], k == 0 ? epoch : epoch - milestones[k - 1]);
    }

    protected internal override double LearningRateAt(double baseLR, int epoch)
    {
        var (scheduler, local) = Active(epoch);
        return scheduler.LearningRateAt(baseLR, local);
    }

    internal override void Seek(int epoch)
    {
        // keep the active scheduler's own epoch and LastLR current, as PyTorch steps it
        var (scheduler, local) = Active(epoch);
        scheduler.Seek(local);
        base.Seek(epoch);
    }
}
