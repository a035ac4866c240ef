using System.Text;

namespace SharpGrad.Explain;

/// <summary>
/// Writes a <see cref="ChainDerivation"/> in one of its forms ("paths", "factored", "closed") as
/// text, Markdown or LaTeX, followed by the number of paths and the number of factors per path
/// (spec E3), in a stated layout (see <see cref="Layout"/>).
/// </summary>
public static class DerivationRenderer
{
    /// <summary>The forms <see cref="Equations"/> accepts.</summary>
    public static IReadOnlyList<string> Forms { get; } = ["paths", "factored", "closed"];

    private static bool IsItself((Sym Left, Sym Right) line) =>
        line.Right.Kind == SymKind.Partial && line.Right.Name == line.Left.Name && line.Right.Wrt == line.Left.Wrt;

    /// <summary>
    /// The equations of <paramref name="derivation"/> in <paramref name="form"/> (one, or one per node
    /// for a recurrence), and the line that says how to read them (or null). In the denominator
    /// layout a chain of local partials is written from the variable up to the objective, so that
    /// its Jacobians conform; in the gradient and numerator layouts from the objective down.
    /// With <paramref name="expand"/>, composite ops (softmax, cross_entropy, layer_norm, …) are
    /// written out (<see cref="Expanded"/>).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown form, or more paths than <paramref name="pathLimit"/> for "paths".</exception>
    public static IReadOnlyList<(Sym Left, Sym Right)> Equations(ChainDerivation derivation, string form, out string? note,
        Layout layout = Layout.Gradient, bool expand = false, int pathLimit = 10_000)
    {
        ArgumentNullException.ThrowIfNull(derivation);
        if (!Forms.Contains(form)) throw new ArgumentException($"--form must be one of {string.Join(", ", Forms)}, got '{form}'.");
        // As grad, step and check refuse it: the derivative of a vector is a Jacobian (shapes lists its factors' sizes),
        // and a formula for it could be pasted nowhere.
        if (derivation.Program.Graph[derivation.Objective] is { Shape.IsSurelyMultiElement: true } vector)
            throw Evaluator.NotScalar(vector, vector.Shape.ToString()).WithFile(derivation.Program.FileName);
        var lines = new List<(Sym Left, Sym Right)>();
        note = null;
        if (derivation.PathCount.IsZero)
            lines.Add((derivation.Left, Sym.Zero));
        else if (form == "paths")
            lines.Add((derivation.Left, derivation.Paths(pathLimit)));
        else if (form == "closed" && derivation.IsMatrix && derivation.MatrixForm() is { } matrix)
        {
            note = MatrixNote(derivation, layout);
            lines.Add((Sym.Partial(derivation.Objective, derivation.Wrt), matrix));
        }
        else
        {
            var factored = derivation.Factored();
            if (factored is null)
            {
                note = $"The factored form has more than {ChainDerivation.InlineLimit} factors written out, so it is given as backpropagation's recurrence, one line per node:";
                lines.AddRange(derivation.Recurrence());
            }
            else lines.Add((derivation.Left, factored));
            if (form == "closed")
                lines = lines.Select(l => (l.Left, derivation.Closed(l.Right))).ToList();
        }
        // A direct edge whose op has no per-component formula (cross_entropy, or mse_loss of two numbers) would read
        // ∂L/∂(z)_d = ∂L/∂(z)_d: the matrix form says what it is instead.
        if (lines.Count == 1 && IsItself(lines[0]) && derivation.MatrixForm() is { } direct)
        {
            note = derivation.IsMatrix ? MatrixNote(derivation, layout) : null;
            lines[0] = (Sym.Partial(derivation.Objective, derivation.Wrt), direct);
        }

        // Closing nothing, the form would read ∂L/∂K = ∂L/∂K (in any form, where no named node lies between): said as
        // what it is instead.
        // A closed form that keeps the direct partial ∂L/∂C of a route without a formula (max(max(C, axis=1))) would
        // use the derivative it gives: there is none to print.
        bool UsesItself(Sym e) => (e is { Kind: SymKind.Partial } p && p.Name == derivation.Objective && p.Wrt == derivation.Wrt) || e.Args.Any(UsesItself);
        if ((lines is [var single] && IsItself(single)) || (form == "closed" && lines.Any(l => UsesItself(l.Right))))
            throw new ArgumentException(NoClosedForm(derivation, form));

        if (layout == Layout.Denominator)
            lines = lines.Select(l => (l.Left, VariableFirst(l.Right))).ToList();
        if (expand)
            lines = lines.Select(l => (l.Left, Expanded(l.Right))).ToList();
        return lines;
    }

    /// <summary>Why a derivative has no closed form: the ops on its path without a formula, and how to see the chain through them.</summary>
    private static string NoClosedForm(ChainDerivation derivation, string form)
    {
        var graph = derivation.Program.Graph;
        var wrt = graph[derivation.Wrt];
        var ops = graph.AncestorsAndSelf(graph[derivation.Objective])
            .Where(n => !n.IsNamed && n.Op is { Kind: OpKind.Structural } op && op != OpTable.Transpose && n.DependsOn(wrt))
            .Select(n => n.Op!.Name).Distinct().ToArray();
        var through = ops.Length == 0 ? " through ops" : $" through {string.Join(" and ", ops)}";
        through += " without a formula per component or in matrix notation";
        var what = form == "closed" ? "no closed form" : $"no {form} form but itself";
        return $"∂{derivation.Objective}/∂{derivation.Wrt} has {what}: the chain from {derivation.Objective} to {derivation.Wrt} runs{through}. Name the result of that part in the program "
            + "(C = ...) for the chain through it, or see step for the numbers.";
    }

    /// <summary>
    /// What the matrix form is: the gradient, with wrt's shape. In the denominator layout that is ∂J/∂W itself; in the
    /// numerator layout ∂J/∂W is its transpose, which the note says rather than print a form check would call transposed.
    /// </summary>
    private static string MatrixNote(ChainDerivation derivation, Layout layout) => layout == Layout.Numerator
        ? $"In matrix notation, as the gradient (the shape of {derivation.Wrt}); in the numerator layout ∂{derivation.Objective}/∂{derivation.Wrt} is its transpose:"
        : $"In matrix notation, in the layout where the gradient has the shape of {derivation.Wrt}:";

    /// <summary>Every product of local partials written in the opposite order: ∂f0/∂x · … · ∂loss/∂f3.</summary>
    private static Sym VariableFirst(Sym e) => e.Rewrite(s =>
        s.Kind == SymKind.Product && s.Args.Any(a => a.Kind == SymKind.Partial) && s.Args.Count(a => !a.IsNumber) >= 2
            ? Sym.Mul(s.Args.Select(VariableFirst).Reverse())
            : null);

    /// <summary>The composite ops (softmax, log_softmax, cross_entropy, layer_norm, mse_loss, binary_cross_entropy) written out in exponentials, logarithms, sums and means.</summary>
    public static Sym Expanded(Sym e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Rewrite(s =>
        {
            if (s.Kind != SymKind.Call || s.Op?.Name is not ("softmax" or "log_softmax" or "cross_entropy" or "layer_norm" or "mse_loss" or "binary_cross_entropy")) return null;
            var z = Expanded(s.Args[0]);
            var y = s.Args.Count > 1 ? Expanded(s.Args[1]) : null;
            var logSoftmax = Sym.Sub(z, Sym.Call("log", Sym.RowSum(Sym.Call("exp", z))));
            return s.Op.Name switch
            {
                "softmax" => Sym.Div(Sym.Call("exp", z), Sym.RowSum(Sym.Call("exp", z))),
                "log_softmax" => logSoftmax,
                "layer_norm" => Sym.Div(Sym.Sub(z, Sym.RowMean(z)), MatrixDerivation.LayerNormScale(z)),
                "mse_loss" => Sym.Call("mean", Sym.Pow(Sym.Sub(z, y!), Sym.Num(2))),
                "binary_cross_entropy" => Sym.Neg(Sym.Call("mean", Sym.Add(Sym.Mul(y!, Sym.Call("log", z)),
                    Sym.Mul(Sym.Sub(Sym.One, y!), Sym.Call("log", Sym.Sub(Sym.One, z)))))),
                _ when z.Shape is { Count: 2 } rows => Sym.Div(Sym.Neg(Sym.Call("sum", Sym.Mul(y!, logSoftmax))), Sym.Num(rows[0])),
                _ => Sym.Neg(Sym.Call("sum", Sym.Mul(y!, logSoftmax))),
            };
        });
    }

    /// <summary>Renders <paramref name="derivation"/> in <paramref name="form"/>.</summary>
    /// <exception cref="ArgumentException">An unknown form, or more paths than <paramref name="pathLimit"/> for "paths".</exception>
    public static string Render(ChainDerivation derivation, string form, OutputFormat format, int pathLimit = 10_000) =>
        Render(derivation, form, format, null, expand: false, standalone: false, pathLimit);

    /// <summary>
    /// Renders <paramref name="derivation"/> in <paramref name="form"/> in a stated
    /// <paramref name="layout"/> (stated in the output when given), composite ops expanded on
    /// request, and LaTeX as a complete document when <paramref name="standalone"/>.
    /// </summary>
    public static string Render(ChainDerivation derivation, string form, OutputFormat format, Layout? layout, bool expand, bool standalone, int pathLimit = 10_000)
    {
        var lines = Equations(derivation, form, out var note, layout ?? Layout.Gradient, expand, pathLimit);
        var notation = format == OutputFormat.Latex ? Notation.Latex : Notation.Text;
        var sb = new StringBuilder();
        // A recurrence ends with the line of the derivative asked for.
        var asked = lines[^1].Left;
        string title = $"{(format == OutputFormat.Latex ? "%" : format == OutputFormat.Markdown ? "###" : "")} {form} form of {asked.ToString(Notation.Text)}".TrimStart();
        sb.Append(title).Append('\n');
        if (layout is { } stated) sb.Append(format == OutputFormat.Latex ? "% " : "").Append(stated.Note()).Append('\n');
        if (note is not null) sb.Append(format == OutputFormat.Latex ? "% " : "").Append(note).Append('\n');
        if (format == OutputFormat.Latex)
        {
            sb.Append("\\begin{align*}\n");
            // One term (a path, in the paths form) per line, so that a long sum does not run off the page.
            sb.Append(string.Join(" \\\\\n", lines.Select(l => LatexDocument.AlignedSum(l.Left.ToString(notation),
                (l.Right.Kind == SymKind.Sum ? l.Right.Args : [l.Right]).Select(t => t.ToString(notation)).ToArray()))));
            sb.Append("\n\\end{align*}\n");
        }
        else
        {
            if (format == OutputFormat.Markdown) sb.Append("```text\n");
            foreach (var (left, right) in lines) sb.Append(left.ToString(notation)).Append(" = ").Append(right.ToString(notation)).Append('\n');
            if (format == OutputFormat.Markdown) sb.Append("```\n");
        }
        string comment = format == OutputFormat.Latex ? "% " : "";
        sb.Append(comment).Append($"paths: {derivation.PathCount}");
        if (!derivation.PathCount.IsZero)
            sb.Append("; factors per path: ").Append(string.Join(", ", derivation.PathsByFactorCount.OrderBy(p => p.Key)
                .Select(p => $"{p.Key} ({p.Value} path{(p.Value == 1 ? "" : "s")})")));
        else sb.Append($"; {derivation.Objective} does not depend on {derivation.Wrt}, so the derivative is 0");
        sb.Append('\n');
        return format == OutputFormat.Latex && standalone
            ? LatexDocument.Standalone($"\\section*{{{form} form of ${asked.ToString(Notation.Latex)}$}}\n" + sb)
            : sb.ToString();
    }
}
