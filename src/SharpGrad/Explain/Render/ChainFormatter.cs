namespace SharpGrad.Explain;

/// <summary>
/// Writes the pieces of a chain-rule term in text or LaTeX: the symbolic product
/// (∂J/∂h2 · ∂h2/∂a2), the same with the local derivative written out (∂J/∂h2 ⊙ I[a2 &gt; 0]),
/// and the numbers ((6, −6) ⊙ (0, 1)). Elementwise local derivatives come from the
/// <see cref="OpInfo.DerivativeText"/> templates; a matrix product's factor is the other operand
/// transposed (∂J/∂A = ∂J/∂C · Bᵀ, ∂J/∂B = Aᵀ · ∂J/∂C, vectors on the left of @ read as rows
/// and on the right as columns).
/// </summary>
internal sealed class ChainFormatter(Notation notation, GraphNode objective, ProgramEvaluation evaluation)
{
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
    /// expression in parentheses (so that ∂J/∂(y − yhat) and (y − yhat)ᵀ read right).
    /// </summary>
    public string Label(GraphNode node)
    {
        var bare = Bare(node);
        bool infix = node.Name is null && node.Op is { } op && op.Precedence < OpInfo.AtomPrecedence;
        bool negative = node.Kind == GraphNodeKind.Constant && node.ConstantValue < 0;
        return !(infix || negative) ? bare : Latex ? $"\\left({bare}\\right)" : $"({bare})";
    }

    /// <summary>A node as a symbol without protective parentheses, for places already delimited, such as f(…).</summary>
    public string Bare(GraphNode node)
    {
        if (node.Name is not null) return ExprPrinter.Name(node.Name, notation);
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

    /// <summary>The three forms of one term.</summary>
    public (string Chain, string Formula, string Numbers) Term(ChainTerm term)
    {
        var c = term.Consumer;
        var m = term.Operand;
        var op = c.Op!;
        string chain = Gradient(c) + Dot + Partial(c, m);
        string upstream = Gradient(c);
        string u = ValueFormat.Factor(term.Upstream, notation);

        if (op.Kind == OpKind.MatMul)
        {
            var other = c.Operands[1 - term.ArgumentIndex];
            var otherValue = evaluation.ValueOf(other);
            string t = otherValue.Count == 1 ? "" : Transpose;
            string symbol = Label(other) + t;
            string number = ValueFormat.Factor(otherValue, notation) + t;
            return term.ArgumentIndex == 0
                ? (chain, upstream + Dot + symbol, u + Dot + number)
                : (chain, symbol + Dot + upstream, number + Dot + u);
        }

        string factor = LocalFactor(term);
        string d = ValueFormat.Factor(term.LocalDerivative!, notation);
        if (op.Kind == OpKind.Reduction)
            return (chain, upstream + Dot + factor, u + Dot + d);

        string formula, numbers;
        if (factor == "1")
            (formula, numbers) = (upstream, ValueFormat.Tensor(term.Upstream, notation));
        else if (factor == Minus + "1")
            (formula, numbers) = (Minus + upstream, Minus + (u.StartsWith(Minus, StringComparison.Ordinal) ? $"({u})" : u));
        else
        {
            string times = term.Upstream.Count == 1 || term.LocalDerivative!.Count == 1 ? Dot : Hadamard;
            (formula, numbers) = (upstream + times + factor, u + times + d);
        }
        if (term.Summed)
            (formula, numbers) = (Sum(formula), Sum(numbers));
        return (chain, formula, numbers);
    }

    /// <summary>Σ over the broadcast dimensions; no extra parentheses around a vector that has its own.</summary>
    private string Sum(string s)
    {
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

    /// <summary>The local derivative ∂c/∂m written out from the op's template, with constants folded where that is easy.</summary>
    private string LocalFactor(ChainTerm term)
    {
        var c = term.Consumer;
        var op = c.Op!;
        int k = term.ArgumentIndex;
        string a = Label(c.Operands[0]);
        if (op.Name == "mean")
            return Latex ? $"\\frac{{1}}{{{evaluation.ValueOf(c.Operands[0]).Count}}}" : $"1/{evaluation.ValueOf(c.Operands[0]).Count}";
        if (op.BinaryOperator == BinaryOperator.Power && k == 0 && c.Operands[1].Kind == GraphNodeKind.Constant)
        {
            double p = c.Operands[1].ConstantValue!.Value;
            if (p == 1) return "1";
            string coefficient = ValueFormat.Number(p, notation);
            if (p < 0) coefficient = $"({coefficient})";
            if (p == 2) return coefficient + (Latex ? " " : "·") + a;
            string exponent = ValueFormat.Number(p - 1, notation);
            return Latex ? $"{coefficient}\\,{{{a}}}^{{{exponent}}}" : $"{coefficient}·{a}^{(p - 1 < 0 ? $"({exponent})" : exponent)}";
        }
        var template = (Latex ? op.DerivativeLatex : op.DerivativeText)[k];
        // An argument already delimited, inside f(…), I[… or a LaTeX group such as \frac{…}, needs no parentheses of its own.
        for (int i = 0; i < c.Operands.Count; i++)
        {
            string slot = i == 0 ? "$a" : "$b";
            template = template.Replace($"({slot})", $"({Bare(c.Operands[i])})").Replace($"{{{slot}}}", $"{{{Bare(c.Operands[i])}}}")
                .Replace($"[{slot} ", $"[{Bare(c.Operands[i])} ").Replace(slot, Label(c.Operands[i]));
        }
        return template;
    }
}
