using System.Collections.Immutable;
using System.Diagnostics;
using DeepGen.Analyzers;
using DeepGen.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

// After every file has run Warmups times (so that the JIT has settled, as in a long-running IDE or build
// server), for each model file: the median over Runs runs of
//  - build: a fresh generator driver and analyzers on a fresh compilation of the file (what a command-line
//    build does, binding included);
//  - edit: the same driver run again after a one-character edit of the file, plus the analyzers (what the
//    IDE does while typing: the generator's incremental steps are reused where they can be).
const int Warmups = 3;
const int Runs = 21;

List<string> files = args.SelectMany(path => Directory.Exists(path)
        ? Directory.GetFiles(path, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/bin/") && !f.Contains("/obj/"))
        : [path])
    .OrderBy(f => f, StringComparer.Ordinal)
    .ToList();
if (files.Count == 0)
{
    Console.Error.WriteLine("usage: AnalyzerTiming <model file or folder>...");
    return 1;
}

ImmutableArray<MetadataReference> references = References();
ImmutableArray<DiagnosticAnalyzer> analyzers = [new ModelMustBePartialAnalyzer()];
var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
var buildTimes = new List<double>();
var editTimes = new List<double>();
Console.WriteLine($"{"file",-62} {"build ms",9} {"edit ms",9} {"diagnostics",11}");
foreach (string file in files)
{
    Measure(File.ReadAllText(file), Warmups);
}

foreach (string file in files)
{
    (List<double> build, List<double> edit, int found) = Measure(File.ReadAllText(file), Runs);
    buildTimes.Add(Median(build));
    editTimes.Add(Median(edit));
    Console.WriteLine($"{Path.GetRelativePath(Environment.CurrentDirectory, file),-62} {Median(build),9:F1} {Median(edit),9:F1} {found,11}");
}

Console.WriteLine($"{files.Count} files; per file, build: median {Median(buildTimes):F1} ms, max {buildTimes.Max():F1} ms; edit: median {Median(editTimes):F1} ms, max {editTimes.Max():F1} ms");
return 0;

(List<double> Build, List<double> Edit, int Found) Measure(string text, int runs)
{
    var build = new List<double>();
    var edit = new List<double>();
    int found = 0;
    for (int run = 0; run < runs; run++)
    {
        // Parsing is the compiler's work, not DeepGen's: outside the timed region.
        SyntaxTree tree = CSharpSyntaxTree.ParseText(text, parseOptions, "Models.cs");
        CSharpCompilation compilation = CSharpCompilation.Create(
            "DeepGen.Timing", [tree], references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        SyntaxTree edited = tree.WithChangedText(SourceText.From(text + " "));
        CSharpCompilation editedCompilation = compilation.ReplaceSyntaxTree(tree, edited);

        var clock = Stopwatch.StartNew();
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new ModelGenerator().AsSourceGenerator()], parseOptions: parseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generated);
        ImmutableArray<Diagnostic> analyzed = output.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        build.Add(clock.Elapsed.TotalMilliseconds);

        clock.Restart();
        driver.RunGeneratorsAndUpdateCompilation(editedCompilation, out Compilation editedOutput, out _);
        editedOutput.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        edit.Add(clock.Elapsed.TotalMilliseconds);
        found = generated.Length + analyzed.Length;
    }

    return (build, edit, found);
}

static double Median(List<double> values)
{
    var sorted = values.OrderBy(v => v).ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

// The running runtime's assemblies and DeepGen.Runtime.dll: what a project that uses DeepGen compiles against.
static ImmutableArray<MetadataReference> References()
{
    string frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
    string list = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? throw new InvalidOperationException("TRUSTED_PLATFORM_ASSEMBLIES is not set.");
    return list.Split(Path.PathSeparator)
        .Where(path => string.Equals(Path.GetDirectoryName(path), frameworkDirectory, StringComparison.Ordinal))
        .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
        .Append(MetadataReference.CreateFromFile(typeof(DeepGen.Module).Assembly.Location))
        .ToImmutableArray();
}
