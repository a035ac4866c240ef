using System.Text;

namespace SharpGrad.Explain;

/// <summary>
/// Writes a <see cref="ChainDerivation"/> in one of its forms ("paths", "factored", "closed") as
/// text, Markdown or LaTeX, followed by the number of paths and the number of factors per path
/// (spec E3). Vector-valued factors are Jacobians in the denominator layout of spec E6.
/// </summary>
public static class DerivationRenderer
{
    /// <summary>The forms <see cref="Render"/> accepts.</summary>
    public static IReadOnlyList<string> Forms { get; } = ["paths", "factored", "closed"];

    private static bool IsItself((Sym Left, Sym Right) line) =>
        line.Right.Kind == SymKind.Partial && line.Right.Name == line.Left.Name && line.Right.Wrt == line.Left.Wrt;

    /// <summary>Renders <paramref name="derivation"/> in <paramref name="form"/>.</summary>
    /// <exception cref="ArgumentException">An unknown form, or more paths than <paramref name="pathLimit"/> for "paths".</exception>
    public static string Render(ChainDerivation derivation, string form, OutputFormat format, int pathLimit = 10_000)
    {
        ArgumentNullException.ThrowIfNull(derivation);
        if (!Forms.Contains(form)) throw new ArgumentException($"--form must be one of {string.Join(", ", Forms)}, got '{form}'.");
        var notation = format == OutputFormat.Latex ? Notation.Latex : Notation.Text;
        var lines = new List<(Sym Left, Sym Right)>();
        string? note = null;
        if (derivation.PathCount.IsZero)
            lines.Add((derivation.Left, Sym.Zero));
        else if (form == "paths")
            lines.Add((derivation.Left, derivation.Paths(pathLimit)));
        else if (form == "closed" && derivation.IsMatrix && derivation.MatrixForm() is { } matrix)
        {
            note = $"In matrix notation, in the layout where the gradient has the shape of {derivation.Wrt}:";
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
        // A direct edge whose op has no per-component formula (cross_entropy) would read
        // ∂L/∂(z)_d = ∂L/∂(z)_d: the matrix form says what it is instead.
        if (lines.Count == 1 && IsItself(lines[0]) && derivation.IsMatrix && derivation.MatrixForm() is { } direct)
        {
            note = $"In matrix notation, in the layout where the gradient has the shape of {derivation.Wrt}:";
            lines[0] = (Sym.Partial(derivation.Objective, derivation.Wrt), direct);
        }

        var sb = new StringBuilder();
        string title = $"{(format == OutputFormat.Latex ? "%" : format == OutputFormat.Markdown ? "###" : "")} {form} form of {lines[0].Left.ToString(Notation.Text)}".TrimStart();
        sb.Append(title).Append('\n');
        if (note is not null) sb.Append(format == OutputFormat.Latex ? "% " : "").Append(note).Append('\n');
        if (format == OutputFormat.Latex)
        {
            sb.Append("\\begin{align*}\n");
            sb.Append(string.Join(" \\\\\n", lines.Select(l => $"{l.Left.ToString(notation)} &= {l.Right.ToString(notation)}")));
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
        return sb.ToString();
    }
}
