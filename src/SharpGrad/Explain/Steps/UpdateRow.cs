namespace SharpGrad.Explain;

/// <summary>One line of the SGD update: a parameter's old value, its gradient, and old − η·gradient.</summary>
public sealed class UpdateRow
{
    internal UpdateRow(GraphNode parameter, Tensor old, Tensor gradient, Tensor updated)
    {
        Parameter = parameter;
        Old = old;
        Gradient = gradient;
        New = updated;
    }

    /// <summary>The parameter.</summary>
    public GraphNode Parameter { get; }

    /// <summary>Its value before the step.</summary>
    public Tensor Old { get; }

    /// <summary>∂J/∂parameter.</summary>
    public Tensor Gradient { get; }

    /// <summary>Its value after the step.</summary>
    public Tensor New { get; }
}
