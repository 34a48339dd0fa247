using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DeepGen.Compiled;
using StreamingStore = DeepGen.Kernels.StreamingStore;

namespace DeepGen.Tests.Compiled;

/// <summary>
/// Streaming (non-temporal) stores for large outputs: the store itself at aligned and unaligned addresses, the
/// fused-loop driver's block grid cut at the output's 64-byte lines, whole fused loops over outputs large enough to
/// stream against eager arithmetic, and eager elementwise ops that stream against their own small-tensor results.
/// </summary>
public class StreamingStoreTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(16)]
    public void A_streaming_store_writes_what_an_ordinary_store_writes_at_any_offset(int offset)
    {
        var floats = new float[64];
        var doubles = new double[64];
        StreamingStore.Write(Vector512.Create(1.5f), ref floats[offset]);
        StreamingStore.Write(Vector256.Create(2.5f), ref floats[offset + 16]);
        StreamingStore.Write(Vector512.Create(3.5), ref doubles[offset]);
        StreamingStore.Write(Vector256.Create(4.5), ref doubles[offset + 8]);
        StreamingStore.Fence();

        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(i < offset ? 0 : i < offset + 16 ? 1.5f : i < offset + 24 ? 2.5f : 0, floats[i]);
            Assert.Equal(i < offset ? 0 : i < offset + 8 ? 3.5 : i < offset + 12 ? 4.5 : 0, doubles[i]);
        }
    }

    [Theory]
    [InlineData(1, 100, 32, 16, 0)]
    [InlineData(3, 1000, 64, 16, 5)]
    [InlineData(4, 4096, 2048, 16, 12)]
    [InlineData(5, 7, 32, 8, 3)]
    [InlineData(2, 70_001, 16384, 16, 15)]
    [InlineData(3, 1000, 64, 0, 0)]
    public void The_block_grid_covers_every_element_once_and_streams_only_whole_lines(int rows, int inner, int size, int unit, int firstAligned)
    {
        var grid = unit == 0 ? BlockGrid.Plain(rows, inner, size) : BlockGrid.Streamed(rows, inner, size, unit, firstAligned);
        var seen = new int[rows * inner];
        for (long b = 0; b < grid.Count; b++)
        {
            var (row, start, length, streams) = grid[b];
            Assert.InRange(length, 0, size);
            for (int i = 0; i < length; i++) seen[row * inner + start + i]++;
            if (streams)
            {
                Assert.Equal(0, ((row * inner + start - firstAligned) % unit + unit) % unit);
                Assert.Equal(0, length % unit);
            }
            else if (unit > 0)
            {
                // a row's partial lines, before its first line boundary and after its last
                Assert.InRange(length, 0, unit - 1);
            }
        }

        Assert.All(seen, count => Assert.Equal(1, count));
    }

    /// <summary>out0 = a * b + c in the shape the C# emitter writes (16 lanes, 8 lanes, scalar tail), recording how its blocks stored.</summary>
    readonly struct StreamedMulAdd<T>(StoreLog log) : IPointwiseKernel where T : unmanaged, INumber<T>
    {
        public void Apply(PointwiseBlock block)
        {
            ReadOnlySpan<T> in0 = block.Input<T>(0), in1 = block.Input<T>(1), in2 = block.Input<T>(2);
            Span<T> out0 = block.Output<T>(0);
            log.Record(block, out0);
            bool stream = block.Streams;
            int i = 0;
            for (; i <= block.Length - Vector512<T>.Count; i += Vector512<T>.Count)
                Pw.Store(Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(in0), (nuint)i) * Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(in1), (nuint)i)
                    + Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(in2), (nuint)i), out0, i, stream);
            for (; i <= block.Length - Vector256<T>.Count; i += Vector256<T>.Count)
                Pw.Store(Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(in0), (nuint)i) * Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(in1), (nuint)i)
                    + Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(in2), (nuint)i), out0, i, stream);
            for (; i < block.Length; i++) out0[i] = in0[i] * in1[i] + in2[i];
        }

    }

    /// <summary>
    /// Counts a loop's blocks and the elements of those it streamed; streamed blocks not over whole 64-byte lines of
    /// the output; blocks of a line or more through the cache.
    /// </summary>
    sealed class StoreLog
    {
        public int Blocks, Misaligned, Unstreamed;
        public long StreamedElements;

        public unsafe void Record<T>(PointwiseBlock block, Span<T> output) where T : unmanaged
        {
            Interlocked.Increment(ref Blocks);
            long bytes = (long)block.Length * sizeof(T);
            if (!block.Streams)
            {
                if (bytes >= StreamingStore.Alignment) Interlocked.Increment(ref Unstreamed);
                return;
            }

            Interlocked.Add(ref StreamedElements, block.Length);
            nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(output));
            if (address % StreamingStore.Alignment != 0 || bytes % StreamingStore.Alignment != 0)
                Interlocked.Increment(ref Misaligned);
        }
    }

    public static TheoryData<DType, int, bool> LargeCases() => new()
    {
        // rows of odd length start at every offset within a line; a stepped input is gathered in smaller blocks
        { DType.Float32, 1_400_003, false },
        { DType.Float32, 4_194_304, true },
        { DType.Float64, 1_400_003, true },
    };

    [Theory]
    [MemberData(nameof(LargeCases))]
    public void A_loop_over_a_large_output_streams_it_with_the_results_of_eager_arithmetic(DType dtype, int cols, bool stepped)
    {
        int rows = (StreamingStore.MinElements + cols - 1) / cols;
        var generator = new Generator(7);
        var a = stepped ? Tensor.Randn([rows, cols * 2], dtype, generator).Slice(1, 0, cols * 2, 2) : Tensor.Randn([rows, cols], dtype, generator);
        var b = Tensor.Randn([rows, cols], dtype, generator);
        var c = Tensor.Randn([cols], dtype, generator);
        var log = new StoreLog();

        var result = dtype == DType.Float32
            ? Pointwise.Run("k", new StreamedMulAdd<float>(log), [a, b, c], [dtype])[0]
            : Pointwise.Run("k", new StreamedMulAdd<double>(log), [a, b, c], [dtype])[0];

        // all but each row's partial lines at its two ends stream
        Assert.Equal(0, log.Misaligned);
        Assert.Equal(0, log.Unstreamed);
        Assert.InRange(log.StreamedElements, (long)rows * cols - rows * 2 * 16, (long)rows * cols);
        var expected = a * b + c;
        if (dtype == DType.Float32) Assert.Equal(expected.ToArray<float>(), result.ToArray<float>());
        else Assert.Equal(expected.ToArray<double>(), result.ToArray<double>());
    }

    [Fact]
    public void A_loop_below_the_streaming_size_stores_through_the_cache()
    {
        var a = Tensor.Randn([1000, 1000]);
        var log = new StoreLog();

        var result = Pointwise.Run("k", new StreamedMulAdd<float>(log), [a, a, a], [DType.Float32])[0];

        Assert.True(log.Blocks > 1);
        Assert.Equal(0, log.StreamedElements);
        Assert.Equal((a * a + a).ToArray<float>(), result.ToArray<float>());
    }

    [Theory]
    [InlineData("contiguous")]
    [InlineData("scalar")]
    [InlineData("row")]
    public void An_eager_binary_op_over_a_large_output_gives_each_element_its_own_result(string operand)
    {
        // a one element off its array's start, so the output's lines and the inputs' fall differently; b the same
        // shape, one broadcast value, or a row of an odd length broadcast down the rows
        const int cols = 4100;
        int rows = StreamingStore.MinElements / cols + 1, n = rows * cols;
        var generator = new Generator(8);
        var a = Tensor.Randn([n + 1], DType.Float32, generator).Slice(0, 1, n + 1).Reshape(rows, cols);
        var b = operand switch
        {
            "contiguous" => Tensor.Randn([rows, cols], DType.Float32, generator),
            "scalar" => Tensor.Scalar(1.5, DType.Float32),
            _ => Tensor.Randn([cols], DType.Float32, generator),
        };

        var product = (a * b).ToArray<float>();

        float[] x = a.ToArray<float>(), y = b.ToArray<float>();
        for (int i = 0; i < n; i++)
        {
            float expected = x[i] * y[operand switch { "contiguous" => i, "scalar" => 0, _ => i % cols }];
            if (product[i] != expected) Assert.Fail($"element {i}: {product[i]:R} instead of {expected:R}");
        }
    }

    [Fact]
    public void An_eager_unary_op_over_a_large_output_gives_what_it_gives_on_small_tensors()
    {
        int n = StreamingStore.MinElements + 1001;
        var x = Tensor.Randn([n], DType.Float32, new Generator(9)) * 3;

        var large = F.Gelu(x).ToArray<float>();

        // pieces below the streaming size, through the same vector GELU
        var values = x.ToArray<float>();
        for (int start = 0; start < n; start += 1 << 20)
        {
            int length = Math.Min(1 << 20, n - start);
            var piece = F.Gelu(Tensor.FromArray(values[start..(start + length)], [length])).ToArray<float>();
            for (int i = 0; i < length; i++)
                if (!piece[i].Equals(large[start + i])) Assert.Fail($"element {start + i}: {large[start + i]:R} instead of {piece[i]:R}");
        }
    }
}
