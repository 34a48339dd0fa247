namespace DeepGen.Fusion.Ir;

/// <summary>Where in the user's source a node came from, as plain data (the front-end turns Roslyn locations into this).</summary>
/// <param name="FilePath">The file, as the compiler has it.</param>
/// <param name="Start">The span's start offset in the file.</param>
/// <param name="Length">The span's length.</param>
/// <param name="Line">The 0-based line of the start.</param>
/// <param name="Column">The 0-based column of the start.</param>
public sealed record SourceSpan(string FilePath, int Start, int Length, int Line, int Column)
{
    /// <summary><c>Models.cs:12:9</c> (1-based, as editors show it).</summary>
    public override string ToString() => $"{System.IO.Path.GetFileName(FilePath)}:{Line + 1}:{Column + 1}";
}
