using DeepGen.Autograd;

namespace DeepGen;

/// <summary>
/// An n-dimensional array with a dtype, a shape, strides into a shared <see cref="Storage"/>, and an
/// autograd history. Views (transpose, slices, expand...) share storage and cost no copy, as in PyTorch.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    internal readonly Storage storage;
    internal readonly int[] shape;
    internal readonly int[] strides;
    internal readonly int offset;

    internal Tensor(Storage storage, int[] shape, int[] strides, int offset)
    {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        Interlocked.Increment(ref storage.TensorCount);
        Interlocked.Increment(ref storage.Holders);
        DisposeScope.Register(this);
    }

    /// <summary>A new contiguous tensor with zeroed storage.</summary>
    internal Tensor(int[] shape, DType dtype)
        : this(Storage.Allocate(dtype, Shapes.Numel(shape)), shape, Shapes.ContiguousStrides(shape), 0)
    {
    }

    public DType DType => storage.DType;
    public Device Device => storage.Device;
    public Storage Storage => storage;

    /// <summary>The sizes of each dimension (PyTorch's <c>shape</c>).</summary>
    public ReadOnlySpan<int> Shape => shape;

    /// <summary>The element step of each dimension in the storage.</summary>
    public ReadOnlySpan<int> Strides => strides;

    public int StorageOffset => offset;

    /// <summary>Number of dimensions (PyTorch's <c>dim()</c>).</summary>
    public int Rank => shape.Length;

    /// <summary>Number of elements.</summary>
    public int Numel => Shapes.Numel(shape);

    /// <summary>Size of one dimension; negative dims count from the end.</summary>
    public int Size(int dim) => shape[Shapes.NormalizeDim(dim, Rank, "size")];

    public int Stride(int dim) => strides[Shapes.NormalizeDim(dim, Rank, "stride")];

    /// <summary>The shape as a fresh array.</summary>
    public int[] ShapeArray() => (int[])shape.Clone();

    /// <summary>This tensor's version counter (shared with its views); bumped by in-place writes.</summary>
    public int Version => storage.Version;

    /// <summary>
    /// Dense from offset 0 over its whole storage (no other view can see a part of it) and outside autograd:
    /// a buffer a kernel may overwrite when the caller knows nothing else reads it.
    /// </summary>
    internal bool OwnsWholeBufferOutsideAutograd =>
        IsContiguous && offset == 0 && storage.Length == Numel && !RequiresGrad && GradFn is null;

    public bool IsContiguous
    {
        get
        {
            // an empty tensor has no elements to be out of order, as PyTorch says
            foreach (var d in shape)
                if (d == 0) return true;
            int expected = 1;
            for (int i = shape.Length - 1; i >= 0; i--)
            {
                if (shape[i] == 1) continue;
                if (strides[i] != expected) return false;
                expected *= shape[i];
            }
            return true;
        }
    }

    /// <summary>Direct access to the storage array (CPU). The tensor's elements start at <see cref="offset"/>.</summary>
    /// <exception cref="InvalidOperationException">The buffer went back to the pool: the tensor was disposed and nothing else held it.</exception>
    internal T[] Data<T>() where T : unmanaged =>
        storage is Storage<T> typed ? typed.Data
        : throw new InvalidOperationException($"tensor of dtype {DType.Name()} accessed as {DTypeOf<T>.Value.Name()}");

    // ---- disposal ----

    bool disposed;

    /// <summary>The scope that will dispose this tensor, if any.</summary>
    internal DisposeScope? Scope { get; set; }

    /// <summary>Whether <see cref="Dispose()"/> ran (directly or through its scope).</summary>
    public bool IsDisposed => disposed;

    /// <summary>
    /// Gives up this tensor: once no other tensor over its storage and no autograd save holds the buffer, the
    /// buffer goes back to the storage pool for reuse, and reading this tensor then throws. A leaf that
    /// requires grad (a parameter) keeps its buffer. Calling it again does nothing.
    /// </summary>
    public void Dispose() => Dispose(recycle: true);

    /// <param name="recycle">
    /// False when a graph still to be run left the scope: its backward functions may read any of the scope's
    /// tensors (a dropout mask, say), so none of their buffers go back to the pool.
    /// </param>
    internal void Dispose(bool recycle)
    {
        if (disposed) return;
        disposed = true;
        if (Scope is not null) DisposeScope.Keep(this);
        // a tensor made by a recorded op is free once its backward ran (its node released); a parameter never is
        bool free = recycle && (GradFn is null ? !RequiresGrad : GradFn.IsReleased);
        if (Interlocked.Decrement(ref storage.Holders) == 0 && free) StoragePool.RecycleReleased(storage);
    }

    /// <summary>Moves this tensor from its dispose scope to the scope around that one (or out of all scopes); returns it.</summary>
    public Tensor MoveToOuterDisposeScope()
    {
        Scope?.MoveOut(this, toOuter: true);
        return this;
    }

    /// <summary>Takes this tensor out of its dispose scope: no scope disposes it; returns it.</summary>
    public Tensor DetachFromDisposeScope()
    {
        Scope?.MoveOut(this, toOuter: false);
        return this;
    }

    /// <summary>The elements of a contiguous tensor as a span.</summary>
    internal Span<T> ContiguousSpan<T>() where T : unmanaged
    {
        if (!IsContiguous) throw new InvalidOperationException("ContiguousSpan on a non-contiguous tensor");
        int numel = Numel;
        // an empty view may carry an offset past the end of its storage
        return numel == 0 ? Span<T>.Empty : Data<T>().AsSpan(offset, numel);
    }

    /// <summary>A tensor with the same storage and a new layout: every view op goes through here.</summary>
    internal Tensor ViewOf(int[] newShape, int[] newStrides, int newOffset) => new(storage, newShape, newStrides, newOffset);

    // ---- autograd state ----

    bool requiresGrad;

    /// <summary>
    /// Whether gradients flow to this tensor. Settable on leaves only (tensors made by the user, not by an
    /// op); results of ops on tensors that require grad require grad themselves.
    /// </summary>
    public bool RequiresGrad
    {
        get => requiresGrad || GradFn is not null;
        set
        {
            if (GradFn is not null)
                throw new InvalidOperationException($"RequiresGrad can only be changed on leaf tensors; this tensor was made by {GradFn.Name} (use Detach() to get a leaf)");
            if (value && !DType.IsFloatingPoint())
                throw new InvalidOperationException($"only floating point tensors can require gradients, this one is {DType.Name()}");
            requiresGrad = value;
        }
    }

    /// <summary>Fluent form of setting <see cref="RequiresGrad"/> (PyTorch's <c>requires_grad_()</c>).</summary>
    public Tensor RequiresGrad_(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    Tensor? grad;

    /// <summary>The accumulated gradient of a leaf after <see cref="Backward"/>; a gradient outlives any dispose scope.</summary>
    public Tensor? Grad
    {
        get => grad;
        set => grad = value is null ? null : DisposeScope.Keep(value);
    }

    /// <summary>The node that produced this tensor, or null for a leaf.</summary>
    public Node? GradFn { get; internal set; }

    public bool IsLeaf => GradFn is null;

    Node? accumulator;

    /// <summary>The single node that accumulates this leaf's gradient, shared by every op that uses it.</summary>
    internal Node GradAccumulator() => accumulator ??= new Node(this);

    /// <summary>For views: the tensor this one views, so in-place writes can be checked against autograd.</summary>
    internal Tensor? ViewBase { get; set; }

    /// <summary>Keeps this non-leaf tensor's gradient in <see cref="Grad"/> after backward.</summary>
    public void RetainGrad()
    {
        if (!RequiresGrad) throw new InvalidOperationException("RetainGrad: this tensor does not require grad");
        if (GradFn is not null) GradFn.RetainedOutput = this;
    }

    /// <summary>Computes gradients of this scalar with respect to every leaf that requires grad.</summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) => Engine.Backward(this, gradient, retainGraph);

    /// <summary>A tensor sharing this one's storage, cut off from the autograd graph.</summary>
    public Tensor Detach() => new(storage, shape, strides, offset);

    /// <summary>Hooks the result of a differentiable op into the graph.</summary>
    internal Tensor WithGradFn(Node node)
    {
        GradFn = node;
        return this;
    }

    // ---- element access ----

    /// <summary>The value of a one-element tensor, converted to <typeparamref name="T"/>.</summary>
    public T Item<T>() where T : unmanaged
    {
        if (Numel != 1)
            throw new InvalidOperationException($"item: a tensor with {Numel} elements (shape {Shapes.Format(shape)}) cannot be converted to a scalar");
        var t = To(DTypeOf<T>.Value);
        return t.Data<T>()[t.offset];
    }

    /// <summary>The elements in row-major order, converted to <typeparamref name="T"/>.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var t = To(DTypeOf<T>.Value).Contiguous();
        return t.ContiguousSpan<T>().ToArray();
    }
}
