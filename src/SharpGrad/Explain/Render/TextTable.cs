using System.Text;

namespace SharpGrad.Explain;

/// <summary>
/// A plain box-drawn table. The step renderer draws its own tables, rather than going through a
/// console library, so that the output is the same at any terminal width and can be compared
/// with golden files.
/// </summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> rows = [];

    public void Add(params string[] cells) => rows.Add(cells);

    public override string ToString()
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        Rule('┌', '┬', '┐');
        Line(headers);
        Rule('├', '┼', '┤');
        foreach (var r in rows) Line(r);
        Rule('└', '┴', '┘');
        return sb.ToString();

        void Rule(char left, char mid, char right) =>
            sb.Append(left).Append(string.Join(mid, widths.Select(w => new string('─', w + 2)))).Append(right).Append('\n');

        void Line(string[] cells) =>
            sb.Append("│ ").Append(string.Join(" │ ", cells.Select((c, i) => c.PadRight(widths[i])))).Append(" │\n");
    }
}
