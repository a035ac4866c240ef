using System.Globalization;
using System.Text;

namespace SharpGrad.Explain;

/// <summary>
/// Prints numbers and tensors for people, as the seeds write them: a value holding one number
/// as that number, a vector as (a, b) (a column vector, pmatrix, in LaTeX), a matrix as
/// [[a, b], [c, d]] (a bmatrix in LaTeX). Numbers
/// get at most six significant digits, and magnitudes below 1e-12 print as 0, so rounding noise
/// such as 5.6e-17 does not hide a zero. (JSON output keeps full precision; this is for display.)
/// </summary>
public static class ValueFormat
{
    /// <summary>One number.</summary>
    public static string Number(double value, Notation notation = Notation.Text)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsInfinity(value))
            return (value < 0 ? Minus(notation) : "") + (notation == Notation.Latex ? "\\infty" : "∞");
        if (Math.Abs(value) < 1e-12) return "0";
        string s = Math.Abs(value) < 1e15 && value == Math.Round(value)
            ? value.ToString("0", CultureInfo.InvariantCulture)
            : value.ToString("G6", CultureInfo.InvariantCulture);
        int e = s.IndexOf('E');
        if (e >= 0)
        {
            var mantissa = s[..e];
            int exponent = int.Parse(s[(e + 1)..], CultureInfo.InvariantCulture);
            s = notation == Notation.Latex ? $"{mantissa} \\times 10^{{{exponent}}}" : $"{mantissa}e{exponent}";
        }
        return notation == Notation.Text && s.StartsWith('-') ? "−" + s[1..] : s;
    }

    /// <summary>A tensor: one number, (a, b), or [[a, b], [c, d]].</summary>
    public static string Tensor(Tensor value, Notation notation = Notation.Text)
    {
        ArgumentNullException.ThrowIfNull(value);
        var data = value.ToDoubleArray();
        if (data.Length == 1) return Number(data[0], notation);
        var shape = value.Shape.ToArray();
        if (shape.Length == 1)
            return notation == Notation.Latex
                ? "\\begin{pmatrix} " + string.Join(" \\\\ ", data.Select(v => Number(v, notation))) + " \\end{pmatrix}"
                : "(" + string.Join(", ", data.Select(v => Number(v, notation))) + ")";
        if (shape.Length == 2 && notation == Notation.Latex)
        {
            var sb = new StringBuilder("\\begin{bmatrix} ");
            for (int i = 0; i < shape[0]; i++)
            {
                if (i > 0) sb.Append(" \\\\ ");
                sb.Append(string.Join(" & ", data.Skip(i * shape[1]).Take(shape[1]).Select(v => Number(v, notation))));
            }
            return sb.Append(" \\end{bmatrix}").ToString();
        }
        int k = 0;
        return Nested(0);

        string Nested(int dim)
        {
            if (dim == shape.Length) return Number(data[k++], notation);
            var parts = new string[shape[dim]];
            for (int i = 0; i < parts.Length; i++) parts[i] = Nested(dim + 1);
            return "[" + string.Join(", ", parts) + "]";
        }
    }

    /// <summary>
    /// A tensor for a line of text: whole up to 24 numbers; beyond, its first six and last two with its shape,
    /// "(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, …, 0.9, 1) of shape [2000]" (a matrix's numbers row by row).
    /// </summary>
    public static string Brief(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var data = value.ToDoubleArray();
        if (data.Length <= 24) return Tensor(value);
        return "(" + string.Join(", ", data.Take(6).Select(v => Number(v))) + ", …, " + string.Join(", ", data.TakeLast(2).Select(v => Number(v)))
            + $") of shape {Shape(value)}" + (value.Rank > 1 ? ", row by row" : "");
    }

    /// <summary>A tensor as a factor of a product: a negative single number gets parentheses, "(−6)".</summary>
    public static string Factor(Tensor value, Notation notation = Notation.Text)
    {
        var s = Tensor(value, notation);
        return s.StartsWith(Minus(notation), StringComparison.Ordinal) ? $"({s})" : s;
    }

    /// <summary>The static shape of a value as tables show it: "scalar", "[2]", "[2, 1]".</summary>
    public static string Shape(Tensor value) =>
        value.Rank == 0 ? "scalar" : "[" + string.Join(", ", value.Shape.ToArray()) + "]";

    private static string Minus(Notation notation) => notation == Notation.Text ? "−" : "-";
}
