using System.Globalization;

namespace SharpGrad.Explain;

/// <summary>
/// Prints expressions with the precedence of <see cref="OpInfo.Precedence"/> (+ − below · /
/// below @ below unary − below ^), adding parentheses only where the tree needs them, in one of
/// three <see cref="Notation"/>s. The templates come from <see cref="OpTable"/>, so a new op
/// prints without touching this class.
/// </summary>
public static class ExprPrinter
{
    /// <summary>The expression in program syntax.</summary>
    public static string Source(Expr e) => Print(e, Notation.Source);

    /// <summary>The expression as text for people.</summary>
    public static string Text(Expr e) => Print(e, Notation.Text);

    /// <summary>The expression in LaTeX.</summary>
    public static string Latex(Expr e) => Print(e, Notation.Latex);

    /// <summary>The expression in the given notation.</summary>
    public static string Print(Expr e, Notation notation) => Write(e, notation).Text;

    /// <summary>The infix symbol of an operator row in program syntax ("+", "-", "*", "/", "^", "@").</summary>
    public static string SourceSymbol(OpInfo op) =>
        ToSource(op.TextTemplate.Replace("$a", "").Replace("$b", "").Trim());

    /// <summary>A number as the notation writes it (shortest round-trip digits, 1e-05 style; Unicode minus in text).</summary>
    public static string Number(double value, Notation notation)
    {
        var s = value.ToString("R", CultureInfo.InvariantCulture);
        if (notation == Notation.Latex && s.Contains('E'))
        {
            var parts = s.Split('E');
            return $"{parts[0]} \\times 10^{{{int.Parse(parts[1], CultureInfo.InvariantCulture)}}}";
        }
        s = s.Replace('E', 'e');
        return notation == Notation.Text && s.StartsWith('-') ? "−" + s[1..] : s;
    }

    /// <summary>A name as the notation writes it (LaTeX gets subscripts and Greek letters, see <see cref="SymbolName"/>).</summary>
    public static string Name(string name, Notation notation) => notation == Notation.Latex ? SymbolName.Parse(name).ToLatex() : name;

    /// <summary>
    /// Fills an op's template with already printed arguments, each with its precedence, adding
    /// parentheses where an argument binds more loosely than the op needs.
    /// </summary>
    public static (string Text, int Precedence) Apply(OpInfo op, IReadOnlyList<(string Text, int Precedence)> args, Notation notation)
    {
        var template = notation == Notation.Latex ? op.LatexTemplate : notation == Notation.Text ? op.TextTemplate : ToSource(op.TextTemplate);
        bool callLike = op.IsFunction || op.Kind == OpKind.Identity;
        bool latexGrouped = notation == Notation.Latex && op.BinaryOperator is BinaryOperator.Divide;
        var filled = new string[args.Count];
        for (int i = 0; i < args.Count; i++)
        {
            var (text, p) = args[i];
            bool paren;
            if (callLike || latexGrouped) paren = false;
            else if (op.BinaryOperator == BinaryOperator.Power)
                paren = i == 0 ? p <= op.Precedence : notation != Notation.Latex && p < op.Precedence;
            else if (op.Arity == 1) paren = p < op.Precedence;
            else paren = i == 0 ? p < op.Precedence : p <= op.Precedence;
            filled[i] = paren ? (notation == Notation.Latex ? $"\\left({text}\\right)" : $"({text})") : text;
        }
        var result = template;
        for (int i = 0; i < filled.Length; i++) result = result.Replace("$" + (char)('a' + i), filled[i]);
        return (result, op.Precedence);
    }

    private static string ToSource(string text) => text.Replace('−', '-').Replace('·', '*');

    private static (string Text, int Precedence) Write(Expr e, Notation notation)
    {
        switch (e)
        {
            case NumberExpr n:
                return (Number(n.Value, notation), n.Value < 0 ? OpTable.Negate.Precedence : OpInfo.AtomPrecedence);
            case NameExpr name:
                return (Name(name.Name, notation), OpInfo.AtomPrecedence);
            case NegateExpr neg:
                return Apply(OpTable.Negate, [Write(neg.Operand, notation)], notation);
            case BinaryExpr bin:
                return Apply(OpTable.Binary(bin.Operator), [Write(bin.Left, notation), Write(bin.Right, notation)], notation);
            // The parser reads norm(v) as sqrt(sum(v^2)); it is printed back as the program wrote it.
            // Only the whole sum: sqrt(sum(E^2, 1)) is each row's norm, which norm(E) would not say.
            case CallExpr { Op.Name: "sqrt", Arguments: [CallExpr { Op: { Name: "sum", TextTemplate: "sum($a)" }, Arguments: [BinaryExpr { Operator: BinaryOperator.Power, Right: NumberExpr { Value: 2 } } square] }] }:
                var v = Write(square.Left, notation).Text;
                return (notation == Notation.Latex ? $"\\lVert {v} \\rVert" : $"norm({v})", OpInfo.AtomPrecedence);
            case CallExpr call:
                return Apply(call.Op, call.Arguments.Select(a => Write(a, notation)).ToArray(), notation);
            default:
                throw new ArgumentException($"Unknown expression node {e.GetType().Name}.", nameof(e));
        }
    }
}
