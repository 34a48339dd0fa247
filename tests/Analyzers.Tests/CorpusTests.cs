using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Xunit;

namespace DeepGen.Analyzers.Tests;

/// <summary>
/// The corpus (Corpus/): small models, each with one planted bug marked <c>// expect: DG00NN</c> on the
/// offending line (Bugs/), and correct ones, near misses included (Correct/). A planted bug must be reported
/// at its line with its ID, and nothing else at warning or error severity, in either folder.
/// </summary>
public partial class CorpusTests
{
    private static readonly string CorpusDirectory = Path.Combine(AppContext.BaseDirectory, "Corpus");

    public static TheoryData<string> Bugs => Files("Bugs");

    public static TheoryData<string> Correct => Files("Correct");

    [Theory]
    [MemberData(nameof(Bugs))]
    public async Task A_planted_bug_is_reported_at_its_line_and_nothing_else(string file)
    {
        (string path, string text) = Read("Bugs", file);
        List<(int Line, string Id)> expected = Expected(text);
        Assert.True(expected.Count == 1, $"{file} must plant exactly one bug, marked with // expect: DG00NN; it has {expected.Count}");
        await AssertReported(path, text, expected);
    }

    [Theory]
    [MemberData(nameof(Correct))]
    public async Task A_correct_model_gets_no_warning(string file)
    {
        (string path, string text) = Read("Correct", file);
        Assert.Empty(Expected(text));
        await AssertReported(path, text, []);
    }

    [Fact]
    public void The_corpus_has_at_least_30_buggy_and_30_correct_models()
    {
        Assert.True(Bugs.Count >= 30, $"{Bugs.Count} buggy models");
        Assert.True(Correct.Count >= 30, $"{Correct.Count} correct models");
    }

    private static async Task AssertReported(string path, string text, List<(int Line, string Id)> expected)
    {
        var reported = (await DeepGenDiagnostics.OfAsync((path, text)))
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && !d.IsSuppressed)
            .ToList();
        var actual = reported.Select(d => (Line: d.Location.GetLineSpan().StartLinePosition.Line + 1, d.Id)).OrderBy(x => x).ToList();
        string Describe() => string.Join(Environment.NewLine, reported.Select(d => d.ToString()));
        Assert.True(expected.OrderBy(x => x).SequenceEqual(actual), $"expected {string.Join(", ", expected)}; reported:{Environment.NewLine}{Describe()}");
    }

    private static List<(int Line, string Id)> Expected(string text) =>
        text.Split('\n')
            .Select((line, index) => (Match: ExpectMarker().Match(line), Line: index + 1))
            .Where(x => x.Match.Success)
            .Select(x => (x.Line, x.Match.Groups[1].Value))
            .ToList();

    private static (string Path, string Text) Read(string folder, string file)
    {
        string path = Path.Combine(CorpusDirectory, folder, file);
        return (path, File.ReadAllText(path));
    }

    private static TheoryData<string> Files(string folder)
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(Path.Combine(CorpusDirectory, folder), "*.cs").OrderBy(p => p, StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path));
        }

        return data;
    }

    [GeneratedRegex(@"//\s*expect:\s*(DG\d{4})")]
    private static partial Regex ExpectMarker();
}
