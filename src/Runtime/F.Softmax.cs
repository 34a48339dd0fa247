namespace DeepGen;

// torch.nn.functional.softmax and log_softmax.
public static partial class F
{
    /// <summary>Softmax along <paramref name="dim"/>; see <see cref="Tensor.Softmax"/>.</summary>
    public static Tensor Softmax(Tensor input, int dim) => input.Softmax(dim);

    /// <summary>Log-softmax along <paramref name="dim"/>; see <see cref="Tensor.LogSoftmax"/>.</summary>
    public static Tensor LogSoftmax(Tensor input, int dim) => input.LogSoftmax(dim);
}
