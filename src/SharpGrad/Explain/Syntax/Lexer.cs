using System.Globalization;

namespace SharpGrad.Explain;

/// <summary>
/// Splits program text into tokens. A line break ends a statement, except inside parentheses
/// or brackets, so a matrix literal may span several lines; <c>#</c> starts a comment that runs
/// to the end of the line. The Unicode minus (U+2212) and middle dot (U+00B7) are read as
/// <c>-</c> and <c>*</c>, so formulas copied from the text renderer parse again.
/// </summary>
internal sealed class Lexer
{
    private readonly string text;
    private int index;
    private int line = 1;
    private int lineStart;
    private int depth;

    private Lexer(string text) => this.text = text;

    /// <summary>All tokens of <paramref name="text"/>, ending with one <see cref="TokenKind.End"/>.</summary>
    public static List<Token> Tokenize(string text)
    {
        var lexer = new Lexer(text);
        var tokens = new List<Token>();
        Token token;
        do
        {
            token = lexer.Next();
            tokens.Add(token);
        }
        while (token.Kind != TokenKind.End);
        return tokens;
    }

    private SourcePosition Here => new(line, index - lineStart + 1);

    private Token Next()
    {
        while (true)
        {
            if (index >= text.Length)
                return new Token(TokenKind.End, "", Here);
            char c = text[index];
            if (c == '#')
            {
                while (index < text.Length && text[index] != '\n') index++;
                continue;
            }
            if (c == '\n')
            {
                var at = Here;
                NewLine();
                if (depth > 0) continue;
                return new Token(TokenKind.Newline, "\\n", at);
            }
            if (char.IsWhiteSpace(c))
            {
                index++;
                continue;
            }
            break;
        }

        var position = Here;
        char ch = text[index];
        if (char.IsDigit(ch) || (ch == '.' && index + 1 < text.Length && char.IsDigit(text[index + 1])))
            return ReadNumber(position);
        if (char.IsLetter(ch) || ch == '_')
        {
            int start = index;
            while (index < text.Length && (char.IsLetterOrDigit(text[index]) || text[index] == '_')) index++;
            return new Token(TokenKind.Identifier, text[start..index], position);
        }
        index++;
        TokenKind kind;
        switch (ch)
        {
            case '+': kind = TokenKind.Plus; break;
            case '-' or '\u2212': kind = TokenKind.Minus; break;
            case '*' or '\u00B7': kind = TokenKind.Star; break;
            case '/': kind = TokenKind.Slash; break;
            case '^': kind = TokenKind.Caret; break;
            case '@': kind = TokenKind.At; break;
            case ',': kind = TokenKind.Comma; break;
            case '=': kind = TokenKind.Equals; break;
            case ':': kind = TokenKind.Colon; break;
            case '\u00D7': kind = TokenKind.Times; break;
            case '(': kind = TokenKind.LeftParen; depth++; break;
            case '[': kind = TokenKind.LeftBracket; depth++; break;
            case ')': kind = TokenKind.RightParen; depth = Math.Max(0, depth - 1); break;
            case ']': kind = TokenKind.RightBracket; depth = Math.Max(0, depth - 1); break;
            default:
                throw new GradProgramException($"unexpected character '{ch}'", position);
        }
        var text1 = ch switch { '\u2212' => "-", '\u00B7' => "*", _ => ch.ToString() };
        return new Token(kind, text1, position);
    }

    private void NewLine()
    {
        index++;
        line++;
        lineStart = index;
    }

    /// <summary>Reads 12, 1.5, .5, 1e-3, 2.5E+4.</summary>
    private Token ReadNumber(SourcePosition position)
    {
        int start = index;
        while (index < text.Length && char.IsDigit(text[index])) index++;
        if (index < text.Length && text[index] == '.')
        {
            index++;
            while (index < text.Length && char.IsDigit(text[index])) index++;
        }
        if (index < text.Length && (text[index] == 'e' || text[index] == 'E'))
        {
            int save = index;
            index++;
            if (index < text.Length && (text[index] == '+' || text[index] == '-')) index++;
            if (index < text.Length && char.IsDigit(text[index]))
                while (index < text.Length && char.IsDigit(text[index])) index++;
            else
                throw new GradProgramException($"malformed number '{text[start..index]}': an exponent needs digits, as in 1e-3", new SourcePosition(position.Line, position.Column + save - start));
        }
        if (index < text.Length && (char.IsLetter(text[index]) || text[index] == '_'))
            throw new GradProgramException($"malformed number: '{text[start..index]}' is followed by '{text[index]}'; a name cannot start with a digit", position);
        var literal = text[start..index];
        return new Token(TokenKind.Number, literal, position, double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture));
    }
}
