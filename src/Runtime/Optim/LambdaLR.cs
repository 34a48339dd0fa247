namespace DeepGen.Optim;

/// <summary>Sets each group's learning rate to its initial learning rate times <c>lrLambda(epoch)</c> (PyTorch's <c>LambdaLR</c>).</summary>
public sealed class LambdaLR : LRScheduler
{
    readonly Func<int, double> lrLambda;

    public LambdaLR(Optimizer optimizer, Func<int, double> lrLambda) : base("LambdaLR", optimizer)
    {
        this.lrLambda = lrLambda ?? throw new ArgumentNullException(nameof(lrLambda), "LambdaLR: lrLambda is null");
        Start();
    }

    protected internal override double LearningRateAt(double baseLR, int epoch) => baseLR * lrLambda(epoch);
}
