using System.Text;

namespace SharpGrad.Explain;

/// <summary>
/// <c>sharpgrad shapes</c> for declared convolutional layers (spec E4, E10): each layer's parameter
/// count f²·d·c + c and, when its input size is given, its output size ⌊(H + 2p − f)/s⌋ + 1 per
/// spatial axis, as c×H_out×W_out, each with the formula written out in numbers.
/// </summary>
public static class ConvShapes
{
    /// <summary>The report for every conv layer of <paramref name="program"/>; empty when it declares none.</summary>
    public static string Render(GradProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        return Render(program.ConvLayers);
    }

    /// <summary>The report for <paramref name="layers"/>; empty when there are none.</summary>
    public static string Render(IReadOnlyList<ConvLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) return "";
        var sb = new StringBuilder();
        sb.Append("Convolution layers: f×f filters over d input channels, c filters, one bias each; parameters f²·d·c + c; output size ⌊(H + 2p − f)/s⌋ + 1 per axis.\n");
        foreach (var layer in layers)
        {
            sb.Append('\n').Append("conv ").Append(layer.Describe()).Append('\n');
            sb.Append("  parameters: ").Append(layer.ParameterFormula()).Append('\n');
            if (layer.InputHeight is int h && layer.InputWidth is int w)
            {
                sb.Append("  output height: ").Append(layer.OutputFormula(h)).Append('\n');
                sb.Append("  output width:  ").Append(layer.OutputFormula(w)).Append('\n');
                sb.Append($"  output: {layer.InChannels}×{h}×{w} → {layer.OutChannels}×{layer.OutputSize(h)}×{layer.OutputSize(w)}\n");
            }
        }
        var table = new TextTable("layer", "parameters", "output");
        foreach (var layer in layers)
            table.Add(layer.Name, layer.ParameterCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                layer.InputHeight is int h && layer.InputWidth is int w ? $"{layer.OutChannels}×{layer.OutputSize(h)}×{layer.OutputSize(w)}" : "(no input size)");
        sb.Append('\n').Append(table);
        return sb.ToString();
    }
}
