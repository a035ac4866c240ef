using System.Text;

namespace SharpGrad.Explain;

/// <summary>
/// A plain box-drawn table. The step renderer draws its own tables, rather than going through a
/// console library, so that the output is the same at any terminal width and can be compared
/// with golden files. A cell longer than <see cref="MaxCell"/> characters is cut short with "…":
/// every row is padded to the widest cell, so one 100 000-character formula would otherwise make
/// the table rows × 100 000 characters.
/// </summary>
internal sealed class TextTable(params string[] headers)
{
    public const int MaxCell = 200;

    private readonly List<string[]> rows = [];

    public void Add(params string[] cells)
    {
        for (int i = 0; i < cells.Length; i++)
            if (cells[i].Length > MaxCell) cells[i] = string.Concat(cells[i].AsSpan(0, MaxCell - 1), "…");
        rows.Add(cells);
    }

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
