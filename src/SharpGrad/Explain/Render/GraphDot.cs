using System.Globalization;
using System.Text;

namespace SharpGrad.Explain;

/// <summary>
/// A Graphviz picture of an evaluated program, as micrograd's draw_dot draws one: a record node per
/// value (its name, or the expression of an unnamed part, then "data" and "grad"), an op node
/// between each op and its operands, and edges in the direction data flows (operand → op → result).
/// Numbers have at most six significant digits; values of more than <see cref="MaxElements"/>
/// elements are abbreviated to their shape and first elements. Labels are escaped for DOT.
/// </summary>
public static class GraphDot
{
    /// <summary>Values with more elements than this print as their shape and first elements.</summary>
    public const int MaxElements = 6;

    /// <summary>The DOT text of the graph of <paramref name="evaluation"/> (left to right).</summary>
    public static string Write(ProgramEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var sb = new StringBuilder();
        sb.Append("digraph sharpgrad {\n");
        sb.Append("  rankdir=LR;\n");
        sb.Append("  node [fontname=\"Helvetica\"];\n");
        foreach (var node in evaluation.Graph.Nodes)
        {
            var id = $"v{node.Index}";
            var value = Short(evaluation.ValueOf(node));
            var gradient = evaluation.GradientOf(node) is { } g ? Short(g) : "—";
            var title = node.Kind == GraphNodeKind.Constant && !node.IsNamed ? value : node.Label;
            var label = $"{{ {Record(title)} | data {Record(value)} | grad {Record(gradient)} }}";
            var style = node == evaluation.Objective ? ", style=bold" : "";
            sb.Append($"  {id} [shape=record, label={Quote(label)}{style}];\n");
            if (node.Kind != GraphNodeKind.Operation) continue;
            var op = node.Op!;
            var symbol = op.IsFunction ? op.Name : op.Kind == OpKind.Identity ? "=" : op.Name == "neg" ? "−" : ExprPrinter.SourceSymbol(op);
            sb.Append($"  {id}_op [shape=ellipse, label={Quote(symbol)}];\n");
            sb.Append($"  {id}_op -> {id};\n");
            foreach (var operand in node.Operands.Distinct())
                sb.Append($"  v{operand.Index} -> {id}_op;\n");
        }
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>A value, abbreviated beyond <see cref="MaxElements"/> elements: "[3, 4] (1, 2, 3, …)".</summary>
    public static string Short(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Count <= MaxElements) return ValueFormat.Tensor(value);
        var data = value.ToDoubleArray();
        var shape = string.Join(", ", value.Shape.ToArray().Select(d => d.ToString(CultureInfo.InvariantCulture)));
        return $"[{shape}] (" + string.Join(", ", data.Take(3).Select(v => ValueFormat.Number(v))) + ", …)";
    }

    /// <summary>Escapes the characters a record label treats specially: { } | &lt; &gt; and backslash.</summary>
    public static string Record(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length);
        foreach (var ch in text)
        {
            if (ch is '{' or '}' or '|' or '<' or '>' or '\\') sb.Append('\\');
            sb.Append(ch);
        }
        return sb.ToString();
    }

    /// <summary>A DOT double-quoted string: quotes escaped, line breaks as \n.</summary>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return "\"" + text.Replace("\"", "\\\"").Replace("\r", "").Replace("\n", "\\n") + "\"";
    }
}
