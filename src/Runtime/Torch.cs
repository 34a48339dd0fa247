using DeepGen.Autograd;

namespace DeepGen;

/// <summary>Process-wide switches with PyTorch's names: seeding, grad mode and the kernels' thread count.</summary>
public static class Torch
{
    /// <summary>
    /// Opens a <see cref="DisposeScope"/> on this thread: the tensors made until it is disposed are disposed
    /// with it, and their buffers reused (TorchSharp's <c>torch.NewDisposeScope()</c>).
    /// </summary>
    public static DisposeScope NewDisposeScope() => new();

    /// <summary>Reseeds the default generator (PyTorch's <c>torch.manual_seed</c>).</summary>
    public static void ManualSeed(ulong seed) => Generator.Default.ManualSeed(seed);

    /// <summary><c>using (Torch.NoGrad()) { ... }</c>: ops inside record nothing for autograd.</summary>
    public static GradMode.Scope NoGrad() => GradMode.NoGrad();

    public static GradMode.Scope EnableGrad() => GradMode.EnableGrad();

    public static bool IsGradEnabled => GradMode.IsEnabled;

    /// <summary>
    /// How many threads CPU kernels share their work over (PyTorch's <c>torch.get_num_threads</c>): the
    /// processor count (<c>DOTNET_PROCESSOR_COUNT</c> overrides it) unless <see cref="SetNumThreads"/> changed it.
    /// </summary>
    public static int GetNumThreads() => Kernels.Parallelism.Workers;

    /// <summary>
    /// Sets how many threads CPU kernels share their work over, the caller included (PyTorch's
    /// <c>torch.set_num_threads</c>); 1 runs every kernel on the calling thread. Takes effect from the next kernel.
    /// </summary>
    public static void SetNumThreads(int count) => Kernels.Parallelism.SetWorkers(count);
}
