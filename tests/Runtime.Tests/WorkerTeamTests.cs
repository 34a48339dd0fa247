using DeepGen.Kernels;

namespace DeepGen.Tests;

/// <summary>
/// WorkerTeam (DeepGen's parallel-for) and the batch-1 Linear it splits in halves: every index runs once,
/// helpers take part, an exception reaches the caller, nested and concurrent loops complete, and results
/// match a double reference whether the helpers are asleep, awake, or busy with another thread's loop.
/// </summary>
public class WorkerTeamTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(64)]
    public void Every_index_runs_once_back_to_back_and_after_the_helpers_sleep(int count)
    {
        for (int call = 0; call < 200; call++)
        {
            var runs = new int[count];
            WorkerTeam.For(count, i =>
            {
                Interlocked.Increment(ref runs[i]);
                Thread.SpinWait(200);
            });
            Assert.All(runs, r => Assert.Equal(1, r));
            if (call == 100) Thread.Sleep(5); // longer than the helpers spin: they are asleep for the next call
        }
    }

    [Fact]
    public void Back_to_back_loops_share_their_indices_with_a_helper()
    {
        if (!WorkerTeam.Available) return;
        // other tests take the team meanwhile (their loops then go to Parallel.For, and this one's may too),
        // so look for a loop that ran an index off the calling thread within a few seconds
        int caller = Environment.CurrentManagedThreadId, helped = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (helped == 0 && clock.Elapsed.TotalSeconds < 10)
        {
            WorkerTeam.For(4, _ =>
            {
                if (Environment.CurrentManagedThreadId != caller) Interlocked.Increment(ref helped);
                Thread.SpinWait(2000); // long enough for an awake helper to take an index
            });
        }
        Assert.True(helped > 0, "no index ran off the calling thread in 10 s of back-to-back loops");
    }

    [Fact]
    public void Empty_and_single_loops_run_on_the_caller()
    {
        WorkerTeam.For(0, _ => throw new InvalidOperationException("no index"));
        int caller = Environment.CurrentManagedThreadId, ranOn = -1;
        WorkerTeam.For(1, _ => ranOn = Environment.CurrentManagedThreadId);
        Assert.Equal(caller, ranOn);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void An_exception_in_any_index_reaches_the_caller_as_itself(int failing)
    {
        for (int call = 0; call < 20; call++)
        {
            var error = Assert.Throws<InvalidOperationException>(() => WorkerTeam.For(8, i =>
            {
                if (i == failing) throw new InvalidOperationException($"index {i}");
            }));
            Assert.Equal($"index {failing}", error.Message);
        }

        // and the team still works afterwards
        int runs = 0;
        WorkerTeam.For(5, _ => Interlocked.Increment(ref runs));
        Assert.Equal(5, runs);
    }

    [Fact]
    public async Task An_exception_reaches_the_caller_as_itself_while_another_thread_holds_the_team()
    {
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        // this loop holds the team (unless another test does) until the check below is done
        var holder = Task.Run(() => WorkerTeam.For(2, i =>
        {
            holding.Set();
            if (i == 0) release.Wait(TimeSpan.FromSeconds(10));
        }));
        holding.Wait(TimeSpan.FromSeconds(10));
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => WorkerTeam.For(4, i =>
            {
                if (i == 2) throw new InvalidOperationException("index 2");
            }));
            Assert.Equal("index 2", error.Message);
        }
        finally
        {
            release.Set();
        }
        await holder;
    }

    [Fact]
    public void A_loop_inside_a_loop_runs_every_inner_index()
    {
        var runs = new int[6, 5];
        WorkerTeam.For(6, i => WorkerTeam.For(5, j => Interlocked.Increment(ref runs[i, j])));
        foreach (int r in runs) Assert.Equal(1, r);
    }

    [Fact]
    public async Task Loops_from_several_threads_at_once_each_run_every_index()
    {
        void Loops()
        {
            for (int call = 0; call < 300; call++)
            {
                var runs = new int[17];
                WorkerTeam.For(runs.Length, i => Interlocked.Increment(ref runs[i]));
                Assert.All(runs, r => Assert.Equal(1, r));
            }
        }

        await Task.WhenAll(Task.Run(Loops), Task.Run(Loops), Task.Run(Loops));
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
