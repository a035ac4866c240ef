namespace SharpGrad.Explain;

/// <summary>
/// A place in a <c>.grad</c> program, 1-based like an editor shows it. Every AST node carries
/// one so that an error, or a later explanation, can point at the exact token it is about.
/// The default value (line 0) means "no position", for errors that are about the program as a
/// whole (an unknown <c>--of</c> name, say).
/// </summary>
/// <param name="Line">The 1-based line number (0 when there is no position).</param>
/// <param name="Column">The 1-based column, counted in UTF-16 characters.</param>
public readonly record struct SourcePosition(int Line, int Column)
{
    /// <summary>True when this is a real position in the source text.</summary>
    public bool IsKnown => Line > 0;

    /// <inheritdoc/>
    public override string ToString() => IsKnown ? $"line {Line}, column {Column}" : "(no position)";
}
