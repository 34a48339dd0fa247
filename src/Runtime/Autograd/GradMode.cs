namespace DeepGen.Autograd;

/// <summary>Whether ops record themselves for autograd on this thread (PyTorch's grad mode).</summary>
public static class GradMode
{
    [ThreadStatic] static bool disabled;

    public static bool IsEnabled => !disabled;

    /// <summary>Disables recording until the returned scope is disposed: <c>using (GradMode.NoGrad()) { ... }</c>.</summary>
    public static Scope NoGrad() => new(enabled: false);

    /// <summary>Re-enables recording inside a no-grad region.</summary>
    public static Scope EnableGrad() => new(enabled: true);

    /// <summary>Restores the previous grad mode when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        readonly bool previousDisabled;

        internal Scope(bool enabled)
        {
            previousDisabled = disabled;
            disabled = !enabled;
        }

        public void Dispose() => disabled = previousDisabled;
    }

    /// <summary>True when an op over these inputs must record a node.</summary>
    internal static bool ShouldRecord(Tensor a) => !disabled && a.RequiresGrad;

    internal static bool ShouldRecord(Tensor a, Tensor b) => !disabled && (a.RequiresGrad || b.RequiresGrad);

    internal static bool ShouldRecord(ReadOnlySpan<Tensor> inputs)
    {
        if (disabled) return false;
        foreach (var t in inputs)
            if (t.RequiresGrad) return true;
        return false;
    }
}
