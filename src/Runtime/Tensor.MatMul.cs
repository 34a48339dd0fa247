using System.Numerics;
using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// Matrix products with torch.matmul's rules: dot, matrix-vector, matrix-matrix and batched with broadcasting.
public sealed partial class Tensor
{
    /// <summary>The matrix product of this tensor and <paramref name="other"/> (PyTorch's <c>a @ b</c>).</summary>
    public Tensor MatMul(Tensor other) => MatMul(this, other);

    /// <summary>
    /// <c>torch.matmul</c>: 1-D · 1-D is a dot product (0-d result); 2-D @ 2-D a matrix product; a 1-D
    /// operand is treated as a row (left) or column (right) vector and that dim is removed from the result;
    /// with more dims the leading ones are batch dims and broadcast, e.g. [B, 1, M, K] @ [N, K, P] gives
    /// [B, N, M, P]. Both operands must have the same dtype (float32, float64 or int64).
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        if (a.Rank == 0 || b.Rank == 0)
            throw new ArgumentException($"matmul: both arguments need to be at least 1-D, but got shapes {Shapes.Format(a.shape)} and {Shapes.Format(b.shape)}");
        CheckMatMulDTypes("matmul", a, b);
        int innerA = a.shape[^1], innerB = b.Rank == 1 ? b.shape[0] : b.shape[^2];
        if (innerA != innerB)
            throw new ArgumentException($"matmul: {Shapes.Format(a.shape)} @ {Shapes.Format(b.shape)}: inner dimensions {innerA} and {innerB} differ");
        int[] batch = MatMulBatchShape(a, b);

        // a vector becomes a one-row (left) or one-column (right) matrix, and that dim goes again at the end
        var a2 = a.Rank == 1 ? a.Unsqueeze(0) : a;
        var b2 = b.Rank == 1 ? b.Unsqueeze(1) : b;
        var result = BatchedMatMul(a2, b2, batch);
        if (b.Rank == 1) result = result.Squeeze(-1);
        if (a.Rank == 1) result = result.Squeeze(b.Rank == 1 ? -1 : -2);
        return result;
    }

    /// <summary>
    /// into += a @ b for matrices or batches of them (a and b at least 2-D, their result of into's shape), in
    /// into's own buffer through the GEMM's beta = 1, when into is a dense tensor owning all of it and outside
    /// autograd; false (into untouched) otherwise. Records nothing.
    /// </summary>
    internal static bool TryMatMulAccumulate(Tensor a, Tensor b, Tensor into)
    {
        if (a.Rank < 2 || b.Rank < 2 || a.DType != b.DType || into.DType != a.DType || a.DType == DType.Bool || a.shape[^1] != b.shape[^2])
            return false;
        if (!Shapes.TryBroadcast(a.shape[..^2], b.shape[..^2], out var batch, out _)
            || !into.shape.AsSpan().SequenceEqual([.. batch, a.shape[^2], b.shape[^1]])
            || !into.OwnsWholeBufferOutsideAutograd)
            return false;
        switch (a.DType)
        {
            case DType.Float32: RawBatchedMatMul<float>(a, b, into, batch, accumulate: true); break;
            case DType.Float64: RawBatchedMatMul<double>(a, b, into, batch, accumulate: true); break;
            default: RawBatchedMatMul<long>(a, b, into, batch, accumulate: true); break;
        }
        into.storage.Version++;
        return true;
    }

    static void CheckMatMulDTypes(string op, Tensor a, Tensor b)
    {
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: expected both operands to have the same dtype, but got {a.DType.Name()} ({Shapes.Format(a.shape)}) and {b.DType.Name()} ({Shapes.Format(b.shape)})");
        if (a.DType == DType.Bool) throw Elementwise.Unsupported(op, a.DType);
    }

    /// <summary>The broadcast of both operands' batch dims (all but the last two; none for vectors).</summary>
    static int[] MatMulBatchShape(Tensor a, Tensor b)
    {
        var batchA = a.Rank > 2 ? a.shape[..^2] : [];
        var batchB = b.Rank > 2 ? b.shape[..^2] : [];
        if (!Shapes.TryBroadcast(batchA, batchB, out var batch, out _))
            throw new ArgumentException($"matmul: {Shapes.Format(a.shape)} @ {Shapes.Format(b.shape)}: batch dimensions {Shapes.Format(batchA)} and {Shapes.Format(batchB)} cannot be broadcast");
        return batch;
    }

    /// <summary>[..., M, K] @ [..., K, P] with broadcast batch dims: the differentiable core of matmul.</summary>
    static Tensor BatchedMatMul(Tensor a, Tensor b, int[] batch)
    {
        // the GEMM writes every element (beta = 0), so the buffer needs no zeroing first
        var result = Uninitialized([.. batch, a.shape[^2], b.shape[^1]], a.DType);
        switch (a.DType)
        {
            case DType.Float32: RawBatchedMatMul<float>(a, b, result, batch, accumulate: false); break;
            case DType.Float64: RawBatchedMatMul<double>(a, b, result, batch, accumulate: false); break;
            case DType.Int64: RawBatchedMatMul<long>(a, b, result, batch, accumulate: false); break;
        }
        if (GradMode.ShouldRecord(a, b))
        {
            var node = new Node("matmul", a, b);
            var savedA = node.NeedsGrad(1) ? node.Save(a) : null;
            var savedB = node.NeedsGrad(0) ? node.Save(b) : null;
            int rankB = b.Rank;
            // the engine sums each gradient over the batch dims its input was broadcast along
            node.SetBackward(g => [savedB is null ? null : g.MatMul(savedB.Get().MT), savedA is null ? null : MatMulGradB(savedA.Get(), rankB, g)]);
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>a^T @ g; when b had no batch dims, as one product over all of a's rows rather than a sum of batch products.</summary>
    static Tensor MatMulGradB(Tensor a, int rankB, Tensor g)
    {
        if (rankB == 2 && a.Rank > 2)
            return a.Reshape(-1, a.shape[^1]).T.MatMul(g.Reshape(-1, g.shape[^1]));
        return a.MT.MatMul(g);
    }

    /// <summary>result = a @ b, or result += a @ b with <paramref name="accumulate"/> (beta 1).</summary>
    static void RawBatchedMatMul<T>(Tensor a, Tensor b, Tensor result, int[] batch, bool accumulate) where T : unmanaged, INumber<T>
    {
        int m = a.shape[^2], k = a.shape[^1], n = b.shape[^1];
        T beta = accumulate ? T.One : T.Zero;
        int batchCount = Shapes.Numel(batch);
        if (batchCount == 0 || m == 0 || n == 0) return;
        var matA = new MatrixRef<T>(a.Data<T>(), a.offset, a.strides[^2], a.strides[^1]);
        var matB = new MatrixRef<T>(b.Data<T>(), b.offset, b.strides[^2], b.strides[^1]);
        var c = result.Data<T>();

        // b shared by every batch and a's batch rows evenly spaced: one tall product
        if (Shapes.Numel(b.shape.AsSpan(..^2)) == 1 && TryMergeRowDims(a.shape.AsSpan(..^1), a.strides.AsSpan(..^1), out int rowStride))
        {
            Gemm.Run(batchCount * m, n, k, T.One, matA with { RowStride = rowStride }, matB, beta, c, 0, n);
            return;
        }
        var offsetsA = MatMulBatchOffsets(a, batch);
        var offsetsB = MatMulBatchOffsets(b, batch);
        Parallelism.For(batchCount, (long)m * n * k, (i, innerParallel) =>
            Gemm.Run(m, n, k, T.One, matA with { Offset = offsetsA[i] }, matB with { Offset = offsetsB[i] }, beta, c, i * m * n, n, innerParallel));
    }

    /// <summary>The storage offset of each batch's matrix, batches in row-major order of the broadcast batch shape.</summary>
    static int[] MatMulBatchOffsets(Tensor t, int[] batch)
    {
        int own = t.Rank - 2, lead = batch.Length - own;
        var offsets = new int[Shapes.Numel(batch)];
        var index = new int[batch.Length];
        for (int i = 0; i < offsets.Length; i++)
        {
            int o = t.offset;
            for (int d = lead; d < batch.Length; d++)
                if (t.shape[d - lead] != 1) o += index[d] * t.strides[d - lead];
            offsets[i] = o;
            for (int d = batch.Length - 1; d >= 0 && ++index[d] == batch[d]; d--) index[d] = 0;
        }
        return offsets;
    }

    /// <summary>
    /// Whether dims with these sizes and strides walk the storage as one dim with a single stride (so they
    /// can be seen as one without a copy), and that stride. Size-1 dims never matter.
    /// </summary>
    internal static bool TryMergeRowDims(ReadOnlySpan<int> sizes, ReadOnlySpan<int> strides, out int stride)
    {
        stride = 1;
        int extent = 0;
        for (int d = sizes.Length - 1; d >= 0; d--)
        {
            if (sizes[d] == 1) continue;
            if (extent == 0) (stride, extent) = (strides[d], sizes[d]);
            else if (strides[d] == stride * extent) extent *= sizes[d];
            else return false;
        }
        return true;
    }
}
