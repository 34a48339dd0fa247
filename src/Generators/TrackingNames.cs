namespace DeepGen.Generators;

/// <summary>Names given with <c>WithTrackingName</c> to the generator's pipeline steps (tests read them to check caching).</summary>
public static class TrackingNames
{
    /// <summary>[Model] classes turned into <see cref="ModelSpec"/>s.</summary>
    public const string Models = nameof(Models);

    /// <summary>The diagnostics of each model (DG0002 to DG0005).</summary>
    public const string Diagnostics = nameof(Diagnostics);

    /// <summary>The project directory, read from the analyzer config options (for the generated files' headers).</summary>
    public const string ProjectDirectory = nameof(ProjectDirectory);

    /// <summary>Each model's <see cref="RegistrationSpec"/>: the input of the <c>VisitMembers</c> emitter.</summary>
    public const string Registration = nameof(Registration);

    /// <summary>Each model's <c>Forward</c> lowered to Fusion IR, with its DG0006/DG0007 diagnostics and locations (<see cref="ForwardLowering"/>).</summary>
    public const string ForwardLowering = nameof(ForwardLowering);

    /// <summary>The DG0006/DG0007 diagnostics of each model's lowering.</summary>
    public const string ForwardDiagnostics = nameof(ForwardDiagnostics);

    /// <summary>Each compilable model's <see cref="ForwardModel"/> (or null): the input of the forward emitter, with no locations.</summary>
    public const string Forward = nameof(Forward);

    /// <summary>Whether the project lists DeepGen.Interceptors in InterceptorsNamespaces.</summary>
    public const string InterceptorsEnabled = nameof(InterceptorsEnabled);

    /// <summary>The <c>model.Forward(x)</c> calls of the project that could be intercepted.</summary>
    public const string ForwardCalls = nameof(ForwardCalls);
}
