namespace DeepGen.Generators;

/// <summary>Names given with <c>WithTrackingName</c> to the generator's pipeline steps (tests read them to check caching).</summary>
public static class TrackingNames
{
    /// <summary>[Model] classes turned into <see cref="ModelSpec"/>s.</summary>
    public const string Models = nameof(Models);

    /// <summary>The diagnostics of each model's <c>[Shape]</c> annotations.</summary>
    public const string ShapeDiagnostics = nameof(ShapeDiagnostics);
}
