using System.Globalization;
namespace SharpGrad.Explain;

/// <summary>
/// Prints a <see cref="Sym"/> in text (Unicode: ·, −, ∂, σ, I[z &gt; 0], g′) or LaTeX, with only the
/// parentheses precedence needs; factors with negative exponents go into a denominator.
/// Names with underscores read as indices (w_2_5 is w_{2,5}) in both notations.
/// </summary>
public static class SymPrinter
{
    /// <summary>Prints <paramref name="e"/>.</summary>
    public static string Print(Sym e, Notation notation) => Write(e, notation == Notation.Latex).Text;

    /// <summary>A program name as explanations write it: w_2_5 as w_{2,5} in text, <see cref="SymbolName.ToLatex"/> in LaTeX.</summary>
    public static string Name(string name, Notation notation) =>
        notation == Notation.Latex ? SymbolName.Parse(name).ToLatex() : name.Contains('_') ? SymbolName.Parse(name).ToUnicode() : name;

    /// <summary>∂of/∂wrt, or ∂of/∂(wrt)_d for one component.</summary>
    public static string Partial(string of, string wrt, bool component, Notation notation) => Partial(of, null, wrt, component ? "d" : null, notation);

    /// <summary>∂(of)_i/∂(wrt)_d, each index optional.</summary>
    public static string Partial(string of, string? ofIndex, string wrt, string? index, Notation notation, bool total = false)
    {
        bool latex = notation == Notation.Latex;
        string o = Indexed(of, ofIndex, notation), w = Indexed(wrt, index, notation);
        string d = total ? "d" : latex ? "\\partial " : "∂";
        return latex ? $"\\frac{{{d}{o}}}{{{d}{w}}}" : $"{d}{o}/{d}{w}";
    }

    private static string Indexed(string name, string? index, Notation notation) =>
        index is null ? Name(name, notation) : $"({Name(name, notation)})_{index}";

    private const int SumP = 1, ProductP = 2, NegP = 3, PowerP = 5, Atom = 6;

    // One small method per kind keeps each recursion frame small: explanations of deeply nested
    // programs are printed on small thread stacks too.
    private static (string Text, int P) Write(Sym e, bool latex)
    {
        switch (e.Kind)
        {
            case SymKind.Number: return WriteNumber(e, latex);
            case SymKind.Variable: return WriteVariable(e, latex);
            case SymKind.Partial: return WritePartial(e, latex);
            case SymKind.Sum: return WriteSum(e, latex);
            case SymKind.Product: return WriteProduct(e, latex);
            case SymKind.Power: return WritePower(e, latex);
            case SymKind.Call: return WriteCall(e, latex);
            case SymKind.Prime: return WritePrime(e, latex);
            case SymKind.Sign: return WriteSign(e, latex);
            case SymKind.Vector:
                return latex
                    ? ($"\\begin{{bmatrix}} {string.Join(" \\\\ ", e.Args.Select(a => Write(a, latex).Text))} \\end{{bmatrix}}", Atom)
                    : ($"[{string.Join(", ", e.Args.Select(a => Write(a, latex).Text))}]", Atom);
            case SymKind.MatMul: return WriteMatMul(e, latex);
            case SymKind.Transpose: return WriteTranspose(e, latex);
            case SymKind.SumOver: return WriteSumOver(e, latex);
            case SymKind.Indicator: return WriteIndicator(e, latex);
            default: throw new InvalidOperationException(e.Kind.ToString());
        }
    }

    private static string Wrap(Sym a, int min, bool latex)
    {
        var (t, p) = Write(a, latex);
        return p < min ? (latex ? $"\\left({t}\\right)" : $"({t})") : t;
    }

    private static (string Text, int P) WriteNumber(Sym e, bool latex)
    {
            // A constant vector (the all-ones vector of a sum read as a product) is not the number 1.
            if (e.IsShaped && e.Shape!.Aggregate(1, (a, b) => a * b) is var count && count > 1)
            {
                // A vector (a row or column too) is ones(k); a matrix of ones keeps its rows and columns, ones(3, 2).
                var sizes = e.Shape!.Count(d => d > 1) > 1 ? e.Shape! : [count];
                if (e.Value == 0) return (Zeros(e, latex), Atom);
                string ones = latex ? $"\\mathbf{{1}}_{{{string.Join(" \\times ", sizes)}}}" : $"ones({string.Join(", ", sizes)})";
                if (e.Value == 1) return (ones, Atom);
                // Exact, as any constant of a formula: (1/3)·ones(3), not 0.333333·ones(3), which is 1e-6 off.
                var (c, cp) = Constant(e.Value, latex);
                if (c.Contains('/', StringComparison.Ordinal) || c.Contains("frac", StringComparison.Ordinal)) c = latex ? $"\\left({c}\\right)" : $"({c})";
                return ($"{c}{(latex ? " \\cdot " : "·")}{ones}", ProductP);
            }
            return Constant(e.Value, latex);
    }

    /// <summary>
    /// A constant of a formula, written so that it is exact: a formula holds at every point, so 1/√2 from a
    /// scaled dot product must not become 0.707107, which a checker comparing at 1e-6 rejects. Integers,
    /// short decimals and halves print as numbers, small fractions as p/q, square roots of whole numbers and
    /// their reciprocals as sqrt(n) and 1/sqrt(n), small multiples p/sqrt(n) of those; anything else gets ten significant digits.
    /// </summary>
    private static (string Text, int P) Constant(double v, bool latex)
    {
        var notation = latex ? Notation.Latex : Notation.Text;
        string shortForm = ValueFormat.Number(v, notation);
        if (v == 0 || double.IsNaN(v) || double.IsInfinity(v) || Close(double.Parse(ValueFormat.Number(Math.Abs(v)), CultureInfo.InvariantCulture), Math.Abs(v)))
            return (shortForm, v < 0 ? NegP : Atom);
        string sign = v < 0 ? (latex ? "-" : "−") : "";
        double a = Math.Abs(v);
        int signP = v < 0 ? NegP : ProductP;
        for (int q = 2; q <= 12; q++)
        {
            double p = Math.Round(a * q);
            if (p >= 1 && p <= 1000 && Close(p / q, a))
                return (latex ? $"{sign}\\frac{{{p}}}{{{q}}}" : $"{sign}{p}/{q}", signP);
        }
        double inverseSquare = Math.Round(1 / (a * a)), square = Math.Round(a * a);
        if (inverseSquare is >= 2 and <= 1000 && Close(1 / Math.Sqrt(inverseSquare), a))
            return (latex ? $"{sign}\\frac{{1}}{{\\sqrt{{{inverseSquare}}}}}" : $"{sign}1/sqrt({inverseSquare})", signP);
        if (square is >= 2 and <= 1000 && Close(Math.Sqrt(square), a))
            return (latex ? $"{sign}\\sqrt{{{square}}}" : $"{sign}sqrt({square})", v < 0 ? NegP : Atom);
        // The 2 of a square over a scaled dot product's √d: 2/sqrt(3), not 1.154700538.
        for (int n = 2; n <= 1000; n++)
        {
            double p = Math.Round(a * Math.Sqrt(n));
            if (Math.Sqrt(n) % 1 != 0 && p is >= 2 and <= 12 && Close(p / Math.Sqrt(n), a))
                return (latex ? $"{sign}\\frac{{{p}}}{{\\sqrt{{{n}}}}}" : $"{sign}{p}/sqrt({n})", signP);
        }
        string digits = a.ToString("G10", CultureInfo.InvariantCulture);
        return (sign + digits, v < 0 ? NegP : Atom);
    }

    private static bool Close(double x, double y) => Math.Abs(x - y) <= 1e-12 * Math.Max(1, Math.Abs(y));

    private static (string Text, int P) WriteVariable(Sym e, bool latex)
    {
            return (Indexed(e.Name!, e.Index, latex ? Notation.Latex : Notation.Text), Atom);
    }

    private static (string Text, int P) WritePartial(Sym e, bool latex)
    {
            return (Partial(e.Name!, e.OfIndex, e.Wrt!, e.Index, latex ? Notation.Latex : Notation.Text, e.IsTotal), Atom);
    }

    private static (string Text, int P) WriteSum(Sym e, bool latex)
    {
        var sb = new System.Text.StringBuilder();
        // Beside a term of the sum's own shape a constant vector is its number, broadcast: m − 1, not m − ones(4).
        bool shapedTerm = e.Shape is { } sumShape && e.Args.Any(a => !a.IsNumber && a.Shape is { } s && s.SequenceEqual(sumShape));
        for (int i = 0; i < e.Args.Count; i++)
        {
            var t = e.Args[i];
            if (shapedTerm && t is { IsNumber: true, IsShaped: true }) t = Sym.Num(t.Value);
            bool negative = t.Kind == SymKind.Product && t.Args[0].IsNumber && t.Args[0].Value < 0
                || t.IsNumber && t.Value < 0;
            if (i > 0 && negative)
            {
                var positive = Sym.Mul(Sym.Num(-1), t);
                if (shapedTerm && positive is { IsNumber: true, IsShaped: true }) positive = Sym.Num(positive.Value);
                sb.Append(latex ? " - " : " − ").Append(Wrap(positive, ProductP, latex));
            }
            else
            {
                if (i > 0) sb.Append(" + ");
                sb.Append(Wrap(t, SumP, latex));
            }
    }
    return (sb.ToString(), SumP);
    }

    private static (string Text, int P) WriteProduct(Sym e, bool latex)
    {
        var numerator = new List<Sym>();
        var denominator = new List<Sym>();
        double c = 1;
        foreach (var f in e.Args)
        {
            if (f.IsNumber && !f.IsShaped) c *= f.Value;
            else if (f.Kind == SymKind.Power && f.Args[1].IsNumber && f.Args[1].Value < 0)
                denominator.Add(Sym.Pow(f.Args[0], Sym.Num(-f.Args[1].Value)));
            else numerator.Add(f);
    }
    bool negative = c < 0;
    c = Math.Abs(c);
    // A coefficient 1/k with k a whole number is a division by k: (p − y)/4, not 0.25·(p − y).
    if (c < 1 && c > 0 && numerator.Count > 0 && Math.Abs(1 / c - Math.Round(1 / c)) < 1e-9 * (1 / c))
    {
        denominator.Insert(0, Sym.Num(Math.Round(1 / c)));
        c = 1;
    }
    if (c != 1 || numerator.Count == 0) numerator.Insert(0, Sym.Num(c));
    string dot = latex ? " \\cdot " : e.Args.Any(f => f.Kind == SymKind.Partial) ? " · " : "·";
    // Two or more whole vectors or matrices multiply elementwise: the Hadamard product ⊙.
    var shaped = numerator.Where(f => f.IsShaped).ToList();
    string num;
    if (shaped.Count >= 2)
    {
        string odot = latex ? " \\odot " : " ⊙ ";
        var scalars = numerator.Where(f => !f.IsShaped).Select(f => Wrap(f, ProductP + 1, latex));
        var hadamard = string.Join(odot, shaped.Select(f => f.Kind == SymKind.MatMul || f.Kind == SymKind.Product
            ? (latex ? $"\\left({Write(f, latex).Text}\\right)" : $"({Write(f, latex).Text})") : Wrap(f, ProductP + 1, latex)));
        num = string.Join(dot, scalars.Append(scalars.Any() ? $"({hadamard})" : hadamard));
    }
    else
        num = string.Join(dot, numerator.Select(f => Wrap(f, ProductP + 1, latex)));
    string text;
    if (denominator.Count == 0) text = num;
    else if (latex)
        text = $"\\frac{{{num}}}{{{string.Join(dot, denominator.Select(f => Wrap(f, ProductP + 1, latex)))}}}";
    else
    {
        string den = denominator.Count == 1 ? Wrap(denominator[0], PowerP, latex) : "(" + string.Join("·", denominator.Select(f => Wrap(f, ProductP + 1, latex))) + ")";
        text = $"{(numerator.Count > 1 ? $"({num})" : num)}/{den}";
    }
    return negative ? ((latex ? "-" : "−") + text, NegP) : (text, ProductP);
    }

    private static (string Text, int P) WritePower(Sym e, bool latex)
    {
        var (b, x) = (e.Args[0], e.Args[1]);
        if (x.IsNumber && x.Value == 0.5)
            return latex ? ($"\\sqrt{{{Write(b, latex).Text}}}", Atom) : ($"√{Wrap(b, Atom, latex)}", Atom);
        if (x.IsNumber && x.Value < 0)
            return (latex ? $"\\frac{{1}}{{{Write(Sym.Pow(b, Sym.Num(-x.Value)), latex).Text}}}" : $"1/{Wrap(Sym.Pow(b, Sym.Num(-x.Value)), PowerP, latex)}", ProductP);
        return latex ? ($"{{{Wrap(b, Atom, latex)}}}^{{{Write(x, latex).Text}}}", PowerP) : ($"{Wrap(b, Atom, latex)}^{Wrap(x, Atom, latex)}", PowerP);
    }

    /// <summary>A call: LaTeX by its template, text as the program writes it (σ(z), X @ w, never matmul(X, w)).</summary>
    private static (string Text, int P) WriteCall(Sym e, bool latex)
    {
        // √(Σ v²) is the norm the program wrote as norm(v), and check reads it back as such.
        // Only the whole sum: √(Σ_j E²) along an axis is a row's norm, which norm(E) would not say.
        if (e is { Op.Name: "sqrt", Args: [{ Kind: SymKind.Call, Op: { Name: "sum", TextTemplate: "sum($a)" }, Args: [{ Kind: SymKind.Power, Args: [var v, { IsNumber: true, Value: 2 }] }] }] })
            return latex ? ($"\\lVert {Write(v, latex).Text} \\rVert", Atom) : ($"norm({Write(v, latex).Text})", Atom);
        // A chain of one-argument functions (sin(sin(⋯ x))) is unwound in a loop, so its depth costs no stack.
        var chain = new List<OpInfo>();
        while (e.Kind == SymKind.Call && e.Args.Count == 1 && e.Op!.IsFunction && e.Op.Kind != OpKind.Structural)
        {
            chain.Add(e.Op);
            e = e.Args[0];
        }
        if (chain.Count > 0)
        {
            var inner = Write(e, latex).Text;
            for (int i = chain.Count - 1; i >= 0; i--)
                inner = latex ? chain[i].LatexTemplate.Replace("$a", inner) : (chain[i].Name == "sigmoid" ? "σ" : chain[i].Name) + "(" + inner + ")";
            return (inner, Atom);
        }
        var op = e.Op!;
        var args = new string[e.Args.Count];
        var precedences = new int[e.Args.Count];
        for (int i = 0; i < args.Length; i++)
            (args[i], precedences[i]) = op.Name == "concat" && Sym.IsZeroBlock(e.Args[i]) && e.Args[i].Shape is { Count: > 0 } ? (Zeros(e.Args[i], latex), Atom) : Write(e.Args[i], latex);
        // A slice of a gradient is (∂L/∂z)[2:4]: ∂L/∂z[2:4] would be the gradient with respect to the part z[2:4].
        if (op.Name == "index" && e.Args[0].Kind == SymKind.Partial)
            args[0] = latex ? $"\\left({args[0]}\\right)" : $"({args[0]})";
        // A slice of a product (Wᵀ concat(…))[2:4] is bracketed as in text: its subscript would sit on the last factor alone.
        if (latex && op.Name == "index" && e.Args[0].Kind != SymKind.Partial && precedences[0] <= op.Precedence && precedences[0] != Atom)
            args[0] = $"\\left({args[0]}\\right)";
        if (latex) return (Fill(op.LatexTemplate, args), Atom);
        if (!op.IsFunction)
        {
            // An atom (a name, a call) never needs brackets: t[0], not (t)[0].
            string Operand(int i) => precedences[i] <= op.Precedence && precedences[i] != Atom ? "(" + args[i] + ")" : args[i];
            return (op.TextTemplate.Replace("$a", Operand(0)).Replace("$b", args.Length > 1 ? Operand(1) : ""), op.Precedence);
        }
        // A structural function is written by its template, which keeps its options: sum($a, 1), not sum($a).
        if (op.Kind == OpKind.Structural)
            return (Fill(op.TextTemplate, args), Atom);
        return ((op.Name == "sigmoid" ? "σ" : op.Name) + "(" + string.Join(", ", args) + ")", Atom);
    }

    /// <summary>A block of zeros of every size it has, zeros(1, 3) for a row: the part of a concat that a slice's gradient does not reach.</summary>
    private static string Zeros(Sym e, bool latex) =>
        latex ? $"\\mathbf{{0}}_{{{string.Join(" \\times ", e.Shape!)}}}" : $"zeros({string.Join(", ", e.Shape!)})";

    /// <summary>A template with its arguments in place: $a for the first, $b for the second, and on.</summary>
    private static string Fill(string template, string[] args)
    {
        for (int i = 0; i < args.Length; i++) template = template.Replace("$" + (char)('a' + i), args[i]);
        return template;
    }

    private static (string Text, int P) WritePrime(Sym e, bool latex)
    {
            return (latex ? $"{e.Name}'({Write(e.Args[0], latex).Text})" : $"{e.Name}′({Write(e.Args[0], latex).Text})", Atom);
    }

    private static (string Text, int P) WriteSign(Sym e, bool latex)
    {
            return (latex ? $"\\operatorname{{sign}}({Write(e.Args[0], latex).Text})" : $"sign({Write(e.Args[0], latex).Text})", Atom);
    }

    /// <summary>
    /// A matrix product by juxtaposition, as on the board (Xᵀ(p − y), W2ᵀδ), binding tighter than
    /// · and / (Xᵀ(p − y)/n); a vector read as a row is the transpose of the column it is by default.
    /// </summary>
    private static (string Text, int P) WriteMatMul(Sym e, bool latex)
    {
        var (left, right) = (e.Args[0], e.Args[1]);
        string Row(Sym a)
        {
            var (t, p) = Write(a, latex);
            t = p < Atom ? (latex ? $"\\left({t}\\right)" : $"({t})") : t;
            return latex ? $"{{{t}}}^{{\\top}}" : t + "ᵀ";
        }
        string Side(Sym a, bool plain)
        {
            if (a.IsVectorView && a.Shape is [1, > 1]) return Row(a);
            var (text, precedence) = Write(a, latex);
            return plain || precedence >= Atom ? text : latex ? $"\\left({text}\\right)" : $"({text})";
        }
        // Two vectors multiply as a dot product, aᵀb: written a b it would read as an elementwise product.
        bool dot = left.Shape is { Count: 1 } && right.Shape is { Count: 1 } && !left.IsVectorView && !right.IsVectorView;
        string l = dot ? Row(left) : Side(left, left.Kind is SymKind.Variable or SymKind.Transpose or SymKind.MatMul);
        string r = Side(right, right.Kind is SymKind.Variable or SymKind.Transpose);
        // Wᵀ [a, b] keeps its space: Wᵀ[a, b] would read as an index.
        // So does Uᵀ concat(…), whose name would run into the transpose.
        string gap = latex ? "\\," : (l.EndsWith('ᵀ') || r.StartsWith('(')) && !r.StartsWith('[') && !r.StartsWith("concat(", StringComparison.Ordinal) ? "" : " ";
        return (l + gap + r, NegP + 1);
    }

    private static (string Text, int P) WriteTranspose(Sym e, bool latex)
    {
        // (∂L/∂S)ᵀ, not ∂L/∂Sᵀ, which reads as a derivative with respect to Sᵀ.
        var inner = e.Args[0].Kind == SymKind.Partial ? (latex ? $"\\left({Write(e.Args[0], latex).Text}\\right)" : $"({Write(e.Args[0], latex).Text})")
            : Wrap(e.Args[0], Atom, latex);
        return latex ? ($"{{{inner}}}^{{\\top}}", PowerP) : ($"{inner}ᵀ", PowerP);
    }

    private static (string Text, int P) WriteSumOver(Sym e, bool latex)
    {
        if (e.Name is not null)
        {
            // Σ_i body: an index sum of the chain rule.
            var (body, p) = Write(e.Args[0], latex);
            if (p < ProductP) body = latex ? "\\left(" + body + "\\right)" : "(" + body + ")";
            return ((latex ? "\\sum_{" + e.Name + "} " : "Σ_" + e.Name + " ") + body, ProductP);
        }
        // A sum down to one number is the sum of every element, whatever shape its argument is read in (a vector
        // read as a row by a dot product's rule): sum(g, 1, keepdim=1) of a vector g would not read back.
        if (e.Shape is { } one && one.All(d => d == 1)) return Write(Sym.Call("sum", e.Args[0]), latex);
        string axes = string.Join(", ", e.Axes);
        // A sum that keeps its axes (size 1) broadcasts back over them, as the row sums of a softmax backward
        // do; written without keepdim it would read as a vector broadcast along the other axis.
        // (A vector sum read as a column by a matrix product, [2, 1] from a [3, 2] summed along axis 0, is no kept axis.)
        bool keeps = e.Shape is { } shape && e.Args[0].Shape is { } argShape && shape.Count == argShape.Count && argShape.Count >= 2 && e.Axes.Count == 1
            && shape.Select((d, i) => i == e.Axes[0] ? d == 1 : d == argShape[i]).All(x => x);
        return latex ? ($"\\sum_{{\\text{{axis }} {axes}}} {Wrap(e.Args[0], Atom, latex)}", ProductP)
            : ($"sum({Write(e.Args[0], latex).Text}, {axes}{(keeps ? ", keepdim=1" : "")})", Atom);
    }

    private static (string Text, int P) WriteIndicator(Sym e, bool latex)
    {
        string rel = e.Relation!;
        string body = $"{Write(e.Args[0], latex).Text} {rel} {Write(e.Args[1], latex).Text}";
        return (latex ? $"\\mathbb{{I}}[{body}]" : $"I[{body}]", Atom);
    }

}
