using DeepGen.Kernels;

namespace DeepGen.Tests;

/// <summary>
/// HotPair (the two-halves runner for short jobs) and the batch-1 Linear it splits: both halves run, errors
/// from either half reach the caller, and results match a double reference whether the helper is asleep,
/// awake, or busy with another thread's job.
/// </summary>
public class HotPairTests
{
    [Fact]
    public void Both_halves_run_once_per_call_back_to_back_and_after_the_helper_sleeps()
    {
        int paired = 0, caller = Environment.CurrentManagedThreadId;
        for (int call = 0; call < 200; call++)
        {
            int first = 0, second = 0;
            HotPair.Run(half =>
            {
                Interlocked.Increment(ref half == 0 ? ref first : ref second);
                if (half == 1 && Environment.CurrentManagedThreadId != caller) Interlocked.Increment(ref paired);
            });
            Assert.Equal((1, 1), (first, second));
            if (call == 100) Thread.Sleep(5); // longer than the helper spins: it is asleep for the next call
        }

        // the first call (and the one after the sleep) wakes the helper; back-to-back calls then use it
        // (how many depends on other tests calling it at the same time, which then run both halves themselves)
        if (HotPair.Available) Assert.True(paired > 0, "no call ran a half on the helper");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void An_exception_in_either_half_reaches_the_caller(int failing)
    {
        for (int call = 0; call < 20; call++)
        {
            var error = Assert.Throws<InvalidOperationException>(() => HotPair.Run(half =>
            {
                if (half == failing) throw new InvalidOperationException($"half {half}");
            }));
            Assert.Equal($"half {failing}", error.Message);
        }

        // and the pair still works afterwards
        int runs = 0;
        HotPair.Run(_ => Interlocked.Increment(ref runs));
        Assert.Equal(2, runs);
    }

    public static TheoryData<int, int> LinearShapes() => new() { { 784, 256 }, { 333, 101 }, { 256, 256 }, { 1000, 37 } };

    [Theory]
    [MemberData(nameof(LinearShapes))]
    public async Task Batch_one_linear_matches_a_double_reference_from_two_threads_at_once(int inFeatures, int outFeatures)
    {
        var x = Tensor.Randn([1, inFeatures], generator: new Generator(1));
        var w = Tensor.Randn([outFeatures, inFeatures], generator: new Generator(2));
        var b = Tensor.Randn([outFeatures], generator: new Generator(3));
        var xs = x.ToArray<float>();
        var ws = w.ToArray<float>();
        var bs = b.ToArray<float>();
        var expected = new double[outFeatures];
        for (int o = 0; o < outFeatures; o++)
        {
            double sum = bs[o];
            for (int i = 0; i < inFeatures; i++) sum += (double)xs[i] * ws[o * inFeatures + i];
            expected[o] = sum;
        }

        void Check()
        {
            for (int call = 0; call < 50; call++)
            {
                var y = F.Linear(x, w, b).ToArray<float>();
                for (int o = 0; o < outFeatures; o++)
                    Assert.True(Math.Abs(y[o] - expected[o]) <= 1e-4 * (1 + Math.Abs(expected[o])), $"output {o}: {y[o]} vs {expected[o]}");
            }
        }

        var other = Task.Run(Check);
        Check();
        await other;
    }
}
