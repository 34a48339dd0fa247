using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace DeepGen.Compiled;

/// <summary>
/// A generated fused elementwise kernel: it computes one block of the iteration space, reading its inputs
/// and writing its outputs as contiguous spans (<see cref="PointwiseBlock"/>). The driver,
/// <see cref="Pointwise.Run{TKernel}"/>, handles broadcasting, strides and threads, so generated code is
/// only the math. Part of the surface for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IPointwiseKernel
{
    /// <summary>Computes the <see cref="PointwiseBlock.Length"/> elements of <paramref name="block"/>.</summary>
    void Apply(PointwiseBlock block);
}

/// <summary>
/// Runs fused elementwise kernels over broadcast, possibly strided inputs: the iteration shape is the
/// broadcast of the inputs' shapes; outputs are contiguous tensors of that shape, new or (where the generated
/// buffer plan says so) an input's own buffer, which the kernel overwrites element by element. Dimensions that are
/// laid out alike in every operand are merged, so a contiguous case is one flat run that the kernel walks
/// with SIMD; a broadcast or strided operand is gathered per block into a scratch span. Large loops are
/// split over threads. Part of the surface for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Pointwise
{
    /// <summary>Elements per block: a few pages of scratch per operand, long enough to amortise the per-block work.</summary>
    internal const int BlockSize = 2048;

    /// <summary>
    /// Elements per block when every input is read in place (no scratch): the per-block work (finding the
    /// spans) is then all there is to amortise, about a tenth of a 16M-element GELU pass with 2048.
    /// </summary>
    internal const int InPlaceBlockSize = 16384;

    /// <summary>Elements below which a loop stays on one thread.</summary>
    internal const long ParallelThreshold = 1 << 16;

    /// <summary>Runs <paramref name="kernel"/> over the broadcast of <paramref name="inputs"/>, returning its outputs (of <paramref name="outputTypes"/>).</summary>
    /// <param name="name">The kernel's name, for errors.</param>
    /// <param name="kernel">The generated kernel.</param>
    /// <param name="inputs">The tensors it reads, in the kernel's input order.</param>
    /// <param name="outputTypes">The dtype of each output.</param>
    /// <param name="reuse">
    /// Per output, the input whose buffer it may be written into (-1: a new tensor): an intermediate the buffer
    /// plan found that nothing reads after this kernel. It is taken only if it is a dense CPU tensor owning its
    /// whole buffer, of the output's shape and dtype, outside autograd (see <see cref="CanWriteInto"/>); else
    /// the output is new, so the plan only ever saves memory.
    /// </param>
    /// <param name="sum">
    /// A sum or mean over leading dims of one output, accumulated from the rows the kernel has just written;
    /// its result comes after the outputs.
    /// </param>
    /// <exception cref="ArgumentException">The inputs' shapes do not broadcast, or <paramref name="sum"/> does not fit the outputs.</exception>
    public static Tensor[] Run<TKernel>(string name, TKernel kernel, Tensor[] inputs, DType[] outputTypes, int[]? reuse = null, LeadingSum? sum = null) where TKernel : struct, IPointwiseKernel
    {
        int[] shape = [];
        foreach (var input in inputs)
        {
            if (!Shapes.TryBroadcast(shape, input.shape, out var next, out _))
                throw new ArgumentException($"{name}: input shapes {string.Join(", ", inputs.Select(t => Shapes.Format(t.Shape)))} do not broadcast together");
            shape = next;
        }

        var outputs = new Tensor[outputTypes.Length];
        for (int k = 0; k < outputs.Length; k++)
        {
            int taken = reuse is null ? -1 : reuse[k];
            outputs[k] = taken >= 0 && CanWriteInto(inputs[taken], shape, outputTypes[k]) && Array.IndexOf(outputs, inputs[taken]) < 0
                ? inputs[taken]
                : Tensor.Uninitialized(shape, outputTypes[k]);
        }
        if (sum is not null) return LeadingSums.Run(name, kernel, inputs, outputs, shape, sum);

        int numel = Shapes.Numel(shape);
        if (numel == 0) return outputs;

        var layout = PointwiseLayout.Of(shape, inputs);
        var grid = GridFor(layout, numel >= Kernels.StreamingStore.MinElements ? outputs[0] : null);
        long blocks = grid.Count;
        if (numel < ParallelThreshold || Kernels.Parallelism.Workers < 2 || blocks < 2)
        {
            RunBlocks(kernel, layout, inputs, outputs, grid, 0, blocks);
            return outputs;
        }

        // one contiguous range of blocks per worker, each with its own scratch
        int workers = (int)Math.Min(Kernels.Parallelism.Workers, blocks);
        Kernels.WorkerTeam.For(workers, w => RunBlocks(kernel, layout, inputs, outputs, grid, blocks * w / workers, blocks * (w + 1) / workers));
        return outputs;
    }

    /// <summary>
    /// The blocks of <paramref name="layout"/>, cut at the 64-byte lines of <paramref name="streamed"/> when it is
    /// given and of a float type (the only outputs the vector loops store), so that the blocks over whole lines stream.
    /// </summary>
    static BlockGrid GridFor(PointwiseLayout layout, Tensor? streamed)
    {
        int size = BlockSizeFor(layout);
        return streamed?.DType switch
        {
            DType.Float32 => BlockGrid.Streamed(layout.Rows, layout.Inner, size, Kernels.StreamingStore.Alignment / sizeof(float),
                Kernels.StreamingStore.FirstAlignedElement(streamed.Data<float>())),
            DType.Float64 => BlockGrid.Streamed(layout.Rows, layout.Inner, size, Kernels.StreamingStore.Alignment / sizeof(double),
                Kernels.StreamingStore.FirstAlignedElement(streamed.Data<double>())),
            _ => BlockGrid.Plain(layout.Rows, layout.Inner, size),
        };
    }

    internal static int BlockSizeFor(PointwiseLayout layout) => layout.InnerStrides.All(stride => stride == 1) ? InPlaceBlockSize : BlockSize;

    /// <summary>
    /// Whether a kernel may write its output into <paramref name="input"/>: read and written at the same
    /// index (same shape, dense from offset 0), nothing else viewing part of its buffer (it covers the whole
    /// buffer), and no autograd history to corrupt.
    /// </summary>
    static bool CanWriteInto(Tensor input, int[] shape, DType dtype) =>
        input.DType == dtype && input.Device.Type == DeviceType.Cpu && input.Shape.SequenceEqual(shape) && input.OwnsWholeBufferOutsideAutograd;

    // optimised from the first call, as the generated kernels are: each instantiation runs a few times per step
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void RunBlocks<TKernel>(TKernel kernel, PointwiseLayout layout, Tensor[] inputs, Tensor[] outputs, BlockGrid grid, long first, long end)
        where TKernel : struct, IPointwiseKernel
    {
        var block = new PointwiseBlock(inputs, outputs, layout);
        for (long b = first; b < end; b++)
        {
            var (row, start, length, streams) = grid[b];
            if (length == 0) continue;
            block.Seek(row, start, length);
            block.Streams = streams;
            kernel.Apply(block);
        }

        // this thread's streamed lines are written before the loop counts its part done
        if (grid.Streams) Kernels.StreamingStore.Fence();
    }
}

/// <summary>
/// The iteration space of a fused loop: rows of <see cref="Inner"/> elements, each operand with its own
/// stride along a row (1: read in place; 0: one broadcast value; else gathered) and a start offset per row.
/// </summary>
internal sealed class PointwiseLayout
{
    PointwiseLayout(int[] outer, int inner, int[][] strides, int[] innerStrides, int[] offsets)
    {
        Outer = outer;
        Inner = inner;
        OuterStrides = strides;
        InnerStrides = innerStrides;
        Offsets = offsets;
        Rows = Shapes.Numel(outer);
    }

    /// <summary>The sizes of the merged outer dims.</summary>
    public int[] Outer { get; }

    /// <summary>The length of a row (the merged innermost dims).</summary>
    public int Inner { get; }

    /// <summary>The number of rows.</summary>
    public int Rows { get; }

    /// <summary>Per input, its strides along the outer dims.</summary>
    public int[][] OuterStrides { get; }

    /// <summary>Per input, its stride along a row.</summary>
    public int[] InnerStrides { get; }

    /// <summary>Per input, its storage offset.</summary>
    public int[] Offsets { get; }

    /// <summary>Where row <paramref name="row"/> of input <paramref name="k"/> starts in its storage.</summary>
    public int RowOffset(int k, int row)
    {
        int offset = Offsets[k];
        int[] strides = OuterStrides[k];
        // one outer dim (most layouts, once contiguous dims are merged): no division
        if (Outer.Length == 1) return offset + row * strides[0];
        for (int d = Outer.Length - 1; d >= 0 && row > 0; d--)
        {
            offset += row % Outer[d] * strides[d];
            row /= Outer[d];
        }

        return offset;
    }

    public static PointwiseLayout Of(int[] shape, Tensor[] inputs)
    {
        // broadcast strides of every input over the iteration shape (0 along broadcast dims)
        var strides = new int[inputs.Length][];
        for (int k = 0; k < inputs.Length; k++)
        {
            var t = inputs[k];
            strides[k] = new int[shape.Length];
            int lead = shape.Length - t.Rank;
            for (int d = 0; d < t.Rank; d++) strides[k][lead + d] = t.shape[d] == 1 ? 0 : t.strides[d];
        }

        // merge dim d into d + 1 where every input steps over both as over one dim
        var dims = new List<int>();
        var merged = inputs.Select(_ => new List<int>()).ToArray();
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;
            int last = dims.Count - 1;
            bool merge = last >= 0;
            for (int k = 0; merge && k < inputs.Length; k++) merge = merged[k][last] == strides[k][d] * shape[d];
            if (merge)
            {
                dims[last] *= shape[d];
                for (int k = 0; k < inputs.Length; k++) merged[k][last] = strides[k][d];
            }
            else
            {
                dims.Add(shape[d]);
                for (int k = 0; k < inputs.Length; k++) merged[k].Add(strides[k][d]);
            }
        }

        if (dims.Count == 0)
        {
            dims.Add(1);
            foreach (var m in merged) m.Add(0);
        }

        int inner = dims[^1];
        return new PointwiseLayout(
            [.. dims.Take(dims.Count - 1)],
            inner,
            merged.Select(m => m.Take(m.Count - 1).ToArray()).ToArray(),
            merged.Select(m => m[^1]).ToArray(),
            inputs.Select(t => t.offset).ToArray());
    }
}

/// <summary>
/// One block of a fused loop as the generated kernel sees it: <see cref="Length"/> elements of each input
/// (read in place when contiguous, else gathered or broadcast into scratch) and of each output. Part of
/// the surface for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class PointwiseBlock
{
    readonly Tensor[] inputs;
    readonly Tensor[] outputs;
    readonly Array[] inputArrays;
    readonly Array[] outputArrays;
    readonly PointwiseLayout layout;
    readonly Array?[] scratch;
    readonly int[] inputStart;
    readonly int[] rowOffset;
    int seekRow = -1;
    int outputStart;

    internal PointwiseBlock(Tensor[] inputs, Tensor[] outputs, PointwiseLayout layout)
    {
        this.inputs = inputs;
        this.outputs = outputs;
        this.layout = layout;
        // the arrays once, not per block: a kernel takes its spans at every block, and Tensor.Data is not inlined
        inputArrays = Array.ConvertAll(inputs, ArrayOf);
        outputArrays = Array.ConvertAll(outputs, ArrayOf);
        scratch = new Array?[inputs.Length];
        inputStart = new int[inputs.Length];
        rowOffset = new int[inputs.Length];
    }

    /// <summary>The number of elements in this block.</summary>
    public int Length { get; private set; }

    /// <summary>
    /// Whether the kernel's vector stores go past the cache (<c>Pw.Store(value, span, i, stream)</c>): the
    /// outputs are too large to stay in it, and this block covers whole 64-byte lines of output 0 (see <see cref="BlockGrid"/>).
    /// </summary>
    public bool Streams { get; internal set; }

    /// <summary>Moves to elements [start, start + length) of row <paramref name="row"/>, gathering strided and broadcast inputs.</summary>
    internal void Seek(int row, int start, int length)
    {
        Length = length;
        outputStart = row * layout.Inner + start;
        // a row's blocks come one after another (a streamed grid has three or more per row)
        if (row != seekRow)
        {
            seekRow = row;
            for (int k = 0; k < inputs.Length; k++) rowOffset[k] = layout.RowOffset(k, row);
        }

        for (int k = 0; k < inputs.Length; k++)
        {
            int stride = layout.InnerStrides[k];
            int first = rowOffset[k] + start * stride;
            if (stride == 1)
            {
                inputStart[k] = first;
                continue;
            }

            inputStart[k] = -1;
            switch (inputs[k].DType)
            {
                case DType.Float32: Gather<float>(k, first, stride); break;
                case DType.Float64: Gather<double>(k, first, stride); break;
                case DType.Int64: Gather<long>(k, first, stride); break;
                default: Gather<bool>(k, first, stride); break;
            }
        }
    }

    void Gather<T>(int k, int first, int stride) where T : unmanaged
    {
        var source = inputs[k].Data<T>();
        var target = (T[]?)scratch[k] ?? (T[])(scratch[k] = new T[Compiled.Pointwise.BlockSize]);
        if (stride == 0)
        {
            target.AsSpan(0, Length).Fill(source[first]);
            return;
        }

        for (int i = 0, at = first; i < Length; i++, at += stride) target[i] = source[at];
    }

    /// <summary>The block's elements of input <paramref name="k"/>, whose element type is <typeparamref name="T"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<T> Input<T>(int k) where T : unmanaged =>
        inputStart[k] >= 0 ? As<T>(inputArrays[k]).AsSpan(inputStart[k], Length) : As<T>(scratch[k]!).AsSpan(0, Length);

    /// <summary>The block's elements of output <paramref name="k"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<T> Output<T>(int k) where T : unmanaged => As<T>(outputArrays[k]).AsSpan(outputStart, Length);

    // a type compare the JIT inlines, where a cast to T[] calls a helper: a kernel takes its spans at every block
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T[] As<T>(Array array) where T : unmanaged =>
        array.GetType() == typeof(T[]) ? Unsafe.As<T[]>(array) : throw WrongType(array, typeof(T));

    static InvalidCastException WrongType(Array array, Type wanted) =>
        new($"a fused kernel asked for its {array.GetType().Name} operand as {wanted.Name}[] (a bug in the generated code)");

    static Array ArrayOf(Tensor t) => t.DType switch
    {
        DType.Float32 => t.Data<float>(),
        DType.Float64 => t.Data<double>(),
        DType.Int64 => t.Data<long>(),
        _ => t.Data<bool>(),
    };
}
