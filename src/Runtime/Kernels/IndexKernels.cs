using System.Numerics;

namespace DeepGen.Kernels;

/// <summary>
/// Kernels for ops driven by an int64 index tensor. Index values are read once into a contiguous array and
/// range-checked before anything is written, so a bad index never leaves an in-place target half updated.
/// </summary>
internal static class IndexKernels
{
    // ---- index_select / index_add: whole slices along one dim ----

    /// <summary>result (fresh, contiguous) = input's slices at index along dim d.</summary>
    public static void IndexSelect(Tensor input, int d, Tensor index, Tensor result, string op)
    {
        var idx = ReadChecked(index, input.shape[d], d, op);
        switch (input.DType)
        {
            case DType.Float32: IndexSelect<float>(input, d, idx, result); break;
            case DType.Float64: IndexSelect<double>(input, d, idx, result); break;
            case DType.Int64: IndexSelect<long>(input, d, idx, result); break;
            case DType.Bool: IndexSelect<bool>(input, d, idx, result); break;
        }
    }

    static void IndexSelect<T>(Tensor input, int d, long[] idx, Tensor result) where T : unmanaged
    {
        var src = input.Data<T>();
        var dst = result.Data<T>();
        int n = idx.Length;
        if (input.IsContiguous)
        {
            var (outer, size, inner) = Split3(input.shape, d);
            for (int o = 0; o < outer; o++)
                for (int k = 0; k < n; k++)
                    src.AsSpan(input.offset + (o * size + (int)idx[k]) * inner, inner).CopyTo(dst.AsSpan((o * n + k) * inner, inner));
            return;
        }
        var restShape = Without(input.shape, d);
        int[] inStrides = Without(input.strides, d), outStrides = Without(result.strides, d);
        var row = new CopyRow<T> { Src = src, Dst = dst };
        for (int k = 0; k < n; k++)
            Strided.ForEachRow(restShape, [inStrides, outStrides], [input.offset + (int)idx[k] * input.strides[d], k * result.strides[d]], ref row);
    }

    /// <summary>target's slices at index along dim d += source's slices, through target's own strides.</summary>
    public static void IndexAdd(Tensor target, int d, Tensor index, Tensor source, string op)
    {
        Elementwise.CheckWritable(target, op);
        if (target.Rank == 0)
        {
            // a scalar target is a 1-element vector here
            target = target.ViewOf([1], [1], target.offset);
            source = source.ViewOf([1], [1], source.offset);
        }
        var idx = ReadChecked(index, target.shape[d], d, op);
        switch (target.DType)
        {
            case DType.Float32: IndexAdd<float>(target, d, idx, source); break;
            case DType.Float64: IndexAdd<double>(target, d, idx, source); break;
            case DType.Int64: IndexAdd<long>(target, d, idx, source); break;
            default: throw Elementwise.Unsupported(op, target.DType);
        }
    }

    static void IndexAdd<T>(Tensor target, int d, long[] idx, Tensor source) where T : unmanaged, INumber<T>
    {
        var dst = target.Data<T>();
        var src = source.Data<T>();
        int n = idx.Length;
        if (target.IsContiguous && source.IsContiguous)
        {
            var (outer, size, inner) = Split3(target.shape, d);
            for (int o = 0; o < outer; o++)
                for (int k = 0; k < n; k++)
                {
                    var s = src.AsSpan(source.offset + (o * n + k) * inner, inner);
                    var t = dst.AsSpan(target.offset + (o * size + (int)idx[k]) * inner, inner);
                    for (int j = 0; j < s.Length; j++) t[j] += s[j];
                }
            return;
        }
        var restShape = Without(target.shape, d);
        int[] srcStrides = Without(source.strides, d), dstStrides = Without(target.strides, d);
        var row = new AddRow<T> { Src = src, Dst = dst };
        for (int k = 0; k < n; k++)
            Strided.ForEachRow(restShape, [srcStrides, dstStrides], [source.offset + k * source.strides[d], target.offset + (int)idx[k] * target.strides[d]], ref row);
    }

    // ---- gather / scatter_add: one index per element ----

    /// <summary>result (fresh, contiguous, index's shape)[p] = input[p with dim d replaced by index[p]].</summary>
    public static void Gather(Tensor input, int d, Tensor index, Tensor result)
    {
        var idx = ReadChecked(index, input.Rank == 0 ? 1 : input.shape[d], d, "gather");
        switch (input.DType)
        {
            case DType.Float32: Gather<float>(input, d, idx, index.shape, result); break;
            case DType.Float64: Gather<double>(input, d, idx, index.shape, result); break;
            case DType.Int64: Gather<long>(input, d, idx, index.shape, result); break;
            case DType.Bool: Gather<bool>(input, d, idx, index.shape, result); break;
        }
    }

    static void Gather<T>(Tensor input, int d, long[] idx, int[] indexShape, Tensor result) where T : unmanaged
    {
        var row = new GatherRow<T> { Index = idx, Src = input.Data<T>(), Dst = result.Data<T>(), DimStride = DimStride(input, d) };
        var contiguous = Shapes.ContiguousStrides(indexShape);
        Strided.ForEachRow(indexShape, [contiguous, ZeroedAt(input.strides, d), contiguous], [0, input.offset, 0], ref row);
    }

    /// <summary>target[p with dim d replaced by index[p]] += src[p], through target's own strides.</summary>
    public static void ScatterAdd(Tensor target, int d, Tensor index, Tensor src, string op)
    {
        Elementwise.CheckWritable(target, op);
        var idx = ReadChecked(index, target.Rank == 0 ? 1 : target.shape[d], d, op);
        switch (target.DType)
        {
            case DType.Float32: ScatterAdd<float>(target, d, idx, index.shape, src); break;
            case DType.Float64: ScatterAdd<double>(target, d, idx, index.shape, src); break;
            case DType.Int64: ScatterAdd<long>(target, d, idx, index.shape, src); break;
            default: throw Elementwise.Unsupported(op, target.DType);
        }
    }

    static void ScatterAdd<T>(Tensor target, int d, long[] idx, int[] indexShape, Tensor src) where T : unmanaged, INumber<T>
    {
        var row = new ScatterAddRow<T> { Index = idx, Src = src.Data<T>(), Dst = target.Data<T>(), DimStride = DimStride(target, d) };
        Strided.ForEachRow(indexShape, [Shapes.ContiguousStrides(indexShape), src.strides, ZeroedAt(target.strides, d)], [0, src.offset, target.offset], ref row);
    }

    // ---- index reading and checking ----

    /// <summary>The index values in row-major order, each checked to lie in [0, size).</summary>
    static long[] ReadChecked(Tensor index, int size, int d, string op)
    {
        var idx = Read(index);
        int bad = FindOutOfRange(idx, size);
        if (bad >= 0)
            throw new IndexOutOfRangeException(
                $"{op}: index {idx[bad]} is out of bounds for dimension {d} with size {size} (at position {FormatPosition(bad, index.shape)} of the index, shape {Shapes.Format(index.shape)})");
        return idx;
    }

    /// <summary>An int64 tensor's values in row-major order, as a fresh array.</summary>
    public static long[] Read(Tensor index)
    {
        var contiguous = index.RawContiguous();
        return contiguous.ContiguousSpan<long>().ToArray();
    }

    /// <summary>The position of the first value outside [0, size), or -1.</summary>
    public static int FindOutOfRange(long[] idx, long size)
    {
        for (int i = 0; i < idx.Length; i++)
            if ((ulong)idx[i] >= (ulong)size) return i;
        return -1;
    }

    /// <summary>A row-major position as a multi-index, e.g. <c>[1, 2]</c>, for error messages.</summary>
    public static string FormatPosition(int linear, int[] shape)
    {
        var position = new int[shape.Length];
        for (int k = shape.Length - 1; k >= 0; k--)
        {
            position[k] = linear % shape[k];
            linear /= shape[k];
        }
        return Shapes.Format(position);
    }

    // ---- layout helpers ----

    /// <summary>A contiguous shape seen as [outer, shape[d], inner].</summary>
    static (int Outer, int Size, int Inner) Split3(int[] shape, int d)
    {
        int outer = 1, inner = 1;
        for (int k = 0; k < d; k++) outer *= shape[k];
        for (int k = d + 1; k < shape.Length; k++) inner *= shape[k];
        return (outer, shape[d], inner);
    }

    static int[] Without(int[] values, int d) => [.. values[..d], .. values[(d + 1)..]];

    static int[] ZeroedAt(int[] strides, int d)
    {
        var result = (int[])strides.Clone();
        if (result.Length > 0) result[d] = 0;
        return result;
    }

    static int DimStride(Tensor t, int d) => t.Rank == 0 ? 0 : t.strides[d];

    // ---- row actions ----

    struct CopyRow<T> : IRowAction where T : unmanaged
    {
        public T[] Src, Dst;

        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            int os = offsets[0], od = offsets[1], ss = strides[0], sd = strides[1];
            for (int i = 0; i < count; i++, os += ss, od += sd) Dst[od] = Src[os];
        }
    }

    struct AddRow<T> : IRowAction where T : unmanaged, INumber<T>
    {
        public T[] Src, Dst;

        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            int os = offsets[0], od = offsets[1], ss = strides[0], sd = strides[1];
            for (int i = 0; i < count; i++, os += ss, od += sd) Dst[od] += Src[os];
        }
    }

    struct GatherRow<T> : IRowAction where T : unmanaged
    {
        public long[] Index;
        public T[] Src, Dst;
        public int DimStride;

        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            int oi = offsets[0], os = offsets[1], od = offsets[2];
            int si = strides[0], ss = strides[1], sd = strides[2];
            for (int i = 0; i < count; i++, oi += si, os += ss, od += sd) Dst[od] = Src[os + (int)Index[oi] * DimStride];
        }
    }

    struct ScatterAddRow<T> : IRowAction where T : unmanaged, INumber<T>
    {
        public long[] Index;
        public T[] Src, Dst;
        public int DimStride;

        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            int oi = offsets[0], os = offsets[1], od = offsets[2];
            int si = strides[0], ss = strides[1], sd = strides[2];
            for (int i = 0; i < count; i++, oi += si, os += ss, od += sd) Dst[od + (int)Index[oi] * DimStride] += Src[os];
        }
    }
}
