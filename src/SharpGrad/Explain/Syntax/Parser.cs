using System.Runtime.CompilerServices;

namespace SharpGrad.Explain;

/// <summary>
/// Recursive descent over the tokens of <see cref="Lexer"/>, one method per precedence level
/// (see docs/grad-format.md for the grammar):
/// <code>
/// statement := ("param" | "input" | "target" | "const") NAME ["[" size {"," size} "]"] ["=" value]
///            | NAME "=" expr
/// expr      := term {("+" | "-") term}          term  := matmul {("*" | "/") matmul}
/// matmul    := unary {"@" unary}                 unary := "-" unary | power
/// power     := postfix ["^" unary]               (right-associative; ** is ^)
/// postfix   := primary {"ᵀ" | ".T" | "[" index {"," index} "]"}    index := [INT] [":" [INT]]
/// primary   := NUMBER | NAME | NAME "(" [arg {"," arg}] ")" | "(" expr ")"     arg := expr | NAME "=" NUMBER
/// value     := ["-"] NUMBER | "[" value {"," value} [","] "]"   (rectangular)
/// conv      := "conv" NAME ":" option {"," option}      (metadata for shapes, not a statement)
/// option    := ("in" | "out" | "stride" | "padding") NUMBER | ("kernel" | "input") NUMBER ["×" NUMBER]   (5x5 is 5×5)
/// </code>
/// It checks syntax, function names and arities; names and shapes are checked afterwards by
/// <see cref="GraphBuilder"/>. Every expression tree it returns is at most <see cref="MaxDepth"/>
/// levels deep, so that the recursive walks after it (shapes, printing, derivation) fit on any
/// thread's stack: deeper nesting is a located error, and a long run of <c>+</c> or <c>*</c>
/// (a sum of 15 000 terms) is built as a balanced tree rather than a 15 000-level chain.
/// </summary>
internal sealed class Parser
{
    /// <summary>
    /// The deepest expression tree (and the deepest nesting of brackets) accepted: deep enough for any
    /// formula written by hand, shallow enough that parsing and every recursive walk after it fit in a
    /// 256 KiB stack (tested), far below the 1 MiB and 8 MiB of the main threads on Windows and Linux.
    /// The recursive methods are compiled optimised from their first call: unoptimised first-tier
    /// frames are several times larger, and a first parse of a deep formula is a first call.
    /// </summary>
    public const int MaxDepth = 100;

    /// <summary>
    /// The most operations (calls, operators, indices) a whole program may hold. Every command reads, evaluates and
    /// walks a program this large in seconds; a file of millions (a generated sum of 4 million terms fits in the
    /// 16 MiB a program may have) would take minutes and gigabytes, so it is refused where the limit is passed.
    /// </summary>
    public const int MaxOperations = 500_000;

    /// <summary>Runs of <c>+</c> or <c>*</c> this long or longer are grouped as a balanced tree.</summary>
    private const int BalanceFrom = 16;

    private static readonly string[] Keywords = ["param", "input", "target", "const"];

    private readonly List<Token> tokens;
    private readonly Dictionary<Expr, int> depths = new(ReferenceEqualityComparer.Instance);
    private int index;
    private int nesting;

    private Parser(List<Token> tokens) => this.tokens = tokens;

    private Token Current => tokens[index];

    private Token Previous => tokens[Math.Max(0, index - 1)];

    /// <summary>True for the declaration keywords, which cannot be used as names.</summary>
    public static bool IsKeyword(string name) => Keywords.Contains(name);

    /// <summary>Parses a whole program into its statements, in order.</summary>
    public static List<Statement> ParseProgram(string text) => ParseProgram(text, out _);

    /// <summary>
    /// Parses a whole program into its statements, in order, and the conv layer declarations
    /// (<c>conv NAME: ...</c>), which are metadata and not statements of the graph.
    /// </summary>
    public static List<Statement> ParseProgram(string text, out List<ConvLayer> convLayers)
    {
        var parser = new Parser(Lexer.Tokenize(text));
        var statements = new List<Statement>();
        convLayers = [];
        // Two layers whose names print alike would be two rows under one label in the shapes table.
        var layerPrints = new Dictionary<string, ConvLayer>(StringComparer.Ordinal);
        while (true)
        {
            while (parser.Current.Kind == TokenKind.Newline) parser.index++;
            if (parser.Current.Kind == TokenKind.End) break;
            if (parser.IsConvStart())
            {
                var layer = parser.ParseConv();
                if (layerPrints.TryGetValue(NameSuggestion.PrintKey(layer.Name), out var alike))
                    throw parser.Error(alike.Name == layer.Name ? $"conv layer '{layer.Name}' is declared twice"
                        : $"conv layer '{layer.Name}' prints like {NameSuggestion.Quoted(layer.Name, alike.Name)}, declared on line {alike.Position.Line}; names that print alike would be confused (give this one another name)", layer.Position);
                layerPrints[NameSuggestion.PrintKey(layer.Name)] = layer;
                convLayers.Add(layer);
            }
            else
                statements.Add(parser.ParseStatement());
            if (parser.Current.Kind is not (TokenKind.Newline or TokenKind.End))
                throw parser.Error($"expected the end of the line after the statement, found {parser.Current.Describe()}");
        }
        return statements;
    }

    /// <summary>Parses a value as given to <c>--set</c>: a number or a rectangular array literal, nothing else.</summary>
    public static ArrayLiteral ParseValue(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new GradProgramException("the value is empty; give a number or an array literal such as [1, -2]", new SourcePosition(1, 1));
        try
        {
            return ParseValueText(text);
        }
        catch (GradProgramException e) when (e.Reason.Contains("the end of the file", StringComparison.Ordinal) || e.Reason.Contains(" at line 1, column ", StringComparison.Ordinal))
        {
            // A value comes from the command line, which has no file to end, and a value of one line has characters, not lines.
            var reason = e.Reason.Replace("the end of the file", "the end of the value", StringComparison.Ordinal);
            if (!text.Contains('\n') && !text.Contains('\r'))
                reason = System.Text.RegularExpressions.Regex.Replace(reason, " at line 1, column ([0-9]+)", " at character $1");
            throw new GradProgramException(reason, e.Position);
        }
    }

    private static ArrayLiteral ParseValueText(string text)
    {
        var parser = new Parser(Lexer.Tokenize(text));
        while (parser.Current.Kind == TokenKind.Newline) parser.index++;
        var value = parser.ParseValueLiteral("a value");
        while (parser.Current.Kind == TokenKind.Newline) parser.index++;
        if (parser.Current.Kind != TokenKind.End)
            throw parser.Error($"expected the end of the value, found {parser.Current.Describe()}");
        return value;
    }

    private GradProgramException Error(string message, SourcePosition? at = null) => new(message, at ?? Current.Position);

    private Token Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind)
            throw Error($"expected {what}, found {Current.Describe()}");
        return tokens[index++];
    }

    private Statement ParseStatement()
    {
        var first = Current;
        if (first.Kind != TokenKind.Identifier)
            throw Error($"expected a declaration (param, input, target or const) or an assignment NAME = ..., found {first.Describe()}");
        if (IsKeyword(first.Text))
            return ParseDeclaration();
        index++;
        if (Current.Kind != TokenKind.Equals)
        {
            var hint = Current.Kind == TokenKind.Identifier && first.Text is "parameter" or "params" or "inputs" or "targets" or "constant"
                ? " (declarations start with param, input, target or const)"
                : "";
            throw Error($"expected '=' after '{first.Text}', found {Current.Describe()}{hint}");
        }
        index++;
        var expr = ParseExpression();
        return new Assignment(first.Text, first.Position, expr);
    }

    /// <summary><c>conv NAME ...</c>; <c>conv = ...</c> stays an assignment to a name <c>conv</c>.</summary>
    private bool IsConvStart() =>
        Current.Kind == TokenKind.Identifier && Current.Text == "conv" && Peek(1).Kind == TokenKind.Identifier;

    private static readonly string[] ConvOptions = ["in", "out", "kernel", "stride", "padding", "input"];

    private ConvLayer ParseConv()
    {
        var keyword = tokens[index++];
        var name = tokens[index++];
        if (IsKeyword(name.Text))
            throw Error($"expected a name after 'conv', found {name.Describe()}", name.Position);
        Expect(TokenKind.Colon, $"':' after 'conv {name.Text}' (conv NAME: in D, out C, kernel F [, stride S] [, padding P] [, input H×W])");
        var seen = new Dictionary<string, int>();
        int? height = null, width = null;
        SourcePosition inputAt = default;
        do
        {
            if (seen.Count > 0) index++;
            var key = Current;
            if (key.Kind != TokenKind.Identifier || !ConvOptions.Contains(key.Text))
                throw Error($"expected one of {string.Join(", ", ConvOptions)} in the conv layer '{name.Text}', found {key.Describe()}");
            if (seen.ContainsKey(key.Text))
                throw Error($"'{key.Text}' is given twice in the conv layer '{name.Text}'");
            index++;
            var min = key.Text == "padding" ? 0 : 1;
            var value = ConvNumber(key.Text, min);
            seen[key.Text] = value;
            if (key.Text == "kernel" && Current.Kind == TokenKind.Times)
            {
                index++;
                var times = Previous;
                var second = ConvNumber("kernel", 1);
                if (second != value)
                    throw Error($"the conv layer '{name.Text}' has a {value}×{second} kernel, but conv layers have square F×F filters", times.Position);
            }
            if (key.Text == "input")
            {
                inputAt = key.Position;
                height = value;
                width = value;
                if (Current.Kind == TokenKind.Times)
                {
                    index++;
                    width = ConvNumber("input", 1);
                }
            }
        }
        while (Current.Kind == TokenKind.Comma);
        if (Current.Kind is not (TokenKind.Newline or TokenKind.End))
            throw Error($"expected ',' or the end of the line in the conv layer '{name.Text}', found {Current.Describe()}");
        foreach (var required in new[] { "in", "out", "kernel" })
            if (!seen.ContainsKey(required))
                throw Error($"the conv layer '{name.Text}' needs '{required}' (conv NAME: in D, out C, kernel F [, stride S] [, padding P] [, input H×W])", keyword.Position);
        var layer = new ConvLayer(name.Text, keyword.Position, seen["in"], seen["out"], seen["kernel"],
            seen.GetValueOrDefault("stride", 1), seen.GetValueOrDefault("padding", 0), height, width);
        if (height is int h && width is int w && (layer.OutputSize(h) < 1 || layer.OutputSize(w) < 1))
            throw Error($"the kernel of the conv layer '{name.Text}' ({layer.Kernel}×{layer.Kernel}) is larger than its padded input ({layer.PaddedSize(h)}×{layer.PaddedSize(w)})", inputAt);
        return layer;
    }

    private int ConvNumber(string what, int min)
    {
        var t = Current;
        if (t.Kind != TokenKind.Number || t.Number != Math.Floor(t.Number) || t.Number < min || t.Number > int.MaxValue)
            throw Error($"expected a {(min == 0 ? "whole number (0 or more)" : "positive whole number")} after '{what}', found {t.Describe()}");
        index++;
        return (int)t.Number;
    }

    private Declaration ParseDeclaration()
    {
        var keyword = tokens[index++];
        var kind = keyword.Text switch
        {
            "param" => DeclarationKind.Param,
            "input" => DeclarationKind.Input,
            "const" => DeclarationKind.Const,
            _ => DeclarationKind.Target,
        };
        if (Current.Kind != TokenKind.Identifier || IsKeyword(Current.Text))
            throw Error($"expected a name after '{keyword.Text}', found {Current.Describe()}");
        var name = tokens[index++];

        List<Dim>? size = null;
        List<SourcePosition>? sizePositions = null;
        if (Current.Kind == TokenKind.LeftBracket)
        {
            index++;
            size = [];
            sizePositions = [];
            do
            {
                if (size.Count > 0) index++;
                var t = Current;
                if (t.Kind == TokenKind.Number)
                {
                    if (t.Number != Math.Floor(t.Number) || t.Number < 1 || t.Number > int.MaxValue)
                        throw Error($"a size must be a positive whole number (at most {int.MaxValue}) or a name such as D, found {t.Text}");
                    size.Add(Dim.Known((int)t.Number));
                }
                else if (t.Kind == TokenKind.Identifier)
                    size.Add(Dim.Of(t.Text));
                else
                    throw Error($"expected a size (a positive whole number or a name such as D) in '{name.Text}[...]', found {t.Describe()}");
                sizePositions.Add(t.Position);
                index++;
            }
            while (Current.Kind == TokenKind.Comma);
            Expect(TokenKind.RightBracket, $"',' or ']' in the size of '{name.Text}'");
        }

        ArrayLiteral? value = null;
        if (Current.Kind == TokenKind.Equals)
        {
            index++;
            value = ParseValueLiteral($"a value after '=' (a number or an array literal such as [[1], [-1]])");
        }
        return new Declaration(kind, name.Text, name.Position, keyword.Position, size, sizePositions, value);
    }

    private ArrayLiteral ParseValueLiteral(string what)
    {
        var start = Current.Position;
        var values = new List<double>();
        ParseValueInto(what, values, out var shape);
        return new ArrayLiteral(values, shape, start);
    }

    /// <summary>
    /// Parses one element of a literal, appending its numbers to <paramref name="values"/> and
    /// returning its shape. The first element of a list fixes the shape of the others; a later
    /// element with another shape makes the literal ragged, and the error points at it.
    /// </summary>
    private void ParseValueInto(string what, List<double> values, out int[] elementShape)
    {
        if (Current.Kind is TokenKind.Minus or TokenKind.Plus or TokenKind.Number)
        {
            double sign = 1;
            var signToken = Current;
            if (Current.Kind is TokenKind.Minus or TokenKind.Plus)
            {
                sign = Current.Kind == TokenKind.Minus ? -1 : 1;
                index++;
                if (Current.Kind != TokenKind.Number)
                    throw Error($"expected a number after '{signToken.Text}', found {Current.Describe()}");
            }
            values.Add(sign * tokens[index++].Number);
            elementShape = [];
            return;
        }
        if (Current.Kind != TokenKind.LeftBracket)
        {
            var extra = Current.Kind == TokenKind.Identifier ? " (a value cannot refer to names or call functions)" : "";
            throw Error($"expected {what}, found {Current.Describe()}{extra}");
        }
        var open = tokens[index++];
        if (Current.Kind == TokenKind.RightBracket)
            throw Error("an array literal needs at least one element; '[]' is empty");
        if (++nesting > MaxDepth)
            throw Error($"array literal nested deeper than {MaxDepth} levels", open.Position);
        int count = 0;
        int[]? first = null;
        while (true)
        {
            var elementStart = Current.Position;
            ParseValueInto("a number or '['", values, out var inner);
            count++;
            if (first is null)
                first = inner;
            else if (!first.AsSpan().SequenceEqual(inner))
                throw new GradProgramException(
                    $"ragged array literal: element {count} has shape {FormatShape(inner)} but element 1 has shape {FormatShape(first)}; every row must have the same length",
                    elementStart);
            if (Current.Kind == TokenKind.Comma)
            {
                index++;
                if (Current.Kind == TokenKind.RightBracket) break;
                continue;
            }
            if (Current.Kind == TokenKind.RightBracket) break;
            throw Error($"expected ',' or ']' in the array literal opened at line {open.Position.Line}, column {open.Position.Column}, found {Current.Describe()}");
        }
        index++;
        nesting--;
        elementShape = [count, .. first!];
    }

    private static string FormatShape(int[] shape) => shape.Length == 0 ? "scalar (a number)" : "[" + string.Join(", ", shape) + "]";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Expr ParseExpression() => ParseChain(ParseTerm, TokenKind.Plus, TokenKind.Minus, BinaryOperator.Add, BinaryOperator.Subtract);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Expr ParseTerm() => ParseChain(ParseMatMul, TokenKind.Star, TokenKind.Slash, BinaryOperator.Multiply, BinaryOperator.Divide);

    /// <summary>
    /// A left-associative chain <c>a op b op c ...</c> of one precedence level. A run of
    /// <paramref name="associative"/> (<c>+</c> or <c>*</c>) at least <see cref="BalanceFrom"/> long is
    /// grouped as a balanced tree: the same value (up to rounding), at a depth that grows with the
    /// logarithm of the number of terms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Expr ParseChain(Func<Expr> operand, TokenKind first, TokenKind second, BinaryOperator associative, BinaryOperator other)
    {
        var left = operand();
        if (Current.Kind != first && Current.Kind != second)
            return left;
        var run = new List<Expr>();
        var runOperators = new List<SourcePosition>();
        while (Current.Kind == first || Current.Kind == second)
        {
            var op = tokens[index++];
            var right = operand();
            if (op.Kind == first)
            {
                if (run.Count == 0) run.Add(left);
                run.Add(right);
                runOperators.Add(op.Position);
                continue;
            }
            left = Join(run, runOperators, associative, left);
            left = Checked(new BinaryExpr(other, left, right, op.Position));
        }
        return Join(run, runOperators, associative, left);
    }

    /// <summary>The pending run <c>run[0] op run[1] op ...</c> as one tree (cleared afterwards), or <paramref name="left"/> when there is none.</summary>
    private Expr Join(List<Expr> run, List<SourcePosition> operators, BinaryOperator op, Expr left)
    {
        if (run.Count == 0) return left;
        Expr result;
        if (run.Count < BalanceFrom)
        {
            result = run[0];
            for (int i = 1; i < run.Count; i++)
                result = Checked(new BinaryExpr(op, result, run[i], operators[i - 1]));
        }
        else
            result = Balanced(run, operators, op, 0, run.Count - 1);
        run.Clear();
        operators.Clear();
        return result;
    }

    /// <summary>run[lo..hi] as a balanced tree; each node keeps the position of the operator it stands for.</summary>
    private Expr Balanced(List<Expr> run, List<SourcePosition> operators, BinaryOperator op, int lo, int hi)
    {
        if (lo == hi) return run[lo];
        int mid = (lo + hi + 1) / 2;
        var left = Balanced(run, operators, op, lo, mid - 1);
        var right = Balanced(run, operators, op, mid, hi);
        return Checked(new BinaryExpr(op, left, right, operators[mid - 1]));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Expr ParseMatMul()
    {
        var left = ParseUnary();
        while (Current.Kind == TokenKind.At)
        {
            var op = tokens[index++];
            var right = ParseUnary();
            left = Checked(new BinaryExpr(BinaryOperator.MatMul, left, right, op.Position));
        }
        return left;
    }

    /// <summary>Every level of brackets, calls, signs and exponents passes through here once, so the nesting is counted here.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Expr ParseUnary()
    {
        if (++nesting > MaxDepth)
            throw Error($"expression nested deeper than {MaxDepth} levels; split it into named steps");
        try
        {
            if (Current.Kind == TokenKind.Minus)
            {
                var minus = tokens[index++];
                var operand = ParseUnary();
                // A negative literal is one number, so "-1" prints and evaluates as the constant −1.
                return operand is NumberExpr n ? new NumberExpr(-n.Value, minus.Position) : Checked(new NegateExpr(operand, minus.Position));
            }
            if (Current.Kind == TokenKind.Plus)
                throw Error("unary '+' is not supported; write the operand alone");
            return ParsePower();
        }
        finally
        {
            nesting--;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Expr ParsePower()
    {
        var baseExpr = ParsePostfix(ParsePrimary());
        if (Current.Kind != TokenKind.Caret)
            return baseExpr;
        var op = tokens[index++];
        var exponent = ParseUnary();
        return Checked(new BinaryExpr(BinaryOperator.Power, baseExpr, exponent, op.Position));
    }

    /// <summary>Transposes (<c>Wᵀ</c>, <c>W.T</c>) and indices (<c>x[0]</c>, <c>W[1, :]</c>, <c>x[1:3]</c>) after an operand.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Expr ParsePostfix(Expr operand)
    {
        while (true)
        {
            var t = Current;
            if (t.Kind == TokenKind.Transpose)
            {
                index++;
                operand = Checked(new CallExpr(OpTable.Transpose, [operand], t.Position));
            }
            else if (t.Kind == TokenKind.LeftBracket)
            {
                index++;
                var items = new List<OpTable.IndexItem>();
                do
                {
                    if (items.Count > 0) index++;
                    int? start = Current.Kind == TokenKind.Colon ? null : IndexNumber();
                    if (Current.Kind != TokenKind.Colon)
                    {
                        items.Add(new(false, start, null));
                        continue;
                    }
                    index++;
                    int? stop = Current.Kind is TokenKind.Comma or TokenKind.RightBracket ? null : IndexNumber();
                    items.Add(new(true, start, stop));
                }
                while (Current.Kind == TokenKind.Comma);
                Expect(TokenKind.RightBracket, $"',' or ']' to close the index opened at line {t.Position.Line}, column {t.Position.Column}");
                operand = Checked(new CallExpr(OpTable.Index(items), [operand], t.Position));
            }
            else
                return operand;
        }
    }

    private int IndexNumber()
    {
        int sign = 1;
        if (Current.Kind == TokenKind.Minus) { sign = -1; index++; }
        var t = Current;
        if (t.Kind != TokenKind.Number || t.Number != Math.Floor(t.Number) || t.Number > 1 << 20)
            throw Error($"expected a whole number or ':' in the index, found {t.Describe()} (indices are numbers written in the program, counted from 0)");
        index++;
        return sign * (int)t.Number;
    }

    /// <summary>Records the depth of a new node and refuses trees deeper than <see cref="MaxDepth"/>, pointing at the node.</summary>
    private Expr Checked(Expr e)
    {
        int depth = 0;
        foreach (var child in e.Children)
            depth = Math.Max(depth, depths.GetValueOrDefault(child, 1));
        if (++depth > MaxDepth)
            throw Error($"expression nested deeper than {MaxDepth} levels; split it into named steps", e.Position);
        if (depths.Count >= MaxOperations)
            throw Error($"the program holds more than {MaxOperations.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} operations by here; a program is for a person to read, and one this large would take minutes to evaluate and explain", e.Position);
        depths[e] = depth;
        return e;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Expr ParsePrimary()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.Number:
                index++;
                return new NumberExpr(t.Number, t.Position);
            case TokenKind.Identifier when Peek(1).Kind == TokenKind.LeftParen:
                return ParseCall();
            case TokenKind.Identifier:
                if (IsKeyword(t.Text))
                    throw Error($"'{t.Text}' is a keyword and starts a declaration on its own line; it cannot be used in an expression");
                index++;
                return new NameExpr(t.Text, t.Position);
            case TokenKind.LeftParen:
                index++;
                var inner = ParseExpression();
                Expect(TokenKind.RightParen, $"')' to close the '(' at line {t.Position.Line}, column {t.Position.Column}");
                return inner;
            case TokenKind.LeftBracket:
                throw Error("array literals can only be values of param, input, target or const declarations; declare the array and use its name");
            default:
                throw Error($"expected an expression after {DescribeBefore()}, found {t.Describe()}");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Expr ParseCall()
    {
        var nameToken = tokens[index];
        var name = nameToken.Text;
        index += 2;
        var args = new List<Expr>();
        var options = new Dictionary<string, double>(StringComparer.Ordinal);
        while (Current.Kind != TokenKind.RightParen)
        {
            if (args.Count + options.Count > 0) Expect(TokenKind.Comma, $"',' or ')' in the call of '{name}'");
            // A comma before the closing bracket ends nothing, as in Python: concat(a, b, axis=0,).
            if (args.Count + options.Count > 0 && Current.Kind == TokenKind.RightParen) break;
            if (Current.Kind == TokenKind.Identifier && Peek(1).Kind == TokenKind.Equals)
            {
                var key = tokens[index];
                index += 2;
                var value = ParseUnary();
                if (value is not NumberExpr number)
                    throw Error($"'{key.Text}=' takes a number written in the program", value.Position);
                if (!options.TryAdd(key.Text, number.Value))
                    throw Error($"'{key.Text}=' is given twice in the call of '{name}'", key.Position);
            }
            else if (options.Count > 0)
                throw Error($"an argument of '{name}' follows a setting such as axis=; write the settings last");
            else
                args.Add(ParseExpression());
        }
        Expect(TokenKind.RightParen, $"',' or ')' in the call of '{name}'");
        // n-ary max/min fold left into pairs, norm(x) is sqrt(sum(x^2)): the primitives derivation knows.
        if (name is "max" or "min" && args.Count > 2 && options.Count == 0)
        {
            var pair = OpTable.Resolve(name, [null, null], options, out _, out _)!;
            var folded = args[0];
            for (int i = 1; i < args.Count; i++) folded = Checked(new CallExpr(pair, [folded, args[i]], nameToken.Position));
            return folded;
        }
        if (name == "norm" && args.Count == 1 && options.Count == 0)
        {
            var square = Checked(new BinaryExpr(BinaryOperator.Power, args[0], new NumberExpr(2, nameToken.Position), nameToken.Position));
            var total = Checked(new CallExpr(OpTable.Resolve("sum", [null], options, out _, out _)!, [square], nameToken.Position));
            return Checked(new CallExpr(OpTable.Resolve("sqrt", [null], options, out _, out _)!, [total], nameToken.Position));
        }
        var literals = args.Select(a => a is NumberExpr n ? n.Value : (double?)null).ToArray();
        var op = OpTable.Resolve(name, literals, options, out var operands, out var error)
            ?? throw new GradProgramException(error!, nameToken.Position);
        if (op.BinaryOperator is BinaryOperator b)
            return Checked(new BinaryExpr(b, args[0], args[1], nameToken.Position));
        return Checked(new CallExpr(op, args.Take(operands).ToArray(), nameToken.Position));
    }

    private Token Peek(int offset) => tokens[Math.Min(tokens.Count - 1, index + offset)];

    private string DescribeBefore() => index == 0 ? "the start" : $"'{Previous.Text}'";
}
