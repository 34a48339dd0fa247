using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;

namespace DeepGen.Testing;

/// <summary>
/// Inputs shared by the Roslyn-based tests (compiled into each test project that needs them):
/// the real src/Runtime/Attributes.cs as source text, and net10.0 references taken from the running
/// runtime, so no test downloads reference-assembly packages.
/// </summary>
internal static class TestInputs
{
    /// <summary>The path under which the attribute source is added to test compilations.</summary>
    public const string AttributesPath = "Attributes.cs";

    /// <summary>The text of src/Runtime/Attributes.cs (embedded into the test assembly at build time).</summary>
    public static string AttributesSource { get; } = ReadAttributes();

    /// <summary>The running runtime's own assemblies (TRUSTED_PLATFORM_ASSEMBLIES under the shared framework folder).</summary>
    public static ImmutableArray<MetadataReference> Net10References { get; } = FrameworkReferences();

    /// <summary>
    /// For Microsoft.CodeAnalysis.Testing: a target framework with no reference package (nothing to download);
    /// add <see cref="Net10References"/> to the test state's AdditionalReferences.
    /// </summary>
    public static ReferenceAssemblies ReferenceAssemblies { get; } = new("net10.0");

    /// <summary>Parse options for test sources: the latest C#.</summary>
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    /// <summary>A library compilation of the attributes plus <paramref name="sources"/> (path, text).</summary>
    public static CSharpCompilation Compilation(params (string Path, string Text)[] sources)
    {
        IEnumerable<SyntaxTree> trees = sources
            .Prepend((Path: AttributesPath, Text: AttributesSource))
            .Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path));
        return CSharpCompilation.Create(
            "DeepGen.TestInput",
            trees,
            Net10References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    private static string ReadAttributes()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("DeepGen.Attributes.cs")
            ?? throw new InvalidOperationException("The embedded resource DeepGen.Attributes.cs is missing; see the test project file.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

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
