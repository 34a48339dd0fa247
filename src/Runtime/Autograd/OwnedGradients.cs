namespace DeepGen.Autograd;

/// <summary>
/// Which gradients of one backward pass the engine may hand to a leaf without copying them (PyTorch
/// steals such gradients too). A gradient qualifies when its buffer was made during this pass (so no
/// forward tensor, saved value or caller's tensor shares it), it went along exactly one edge of the graph
/// (an add's backward hands the same tensor to both inputs), and it is the whole buffer, contiguous (not
/// a view such as a sum's expanded gradient).
/// </summary>
internal sealed class OwnedGradients
{
    readonly long firstSerial = Storage.NextSerial;
    readonly Dictionary<Storage, int> edges = new(ReferenceEqualityComparer.Instance);

    /// <summary>Notes that <paramref name="gradient"/> is handed along one more edge; returns it.</summary>
    public Tensor HandOut(Tensor gradient)
    {
        edges[gradient.Storage] = edges.TryGetValue(gradient.Storage, out int count) ? count + 1 : 1;
        return gradient;
    }

    /// <summary>True when nothing but the leaf about to receive <paramref name="gradient"/> can see its buffer.</summary>
    public bool IsSoleOwner(Tensor gradient) =>
        gradient.Storage.Serial >= firstSerial
        && edges.TryGetValue(gradient.Storage, out int count) && count == 1
        && gradient.StorageOffset == 0
        && gradient.Numel == gradient.Storage.Length
        && gradient.IsContiguous;
}
