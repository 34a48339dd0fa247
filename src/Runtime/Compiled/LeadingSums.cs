using System.ComponentModel;
using DeepGen.Kernels;

namespace DeepGen.Compiled;

/// <summary>
/// A sum (or mean) over the leading <paramref name="Dims"/> dims of output <paramref name="Output"/> of a fused
/// kernel, which <see cref="Pointwise.Run{TKernel}"/> accumulates as the kernel runs (a bias gradient, summed
/// over the batch from the gradient the kernel writes). Part of the surface for generated code.
/// </summary>
/// <param name="Output">Which of the kernel's outputs is reduced.</param>
/// <param name="Dims">How many leading dims are reduced: the output is seen as rows (their product) x columns.</param>
/// <param name="KeepDim">Whether the reduced dims stay, with size 1.</param>
/// <param name="Mean">True for a mean: the sum divided by the number of rows.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record LeadingSum(int Output, int Dims, bool KeepDim, bool Mean);

/// <summary>
/// Runs a fused kernel over chunks of whole rows; after each block, while its elements are still in cache,
/// adds the block's part of the reduced output into the chunk's column sums (in double, as the eager column
/// sum does), so the output is not read again from memory. Chunks hold a fixed number of rows whatever the
/// thread count, and their sums are added in chunk order, so the result does not depend on the threads.
/// </summary>
internal static class LeadingSums
{
    /// <summary>About how many elements a chunk of rows holds: a few blocks, so each thread gets several chunks.</summary>
    const int ChunkElements = 1 << 15;

    public static Tensor[] Run<TKernel>(string name, TKernel kernel, Tensor[] inputs, Tensor[] outputs, int[] shape, LeadingSum sum)
        where TKernel : struct, IPointwiseKernel
    {
        if (sum.Output < 0 || sum.Output >= outputs.Length)
            throw new ArgumentException($"{name}: the sum reads output {sum.Output}, but the kernel has {outputs.Length} outputs");
        Tensor reduced = outputs[sum.Output];
        if (sum.Dims < 1 || sum.Dims >= shape.Length)
            throw new ArgumentException($"{name}: a sum over the leading {sum.Dims} dims of output {sum.Output}, of shape {Shapes.Format(shape)}, needs between 1 and {shape.Length - 1} dims");
        if (reduced.DType is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"{name}: the sum reads output {sum.Output}, which is {reduced.DType}; only float32 and float64 outputs are summed");

        int rows = Shapes.Numel(shape[..sum.Dims]);
        int cols = Shapes.Numel(shape[sum.Dims..]);
        int[] resultShape = sum.KeepDim ? [.. Enumerable.Repeat(1, sum.Dims), .. shape[sum.Dims..]] : shape[sum.Dims..];
        var result = Tensor.Uninitialized(resultShape, reduced.DType);
        if (rows == 0 || cols == 0)
        {
            // nothing to accumulate: an empty sum is 0 and an empty mean NaN, as the eager reduction gives
            Fill(result, sum.Mean && rows == 0 ? double.NaN : 0);
            return [.. outputs, result];
        }

        var layout = PointwiseLayout.Of(shape, inputs);
        int blockSize = Pointwise.BlockSizeFor(layout);
        int rowsPerChunk = Math.Max(1, ChunkElements / cols);
        int chunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
        var partials = new double[(long)chunks * cols];

        void RunChunk(int chunk)
        {
            long from = (long)chunk * rowsPerChunk * cols;
            long to = Math.Min(rows, (long)(chunk + 1) * rowsPerChunk) * cols;
            var block = new PointwiseBlock(inputs, outputs, layout);
            var columns = partials.AsSpan(chunk * cols, cols);
            for (long at = from; at < to;)
            {
                int row = (int)(at / layout.Inner), start = (int)(at % layout.Inner);
                int length = (int)Math.Min(Math.Min(blockSize, layout.Inner - start), to - at);
                block.Seek(row, start, length);
                kernel.Apply(block);
                AddToColumns(reduced, (int)at, length, columns);
                at += length;
            }
        }

        if ((long)rows * cols < Pointwise.ParallelThreshold || Parallelism.Workers < 2 || chunks < 2)
        {
            for (int chunk = 0; chunk < chunks; chunk++) RunChunk(chunk);
        }
        else
        {
            WorkerTeam.For(chunks, RunChunk);
        }

        Combine(partials, chunks, cols, sum.Mean ? rows : 1, result);
        return [.. outputs, result];
    }

    /// <summary>Adds elements [start, start + length) of <paramref name="output"/> (a contiguous rows x cols tensor) into their columns' sums.</summary>
    static void AddToColumns(Tensor output, int start, int length, Span<double> columns)
    {
        int cols = columns.Length;
        for (int at = start, end = start + length; at < end;)
        {
            int col = at % cols;
            int count = Math.Min(end - at, cols - col);
            if (output.DType == DType.Float32) ColumnSums.Add(output.Data<float>().AsSpan(at, count), columns.Slice(col, count));
            else ColumnSums.Add(output.Data<double>().AsSpan(at, count), columns.Slice(col, count));
            at += count;
        }
    }

    /// <summary>result[j] = (sum over chunks, in order, of partials[chunk, j]) / divisor.</summary>
    static void Combine(double[] partials, int chunks, int cols, int divisor, Tensor result)
    {
        var total = partials.AsSpan(0, cols);
        for (int chunk = 1; chunk < chunks; chunk++) ColumnSums.Add(partials.AsSpan(chunk * cols, cols), total);
        if (divisor != 1)
        {
            for (int j = 0; j < cols; j++) total[j] /= divisor;
        }

        if (result.DType == DType.Float32)
        {
            var target = result.Data<float>();
            for (int j = 0; j < cols; j++) target[j] = (float)total[j];
        }
        else total.CopyTo(result.Data<double>());
    }

    static void Fill(Tensor result, double value)
    {
        if (result.DType == DType.Float32) result.Data<float>().AsSpan().Fill((float)value);
        else result.Data<double>().AsSpan().Fill(value);
    }
}
