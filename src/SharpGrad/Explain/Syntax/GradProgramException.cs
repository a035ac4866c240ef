namespace SharpGrad.Explain;

/// <summary>
/// A mistake in a <c>.grad</c> program or in the values given to it: a syntax error, an
/// undefined or twice-defined name, a cycle, a ragged array literal, mismatched shapes, a
/// missing value. Parsing, name resolution and shape inference all finish before anything is
/// evaluated, so these errors arrive before any number is computed. <see cref="Exception.Message"/>
/// reads "line 3, column 7: expected an expression after '=', found ')'" and
/// <see cref="Diagnostic"/> gives the compiler-style "FILE:3:7: ..." form the CLI prints.
/// </summary>
public sealed class GradProgramException : Exception
{
    /// <summary>Creates the exception for a mistake at <paramref name="position"/> (or at no position).</summary>
    public GradProgramException(string reason, SourcePosition position = default, string? fileName = null)
        : base(position.IsKnown ? $"line {position.Line}, column {position.Column}: {reason}" : reason)
    {
        Reason = reason;
        Position = position;
        FileName = fileName;
    }

    /// <summary>What is wrong, without the position prefix.</summary>
    public string Reason { get; }

    /// <summary>Where it is wrong; <see cref="SourcePosition.IsKnown"/> is false for whole-program errors.</summary>
    public SourcePosition Position { get; }

    /// <summary>The 1-based line (0 when there is no position).</summary>
    public int Line => Position.Line;

    /// <summary>The 1-based column (0 when there is no position).</summary>
    public int Column => Position.Column;

    /// <summary>The program's file name, when it was loaded from (or parsed with) one.</summary>
    public string? FileName { get; }

    /// <summary>
    /// The error as compilers print it, <c>FILE:LINE:COLUMN: reason</c>, so editors can jump to
    /// it; <c>FILE: reason</c> when there is no position. An unnamed program is called <c>&lt;program&gt;</c>.
    /// </summary>
    public string Diagnostic
    {
        get
        {
            var file = FileName ?? "<program>";
            return Position.IsKnown ? $"{file}:{Line}:{Column}: {Reason}" : $"{file}: {Reason}";
        }
    }

    /// <summary>The same error attributed to <paramref name="fileName"/>.</summary>
    internal GradProgramException WithFile(string? fileName) =>
        fileName is null || FileName is not null ? this : new GradProgramException(Reason, Position, fileName);
}
