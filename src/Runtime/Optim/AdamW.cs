namespace DeepGen.Optim;

/// <summary>
/// AdamW, as PyTorch's <c>torch.optim.AdamW</c>: Adam with decoupled weight decay. Each step first shrinks the
/// parameter, p *= 1 - lr * weightDecay, then applies the Adam update to the plain gradient.
/// </summary>
public sealed class AdamW : Adam
{
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base("AdamW", parameters, lr, betas, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay: true)
    {
    }
}
