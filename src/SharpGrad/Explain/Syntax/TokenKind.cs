namespace SharpGrad.Explain;

/// <summary>The kinds of token in a <c>.grad</c> program.</summary>
internal enum TokenKind
{
    Number,
    Identifier,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    At,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    Comma,
    Equals,
    Colon,
    Times,
    Transpose,

    /// <summary>A symbol of check expressions only: ∂, ′, ⊗, &lt;, &gt;, ≥, ≤.</summary>
    Symbol,
    Newline,
    End,
}
