namespace DeepGen;

/// <summary>
/// Disposes, when it is disposed, every tensor made on this thread while it was the innermost open scope
/// (TorchSharp's <c>torch.NewDisposeScope()</c>): <c>using (Torch.NewDisposeScope()) { ...one training step... }</c>.
/// A buffer that no live tensor and no autograd save holds any more goes back to DeepGen's storage pool, so
/// the next step's tensors of the same size (64 KiB and up) reuse it instead of fresh memory, which the OS
/// would have to fault in and zero again; a disposed tensor whose buffer went back throws on any later read. Keep a tensor beyond the scope
/// with <see cref="Tensor.MoveToOuterDisposeScope"/> or <see cref="Tensor.DetachFromDisposeScope"/>.
/// Gradients the backward leaves in <c>.Grad</c> and optimizer state are never the scope's; parameters and
/// modules should be made outside scopes.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] static DisposeScope? innermost;

    readonly DisposeScope? outer;
    readonly HashSet<Tensor> tensors = new(ReferenceEqualityComparer.Instance);
    bool disposed;

    // a tensor whose autograd graph was still to be run left the scope: its backward functions may read any of
    // the scope's tensors (a saved activation, a dropout mask), so none of their buffers go back to the pool
    bool graphEscaped;

    internal DisposeScope()
    {
        outer = innermost;
        innermost = this;
    }

    /// <summary>How many tensors this scope will dispose.</summary>
    public int Count => tensors.Count;

    /// <summary>Takes a new tensor into the innermost open scope of this thread, if there is one.</summary>
    internal static void Register(Tensor tensor)
    {
        if (innermost is { } scope)
        {
            scope.tensors.Add(tensor);
            tensor.Scope = scope;
        }
    }

    /// <summary>Takes <paramref name="tensor"/> out of its scope for good (a gradient, optimizer state): nothing disposes it.</summary>
    internal static Tensor Keep(Tensor tensor)
    {
        tensor.Scope?.tensors.Remove(tensor);
        tensor.Scope = null;
        return tensor;
    }

    /// <summary>Moves <paramref name="tensor"/> from this scope to the one around it (or to none).</summary>
    internal void MoveOut(Tensor tensor, bool toOuter)
    {
        tensors.Remove(tensor);
        graphEscaped |= tensor.GradFn is { IsReleased: false };
        tensor.Scope = null;
        if (toOuter && outer is { disposed: false })
        {
            outer.tensors.Add(tensor);
            tensor.Scope = outer;
        }
    }

    /// <summary>Disposes the scope's tensors and makes the scope around it the innermost again.</summary>
    /// <exception cref="InvalidOperationException">A scope opened inside this one (on this thread) is still open.</exception>
    public void Dispose()
    {
        if (disposed) return;
        if (innermost != this)
            throw new InvalidOperationException("DisposeScope.Dispose: a scope opened after this one is still open, or this scope belongs to another thread; dispose scopes in the reverse order of their creation, on the thread that made them");
        disposed = true;
        innermost = outer;
        foreach (var tensor in tensors)
        {
            tensor.Scope = null;
            tensor.Dispose(recycle: !graphEscaped);
        }

        tensors.Clear();
    }
}
