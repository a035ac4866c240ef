using System.Globalization;
using System.Text;

namespace SharpGrad;

/// <summary>
/// Renders a tensor the way PyTorch prints one: nested brackets aligned in columns, one
/// number format chosen for the whole tensor (integers as "3.", fixed with four decimals, or
/// scientific when magnitudes are far apart), the first and last three entries of each
/// dimension when there are more than 1000 elements, and the dtype, grad_fn or requires_grad
/// when they are not the defaults.
/// </summary>
internal static class TensorFormatter
{
    private const int Threshold = 1000;
    private const int EdgeItems = 3;

    public static string Format(Tensor t)
    {
        double[] values;
        using (Autograd.NoGrad())
            values = Dispatch.Cast(t.Device.IsCpu ? t : Dispatch.ToDevice(t, Device.Cpu), DType.Float64).Span<double>().ToArray();
        bool summarize = t.Count > Threshold;
        var shown = summarize ? CollectShown(t.ShapeArray, values) : values;
        var fmt = ChooseFormat(shown, t.DType);
        int width = 0;
        // As PyTorch, only finite values set the width: "inf" and "nan" never widen the columns.
        foreach (var v in shown) if (double.IsFinite(v)) width = Math.Max(width, fmt(v).Length);

        var sb = new StringBuilder("tensor(");
        if (t.Rank == 0)
            sb.Append(fmt(values[0]));
        else if (t.Count == 0)
            sb.Append("[]");
        else
            AppendDim(sb, t.ShapeArray, ShapeMath.ContiguousStrides(t.ShapeArray), values, 0, 0, fmt, width, summarize, indent: 7);

        if (t.Count == 0 && t.Rank > 1) sb.Append(", size=(").Append(string.Join(", ", t.ShapeArray)).Append(')');
        if (t.DType != DType.Float32)
            sb.Append(", dtype=").Append(t.DType.Name());
        if (t.GradFn is not null) sb.Append(", grad_fn=<").Append(t.GradFn.Name).Append('>');
        else if (t.RequiresGrad) sb.Append(", requires_grad=True");
        return sb.Append(')').ToString();
    }

    private static void AppendDim(StringBuilder sb, int[] shape, int[] strides, double[] values, int dim, int offset,
        Func<double, string> fmt, int width, bool summarize, int indent)
    {
        sb.Append('[');
        int n = shape[dim];
        bool last = dim == shape.Length - 1;
        for (int i = 0; i < n; i++)
        {
            if (summarize && n > 2 * EdgeItems && i == EdgeItems)
            {
                sb.Append(last ? " ..., " : "...,\n" + new string('\n', shape.Length - dim - 2) + new string(' ', indent + dim + 1));
                i = n - EdgeItems - 1;
                continue;
            }
            if (last)
                sb.Append(fmt(values[offset + i * strides[dim]]).PadLeft(width));
            else
                AppendDim(sb, shape, strides, values, dim + 1, offset + i * strides[dim], fmt, width, summarize, indent);
            if (i < n - 1)
                sb.Append(last ? ", " : ",\n" + new string('\n', shape.Length - dim - 2) + new string(' ', indent + dim + 1));
        }
        sb.Append(']');
    }

    private static double[] CollectShown(int[] shape, double[] values)
    {
        // Only the entries that will be printed decide the number format, as in PyTorch.
        var shown = new List<double>();
        var strides = ShapeMath.ContiguousStrides(shape);
        void Walk(int dim, int offset)
        {
            int n = shape[dim];
            for (int i = 0; i < n; i++)
            {
                if (n > 2 * EdgeItems && i == EdgeItems) i = n - EdgeItems;
                if (dim == shape.Length - 1) shown.Add(values[offset + i * strides[dim]]);
                else Walk(dim + 1, offset + i * strides[dim]);
            }
        }
        Walk(0, 0);
        return [.. shown];
    }

    private static Func<double, string> ChooseFormat(double[] values, DType dtype)
    {
        var inv = CultureInfo.InvariantCulture;
        if (dtype == DType.Int32)
            return v => ((long)v).ToString(inv);
        double maxAbs = 0, minAbs = double.PositiveInfinity;
        bool allIntegral = true;
        foreach (var v in values)
        {
            if (!double.IsFinite(v)) continue;
            double a = Math.Abs(v);
            maxAbs = Math.Max(maxAbs, a);
            if (a > 0) minAbs = Math.Min(minAbs, a);
            if (v != Math.Floor(v)) allIntegral = false;
        }
        // PyTorch's rule (torch/_tensor_str.py): scientific when the non-zero finite magnitudes span
        // more than a factor 1000, exceed 1e8, or (for non-integral values) go below 1e-4.
        bool anyNonZero = minAbs != double.PositiveInfinity;
        bool scientific = anyNonZero && (maxAbs / minAbs > 1e3 || maxAbs > 1e8 || (!allIntegral && minAbs < 1e-4));
        if (scientific)
            return v => double.IsFinite(v) ? v.ToString("0.0000e+00", inv) : Special(v);
        if (allIntegral)
            return v => double.IsFinite(v) ? v.ToString("0", inv) + "." : Special(v);
        return v => double.IsFinite(v) ? v.ToString("0.0000", inv) : Special(v);
    }

    private static string Special(double v) => double.IsNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
}
