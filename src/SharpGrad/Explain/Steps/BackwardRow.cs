namespace SharpGrad.Explain;

/// <summary>One line of the backward table: ∂J/∂node, the chain-rule terms that make it up, and its value.</summary>
public sealed class BackwardRow
{
    internal BackwardRow(GraphNode node, Tensor gradient, IReadOnlyList<ChainTerm> terms, bool isObjective, bool affectsObjective)
    {
        Node = node;
        Gradient = gradient;
        Terms = terms;
        IsObjective = isObjective;
        AffectsObjective = affectsObjective;
    }

    /// <summary>The node.</summary>
    public GraphNode Node { get; }

    /// <summary>∂J/∂node from the full backward pass (the sum of the terms' contributions).</summary>
    public Tensor Gradient { get; }

    /// <summary>One term per use of the node on a path to the objective, in the order the backward pass meets them.</summary>
    public IReadOnlyList<ChainTerm> Terms { get; }

    /// <summary>True for the objective's own row (∂J/∂J = 1, the seed).</summary>
    public bool IsObjective { get; }

    /// <summary>False for a declaration the objective does not depend on (its gradient is zero).</summary>
    public bool AffectsObjective { get; }
}
