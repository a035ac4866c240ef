namespace SharpGrad.NN;

/// <summary>A chain of modules applied in order; children are named "0", "1", ... unless added with a name.</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> layers = [];

    /// <summary>Creates the chain.</summary>
    public Sequential(params Module[] modules)
    {
        foreach (var m in modules) Add(m);
    }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Module> Layers => layers;

    /// <summary>Appends a module, named by its position unless <paramref name="name"/> is given.</summary>
    public Sequential Add(Module module, string? name = null)
    {
        layers.Add(RegisterModule(name ?? layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module));
        return this;
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        bool recording = Autograd.IsGradEnabled;
        for (int i = 0; i < layers.Count; i++)
        {
            // Inference: Linear then ReLU is one pass of the matrix kernel (the ReLU applied while the output is in
            // cache), the fusion ONNX Runtime makes. Only when nothing observes the two layers in between.
            if (!recording && layers[i] is Linear linear && i + 1 < layers.Count && layers[i + 1] is ReLU relu
                && !linear.HasForwardHooks && !relu.HasForwardHooks)
            {
                x = Functional.LinearRelu(x, linear.Weight, linear.Bias);
                i++;
                continue;
            }
            x = layers[i].Call(x);
        }
        return Observed(input, x);
    }
}
