namespace SharpGrad.Explain;

/// <summary>
/// Parses the expression of <c>sharpgrad check --expr</c>: the program's expression syntax plus
/// derivative notation (<c>dE/dn6</c>, <c>d(E)/d(n6)</c>, <c>∂E/∂n6</c>, <c>∂n1/∂(v)_d</c>), derivative
/// functions (<c>relu'(z)</c>, <c>σ′(z)</c>, <c>g'(z)</c>), indicators <c>I[z &gt; 0]</c> and <c>step(z)</c>,
/// the outer product <c>a ⊗ b</c> (or <c>outer(a, b)</c>), <c>transpose(M)</c>, and juxtaposition as a
/// product (<c>σ(x1)(1 − σ(x1))</c>). Errors are <see cref="ArgumentException"/>s reading
/// "--expr column N: ...". As for programs (<see cref="Parser"/>), trees are at most
/// <see cref="Parser.MaxDepth"/> levels deep and long runs of <c>+</c> or <c>*</c> are balanced, so
/// evaluating and simplifying the expression cannot exhaust the stack.
/// </summary>
internal sealed partial class CheckExprParser
{
    private const int BalanceFrom = 16;

    private enum T { Number, Ident, Op, Partial, Prime, End }

    private readonly record struct Tok(T Kind, string Text, int Start, int End, double Number = 0);

    private static readonly Dictionary<string, string> CheckOnlyArities = new(StringComparer.Ordinal)
    {
        ["step"] = "1 argument", ["sign"] = "1 argument", ["diag"] = "1 argument", ["outer"] = "2 arguments",
        ["clip"] = "3 arguments (x, lo, hi)", ["ones"] = "1 to 4 sizes", ["zeros"] = "1 to 4 sizes",
    };

    /// <summary>The functions f whose derivative f′ an answer may write: every elementwise function of one argument.</summary>
    private static readonly string[] PrimeFunctions =
        OpTable.All.Where(o => o.IsFunction && o.Kind == OpKind.Elementwise && o.Arity == 1 && o.HasDerivative).Select(o => o.Name).Order(StringComparer.Ordinal).ToArray();

    private readonly string source;
    private readonly ComputationGraph graph;
    private readonly List<Tok> tokens;
    private readonly Dictionary<CheckExpr, int> depths = new(ReferenceEqualityComparer.Instance);
    private int index;
    private int nesting;

    private CheckExprParser(string source, ComputationGraph graph)
    {
        // An answer is one formula: a line break in it (pasted from a wrapped cell) is a space, and columns count along the whole text.
        source = source.Replace('\r', ' ').Replace('\n', ' ');
        this.source = source;
        this.graph = graph;
        tokens = Tokenize(source);
    }

    /// <summary>The longest answer read, in characters.</summary>
    public const int MaxLength = 1_000_000;

    [System.Text.RegularExpressions.GeneratedRegex("(\\p{L})([\u0302\u0304])")]
    private static partial System.Text.RegularExpressions.Regex Accents();

    /// <summary>Parses <paramref name="text"/>; names must be nodes of <paramref name="graph"/>.</summary>
    public static CheckExpr Parse(string text, ComputationGraph graph)
    {
        // The grammar is recursive descent with several levels per nesting depth.
        return AmpleStack.Run(() =>
        {
            // A million characters holds a pasted derivation of thousands of paths; more is no answer to grade.
            if (text.Length > MaxLength) throw Error(MaxLength + 1, $"the expression is {text.Length} characters long; an answer may have at most {MaxLength}");
            // r̂ and x̄, a letter and a combining hat or bar with no one-character form, are rhat and xbar, as ŷ is yhat.
            var p = new CheckExprParser(Accents().Replace(text.Normalize(System.Text.NormalizationForm.FormC), m => m.Groups[1].Value + (m.Groups[2].Value == "\u0302" ? "hat" : "bar")), graph);
            if (p.Current.Kind == T.End) throw Error(1, "the expression is empty");
            var e = p.ParseSum();
            if (p.Current.Kind != T.End) throw p.Fail($"expected an operator or the end of the expression, found {Describe(p.Current)}");
            return e;
        });
    }

    private Tok Current => tokens[index];

    private Tok Peek(int k) => tokens[Math.Min(tokens.Count - 1, index + k)];

    private static ArgumentException Error(int column, string message) => new($"--expr column {column}: {message}");

    private ArgumentException Fail(string message, Tok? at = null) => Error((at ?? Current).Start + 1, message);

    private static string Describe(Tok t) => t.Kind == T.End ? "the end of the expression" : $"'{t.Text}'";

    private bool IsOp(string text) => Current.Kind == T.Op && Current.Text == text;

    private void Expect(string text, string what)
    {
        if (!IsOp(text)) throw Fail($"expected {what}, found {Describe(Current)}");
        index++;
    }

    private CheckExpr Node(CheckExpr.Kinds kind, int start, IReadOnlyList<CheckExpr>? args = null, double value = 0, string? name = null,
        string? wrt = null, char op = '\0', string? relation = null, OpInfo? info = null) =>
        Checked(new(kind, start, tokens[Math.Max(0, index - 1)].End, source, args)
        {
            Value = value, Name = name, Wrt = wrt, Operator = op, Relation = relation, Op = info,
        });

    /// <summary>Records the depth of a new node and refuses trees deeper than <see cref="Parser.MaxDepth"/>.</summary>
    private CheckExpr Checked(CheckExpr e)
    {
        int depth = 0;
        foreach (var child in e.Args)
            depth = Math.Max(depth, depths.GetValueOrDefault(child, 1));
        if (++depth > Parser.MaxDepth)
            // A long chain h − h − … goes too deep at its operand, not at its start.
            throw Error((e.Kind == CheckExpr.Kinds.Binary ? e.Args[1].Start : e.Start) + 1, $"expression nested deeper than {Parser.MaxDepth} levels");
        depths[e] = depth;
        return e;
    }

    private CheckExpr ParseSum()
    {
        int start = Current.Start;
        var left = ParseProduct();
        var run = new List<Operand>();
        while (IsOp("+") || IsOp("-"))
        {
            char op = Current.Text[0];
            index++;
            int rightStart = Current.Start;
            var right = ParseProduct();
            if (op == '+')
            {
                if (run.Count == 0) run.Add(new(left, start, tokens[index - 1].End));
                run.Add(new(right, rightStart, tokens[index - 1].End));
                continue;
            }
            left = Join(run, '+', start, left);
            left = Node(CheckExpr.Kinds.Binary, start, [left, right], op: op);
        }
        return Join(run, '+', start, left);
    }

    /// <summary>
    /// A pending run <c>run[0] op run[1] op ...</c> of '+' or '*' as one tree (cleared afterwards), or
    /// <paramref name="left"/> when there is none: a left-leaning chain when short, balanced when long,
    /// so a sum of 15 000 terms is 14 levels deep rather than 15 000.
    /// </summary>
    private CheckExpr Join(List<Operand> run, char op, int start, CheckExpr left)
    {
        if (run.Count == 0) return left;
        CheckExpr result;
        if (run.Count < BalanceFrom)
        {
            result = run[0].Expr;
            // A product that took in what followed a number (V 2(o − t), the matrix multiplying past the 2) ends after the number.
            int end = run[0].End;
            for (int i = 1; i < run.Count; i++)
            {
                end = Math.Max(end, run[i].End);
                result = Checked(new CheckExpr(CheckExpr.Kinds.Binary, start, end, source, [result, run[i].Expr]) { Operator = op });
            }
        }
        else
            result = Balanced(run, op, 0, run.Count - 1);
        run.Clear();
        return result;
    }

    private CheckExpr Balanced(List<Operand> run, char op, int lo, int hi)
    {
        if (lo == hi) return run[lo].Expr;
        int mid = (lo + hi + 1) / 2;
        var left = Balanced(run, op, lo, mid - 1);
        var right = Balanced(run, op, mid, hi);
        return Checked(new CheckExpr(CheckExpr.Kinds.Binary, run[lo].Start, Math.Max(left.End, run[hi].End), source, [left, right]) { Operator = op });
    }

    /// <summary>An operand of a chain with the span of its text (brackets included).</summary>
    private readonly record struct Operand(CheckExpr Expr, int Start, int End, bool Explicit = false);

    // Inside ‖…‖ the next ‖ closes the norm; outside it opens one (‖u‖‖v‖ is a product of two norms). So does | for an
    // absolute value: 3α|w|² sign(w) is 3α times |w|² times sign(w).
    private bool StartsPrimary => Current.Kind is T.Number or T.Ident or T.Partial || IsOp("(") || IsOp("√") || IsOp("[") || (IsOp("‖") && norms == 0)
        || (IsOp("|") && bars == 0);

    private int norms, bars;

    private CheckExpr ParseProduct()
    {
        // A sign before a product signs the whole product, as in −ab = −(ab): −Xᵀ(p − y) is the negated matrix product,
        // not the product of −Xᵀ, which no longer reads as a transpose.
        var signs = new List<int>();
        while (IsOp("-"))
        {
            if (nesting + signs.Count >= Parser.MaxDepth) throw Fail($"expression nested deeper than {Parser.MaxDepth} levels");
            signs.Add(Current.Start);
            index++;
        }
        if (signs.Count == 0) return ParseSignlessProduct();
        var product = ParseSignlessProduct();
        for (int i = signs.Count - 1; i >= 0; i--) product = Node(CheckExpr.Kinds.Negate, signs[i], [product]);
        return product;
    }

    private CheckExpr ParseSignlessProduct()
    {
        int start = Current.Start;
        var left = ParseMatMul();
        var run = new List<Operand>();
        while (true)
        {
            // ⊗ is a product among products, left to right as on a board: 4r/2 ⊗ x is (4r/2) ⊗ x.
            if (IsOp("⊗"))
            {
                index++;
                left = Node(CheckExpr.Kinds.Binary, start, [Join(run, '*', start, left), ParseMatMul()], op: '⊗');
                continue;
            }
            char op;
            bool juxtaposed = IsOp("·");
            if (IsOp("*") || IsOp("/") || juxtaposed) { op = juxtaposed ? '*' : Current.Text[0]; index++; }
            else if (StartsPrimary) { op = '*'; juxtaposed = true; }   // juxtaposition: σ(x1)(1 − σ(x1))
            else break;
            int rightStart = Current.Start;
            var previous = run.Count > 0 ? run[^1] : new Operand(left, start, tokens[index - 1].End);
            // σ(S)(1 − σ(S)): a bracket right after an elementwise function's call multiplies elementwise, whatever S's shape.
            bool callThenBracket = juxtaposed && IsOp("(") && tokens[index - 1].End == Current.Start && IsElementwiseCall(previous.Expr);
            var right = ParseMatMul();
            bool spaced = juxtaposed && !tokens[index - 1].Text.Equals("·", StringComparison.Ordinal) && op == '*' && !IsOpAt(rightStart, "·");
            // Parts with index letters multiply as index notation, read when evaluated ((∂L/∂z)_i (x)_j, (A)_ij (x)_j): no
            // matrix-notation reading here. The nearest operand that is not a number decides, as numbers stand aside:
            // (A)_ij 2 (B)_ij is index notation, while (p − y)_i xᵀ and W2ᵀ 2(δ)_k keep their matrix notation.
            bool indexNotation = false;
            if (op == '*' && indexed && (HasIndices(previous.Expr) || HasIndices(right)))
            {
                var near = run.Count > 0 ? run.FindLast(o => HasIndices(o.Expr) || !Number(o.Expr)).Expr ?? left : left;
                indexNotation = HasIndices(near) && (HasIndices(right) || Number(right));
            }
            // u (uᵀF) ones(3)ᵀ: a transposed vector after a number that multiplies a vector is the outer product of the
            // whole product so far, as explain prints it, not a product of the number alone.
            if (juxtaposed && !callThenBracket && !indexNotation && IsTransposed(right) && StaticRank(right) is not 2 && StaticRank(previous.Expr) == 0
                && run.Count > 1 && run.Any(o => StaticRank(o.Expr) == 1))
            {
                left = Node(CheckExpr.Kinds.Binary, start, [Join(run, '*', start, left), right], op: '@');
                continue;
            }
            // 2(h − t) ⊙ g′(z) xᵀ: a transposed vector after an elementwise run of vectors is the outer product of the whole run,
            // (2(h − t) ⊙ g′(z)) xᵀ, since a vector ⊙ a matrix is no product of matrix notation.
            if (juxtaposed && !callThenBracket && !indexNotation && IsTransposed(right) && StaticRank(right) == 1 && StaticRank(previous.Expr) == 1
                && run.Count > 1 && run.All(o => StaticRank(o.Expr) is 0 or 1))
            {
                left = Node(CheckExpr.Kinds.Binary, start, [Join(run, '*', start, left), right], op: '@');
                continue;
            }
            // 1ᵀG, the all-ones row before a matrix, is its column sums (db = 1ᵀ dY), and 1ᵀv is Σv: not the number 1 times them.
            // A number between them stands aside: 1ᵀ 2(Z − T)/8.
            int rowAt = run.Count - 1;
            while (juxtaposed && rowAt > 0 && Literal(run[rowAt].Expr) is not null && !run[rowAt].Explicit) rowAt--;
            var rowOperand = rowAt >= 0 ? run[rowAt] : previous;
            if (juxtaposed && !callThenBracket && !indexNotation && rowOperand.Expr is { Kind: CheckExpr.Kinds.Call } row && IsTransposed(row) && Literal(row.Args[0]) == 1
                && StaticRank(right) is int rank and (1 or 2))
            {
                var sum = OpTable.Resolve("sum", rank == 2 ? [null, 0] : [null], new Dictionary<string, double>(), out _, out _)!;
                var sums = Node(CheckExpr.Kinds.Call, rowOperand.Start, [right], name: sum.Name, info: sum);
                if (run.Count > 0) run[rowAt] = rowOperand with { Expr = sums, End = tokens[index - 1].End };
                else left = sums;
                continue;
            }
            // h · ∂L/∂r, a column times the numerator layout's row ∂L/∂r, is their outer product (that layout's ∂L/∂W2); so
            // is d ∂L/∂r of vectors of one length written side by side, since an elementwise product with a gradient is ⊙.
            if (juxtaposed && !callThenBracket && !indexNotation && right.Kind == CheckExpr.Kinds.Partial && previous.Expr.Kind != CheckExpr.Kinds.Partial
                && StaticShape(previous.Expr) is [var m] && StaticShape(right) is [var n] && (m != n || spaced))
            {
                var outer = Node(CheckExpr.Kinds.Binary, previous.Start, [previous.Expr, right], op: '⊗');
                if (run.Count > 0) run[^1] = previous with { Expr = outer, End = tokens[index - 1].End };
                else left = outer;
                continue;
            }
            // ones(2) ∂L/∂n, a vector (a column) written before a matrix of one row, is their outer product, as step prints a
            // kept-axis mean's share repeated down the rows.
            if (spaced && !callThenBracket && !indexNotation && StaticRank(previous.Expr) == 1 && StaticShape(right) is [1, _])
            {
                var outer = Node(CheckExpr.Kinds.Binary, previous.Start, [previous.Expr, right], op: '⊗');
                if (run.Count > 0) run[^1] = previous with { Expr = outer, End = tokens[index - 1].End };
                else left = outer;
                continue;
            }
            // W2ᵀ · 2(W2 h − t): a number between a matrix and what it multiplies stands aside, and the matrix multiplies.
            // So does a single-number name: Wᵀ c t is c·Wᵀt.
            bool Number(CheckExpr e) => Literal(e) is not null || StaticRank(e) == 0;
            int at = run.Count - 1;
            // (Only juxtaposition looks back: a long run of *1 would otherwise be walked at every factor.)
            // An explicit ⊙ or * before the number keeps it: X̂ ⊙ 2(Y − T) is elementwise throughout.
            while (juxtaposed && at > 0 && Number(run[at].Expr) && !run[at].Explicit) at--;
            var anchor = juxtaposed && at < run.Count - 1 && !Number(run[at].Expr) ? run[at] : previous;
            if (juxtaposed && !callThenBracket && !indexNotation && Literal(anchor.Expr) is null && Literal(right) is null
                && StaticRank(anchor.Expr) is not 0 && StaticRank(right) is not 0
                && (IsTransposed(anchor.Expr) || IsTransposed(right) || (spaced && StaticRank(anchor.Expr) == 2 && StaticRank(right) >= 1)
                    // aᵀV g: a row times a matrix is a row, which multiplies what follows as aᵀ does (a number, here).
                    || (IsRow(anchor.Expr) && StaticRank(right) >= 1)
                    // (∂L/∂s ⊙ g) V: a vector holding a gradient, before a matrix, is the numerator layout's row times it; so
                    // is ∂L/∂q · (E W), a matrix in brackets after a dot.
                    || (StaticRank(anchor.Expr) == 1 && StaticRank(right) == 2 && (right.Kind == CheckExpr.Kinds.Name || IsOpAt(rightStart, "·")) && HasPartial(anchor.Expr))
                    // (∂L/∂A ⊙ (1 − A²)) · W: a dot after a bracket holding a gradient, before a matrix, as step writes ∂L/∂Z · W.
                    || (IsOpAt(rightStart, "·") && StaticRank(anchor.Expr) is null or 2 && StaticRank(right) == 2 && right.Kind == CheckExpr.Kinds.Name && HasPartial(anchor.Expr))
                    // A dot between two matrices that conform only as a product is that product, as step prints ∂L/∂S · K.
                    || (IsOpAt(rightStart, "·") && OnlyAProduct(anchor.Expr, right))
                    // ∂L/∂q · q, a dot between a gradient and a vector of its length, is their dot product, as in softmax's
                    // backward q ⊙ (∂L/∂q − ∂L/∂q · q); (∂L/∂z)_d · (x)_d, read at a component, stays elementwise.
                    || (IsOpAt(rightStart, "·") && StaticShape(anchor.Expr) is [var u and > 1] && StaticShape(right) is [var v] && u == v
                        && (HasPartial(anchor.Expr) || HasPartial(right)) && anchor.Expr.Indices is null && right.Indices is null)
                    // V · ∂L/∂o, a matrix of one row dotted with a gradient as long as its row: their product, one number,
                    // as step writes it for a single key, not the row stretched elementwise.
                    || (!spaced && StaticShape(anchor.Expr) is [1, var width] && StaticShape(right) is [var length] && width == length && length > 1 && HasPartial(right))))
            {
                // Matrix notation as explain and step print it: Xᵀ(p − y) and Wᵀ · δ are matrix products, (W2ᵀo) xᵀ an outer product.
                var product = Node(CheckExpr.Kinds.Binary, anchor.Start, [anchor.Expr, right], op: '@');
                if (run.Count > 0) run[ReferenceEquals(anchor.Expr, previous.Expr) ? run.Count - 1 : at] = anchor with { Expr = product, End = tokens[index - 1].End };
                else left = product;
                continue;
            }
            if (op == '*')
            {
                if (run.Count == 0) run.Add(new(left, start, tokens[index - 1].End));
                run.Add(new(right, rightStart, tokens[index - 1].End, !juxtaposed));
                continue;
            }
            left = Join(run, '*', start, left);
            left = Node(CheckExpr.Kinds.Binary, start, [left, right], op: op);
        }
        return Join(run, '*', start, left);
    }

    private CheckExpr ParseMatMul()
    {
        int start = Current.Start;
        var left = ParseUnary();
        while (IsOp("@"))
        {
            char op = Current.Text[0];
            index++;
            var right = ParseUnary();
            left = Node(CheckExpr.Kinds.Binary, start, [left, right], op: op);
        }
        return left;
    }

    /// <summary>Every level of brackets, calls, signs and exponents passes through here once, so the nesting is counted here.</summary>
    private CheckExpr ParseUnary()
    {
        int start = Current.Start;
        if (++nesting > Parser.MaxDepth)
            throw Fail($"expression nested deeper than {Parser.MaxDepth} levels");
        try
        {
            if (IsOp("-"))
            {
                index++;
                var operand = ParseUnary();
                return Node(CheckExpr.Kinds.Negate, start, [operand]);
            }
            if (IsOp("+")) { index++; return ParseUnary(); }
            if (IsOp("√"))
            {
                // √ takes the next operand alone: √(v + ε), √2 · x, √√x.
                index++;
                var radicand = IsOp("√") ? ParseUnary() : ParsePostfix(ParsePrimary());
                OpTable.TryGetFunction("sqrt", 1, out var sqrt);
                var root = Node(CheckExpr.Kinds.Call, start, [radicand], name: "sqrt", info: sqrt);
                // √(r² + s²)^3, as sqrt(…)^3: the power of the root.
                if (!IsOp("^")) return root;
                index++;
                return Node(CheckExpr.Kinds.Binary, start, [root, ParseUnary()], op: '^');
            }
            var b = ParsePostfix(ParsePrimary());
            if (!IsOp("^")) return b;
            index++;
            // x^T, as many write a transpose, when the program has no T of its own.
            if (Current is { Kind: T.Ident, Text: "T" } && Resolve("T") is null)
            {
                index++;
                return ParsePostfix(Node(CheckExpr.Kinds.Call, start, [b], name: "transpose", info: OpTable.Transpose));
            }
            var exponent = ParseUnary();
            return Node(CheckExpr.Kinds.Binary, start, [b, exponent], op: '^');
        }
        finally
        {
            nesting--;
        }
    }

    /// <summary>Transposes (<c>Wᵀ</c>, <c>W.T</c>) and indices (<c>x[0]</c>, <c>W[1, :]</c>, <c>x[1:3]</c>), as in programs.</summary>
    /// <summary>
    /// The relation at the current token, read: &gt;= and &lt;= are ≥ and ≤ (they differ from &gt; and &lt; on the kink itself,
    /// where a given point is evaluated), and == is code's spelling of =.
    /// </summary>
    private string Relation()
    {
        var relation = Current.Text;
        index++;
        if (relation is ">" or "<" && IsOp("=")) { relation = relation == ">" ? "≥" : "≤"; index++; }
        else if (relation == "=" && IsOp("=")) index++;
        return relation;
    }

    private CheckExpr ParsePrimary()
    {
        var t = Current;
        int start = t.Start;
        if (t.Kind == T.Number) { index++; return Node(CheckExpr.Kinds.Number, start, value: t.Number); }
        if (IsOp("["))
        {
            // [2(t[0] − y1), …]: a vector written out by its components, as explain prints a gradient read through indices.
            index++;
            var components = new List<CheckExpr> { ParseSum() };
            while (IsOp(",")) { index++; components.Add(ParseSum()); }
            Expect("]", $"',' or ']' to close the '[' at column {start + 1}");
            return Node(CheckExpr.Kinds.Vector, start, components);
        }
        if (IsOp("‖"))
        {
            // ‖v‖: the Euclidean norm, as LaTeX prints norm(v).
            index++;
            norms++;
            var inner = ParseSum();
            norms--;
            Expect("‖", $"'‖' to close the norm opened at column {start + 1}");
            return Norm(inner, start);
        }
        if (IsOp("|"))
        {
            // |w − t|: the absolute value as a board writes it.
            index++;
            bars++;
            var magnitude = ParseSum();
            bars--;
            Expect("|", $"'|' to close the absolute value opened at column {start + 1}");
            OpTable.TryGetFunction("abs", 1, out var abs);
            return Node(CheckExpr.Kinds.Call, start, [magnitude], name: "abs", info: abs);
        }
        if (IsOp("("))
        {
            index++;
            var inner = ParseSum();
            if (IsOp(","))
            {
                // (−0.07, 0.075): a vector as step's numbers print it.
                var components = new List<CheckExpr> { inner };
                while (IsOp(",")) { index++; components.Add(ParseSum()); }
                Expect(")", $"',' or ')' to close the '(' at column {start + 1}");
                return Node(CheckExpr.Kinds.Vector, start, components);
            }
            // (Z > 0), a mask as code writes it, is the indicator I[Z > 0].
            if (IsOp(">") || IsOp("<") || IsOp("≥") || IsOp("≤") || (IsOp("=") && Peek(1) is { Kind: T.Op, Text: "=" }))
            {
                var relation = Relation();
                var b = ParseSum();
                Expect(")", $"')' to close the comparison opened at column {start + 1}");
                return Node(CheckExpr.Kinds.Indicator, start, [inner, b], relation: relation);
            }
            Expect(")", $"')' to close the '(' at column {start + 1}");
            return inner;
        }
        if (t.Kind == T.Ident && (t.Text == "Σ" || t.Text.StartsWith("Σ_", StringComparison.Ordinal)))
        {
            // Σ_i body: the sum over the components that the body's index runs through.
            index++;
            var body = ParseProduct();
            return IndexSum(body, t, start);
        }
        if (t.Kind == T.Partial || IsDerivativeD() || IsPlainPartial())
            return ParsePartial();
        if (t.Kind != T.Ident) throw Fail($"expected a name, a number, a derivative or '(', found {Describe(t)}");
        // zσ(z): a name written against a trailing Greek letter, as on a board, is a product of the two; the token is split
        // and read again.
        if (t.Text.Length > 1 && t.Text[^1] > 0x7F && char.IsLetter(t.Text[^1]) && Resolve(t.Text) is null && !OpTable.IsFunction(t.Text)
            && Resolve(t.Text[..^1]) is not null && (t.Text[^1] is 'σ' or 'φ' or 'Φ' || Resolve(t.Text[^1..]) is not null))
        {
            tokens[index] = t with { Text = t.Text[..^1], End = t.End - 1 };
            tokens.Insert(index + 1, t with { Text = t.Text[^1..], Start = t.End - 1 });
            return ParsePrimary();
        }
        index++;
        var name = t.Text is "σ" ? "sigmoid" : t.Text;
        // δ_ki, Kronecker's delta: 1 where its two letters are equal (a softmax Jacobian's δ_ki − p_i); sized by the other
        // factors, and a factor even before a bracket.
        if (t.Text.Length == 4 && t.Text.StartsWith("δ_", StringComparison.Ordinal) && char.IsLetter(t.Text[2]) && char.IsLetter(t.Text[3]) && Resolve(t.Text) is null)
            return t.Text[2] == t.Text[3] ? throw Fail($"{t.Text} repeats its index: Kronecker's δ takes two different letters, as δ_ki", t)
                : Indexed(Node(CheckExpr.Kinds.Call, start, [], name: "δ"), t.Text[2..]);
        if (name == "I" && IsOp("["))
        {
            index++;
            // I[k = i] between two index letters that name nothing is Kronecker's δ_ki.
            if (Current is { Kind: T.Ident, Text.Length: 1 } k && char.IsLetter(k.Text[0]) && Resolve(k.Text) is null && Peek(1) is { Kind: T.Op, Text: "=" }
                && Peek(2) is { Kind: T.Ident, Text.Length: 1 } i && char.IsLetter(i.Text[0]) && i.Text != k.Text && Resolve(i.Text) is null && Peek(3) is { Kind: T.Op, Text: "]" })
            {
                index += 4;
                return Indexed(Node(CheckExpr.Kinds.Call, start, [], name: "δ"), k.Text + i.Text);
            }
            var a = ParseSum();
            if (!(IsOp(">") || IsOp("<") || IsOp("≥") || IsOp("≤") || IsOp("=")))
                throw Fail($"expected '>', '<', '≥', '≤' or '=' in the indicator I[...], found {Describe(Current)}");
            var relation = Relation();
            var b = ParseSum();
            Expect("]", "']' to close the indicator I[...]");
            return Node(CheckExpr.Kinds.Indicator, start, [a, b], relation: relation);
        }
        // tanh²(z), σ²(z): a power on a function's name is its value's, as on a board.
        if ((IsOp("²") || IsOp("³")) && Current.Start == t.End && Peek(1) is { Text: "(" } open && open.Start == Current.End
            && Resolve(t.Text) is null && (OpTable.IsFunction(name) || name is "sech" or "Φ" or "φ"))
        {
            var power = Current;
            tokens.RemoveAt(index--);
            var call = ParsePrimary();
            return Node(CheckExpr.Kinds.Binary, start, [call, Number(power.Start, power.Text == "²" ? 2 : 3)], op: '^');
        }
        // sech(z) = 2/(e^z + e^−z), in which tanh′ = sech²(z) is written.
        if (name is "sech" && IsOp("(") && Resolve(t.Text) is null)
        {
            index++;
            var z = ParseSum();
            Expect(")", $"')' to close the call of '{t.Text}'");
            OpTable.TryGetFunction("exp", 1, out var exp);
            var sum = Node(CheckExpr.Kinds.Binary, start, [Node(CheckExpr.Kinds.Call, start, [z], name: "exp", info: exp),
                Node(CheckExpr.Kinds.Call, start, [Node(CheckExpr.Kinds.Negate, start, [z])], name: "exp", info: exp)], op: '+');
            return Node(CheckExpr.Kinds.Binary, start, [Number(start, 2), sum], op: '/');
        }
        // Φ(z) and φ(z), the standard normal CDF and density that GELU′ = Φ(z) + z·φ(z) is written with.
        if (name is "Φ" or "φ" && IsOp("(") && Resolve(t.Text) is null)
        {
            index++;
            var z = ParseSum();
            Expect(")", $"')' to close the call of '{t.Text}'");
            return name == "Φ" ? Normal(start, 0.5, "erf", Product(start, z, 1 / Math.Sqrt(2)), 1) : Normal(start, 1 / Math.Sqrt(2 * Math.PI), "exp", Product(start, Node(CheckExpr.Kinds.Binary, start, [z, Number(start, 2)], op: '^'), -0.5), 0);
        }
        bool prime = false;
        if (Current.Kind == T.Prime) { prime = true; index++; }
        // W(x − t): a program name that is no function, followed by a bracket, is a product; so is a number's name (2/n (h − t)),
        // and the name of a function the program never calls that it declares (a weight norm's g (y − t), σ (…) for sigma).
        // σ is the sigmoid wherever the program's formulas print one (a softplus′ too), and where the name it would stand
        // for prints otherwise (sig, read as σ only as λ is read for lam).
        bool product = !prime && IsOp("(") && name is not ("step" or "sign" or "outer" or "diag" or "clip" or "ones" or "zeros")
            && (Resolve(t.Text) is { } named ? (!OpTable.IsFunction(name) || !graph.Nodes.Any(n => n.Op?.Name == name))
                    && (t.Text != "σ" || (SymbolName.Parse(named).ToUnicode() == "σ" && !PrintsSigmoid()))
                : !OpTable.IsFunction(name) && (GraphBuilder.Constants.ContainsKey(t.Text) || graph.StaticSizes.ContainsKey(t.Text) || (t.Text == "n" && MeanCounts() is not null)));
        if (IsOp("(") && !product)
        {
            index++;
            var args = new List<CheckExpr>();
            var options = new Dictionary<string, double>(StringComparer.Ordinal);
            do
            {
                if (args.Count + options.Count > 0) index++;
                // A comma before the closing bracket ends nothing, as in a program: concat(a, b,).
                if (args.Count + options.Count > 0 && IsOp(")")) break;
                if (Current.Kind == T.Ident && Peek(1) is { Kind: T.Op, Text: "=" })
                {
                    var key = Current;
                    index += 2;
                    // keepdims=True, as NumPy and PyTorch spell it.
                    if (Current is { Kind: T.Ident, Text: "True" or "False" } flag && Resolve(flag.Text) is null)
                    {
                        index++;
                        options[key.Text] = flag.Text == "True" ? 1 : 0;
                        continue;
                    }
                    var value = ParseUnary();
                    if (Literal(value) is not double v) throw Fail($"'{key.Text}=' takes a number", key);
                    options[key.Text] = v;
                }
                else args.Add(ParseSum());
            }
            while (IsOp(","));
            Expect(")", $"',' or ')' in the call of '{t.Text}'");
            if (prime)
            {
                if (PrimeFunctions.Contains(name) && args.Count != 1)
                    throw Fail($"'{t.Text}′' takes 1 argument, got {args.Count}", t);
                if (!PrimeFunctions.Contains(name))
                    throw Fail($"'{t.Text}′' is not a derivative the checker knows; it knows {string.Join(", ", PrimeFunctions.Select(f => f + "′"))}, each of one argument", t);
                return Node(CheckExpr.Kinds.Prime, start, args, name: name);
            }
            if (name is "step" && args.Count == 1)
                return Node(CheckExpr.Kinds.Indicator, start, [args[0], new CheckExpr(CheckExpr.Kinds.Number, start, start, source)], relation: ">");
            if (CheckOnlyArities.ContainsKey(name) && options.Count > 0)
                throw Fail($"'{t.Text}' takes no settings such as {options.Keys.First()}=", t);
            if ((name is "outer" && args.Count == 2) || (name is "sign" or "diag" && args.Count == 1) || (name is "ones" or "zeros" && args.Count is >= 1 and <= 4) || (name is "clip" && args.Count == 3))
                return Node(CheckExpr.Kinds.Call, start, args, name: name);
            if (name is "max" or "min" && args.Count > 2 && options.Count == 0)
            {
                OpTable.TryGetFunction(name, 2, out var pair);
                var folded = args[0];
                for (int i = 1; i < args.Count; i++) folded = Node(CheckExpr.Kinds.Call, start, [folded, args[i]], name: name, info: pair);
                return folded;
            }
            if (name is "norm" && args.Count == 1 && options.Count == 0)
                return Norm(args[0], start);
            // The functions only answers use: a wrong number of arguments is said as such, not as an unknown name.
            if (CheckOnlyArities.TryGetValue(name, out var arity))
                throw Fail($"'{t.Text}' takes {arity}, got {args.Count}", t);
            var op = OpTable.Resolve(name, args.Select(Literal).ToArray(), options, out var operands, out var error)
                ?? throw Fail(error! + (OpTable.IsFunction(name) || name == "len" ? "" : "; also step, sign, outer, diag, clip, ones, zeros"), t);
            if (op.BinaryOperator is not null)
                return Node(CheckExpr.Kinds.Binary, start, [args[0], args[1]], op: '@');
            // concat(a, b, axis=3) of vectors is a slip in the answer's text, said at its place as a program's would be.
            if (args.Select(StaticRank).Distinct().ToArray() is [int rank] && rank > 0 && OpTable.ConcatAxis(op, rank) is int axis && (axis < 0 || axis >= rank))
                throw Fail($"axis {op.Attributes!.Dims![0]} is out of range for operands of rank {rank} (axes 0 to {rank - 1}, or -1 for the last)", t);
            return Node(CheckExpr.Kinds.Call, start, args.Take(operands).ToArray(), name: op.Name, info: op);
        }
        if (prime) throw Fail($"expected '(' after '{t.Text}′'");
        var known = Resolve(t.Text);
        if (known is null && GraphBuilder.Constants.TryGetValue(t.Text, out var constant))
            return Node(CheckExpr.Kinds.Number, start, value: constant);
        // A size of the program (n, D) is a number: the 1/n of a mean.
        if (known is null && graph.StaticSizes.TryGetValue(t.Text, out var size))
            return Node(CheckExpr.Kinds.Number, start, value: size);
        // explain writes a mean's count as n; where the program's sizes are numbers and every mean (and every batch
        // cross_entropy, a mean over its rows) averages as many elements, n is that number.
        if (known is null && t.Text == "n" && MeanCounts() is { } counts)
        {
            if (counts.Count == 1) return Node(CheckExpr.Kinds.Number, start, value: counts[0]);
            throw Fail($"'n' is not one number in this program: its means average {string.Join(" and ", counts)} elements; write the count itself", t);
        }
        // 2λW2: a Greek letter written against a name, as on a board, is their product.
        if (known is null && t.Text.Length > 1 && t.Text[0] > 0x7F && char.IsLetter(t.Text[0])
            && Resolve(t.Text[..1]) is { } letter && Resolve(t.Text[1..]) is { } rest)
            return Node(CheckExpr.Kinds.Binary, start, [Node(CheckExpr.Kinds.Name, start, name: letter), Node(CheckExpr.Kinds.Name, start + 1, name: rest)], op: '*');
        // cos θ, cos²(θ): a function written without its brackets right after it.
        if (known is null && OpTable.IsFunction(name))
            throw Fail($"'{t.Text}' is a function: write its argument in brackets right after it, as {t.Text}(θ), and a power after them, as {t.Text}(θ)^2", t);
        if (known is null) throw Unknown(t, "");
        return Node(CheckExpr.Kinds.Name, start, name: known);
    }

    private CheckExpr Number(int start, double value) => Node(CheckExpr.Kinds.Number, start, value: value);

    private CheckExpr Product(int start, CheckExpr e, double c) => Node(CheckExpr.Kinds.Binary, start, [Number(start, c), e], op: '*');

    /// <summary>c·(f(argument) + shift): Φ(z) = (erf(z/√2) + 1)/2 and φ(z) = e^(−z²/2)/√(2π).</summary>
    private CheckExpr Normal(int start, double c, string f, CheckExpr argument, double shift)
    {
        OpTable.TryGetFunction(f, 1, out var op);
        var call = Node(CheckExpr.Kinds.Call, start, [argument], name: f, info: op);
        return Product(start, shift == 0 ? call : Node(CheckExpr.Kinds.Binary, start, [call, Number(start, shift)], op: '+'), c);
    }

    /// <summary>norm(v) and ‖v‖, read as sqrt(sum(v^2)) as the program reads norm.</summary>
    private CheckExpr Norm(CheckExpr v, int start)
    {
        OpTable.TryGetFunction("sum", 1, out var sum);
        OpTable.TryGetFunction("sqrt", 1, out var sqrt);
        var square = Node(CheckExpr.Kinds.Binary, start, [v, new CheckExpr(CheckExpr.Kinds.Number, start, start, source) { Value = 2 }], op: '^');
        return Node(CheckExpr.Kinds.Call, start, [Node(CheckExpr.Kinds.Call, start, [square], name: "sum", info: sum)], name: "sqrt", info: sqrt);
    }

    /// <summary>The index of the bracket that closes the one at <paramref name="open"/>, or of the end token.</summary>
    private int Matching(int open)
    {
        int depth = 0, at = open;
        for (; tokens[at].Kind != T.End; at++)
            if (tokens[at] is { Kind: T.Op, Text: "(" or "[" }) depth++;
            else if (tokens[at] is { Kind: T.Op, Text: ")" or "]" } && --depth == 0) break;
        return at;
    }

    /// <summary>Which of the parts that print alike a label means: 1, or the subscript just read after it (₂ for the second).</summary>
    private int Occurrence()
    {
        if (!IsSubscript(Current) || Current.Start != tokens[index - 1].End) return 1;
        var digits = string.Concat(Current.Text.Select(c => (char)('0' + (c - '\u2080'))));
        index++;
        return int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var k) ? k : int.MaxValue;
    }

    private static bool IsSubscript(Tok t) => t.Kind == T.Op && t.Text.Length > 0 && t.Text.All(c => c is >= '\u2080' and <= '\u2089');

    private string Known(Tok t) =>
        Resolve(t.Text) ?? throw Unknown(t, " in a derivative");

    /// <summary>"unknown name 'xx'; did you mean 'x'? The program defines …".</summary>
    private ArgumentException Unknown(Tok t, string where)
    {
        var names = graph.NamedNodes.Select(n => n.Name!).ToList();
        // Xw for X w: two names run together, a product without its space (tried on a name short enough to be two names,
        // since each split resolves both halves).
        var split = Enumerable.Range(1, t.Text.Length <= 64 ? t.Text.Length - 1 : 0).Select(i => (Left: t.Text[..i], Right: t.Text[i..]))
            .FirstOrDefault(p => Resolve(p.Left) is not null && Resolve(p.Right) is not null);
        var hint = split.Left is not null ? $"; did you mean '{split.Left} {split.Right}' (a product is written with a space)? The program defines"
            : NameSuggestion.Closest(t.Text, names) is { } best ? $"; did you mean {NameSuggestion.Quoted(t.Text, best)}? The program defines" : "; the program defines";
        return Fail($"unknown name '{t.Text}'{where}{hint} {string.Join(", ", names)}", t);
    }

    /// <summary>Whether a formula of the program prints σ for the sigmoid: it calls one, or a function whose derivative is written with it.</summary>
    private bool PrintsSigmoid() => printsSigmoid ??= graph.Nodes.Select(n => n.Op).Distinct().Any(op => op is { Kind: OpKind.Elementwise, Arity: 1, HasDerivative: true }
        && (op.Name == "sigmoid" || op.Derivative([Sym.Var("z")], 0).ToString().Contains('σ', StringComparison.Ordinal)));

    private bool? printsSigmoid;

    /// <summary>The numbers of elements the program's means average, each once; null when there is no mean or a count is not known.</summary>
    private List<int>? MeanCounts()
    {
        var counts = new List<int>();
        foreach (var node in graph.Nodes)
        {
            if (node.Op is null || node.AveragedCount([], []) is null) continue;
            var sizes = node.Operands[0].Shape.Resolve(graph.StaticSizes);
            var result = node.Shape.Resolve(graph.StaticSizes);
            if (sizes is null || result is null) return null;
            int n = node.AveragedCount(sizes, result)!.Value;
            if (!counts.Contains(n)) counts.Add(n);
        }
        return counts.Count > 0 ? counts : null;
    }

    /// <summary>A program name as written or as explain prints it; null when none matches.</summary>
    private string? Resolve(string written) => graph.Resolve(written);

    /// <summary>The number a plain literal argument stands for (<c>0</c>, <c>-1</c>), else null.</summary>
    private static double? Literal(CheckExpr e) => e.Kind switch
    {
        CheckExpr.Kinds.Number => e.Value,
        CheckExpr.Kinds.Negate when e.Args[0].Kind == CheckExpr.Kinds.Number => -e.Args[0].Value,
        _ => null,
    };

    /// <summary>The program lexer's tokens (in its formula mode), with 0-based character offsets.</summary>
    private static List<Tok> Tokenize(string s)
    {
        List<Token> tokens;
        try
        {
            tokens = Lexer.Tokenize(s, formula: true);
        }
        catch (GradProgramException e)
        {
            throw Error(e.Column, e.Reason);
        }
        return tokens.ConvertAll(t => new Tok(
            t.Kind switch
            {
                TokenKind.Number => T.Number,
                TokenKind.Identifier => T.Ident,
                TokenKind.End => T.End,
                TokenKind.Symbol when t.Text == "∂" => T.Partial,
                TokenKind.Symbol when t.Text == "′" => T.Prime,
                _ => T.Op,
            }, t.Text, t.Position.Column - 1, t.End - 1, t.Number));
    }
}
