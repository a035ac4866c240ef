using System.Text;

namespace SharpGrad.Explain;

/// <summary>
/// A plain box-drawn table. The step renderer draws its own tables, rather than going through a
/// console library, so that the output is the same at any terminal width and can be compared
/// with golden files. A cell wider than <see cref="WrapWidth"/> characters is wrapped at spaces
/// onto further lines of its row, so that a table of long formulas still fits a screen; a cell
/// longer than <see cref="MaxCell"/> characters (some 28 wrapped lines) is cut short with "…" (one 100 000-character
/// formula would otherwise fill the screen on its own).
/// </summary>
internal sealed class TextTable(params string[] headers)
{
    public const int MaxCell = 1000;

    public const int WrapWidth = 36;

    private readonly List<string[]> rows = [];

    public void Add(params string[] cells)
    {
        for (int i = 0; i < cells.Length; i++) cells[i] = Cut(cells[i]);
        rows.Add(cells);
    }

    /// <summary>A cell's text cut to <see cref="MaxCell"/> characters, the last one "…", for any table (grad's too).</summary>
    public static string Cut(string cell) => cell.Length > MaxCell ? string.Concat(cell.AsSpan(0, MaxCell - 1), "…") : cell;

    public override string ToString()
    {
        var wrapped = rows.Select(r => r.Select(Wrap).ToArray()).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, wrapped.Count == 0 ? 0 : wrapped.Max(r => r[i].Max(l => l.Length)))).ToArray();
        var sb = new StringBuilder();
        Rule('┌', '┬', '┐');
        Line(headers);
        Rule('├', '┼', '┤');
        foreach (var r in wrapped)
            for (int line = 0; line < r.Max(c => c.Count); line++)
                Line(r.Select(c => line < c.Count ? c[line] : "").ToArray());
        Rule('└', '┴', '┘');
        return sb.ToString();

        void Rule(char left, char mid, char right) =>
            sb.Append(left).Append(string.Join(mid, widths.Select(w => new string('─', w + 2)))).Append(right).Append('\n');

        void Line(string[] cells) =>
            sb.Append("│ ").Append(string.Join(" │ ", cells.Select((c, i) => c.PadRight(widths[i])))).Append(" │\n");
    }

    /// <summary>The cell's lines: greedy at spaces, a word longer than the width on a line of its own.</summary>
    private static List<string> Wrap(string cell)
    {
        if (cell.Length <= WrapWidth) return [cell];
        var lines = new List<string>();
        var current = new StringBuilder();
        foreach (var word in cell.Split(' '))
        {
            if (current.Length > 0 && current.Length + 1 + word.Length > WrapWidth)
            {
                lines.Add(current.ToString());
                current.Clear().Append("  ");
            }
            if (current.Length > 0 && current.ToString() != "  ") current.Append(' ');
            current.Append(word);
        }
        lines.Add(current.ToString());
        return lines;
    }
}
