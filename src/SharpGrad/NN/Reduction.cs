namespace SharpGrad.NN;

/// <summary>How a loss function combines its per-element losses, as PyTorch's <c>reduction</c> argument.</summary>
public enum Reduction
{
    /// <summary>The average of the per-element losses (for class-weighted losses, the weighted average Σ wᵢ·lossᵢ / Σ wᵢ).</summary>
    Mean,

    /// <summary>The sum of the per-element losses.</summary>
    Sum,

    /// <summary>No reduction: one loss per element (per sample for classification losses).</summary>
    None,
}
