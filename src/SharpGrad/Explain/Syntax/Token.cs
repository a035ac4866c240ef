namespace SharpGrad.Explain;

/// <summary>One token: its kind, its text (normalised: <c>-</c> for −, <c>*</c> for ·), its position, for numbers the value, and the column after it.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, SourcePosition Position, double Number = 0, int End = 0)
{
    /// <summary>The token as an error message names it: "')'", "name 'x'", "the end of the line".</summary>
    public string Describe() => Kind switch
    {
        TokenKind.Number => $"number {Text}",
        TokenKind.Identifier => $"name '{Text}'",
        TokenKind.Newline => "the end of the line",
        TokenKind.End => "the end of the file",
        _ => $"'{Text}'",
    };
}
