using DeepGen.Autograd;

namespace DeepGen;

/// <summary>Process-wide switches with PyTorch's names: seeding and grad mode.</summary>
public static class Torch
{
    /// <summary>Reseeds the default generator (PyTorch's <c>torch.manual_seed</c>).</summary>
    public static void ManualSeed(ulong seed) => Generator.Default.ManualSeed(seed);

    /// <summary><c>using (Torch.NoGrad()) { ... }</c>: ops inside record nothing for autograd.</summary>
    public static GradMode.Scope NoGrad() => GradMode.NoGrad();

    public static GradMode.Scope EnableGrad() => GradMode.EnableGrad();

    public static bool IsGradEnabled => GradMode.IsEnabled;
}
