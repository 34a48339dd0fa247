using System.Numerics;

namespace DeepGen.Kernels;

/// <summary>
/// One operand of attention as <c>Offsets.Length</c> independent (batch, head) matrices: row i of matrix b
/// starts at Offsets[b] + i * RowStride and its elements are adjacent. Heads cut out of a [B, T, H, d]
/// tensor by a transpose are read in place this way, without a copy.
/// </summary>
internal readonly record struct AttentionOperand<T>(T[] Data, int[] Offsets, int RowStride)
{
    public MatrixRef<T> Rows(int b, int firstRow) => new(Data, Offsets[b] + firstRow * RowStride, RowStride, 1);

    /// <summary>Matrix b transposed (read in place): column j is row j.</summary>
    public MatrixRef<T> Columns(int b) => new(Data, Offsets[b], 1, RowStride);

    public Span<T> Row(int b, int i, int length) => Data.AsSpan(Offsets[b] + i * RowStride, length);
}

/// <summary>
/// Scaled dot-product attention, softmax(q k^T * scale) v, per (batch, head) matrix, blocked over query rows
/// (flash attention's schedule on a CPU): a block of rows gets its scores from one GEMM into a scratch
/// buffer that stays in cache, its softmax, then its output from a second GEMM, so the [L, S] weights are
/// never stored whole. With causality a block only reads the keys its last row may see. The forward keeps
/// each row's log-sum-exp, from which the backward rebuilds the weights block by block. Matrices run in
/// parallel; within one, the GEMMs do when there is only one. Shared by the eager op and the compiled path.
/// </summary>
internal static class AttentionKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Query rows per block: the scratch scores (BlockRows x S) stay in cache, and with causality each block
    /// skips the keys past its last row (at T = 128, 37% of the scores; 32 is also a whole number of the
    /// GEMM's 32-wide column tiles). Larger blocks skip less; smaller ones make more, smaller GEMMs.
    /// </summary>
    const int BlockRows = 32;

    /// <summary>
    /// output (L x Ev per matrix) and logSumExp (L per matrix, contiguous from <paramref name="lseOffset"/>
    /// + b * L) of query L x E, key S x E, value S x Ev; causal: row i sees keys j &lt;= i.
    /// </summary>
    public static void Forward(AttentionOperand<T> q, AttentionOperand<T> k, AttentionOperand<T> v, AttentionOperand<T> output, T[] logSumExp,
        int l, int s, int e, int ev, T scale, bool causal)
    {
        int matrices = q.Offsets.Length;
        long work = (long)l * s * (e + ev);
        Parallelism.ForWithBuffer<T>(matrices, work, BlockRows * s, (b, scores, inner) =>
        {
            for (int i0 = 0; i0 < l; i0 += BlockRows)
            {
                int rows = Math.Min(BlockRows, l - i0), keys = Keys(i0 + rows, s, causal);
                var outputRows = output.Rows(b, i0);
                if (keys == 0)
                {
                    for (int r = 0; r < rows; r++) output.Row(b, i0 + r, ev).Clear();
                    logSumExp.AsSpan(b * l + i0, rows).Fill(T.NegativeInfinity);
                    continue;
                }
                Gemm.Run(rows, keys, e, scale, q.Rows(b, i0), k.Columns(b), T.Zero, scores, 0, keys, inner);
                for (int r = 0; r < rows; r++)
                    logSumExp[b * l + i0 + r] = AttentionRows.Softmax(scores.AsSpan(r * keys, keys), Keys(i0 + r + 1, keys, causal));
                Gemm.Run(rows, ev, keys, T.One, new MatrixRef<T>(scores, 0, keys, 1), v.Rows(b, 0), T.Zero,
                    outputRows.Data, outputRows.Offset, outputRows.RowStride, inner);
            }
        });
    }

    /// <summary>
    /// The gradients of <see cref="Forward"/>: gradQuery, gradKey and gradValue (laid out as the operands
    /// say) from gradOutput, the inputs, the output and the saved log-sum-exp. Every element of the three
    /// gradients is written.
    /// </summary>
    public static void Backward(AttentionOperand<T> gradOutput, AttentionOperand<T> q, AttentionOperand<T> k, AttentionOperand<T> v,
        AttentionOperand<T> output, T[] logSumExp, AttentionOperand<T> gradQ, AttentionOperand<T> gradK, AttentionOperand<T> gradV,
        int l, int s, int e, int ev, T scale, bool causal)
    {
        int matrices = q.Offsets.Length;
        long work = 2L * l * s * (e + ev);
        // per worker: the block's weights, their gradient, and each row's dot(gradOutput, output)
        Parallelism.ForWithBuffer<T>(matrices, work, 2 * BlockRows * s + BlockRows, (b, scratch, inner) =>
        {
            // key and value gradients gather over all query blocks
            for (int j = 0; j < s; j++)
            {
                gradK.Row(b, j, e).Clear();
                gradV.Row(b, j, ev).Clear();
            }
            for (int i0 = 0; i0 < l; i0 += BlockRows)
            {
                int rows = Math.Min(BlockRows, l - i0), keys = Keys(i0 + rows, s, causal);
                var gq = gradQ.Rows(b, i0);
                if (keys == 0)
                {
                    for (int r = 0; r < rows; r++) gradQ.Row(b, i0 + r, e).Clear();
                    continue;
                }
                int weightsAt = 0, gradAt = BlockRows * s, dotsAt = 2 * BlockRows * s;
                var weights = new MatrixRef<T>(scratch, weightsAt, keys, 1);
                var grads = new MatrixRef<T>(scratch, gradAt, keys, 1);
                Gemm.Run(rows, keys, e, scale, q.Rows(b, i0), k.Columns(b), T.Zero, scratch, weightsAt, keys, inner);
                for (int r = 0; r < rows; r++)
                {
                    int i = b * l + i0 + r;
                    AttentionRows.Rebuild(scratch.AsSpan(weightsAt + r * keys, keys), Keys(i0 + r + 1, keys, causal), logSumExp[i]);
                    scratch[dotsAt + r] = AttentionRows.Dot<T>(gradOutput.Row(b, i0 + r, ev), output.Row(b, i0 + r, ev));
                }
                // dV[:keys] += P^T dO; dP = dO V^T
                var gv = gradV.Rows(b, 0);
                Gemm.Run(keys, ev, rows, T.One, weights.Transposed, gradOutput.Rows(b, i0), T.One, gv.Data, gv.Offset, gv.RowStride, inner);
                Gemm.Run(rows, keys, ev, T.One, gradOutput.Rows(b, i0), v.Columns(b), T.Zero, scratch, gradAt, keys, inner);
                for (int r = 0; r < rows; r++)
                    AttentionRows.ScoreGradient<T>(scratch.AsSpan(weightsAt + r * keys, keys), scratch.AsSpan(gradAt + r * keys, keys), scratch[dotsAt + r], scale);
                // dQ = dS K; dK[:keys] += dS^T Q
                Gemm.Run(rows, e, keys, T.One, grads, k.Rows(b, 0), T.Zero, gq.Data, gq.Offset, gq.RowStride, inner);
                var gk = gradK.Rows(b, 0);
                Gemm.Run(keys, e, rows, T.One, grads.Transposed, q.Rows(b, i0), T.One, gk.Data, gk.Offset, gk.RowStride, inner);
            }
        });
    }

    /// <summary>How many of the <paramref name="s"/> keys rows before <paramref name="endRow"/> may see.</summary>
    static int Keys(int endRow, int s, bool causal) => causal ? Math.Min(endRow, s) : s;
}
