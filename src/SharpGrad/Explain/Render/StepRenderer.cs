using System.Text;

namespace SharpGrad.Explain;

/// <summary>
/// Renders a <see cref="StepReport"/> as text (box tables), Markdown (pipe tables) or LaTeX
/// (tabular and align*, optionally a standalone document). Each backward line reads left to right
/// as a teacher writes it: the chain rule in symbols, the same with the local derivatives written
/// out, the same with numbers, and the value. Output is deterministic, so golden tests can compare
/// it whole.
/// </summary>
public static class StepRenderer
{
    /// <summary>The report in the given format; <paramref name="standalone"/> wraps LaTeX in a document that compiles as it is.</summary>
    public static string Render(StepReport report, OutputFormat format, bool standalone = false)
    {
        ArgumentNullException.ThrowIfNull(report);
        return format switch
        {
            OutputFormat.Markdown => Markdown(report),
            OutputFormat.Latex => standalone ? LatexDocument.Standalone(Latex(report), "Worked example: " + Title(report)) : Latex(report),
            _ => Text(report),
        };
    }

    private static string Title(StepReport r) =>
        $"objective {r.Evaluation.ObjectiveName}, learning rate η = {ValueFormat.Number(r.LearningRate)}";

    private static string Scope(StepReport r) => r.AllNodes ? "every node" : "named nodes; --all-nodes shows every part of an expression";

    /// <summary>The layout's note; in the numerator layout, also how the values (each node's shape) relate to the formulas.</summary>
    private static string LayoutNote(StepReport r) => r.Layout.Note() + (r.Layout == Layout.Numerator
        ? $" In the formulas ∂{r.Evaluation.ObjectiveName}/∂v of a vector v is a row (its numbers, printed as a column, carry a ᵀ); a matrix's gradient has the matrix's shape, as in every layout here."
        : "");

    private static string Text(StepReport r)
    {
        var f = new ChainFormatter(Notation.Text, r.Evaluation, r.Layout);
        var sb = new StringBuilder();
        var j = r.Evaluation.ObjectiveName;
        sb.Append("Worked example: ").Append(Title(r)).Append("\n");
        if (r.Warning is { } w) sb.Append(w).Append('\n');
        sb.Append(LayoutNote(r)).Append("\n\n");

        sb.Append($"Forward pass (program order; {Scope(r)})\n");
        var forward = new TextTable("node", "formula", "value");
        foreach (var n in r.Forward)
            forward.Add(f.Label(n), f.Definition(n), ValueFormat.Tensor(r.Evaluation.ValueOf(n)));
        sb.Append(forward).Append('\n');

        sb.Append($"Backward pass (reverse order; each gradient is the sum over the uses of the node of ∂{j}/∂use · ∂use/∂node)\n");
        var backward = new TextTable("gradient", "chain rule", "local derivatives", "numbers", "value");
        foreach (var row in r.Backward)
        {
            var (chain, formula, numbers) = Cells(row, f, Notation.Text);
            backward.Add(f.Gradient(row.Node), Join(chain), Join(formula), Join(numbers), ValueFormat.Tensor(row.Gradient));
        }
        sb.Append(backward).Append('\n');

        if (r.Updates.Count == 0) return sb.Append($"SGD step: {NoParam}.\n").ToString();
        sb.Append($"SGD step: new = old − η · ∂{j}/∂param, η = {ValueFormat.Number(r.LearningRate)}\n");
        var update = new TextTable("param", "old", $"∂{j}/∂param", "new");
        foreach (var u in r.Updates)
            update.Add(f.Label(u.Parameter), ValueFormat.Tensor(u.Old), ValueFormat.Tensor(u.Gradient), ValueFormat.Tensor(u.New));
        sb.Append(update);
        return sb.ToString();
    }

    private static string Markdown(StepReport r)
    {
        var f = new ChainFormatter(Notation.Text, r.Evaluation, r.Layout);
        var sb = new StringBuilder();
        var j = r.Evaluation.ObjectiveName;
        sb.Append("## Worked example: ").Append(Title(r)).Append("\n\n");
        if (r.Warning is { } w) sb.Append("**").Append(w).Append("**\n\n");
        sb.Append(LayoutNote(r)).Append("\n\n");

        sb.Append($"### Forward pass\n\nProgram order; {Scope(r)}.\n\n| node | formula | value |\n|---|---|---|\n");
        foreach (var n in r.Forward)
            sb.Append($"| {Code(f.Label(n))} | {Code(f.Definition(n))} | {Cell(ValueFormat.Tensor(r.Evaluation.ValueOf(n)))} |\n");

        sb.Append($"\n### Backward pass\n\nReverse order; each gradient is the sum over the uses of the node of `∂{j}/∂use · ∂use/∂node`.\n\n");
        sb.Append("| gradient | chain rule | local derivatives | numbers | value |\n|---|---|---|---|---|\n");
        foreach (var row in r.Backward)
        {
            var (chain, formula, numbers) = Cells(row, f, Notation.Text);
            sb.Append($"| {Code(f.Gradient(row.Node))} | {Code(Join(chain))} | {Code(Join(formula))} | {Code(Join(numbers))} | {Cell(ValueFormat.Tensor(row.Gradient))} |\n");
        }

        if (r.Updates.Count == 0) return sb.Append($"\n### SGD step\n\n{NoParam}.\n").ToString();
        sb.Append($"\n### SGD step\n\n`new = old − η · ∂{j}/∂param`, η = {ValueFormat.Number(r.LearningRate)}.\n\n");
        sb.Append($"| param | old | ∂{j}/∂param | new |\n|---|---|---|---|\n");
        foreach (var u in r.Updates)
            sb.Append($"| {Code(f.Label(u.Parameter))} | {Cell(ValueFormat.Tensor(u.Old))} | {Cell(ValueFormat.Tensor(u.Gradient))} | {Cell(ValueFormat.Tensor(u.New))} |\n");
        return sb.ToString();

        static string Cell(string s) => s.Replace("|", "\\|");
        static string Code(string s) => s.Length == 0 ? "" : $"`{Cell(s)}`";
    }

    private static string Latex(StepReport r)
    {
        var f = new ChainFormatter(Notation.Latex, r.Evaluation, r.Layout);
        var sb = new StringBuilder();
        var j = ExprPrinter.Name(r.Evaluation.ObjectiveName, Notation.Latex);
        sb.Append($"% Worked example: objective {r.Evaluation.ObjectiveName}, learning rate {ValueFormat.Number(r.LearningRate, Notation.Latex)}\n");
        sb.Append(LatexDocument.Requirements).Append('\n');
        if (r.Warning is { } w) sb.Append("\\paragraph{Warning} ").Append(LatexDocument.Text(w)).Append("\n\n");
        sb.Append("% ").Append(LayoutNote(r)).Append("\n\n");

        sb.Append("\\paragraph{Forward pass}\n\\begin{tabular}{lll}\n\\hline\nnode & formula & value \\\\\n\\hline\n");
        foreach (var n in r.Forward)
        {
            var definition = n.IsDeclaration ? $"\\text{{{f.Definition(n)}}}" : f.Definition(n);
            sb.Append($"${f.Label(n)}$ & ${definition}$ & ${ValueFormat.Tensor(r.Evaluation.ValueOf(n), Notation.Latex)}$ \\\\\n");
        }
        sb.Append("\\hline\n\\end{tabular}\n\n");

        // One line per form (chain, formula, numbers, value), and a line per term within each form.
        sb.Append("\\paragraph{Backward pass}\n\\begin{align*}\n");
        foreach (var row in r.Backward)
        {
            var left = f.Gradient(row.Node);
            var (chain, formula, numbers) = Cells(row, f, Notation.Latex);
            var value = ValueFormat.Tensor(row.Gradient, Notation.Latex);
            // The numbers and the value they add up to share the last line.
            var last = numbers.Count == 0 || numbers.Any(t => t.Length == 0) ? [value]
                : numbers.Count == 1 && numbers[0] == value ? numbers : [.. numbers.Take(numbers.Count - 1), numbers[^1] + " = " + value];
            var forms = new List<IReadOnlyList<string>>();
            foreach (var form in new[] { chain, formula, last })
                if (form.Count > 0 && !(form.Count == 1 && form[0] == left) && (forms.Count == 0 || !forms[^1].SequenceEqual(form)))
                    forms.Add(form);
            for (int i = 0; i < forms.Count; i++)
                sb.Append(LatexDocument.AlignedSum(i == 0 ? left : "", forms[i])).Append(" \\\\\n");
        }
        sb.Append("\\end{align*}\n\n");

        if (r.Updates.Count == 0) return sb.Append($"\\paragraph{{SGD step}} {NoParam}.\n").ToString();
        sb.Append($"\\paragraph{{SGD step}} $\\text{{new}} = \\text{{old}} - \\eta \\, \\frac{{\\partial {j}}}{{\\partial \\text{{param}}}}$, $\\eta = {ValueFormat.Number(r.LearningRate, Notation.Latex)}$\n\n");
        sb.Append($"\\begin{{tabular}}{{llll}}\n\\hline\nparam & old & $\\frac{{\\partial {j}}}{{\\partial \\text{{param}}}}$ & new \\\\\n\\hline\n");
        foreach (var u in r.Updates)
            sb.Append($"${f.Label(u.Parameter)}$ & ${ValueFormat.Tensor(u.Old, Notation.Latex)}$ & ${ValueFormat.Tensor(u.Gradient, Notation.Latex)}$ & ${ValueFormat.Tensor(u.New, Notation.Latex)}$ \\\\\n");
        sb.Append("\\hline\n\\end{tabular}\n");
        return sb.ToString();
    }

    /// <summary>Why a program without a param has no update table: its declarations are all inputs, targets and consts.</summary>
    private const string NoParam = "the program declares no param, so nothing is updated (the weights a step changes are declared with param)";

    // A term that starts with its sign joins with it: a − 2 · ∂f/∂u, not a + −2 · ∂f/∂u.
    private static string Join(IReadOnlyList<string> terms) =>
        string.Concat(terms.Select((t, i) => i == 0 ? t : t.StartsWith('−') && !t.StartsWith("−(", StringComparison.Ordinal) ? " − " + t[1..] : " + " + t));

    /// <summary>The chain, formula and numbers of a backward row, one entry per term.</summary>
    internal static (IReadOnlyList<string> Chain, IReadOnlyList<string> Formula, IReadOnlyList<string> Numbers) Cells(BackwardRow row, ChainFormatter f, Notation notation)
    {
        if (row.IsObjective) return (["1"], [], []);
        if (!row.AffectsObjective)
            return ([notation == Notation.Latex ? "0" : "0 (not on any path to the objective)"], [], []);
        var terms = row.Terms.Select(t => f.Term(t, row.Terms.Count > 1)).ToArray();
        return (terms.Select(t => t.Chain).ToArray(), terms.Select(t => t.Formula).ToArray(), terms.Select(t => t.Numbers).ToArray());
    }
}
