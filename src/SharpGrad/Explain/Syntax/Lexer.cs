using System.Buffers;
using System.Globalization;
using System.Text;

namespace SharpGrad.Explain;

/// <summary>
/// Splits program text into tokens. A line break ends a statement, except inside parentheses
/// or brackets, so a matrix literal may span several lines; <c>#</c> starts a comment that runs
/// to the end of the line. The Unicode minus (U+2212) and middle dot (U+00B7) are read as
/// <c>-</c> and <c>*</c>, so formulas copied from the text renderer parse again, as are ⊙ (<c>*</c>),
/// <c>**</c> (<c>^</c>), the transposes <c>Wᵀ</c> and <c>W.T</c>, subscripts <c>w_{2,5}</c> (the name
/// <c>w_2_5</c>), and the × of a size written <c>5x5</c>. Lines end with \n, \r\n or a lone \r.
/// </summary>
internal sealed class Lexer
{
    private readonly string text;
    private readonly bool formula;
    private int index;
    private int line = 1;
    private int lineStart;
    private int depth;

    private Lexer(string text, bool formula)
    {
        this.text = text;
        this.formula = formula;
    }

    /// <summary>
    /// All tokens of <paramref name="text"/>, ending with one <see cref="TokenKind.End"/>. A
    /// <paramref name="formula"/> (a check expression) may also hold ∂, primes, ⊗ and relations, and a
    /// number directly followed by a name (<c>2w</c>, a product).
    /// </summary>
    public static List<Token> Tokenize(string text, bool formula = false)
    {
        // An é saved as e and a combining accent (as some editors write it) is the letter é.
        var lexer = new Lexer(text.IsNormalized() ? text : text.Normalize(), formula);
        var tokens = new List<Token>();
        Token token;
        do
        {
            token = lexer.Next() with { End = lexer.Here.Column };
            tokens.Add(token);
        }
        while (token.Kind != TokenKind.End);
        return tokens;
    }

    private SourcePosition Here => new(line, index - lineStart + 1);

    /// <summary>
    /// The character at <paramref name="at"/> as a message quotes it: as itself where it prints (an emoji whole, not
    /// half of its pair), by its code point where it does not (a NUL, a control character, a combining mark, a lone
    /// surrogate).
    /// </summary>
    private static string Quoted(string text, int at)
    {
        bool whole = Rune.DecodeFromUtf16(text.AsSpan(at), out var rune, out _) == OperationStatus.Done;
        bool prints = whole && Rune.GetUnicodeCategory(rune) is not (UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate);
        return prints ? $"'{rune}'" : $"U+{(whole ? rune.Value : text[at]):X4}";
    }

    private Token Next()
    {
        while (true)
        {
            if (index >= text.Length)
                return new Token(TokenKind.End, "", Here);
            char c = text[index];
            if (c == '#')
            {
                while (index < text.Length && text[index] is not ('\n' or '\r')) index++;
                continue;
            }
            // A line ends at \n, at \r\n (the \r is skipped as white space) and at a lone \r (old Mac OS).
            if (c == '\n' || (c == '\r' && (index + 1 >= text.Length || text[index + 1] != '\n')))
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
        if (char.IsAsciiDigit(ch) || (ch == '.' && index + 1 < text.Length && char.IsAsciiDigit(text[index + 1])))
            return ReadNumber(position);
        // The × of a size written 5x5: an x between two digits.
        if (!formula && ch == 'x' && index > 0 && char.IsAsciiDigit(text[index - 1]) && index + 1 < text.Length && char.IsAsciiDigit(text[index + 1]))
        {
            index++;
            return new Token(TokenKind.Times, "x", position);   // as written, so a message about it quotes what was typed
        }
        if (ch != Transposed && (char.IsLetter(ch) || ch == '_' || AstralLetter(index)))
            return ReadName(position);
        // ½ exp(½ lv), ¼ Σ: a fraction as one character is the number it is, in answers written as on a board.
        if (formula && ch is (>= '\u00BC' and <= '\u00BE') or (>= '\u2150' and <= '\u215E'))
        {
            index++;
            return new Token(TokenKind.Number, ch.ToString(), position, char.GetNumericValue(ch));
        }
        // (a · b)₂: the subscript step gives the second of two parts that print alike.
        if (formula && ch is >= '\u2080' and <= '\u2089')
        {
            int start = index;
            while (index < text.Length && text[index] is >= '\u2080' and <= '\u2089') index++;
            return new Token(TokenKind.Symbol, text[start..index], position);
        }
        if (ch == '.' && index + 1 < text.Length && text[index + 1] == 'T' && (index + 2 >= text.Length || !IsNamePart(text[index + 2])))
        {
            index += 2;
            return new Token(TokenKind.Transpose, "ᵀ", position);
        }
        // An answer written as NumPy code: its functions are read without np. (ReadName), its methods are not.
        if (formula && ch == '.' && index + 1 < text.Length && char.IsLetter(text[index + 1]))
            throw new GradProgramException("a method call (x.sum(axis=0), X.T.dot(d)) is not read; write it as a function: sum(x, axis=0), Xᵀ @ d", position);
        if (ch == '*' && index + 1 < text.Length && text[index + 1] == '*')
        {
            index += 2;
            return new Token(TokenKind.Caret, "^", position);
        }
        index++;
        TokenKind kind;
        switch (ch)
        {
            case '+': kind = TokenKind.Plus; break;
            case '-' or '\u2212': kind = TokenKind.Minus; break;
            case '*' or '\u00B7' or '\u2299' or '\u22C5': kind = TokenKind.Star; break;
            case '\u00D7' when formula: kind = TokenKind.Star; break;
            case '\u2202' or '\'' or '\u2032' or '\u2297' or '<' or '>' or '\u2265' or '\u2264' or '|' or '\u2016' when formula: kind = TokenKind.Symbol; break;
            // √x and x², x³ as a board writes them.
            case '\u221A' or '\u00B2' or '\u00B3' when formula: kind = TokenKind.Symbol; break;
            case Transposed: kind = TokenKind.Transpose; break;
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
                throw new GradProgramException($"unexpected character {Quoted(text, index - 1)}", position);
        }
        // A formula keeps the printed middle dot: next to a transpose it is a matrix product (Wᵀ · ∂L/∂z).
        var text1 = kind == TokenKind.Star ? (formula && ch == '\u00B7' ? "·" : "*") : ch switch { '\u2212' => "-", '\'' => "′", _ => ch.ToString() };
        return new Token(kind, text1, position);
    }

    /// <summary>The superscript T of Wᵀ (a modifier letter, so it must not continue a name).</summary>
    private const char Transposed = '\u1D40';

    private static bool IsNamePart(char c) => c != Transposed && (char.IsLetterOrDigit(c) || c == '_');

    /// <summary>A letter beyond the first 65,536 code points (the mathematical italic 𝑥), two UTF-16 units.</summary>
    private bool AstralLetter(int at) => at + 1 < text.Length && char.IsSurrogatePair(text[at], text[at + 1]) && char.IsLetter(text, at);

    /// <summary>A name; the subscript braces of w_{2,5} (as LaTeX-style output prints it) read as w_2_5.</summary>
    private Token ReadName(SourcePosition position)
    {
        var name = new System.Text.StringBuilder();
        while (index < text.Length)
        {
            if (IsNamePart(text[index]))
                name.Append(text[index++]);
            else if (AstralLetter(index))
            {
                name.Append(text, index, 2);
                index += 2;
            }
            else if (text[index] == '{' && name.Length > 0 && name[^1] == '_')
            {
                int close = text.IndexOf('}', index);
                if (close < 0)
                    throw new GradProgramException("'{' in a name needs a closing '}', as in w_{2,5}", Here);
                var inner = text[(index + 1)..close].Replace(" ", "", StringComparison.Ordinal);
                if (inner.Length == 0 || !inner.All(c => IsNamePart(c) || c == ','))
                    throw new GradProgramException($"a subscript in braces holds letters, digits and commas, as in w_{{2,5}}; found '{{{inner}}}'", Here);
                name.Append(inner.Replace(',', '_'));
                index = close + 1;
            }
            else break;
        }
        // np.exp(z), torch.tanh(z): a module's prefix names nothing in an answer; the function is read as the language's.
        if (formula && name.ToString() is "np" or "numpy" or "torch" && index + 1 < text.Length && text[index] == '.' && char.IsLetter(text[index + 1]))
        {
            index++;
            return ReadName(position);
        }
        return new Token(TokenKind.Identifier, name.ToString(), position);
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
        while (index < text.Length && char.IsAsciiDigit(text[index])) index++;
        if (index - start == 1 && text[start] == '0' && index + 1 < text.Length && text[index] is 'x' or 'X' && char.IsAsciiHexDigit(text[index + 1]))
            throw new GradProgramException($"malformed number '0{text[index]}{text[index + 1]}…': hexadecimal numbers are not read; write the number in decimal", position);
        if (index < text.Length && text[index] == '.')
        {
            index++;
            while (index < text.Length && char.IsAsciiDigit(text[index])) index++;
        }
        if (index < text.Length && (text[index] == 'e' || text[index] == 'E'))
        {
            int save = index;
            index++;
            if (index < text.Length && (text[index] == '+' || text[index] == '-')) index++;
            if (index < text.Length && char.IsAsciiDigit(text[index]))
                while (index < text.Length && char.IsAsciiDigit(text[index])) index++;
            // In a formula 2E/3 and 2e are a number beside a name (the constant e): no exponent follows.
            else if (formula)
                index = save;
            else
                throw new GradProgramException($"malformed number '{text[start..index]}': an exponent needs digits, as in 1e-3", new SourcePosition(position.Line, position.Column + save - start));
        }
        // 1.2.3 is a typo, not 1.2 beside .3 (a product in a formula).
        if (index + 1 < text.Length && text[index] == '.' && char.IsAsciiDigit(text[index + 1]) && text[start..index].Contains('.'))
            throw new GradProgramException($"malformed number '{text[start..index]}.{text[index + 1]}…': a number has at most one decimal point", new SourcePosition(position.Line, position.Column + index - start));
        bool times = index + 1 < text.Length && text[index] == 'x' && char.IsAsciiDigit(text[index + 1]);
        if (index < text.Length && IsNamePart(text[index]) && !times && !formula)
            throw new GradProgramException($"malformed number: '{text[start..index]}' is followed by '{text[index]}'; a name cannot start with a digit", position);
        var literal = text[start..index];
        double value = double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (double.IsInfinity(value))
            throw new GradProgramException($"the number {literal} is too large for a double (the largest is about 1.8e308)", position);
        return new Token(TokenKind.Number, literal, position, value);
    }
}
