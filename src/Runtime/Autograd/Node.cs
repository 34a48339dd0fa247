namespace DeepGen.Autograd;

/// <summary>
/// One recorded operation in the autograd graph (PyTorch's <c>grad_fn</c>). It knows which nodes produced
/// its inputs, the tensors it saved for the backward, and how to turn the gradient of its output into
/// gradients of its inputs.
/// </summary>
public sealed class Node
{
    readonly List<SavedTensor> saved = [];
    Func<Tensor, Tensor?[]>? backward;
    bool released;

    /// <summary>Records an op over <paramref name="inputs"/>; inputs that need no grad get no edge.</summary>
    internal Node(string name, params ReadOnlySpan<Tensor> inputs)
    {
        Name = name;
        Next = new Node?[inputs.Length];
        InputShapes = new int[inputs.Length][];
        InputDTypes = new DType[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            InputShapes[i] = x.shape;
            InputDTypes[i] = x.DType;
            if (x.RequiresGrad) Next[i] = x.GradFn ?? x.GradAccumulator();
        }
    }

    /// <summary>The leaf accumulator for <paramref name="leaf"/> (PyTorch's <c>AccumulateGrad</c>).</summary>
    internal Node(Tensor leaf)
    {
        Name = "AccumulateGrad";
        Next = [];
        InputShapes = [];
        InputDTypes = [];
        Leaf = leaf;
    }

    /// <summary>The op's name, as used in error messages (<c>mul</c>, <c>matmul</c>...).</summary>
    public string Name { get; }

    /// <summary>The nodes that produced each input (null where the input needs no gradient).</summary>
    public IReadOnlyList<Node?> NextFunctions => Next;

    internal Node?[] Next { get; }
    internal int[][] InputShapes { get; }
    internal DType[] InputDTypes { get; }
    internal Tensor? Leaf { get; }

    /// <summary>A non-leaf output whose gradient the user asked to keep (<see cref="Tensor.RetainGrad"/>).</summary>
    internal Tensor? RetainedOutput { get; set; }

    /// <summary>Whether input <paramref name="i"/> wants a gradient; backward functions may skip the others.</summary>
    internal bool NeedsGrad(int i) => Next[i] is not null;

    /// <summary>Keeps a tensor for the backward and remembers its version, so later in-place writes are caught.</summary>
    internal SavedTensor Save(Tensor t)
    {
        var s = new SavedTensor(t, this);
        saved.Add(s);
        return s;
    }

    internal void SetBackward(Func<Tensor, Tensor?[]> fn) => backward = fn;

    internal Tensor?[] Apply(Tensor gradOutput)
    {
        if (released)
            throw new InvalidOperationException(
                $"{Name}: trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). " +
                "Saved intermediate values of the graph are freed when you call Backward(); pass retainGraph: true to keep them");
        if (backward is null) throw new InvalidOperationException($"{Name}: node has no backward function");
        return backward(gradOutput);
    }

    internal bool IsReleased => released;

    /// <summary>Runs once the saved tensors are freed (the compiled path recycles their buffers there).</summary>
    internal Action? OnRelease { get; set; }

    /// <summary>Frees the saved tensors once a backward without retainGraph has passed through.</summary>
    internal void Release()
    {
        released = true;
        foreach (var s in saved) s.Release();
        saved.Clear();
        backward = null;
        var onRelease = OnRelease;
        OnRelease = null;
        onRelease?.Invoke();
    }

    public override string ToString() => $"<{Tensor.BackwardName(Name)}>";
}
