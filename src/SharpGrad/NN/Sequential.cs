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
        foreach (var layer in layers) x = layer.Call(x);
        return Observed(input, x);
    }
}
