using DeepGen.Kernels;

namespace DeepGen.Tests;

/// <summary>The tests that change the kernels' thread count (process-wide): they run with no other test at the same time.</summary>
[CollectionDefinition(nameof(ThreadCountTests), DisableParallelization = true)]
public sealed class ThreadCountCollection;

/// <summary>
/// Torch.SetNumThreads / GetNumThreads: one thread runs every loop on the caller, more threads bring helpers
/// in, results do not depend on the count, and a count below one is refused.
/// </summary>
[Collection(nameof(ThreadCountTests))]
public class ThreadCountTests
{
    [Fact]
    public void The_default_is_the_processor_count()
    {
        Assert.Equal(Environment.ProcessorCount, Torch.GetNumThreads());
    }

    [Fact]
    public void One_thread_runs_every_index_on_the_caller()
    {
        int original = Torch.GetNumThreads();
        try
        {
            Torch.SetNumThreads(1);
            Assert.Equal(1, Torch.GetNumThreads());
            int caller = Environment.CurrentManagedThreadId, elsewhere = 0;
            for (int call = 0; call < 50; call++)
                WorkerTeam.For(16, _ =>
                {
                    if (Environment.CurrentManagedThreadId != caller) Interlocked.Increment(ref elsewhere);
                    Thread.SpinWait(500);
                });
            Assert.Equal(0, elsewhere);
        }
        finally
        {
            Torch.SetNumThreads(original);
        }
    }

    [Fact]
    public void Three_threads_bring_helpers_in_even_on_fewer_cores()
    {
        int original = Torch.GetNumThreads();
        try
        {
            Torch.SetNumThreads(3);
            var seen = new HashSet<int>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (seen.Count < 3 && clock.Elapsed.TotalSeconds < 10)
                WorkerTeam.For(12, _ =>
                {
                    lock (seen) seen.Add(Environment.CurrentManagedThreadId);
                    Thread.SpinWait(20_000); // long enough for every awake helper to take an index
                });
            Assert.Equal(3, seen.Count);
        }
        finally
        {
            Torch.SetNumThreads(original);
        }
    }

    [Fact]
    public void Products_and_kernels_give_the_same_bits_whatever_the_thread_count()
    {
        int original = Torch.GetNumThreads();
        var a = Tensor.Randn([300, 700], generator: new Generator(3));
        var b = Tensor.Randn([700, 500], generator: new Generator(4));
        var x = Tensor.Randn([1000, 333], generator: new Generator(5));
        var fusedSum = new DeepGen.Compiled.LeadingSum(0, 1, KeepDim: false, Mean: false);
        (float[] Product, float[] Softmax, float[] Gelu, float Sum, float[] ColumnSums, float[] FusedSums) Run() =>
            (a.MatMul(b).ToArray<float>(), F.Softmax(x, -1).ToArray<float>(), F.Gelu(x).ToArray<float>(),
             x.Sum().Item<float>(), x.Sum([0]).ToArray<float>(),
             DeepGen.Compiled.Pointwise.Run("k", new Compiled.LeadingSumTests.MulRelu(), [x, x], [DType.Float32], sum: fusedSum)[1].ToArray<float>());
        try
        {
            var reference = Run();
            foreach (int threads in new[] { 1, 3 })
            {
                Torch.SetNumThreads(threads);
                var result = Run();
                Assert.Equal(reference.Product, result.Product);
                Assert.Equal(reference.Softmax, result.Softmax);
                Assert.Equal(reference.Gelu, result.Gelu);
                Assert.Equal(BitConverter.SingleToInt32Bits(reference.Sum), BitConverter.SingleToInt32Bits(result.Sum));
                Assert.Equal(reference.ColumnSums, result.ColumnSums);
                Assert.Equal(reference.FusedSums, result.FusedSums);
            }
        }
        finally
        {
            Torch.SetNumThreads(original);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void A_count_below_one_is_refused_by_name(int count)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Torch.SetNumThreads(count));
        Assert.Contains("set_num_threads", error.Message);
        Assert.Contains(count.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }
}
