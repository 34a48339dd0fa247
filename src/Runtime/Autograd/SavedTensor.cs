namespace DeepGen.Autograd;

/// <summary>
/// A tensor kept for the backward pass, with the version it had when saved. Reading it after an in-place
/// write would give wrong gradients, so <see cref="Get"/> throws instead (PyTorch's version check).
/// </summary>
internal sealed class SavedTensor
{
    readonly Node owner;
    readonly int version;
    Tensor? tensor;

    public SavedTensor(Tensor tensor, Node owner)
    {
        this.tensor = tensor;
        this.owner = owner;
        version = tensor.Version;
        // the save holds the buffer: a tensor disposed before the backward ran must not lose it to the pool
        Interlocked.Increment(ref tensor.storage.Holders);
    }

    public Tensor Get()
    {
        if (tensor is null)
            throw new InvalidOperationException(
                $"{owner.Name}: trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). " +
                "Saved intermediate values of the graph are freed when you call Backward(); pass retainGraph: true to keep them");
        if (tensor.Version != version)
            throw new InvalidOperationException(
                $"{owner.Name}: one of the tensors needed for gradient computation has been modified by an in-place operation: " +
                $"a tensor of shape {Shapes.Format(tensor.Shape)} ({tensor.DType.Name()}) is at version {tensor.Version}; expected version {version}. " +
                "Use the out-of-place op, or Clone() the tensor before modifying it");
        return tensor;
    }

    public void Release()
    {
        if (tensor is { } held) Interlocked.Decrement(ref held.storage.Holders);
        tensor = null;
    }
}
