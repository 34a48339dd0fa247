namespace DeepGen;

/// <summary>
/// Batch normalisation with running statistics (PyTorch's <c>_BatchNorm</c>): batch statistics in training,
/// running ones in eval; weight ones, bias zeros, running_mean zeros, running_var ones.
/// </summary>
public abstract class BatchNormBase : Module, ITensorModule
{
    private protected BatchNormBase(int numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats, DType dtype)
    {
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        if (affine)
        {
            Weight = Tensor.Ones([numFeatures], dtype).RequiresGrad_();
            Bias = Tensor.Zeros([numFeatures], dtype).RequiresGrad_();
        }
        if (trackRunningStats)
        {
            RunningMean = Tensor.Zeros([numFeatures], dtype);
            RunningVar = Tensor.Ones([numFeatures], dtype);
            NumBatchesTracked = Tensor.Zeros([], DType.Int64);
        }
    }

    public int NumFeatures { get; }
    public double Eps { get; }

    /// <summary>The running statistics' update rate; null means a cumulative moving average.</summary>
    public double? Momentum { get; }

    public Tensor? Weight { get; }
    public Tensor? Bias { get; }
    public Tensor? RunningMean { get; }
    public Tensor? RunningVar { get; }
    public Tensor? NumBatchesTracked { get; }

    private protected abstract void CheckInput(Tensor input);

    /// <summary>
    /// Counts a training batch in <paramref name="numBatchesTracked"/> and returns the running statistics'
    /// update factor: <paramref name="momentum"/>, or 1 / batches for the cumulative average (null momentum).
    /// Shared by the eager layer and the compiled path.
    /// </summary>
    internal static double CountBatch(double? momentum, Tensor? numBatchesTracked)
    {
        if (numBatchesTracked is null) return momentum ?? 0;
        using (Torch.NoGrad()) numBatchesTracked.Add_(1);
        return momentum ?? 1.0 / numBatchesTracked.Item<long>();
    }

    public Tensor Forward(Tensor input)
    {
        CheckInput(input);
        double factor = Training ? CountBatch(Momentum, NumBatchesTracked) : Momentum ?? 0;
        // without running statistics, eval mode normalises with the batch's own, as PyTorch does
        bool useBatchStatistics = Training || RunningMean is null;
        return F.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, useBatchStatistics, factor, Eps);
    }

    protected internal override void VisitMembers(IModuleVisitor visitor)
    {
        visitor.Parameter("weight", Weight);
        visitor.Parameter("bias", Bias);
        visitor.Buffer("running_mean", RunningMean);
        visitor.Buffer("running_var", RunningVar);
        visitor.Buffer("num_batches_tracked", NumBatchesTracked);
    }

    protected override string ExtraRepr() =>
        $"{NumFeatures}, eps={PythonRepr.Float(Eps)}, momentum={(Momentum is { } m ? PythonRepr.Float(m) : "None")}, affine={PythonRepr.Bool(Weight is not null)}, track_running_stats={PythonRepr.Bool(RunningMean is not null)}";
}

/// <summary>Batch norm over [N, C] or [N, C, L] (PyTorch's <c>nn.BatchNorm1d</c>).</summary>
public sealed class BatchNorm1d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true, DType dtype = DType.Float32)
    : BatchNormBase(numFeatures, eps, momentum, affine, trackRunningStats, dtype)
{
    private protected override void CheckInput(Tensor input)
    {
        if (input.Rank is not (2 or 3))
            throw new ArgumentException($"BatchNorm1d: expected a 2-D or 3-D input [N, C] or [N, C, L], got {Shapes.Format(input.Shape)}");
    }
}

/// <summary>Batch norm over [N, C, H, W] (PyTorch's <c>nn.BatchNorm2d</c>).</summary>
public sealed class BatchNorm2d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true, DType dtype = DType.Float32)
    : BatchNormBase(numFeatures, eps, momentum, affine, trackRunningStats, dtype)
{
    private protected override void CheckInput(Tensor input)
    {
        if (input.Rank != 4)
            throw new ArgumentException($"BatchNorm2d: expected a 4-D input [N, C, H, W], got {Shapes.Format(input.Shape)}");
    }
}
