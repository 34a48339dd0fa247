using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;

namespace DeepGen.Testing;

/// <summary>
/// Inputs shared by the Roslyn-based tests (compiled into each test project that needs them): the
/// real DeepGen.Runtime assembly (attributes, Tensor, Module), and net10.0 references taken from the
/// running runtime, so no test downloads reference-assembly packages.
/// </summary>
internal static class TestInputs
{
    /// <summary>The name test compilations get: an assembly that, like a user's, does not see the runtime's internals.</summary>
    public const string AssemblyName = "DeepGen.TestInput";

    /// <summary>The running runtime's own assemblies (TRUSTED_PLATFORM_ASSEMBLIES under the shared framework folder).</summary>
    public static ImmutableArray<MetadataReference> Net10References { get; } = FrameworkReferences();

    /// <summary>DeepGen.Runtime.dll, as the test project references it.</summary>
    public static MetadataReference RuntimeReference { get; } = MetadataReference.CreateFromFile(typeof(DeepGen.Module).Assembly.Location);

    /// <summary><see cref="Net10References"/> and <see cref="RuntimeReference"/>: what a project that uses DeepGen compiles against.</summary>
    public static ImmutableArray<MetadataReference> References { get; } = Net10References.Add(RuntimeReference);

    /// <summary>
    /// For Microsoft.CodeAnalysis.Testing: a target framework with no reference package (nothing to download);
    /// add <see cref="Net10References"/> to the test state's AdditionalReferences.
    /// </summary>
    public static ReferenceAssemblies ReferenceAssemblies { get; } = new("net10.0");

    /// <summary>Parse options for test sources: the latest C#.</summary>
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    /// <summary>A library compilation of <paramref name="sources"/> (path, text) against <see cref="References"/>.</summary>
    public static CSharpCompilation Compilation(params (string Path, string Text)[] sources) => Compilation(AssemblyName, sources);

    /// <summary>The same, for an assembly called <paramref name="assemblyName"/>.</summary>
    public static CSharpCompilation Compilation(string assemblyName, params (string Path, string Text)[] sources) =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path)),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    private static ImmutableArray<MetadataReference> FrameworkReferences()
    {
        string frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string list = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")
            ?? throw new InvalidOperationException("TRUSTED_PLATFORM_ASSEMBLIES is not set.");
        return list.Split(Path.PathSeparator)
            .Where(path => string.Equals(Path.GetDirectoryName(path), frameworkDirectory, StringComparison.Ordinal))
            .OrderBy(path => path, StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}
