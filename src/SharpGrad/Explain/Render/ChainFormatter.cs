namespace SharpGrad.Explain;

/// <summary>
/// Writes the pieces of a chain-rule term in text or LaTeX: the symbolic product in the stated
/// layout (∂J/∂h2 · ∂h2/∂a2, or ∂h2/∂a2 · ∂J/∂h2 in the denominator layout), the same with the
/// local derivative written out (∂J/∂h2 ⊙ I[a2 &gt; 0], printed from the term's formula, which comes
/// from the shared rules of <see cref="Derivatives"/>), and the numbers ((6, −6) ⊙ (0, 1)). A matrix
/// product's factor is the other operand transposed (∂J/∂A = ∂J/∂C · Bᵀ, ∂J/∂B = Aᵀ · ∂J/∂C).
/// Every node gets its own label: two unnamed parts that print alike are told apart by a subscript.
/// </summary>
internal sealed class ChainFormatter
{
    private readonly Notation notation;
    private readonly GraphNode objective;
    private readonly ProgramEvaluation evaluation;
    private readonly Layout layout;
    private readonly Dictionary<GraphNode, string> labels = [];

    public ChainFormatter(Notation notation, ProgramEvaluation evaluation, Layout layout = Layout.Gradient)
    {
        this.notation = notation;
        this.evaluation = evaluation;
        this.layout = layout;
        objective = evaluation.Objective;
        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in evaluation.Graph.Nodes)
        {
            var label = BaseLabel(node);
            int seen = used.GetValueOrDefault(label);
            used[label] = seen + 1;
            labels[node] = seen == 0 ? label : Latex ? $"{label}_{{({seen + 1})}}" : $"{label}{Subscript(seen + 1)}";
        }
    }

    private bool Latex => notation == Notation.Latex;

    private string Dot => Latex ? " \\cdot " : " · ";

    private string Hadamard => Latex ? " \\odot " : " ⊙ ";

    private string Transpose => Latex ? "^{\\top}" : "ᵀ";

    private string Minus => Latex ? "-" : "−";

    /// <summary>∂J/∂node.</summary>
    public string Gradient(GraphNode node) => Partial(objective, node);

    /// <summary>∂of/∂wrt.</summary>
    public string Partial(GraphNode of, GraphNode wrt) => Latex
        ? $"\\frac{{\\partial {Label(of)}}}{{\\partial {Label(wrt)}}}"
        : $"∂{Label(of)}/∂{Label(wrt)}";

    /// <summary>
    /// A node as a symbol: its name, a constant's value, a function call as written, or an infix
    /// expression in parentheses (so that ∂J/∂(y − yhat) and (y − yhat)ᵀ read right); unique per node.
    /// </summary>
    public string Label(GraphNode node) => labels[node];

    private string BaseLabel(GraphNode node)
    {
        var bare = Bare(node);
        bool infix = node.Name is null && node.Op is { } op && op.Precedence < OpInfo.AtomPrecedence;
        bool negative = node.Kind == GraphNodeKind.Constant && node.ConstantValue < 0;
        return !(infix || negative) ? bare : Latex ? $"\\left({bare}\\right)" : $"({bare})";
    }

    private static string Subscript(int n) =>
        string.Concat(n.ToString(System.Globalization.CultureInfo.InvariantCulture).Select(d => "₀₁₂₃₄₅₆₇₈₉"[d - '0']));

    /// <summary>A node as a symbol without protective parentheses, for places already delimited, such as f(…).</summary>
    public string Bare(GraphNode node)
    {
        if (node.Name is not null) return SymPrinter.Name(node.Name, notation);
        if (node.Kind == GraphNodeKind.Constant) return ValueFormat.Number(node.ConstantValue!.Value, notation);
        return ExprPrinter.Print(node.Expression!, notation);
    }

    /// <summary>The forward table's formula: the keyword of a declaration, the expression of an assignment.</summary>
    public string Definition(GraphNode node) => node switch
    {
        { Declaration: { } d } => d.Keyword,
        { Kind: GraphNodeKind.Constant } => ValueFormat.Number(node.ConstantValue!.Value, notation),
        _ => ExprPrinter.Print(node.Expression!, notation),
    };

    /// <summary>
    /// The three forms of one term: the chain in symbols, the formula, and the numbers.
    /// <paramref name="oneOfSeveral"/> says that the row has other terms, so a direct use by the
    /// objective is written ∂J/∂m|fixed, apart from the total ∂J/∂m.
    /// </summary>
    public (string Chain, string Formula, string Numbers) Term(ChainTerm term, bool oneOfSeveral = false)
    {
        var c = term.Consumer;
        var m = term.Operand;
        bool direct = c == objective;
        string local = Partial(c, m);
        if (direct && oneOfSeveral && term.HeldFixed.Count > 0)
        {
            var held = string.Join(", ", term.HeldFixed.Select(Label));
            local = Latex ? $"\\left.{local}\\right|_{{{held}}}" : $"{local}|{held}";
        }
        string chain = direct ? local
            : layout == Layout.Denominator ? local + Dot + Gradient(c) : Gradient(c) + Dot + local;
        string formula = term.Formula is { } f ? Print(f, Gradient(c), evaluation.ValueOf(c).Rank == 1, evaluation.ValueOf(m).Rank == 2) : chain;
        // The objective's only use of m has nothing to chain: ∂J/∂m there would be the row's own symbol, so the chain is the local formula.
        if (direct && !oneOfSeveral) chain = formula;
        return (chain, formula, Numbers(term, direct, formula == Gradient(c), formula == Minus + Gradient(c)));
    }

    /// <summary>The symbol that stands for ∂J/∂c in the numerator layout, where it is c's transpose: a row for a vector c.</summary>
    private const string RowUpstream = "\u0003";

    /// <summary>
    /// A vector's term in the numerator layout, where ∂J/∂c of a vector c is a row: the transpose of its gradient-layout
    /// formula, itself a row, so that its products conform there: ∂L/∂r · W2 for W2ᵀ · ∂L/∂r.
    /// </summary>
    private static Sym Numerator(Sym f)
    {
        return Transposed(f);

        static bool HasUpstream(Sym s) => IsUpstream(s) || s.Args.Any(HasUpstream);

        static Sym Transposed(Sym s)
        {
            if (IsUpstream(s)) return Row(s);
            if (!HasUpstream(s)) return Sym.Transpose(s);
            switch (s.Kind)
            {
                case SymKind.Transpose when IsUpstream(s.Args[0]):
                    return Sym.Transpose(Row(s.Args[0]));
                case SymKind.Transpose:
                    return s.Args[0];
                case SymKind.MatMul:
                    return Sym.MatMul(Transposed(s.Args[1]), Transposed(s.Args[0]));
                case SymKind.Product:
                    return Sym.Mul(s.Args.Select(Transposed));
                case SymKind.Sum:
                    return Sym.Add(s.Args.Select(Transposed));
                default:
                    return Sym.Transpose(s);
            }
        }

        static bool IsUpstream(Sym s) => s.Kind == SymKind.Partial && ReferenceEquals(s.Name, ChainTerm.UpstreamSymbol.Name);

        // A variable, not a view of a vector, so that the algebra keeps ∂L/∂r · W2 as written rather than turning
        // a row times a matrix back into a transposed column.
        static Sym Row(Sym upstream) => Sym.Var(RowUpstream, upstream.Shape switch
        {
            [var n] => [1, n],
            [var m, var n] => n == 1 ? [1, m] : [n, m],
            _ => [],
        });
    }

    private enum NumeratorForm { Same, Row, Column }

    /// <summary>
    /// How a term changes in the numerator layout: not at all where ∂J/∂c is no vector or meets no matrix product; a
    /// vector's term becomes the row it is there (<see cref="Numerator"/>); a matrix's keeps its shape, with ∂J/∂c, now a
    /// row, written transposed where the gradient layout has its column (∂L/∂rᵀ · hᵀ).
    /// </summary>
    private static NumeratorForm Orientation(Sym f, bool vectorUpstream, bool matrixTarget)
    {
        static Sym? Find(Sym s) => s.Kind == SymKind.Partial && ReferenceEquals(s.Name, ChainTerm.UpstreamSymbol.Name) ? s : s.Args.Select(Find).FirstOrDefault(u => u is not null);
        static bool MultipliesUpstream(Sym s) => (s.Kind == SymKind.MatMul && Find(s) is not null) || s.Args.Any(MultipliesUpstream);
        // Only a vector's gradient turns into a row; a [4, 1] matrix (an axis kept) is a matrix.
        if (!vectorUpstream || Find(f) is null || !MultipliesUpstream(f)) return NumeratorForm.Same;
        // A matrix of one row (W3 of e9, [1, 2]) is a matrix too.
        return matrixTarget || f.Shape is [> 1, > 1] ? NumeratorForm.Column : NumeratorForm.Row;
    }

    /// <summary>A term's formula with the upstream symbol replaced by ∂J/∂c.</summary>
    private string Print(Sym formula, string upstream, bool vectorUpstream, bool matrixTarget)
    {
        var placeholder = ChainTerm.UpstreamSymbol.ToString(notation);
        var form = layout == Layout.Numerator ? Orientation(formula, vectorUpstream, matrixTarget) : NumeratorForm.Same;
        if (form == NumeratorForm.Row) formula = Numerator(formula);
        var text = formula.ToString(notation);
        // A matrix product is juxtaposition (W2ᵀδ), which would run a transpose into the ∂ of a
        // fraction in text (W2ᵀ∂J/∂a2): next to the upstream symbol it is written with a dot.
        if (!Latex)
        {
            var p = System.Text.RegularExpressions.Regex.Escape(placeholder);
            text = System.Text.RegularExpressions.Regex.Replace(text, $"ᵀ ?{p}", "ᵀ · " + placeholder);
            text = System.Text.RegularExpressions.Regex.Replace(text, $"{p} (?=[^\\s⊙·+−/=)])", placeholder + " · ");
            // The numerator layout's row: ∂L/∂r W2 is written ∂L/∂r · W2, and ∂L/∂rᵀhᵀ is ∂L/∂rᵀ · hᵀ.
            text = System.Text.RegularExpressions.Regex.Replace(text, $"(?<=[\\w)ᵀ]) ?{RowUpstream}", " · " + RowUpstream);
            text = System.Text.RegularExpressions.Regex.Replace(text, $"{RowUpstream}(ᵀ?) ?(?=[^\\s⊙·+−/=)ᵀ])", RowUpstream + "$1 · ");
        }
        // A matrix's term in the numerator layout: ∂J/∂c is the row there, so the gradient layout's column is its transpose.
        if (form == NumeratorForm.Column)
            text = text.Replace(placeholder + Transpose, "\u0004", StringComparison.Ordinal).Replace(placeholder, placeholder + Transpose, StringComparison.Ordinal)
                .Replace("\u0004", placeholder, StringComparison.Ordinal);
        return text.Replace(placeholder, upstream).Replace(RowUpstream, upstream);
    }

    private string Numbers(ChainTerm term, bool direct, bool identity, bool negated)
    {
        var c = term.Consumer;
        string u = ValueFormat.Factor(term.Upstream, notation);
        if (term.LocalDerivative is null)
        {
            int k = c.Op!.Kind == OpKind.MatMul && Uses(c, term.Operand) == 1 ? IndexIn(c, term.Operand) : -1;
            // A structural op (softmax, a transpose, an index), or a product that uses the node twice (W @ W, x @ A @ x),
            // has no single local factor: show the sum autograd formed.
            if (k < 0) return ValueFormat.Tensor(term.Contribution, notation);
            var otherValue = evaluation.ValueOf(c.Operands[1 - k]);
            // A dot product of two vectors needs no transpose: ∂(v·h)/∂v = h.
            bool dot = otherValue.Rank == 1 && evaluation.ValueOf(term.Operand).Rank == 1;
            // In the numerator layout ∂J/∂c of a vector c is a row, and so is ∂J/∂m of a vector m: ∂J/∂m = ∂J/∂c · A for
            // c = A m, ∂J/∂c · Bᵀ for c = m B. The numbers print vectors as columns, so the row carries a transpose.
            if (layout == Layout.Numerator && !direct && !dot && otherValue.Count > 1 && term.Upstream.Rank == 1 && term.Upstream.Count > 1
                && evaluation.ValueOf(term.Operand).Rank == 1)
                return u + Transpose + Dot + ValueFormat.Factor(otherValue, notation) + (k == 0 ? Transpose : "");
            // A matrix after a vector (c = d @ P): ∂J/∂P = d · ∂J/∂cᵀ, the outer product of the column d and the row.
            if (!direct && k == 1 && otherValue.Rank == 1 && otherValue.Count > 1 && evaluation.ValueOf(term.Operand).Rank == 2)
                return ValueFormat.Factor(otherValue, notation) + Dot + u + Transpose;
            string number = ValueFormat.Factor(otherValue, notation) + (otherValue.Count == 1 || dot ? "" : Transpose);
            return direct ? number : k == 0 ? u + Dot + number : number + Dot + u;
        }
        var local = term.LocalDerivative;
        string d = ValueFormat.Factor(local, notation);
        string numbers;
        if (direct) numbers = ValueFormat.Tensor(local, notation);
        else if (identity && All(local, 1)) numbers = ValueFormat.Tensor(term.Upstream, notation);
        else if (negated && All(local, -1)) numbers = Minus + (u.StartsWith(Minus, StringComparison.Ordinal) ? $"({u})" : u);
        else numbers = u + (term.Upstream.Count == 1 || local.Count == 1 ? Dot : Hadamard) + d;
        if (!term.Summed) return numbers;
        var from = direct ? local.Shape.ToArray() : ShapeMath.Broadcast(term.Upstream.Shape.ToArray(), local.Shape.ToArray(), "a term");
        return Sum(numbers, from, evaluation.ValueOf(term.Operand).Shape.ToArray());
    }

    /// <summary>How many times <paramref name="c"/>'s expression reads <paramref name="m"/> (through its unnamed parts).</summary>
    private static int Uses(GraphNode c, GraphNode m) =>
        c.Operands.Sum(o => o == m ? 1 : o.IsNamed || o.IsDeclaration ? 0 : Uses(o, m));

    private static int IndexIn(GraphNode c, GraphNode m)
    {
        for (int k = 0; k < c.Operands.Count; k++)
            if (c.Operands[k] == m) return k;
        return -1;
    }

    private static bool All(Tensor t, double v)
    {
        foreach (var x in t.ToDoubleArray())
            if (x != v) return false;
        return true;
    }

    /// <summary>
    /// The sum over the broadcast dimensions, from shape <paramref name="from"/> down to <paramref name="to"/>: into a
    /// vector or matrix, sum(…, axis) per axis as check reads it back (keepdim=1 where the axis stays as 1); into a
    /// number, Σ, with no extra parentheses around a vector that has its own.
    /// </summary>
    private string Sum(string s, int[] from, int[] to)
    {
        if (!Latex && to.Length > 0 && from.Length >= to.Length)
        {
            int lead = from.Length - to.Length;
            // From the last axis down, so that removing one leaves the numbers of those before it as they were.
            for (int axis = from.Length - 1; axis >= 0; axis--)
            {
                bool kept = axis >= lead && to[axis - lead] == 1 && from[axis] != 1;
                if (axis < lead || kept) s = $"sum({s}, {axis}{(kept ? ", keepdim=1" : "")})";
            }
            return s;
        }
        bool grouped = s.StartsWith('(') && s.EndsWith(')') && ClosesAtEnd(s);
        return Latex ? (grouped ? $"\\sum {s}" : $"\\sum\\left({s}\\right)") : grouped ? $"Σ{s}" : $"Σ({s})";

        static bool ClosesAtEnd(string s)
        {
            int depth = 0;
            for (int i = 0; i < s.Length; i++)
            {
                if (s[i] == '(') depth++;
                else if (s[i] == ')' && --depth == 0 && i != s.Length - 1) return false;
            }
            return true;
        }
    }
}
