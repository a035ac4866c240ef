using System.Globalization;
using System.Text;

namespace SharpGrad.NN;

/// <summary>
/// A layer-by-layer description of a model, as torchinfo prints it: each leaf layer's name,
/// type, output shape for a sample input, and parameter count, with the totals. Produced by
/// <see cref="Module.Summarize"/>; <see cref="ToString"/> renders a plain-text table.
/// </summary>
public sealed class ModuleSummary
{
    internal ModuleSummary(string model, int[] inputShape, IReadOnlyList<Row> rows, long totalParameters, long trainableParameters)
    {
        Model = model;
        InputShape = inputShape;
        Rows = rows;
        TotalParameters = totalParameters;
        TrainableParameters = trainableParameters;
    }

    /// <summary>The model's type name.</summary>
    public string Model { get; }

    /// <summary>The sample input's shape.</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>One row per leaf layer, in execution order.</summary>
    public IReadOnlyList<Row> Rows { get; }

    /// <summary>All parameter elements.</summary>
    public long TotalParameters { get; }

    /// <summary>Parameter elements that require gradients.</summary>
    public long TrainableParameters { get; }

    /// <summary>A plain-text table with a totals footer.</summary>
    public override string ToString()
    {
        var inv = CultureInfo.InvariantCulture;
        var header = new[] { "Layer", "Type", "Output shape", "Parameters" };
        var cells = Rows.Select(r => new[] { r.Name, r.Type, ShapeMath.Format(r.OutputShape.ToArray()), r.Parameters.ToString("N0", inv) }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        var sb = new StringBuilder();
        string Line(string[] c) => string.Join("  ", c.Select((v, i) => i == 3 ? v.PadLeft(widths[i]) : v.PadRight(widths[i]))).TrimEnd();
        int total = widths.Sum() + 6;
        sb.AppendLine($"{Model} (input {ShapeMath.Format(InputShape.ToArray())})");
        sb.AppendLine(new string('=', total));
        sb.AppendLine(Line(header));
        sb.AppendLine(new string('-', total));
        foreach (var c in cells) sb.AppendLine(Line(c));
        sb.AppendLine(new string('=', total));
        sb.AppendLine($"Total parameters: {TotalParameters.ToString("N0", inv)}");
        sb.AppendLine($"Trainable parameters: {TrainableParameters.ToString("N0", inv)}");
        sb.Append($"Non-trainable parameters: {(TotalParameters - TrainableParameters).ToString("N0", inv)}");
        return sb.ToString();
    }

    /// <summary>One layer of the summary.</summary>
    /// <param name="Name">Dotted name within the model.</param>
    /// <param name="Type">The layer's type name.</param>
    /// <param name="OutputShape">The shape the layer produced for the sample input.</param>
    /// <param name="Parameters">The layer's own parameter elements.</param>
    public sealed record Row(string Name, string Type, IReadOnlyList<int> OutputShape, long Parameters);
}
