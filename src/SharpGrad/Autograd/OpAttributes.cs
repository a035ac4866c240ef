namespace SharpGrad;

/// <summary>
/// The constants an op was applied with that its derivative needs besides its operands: a
/// constant exponent or slope, clamp bounds, reduction dimensions, a permutation. Recorded on the
/// node, so the backward pass and Explain read the same values.
/// </summary>
public sealed record OpAttributes
{
    /// <summary>A constant exponent (PowScalar) or slope (LeakyRelu).</summary>
    public double Scalar { get; init; }

    /// <summary>The lower bound of Clamp, if any.</summary>
    public double? Low { get; init; }

    /// <summary>The upper bound of Clamp, if any.</summary>
    public double? High { get; init; }

    /// <summary>The reduced dimensions (sorted, non-negative), or the permutation of Permute.</summary>
    public int[] Dims { get; init; } = [];

    /// <summary>Whether a reduction kept its reduced dimensions with size 1.</summary>
    public bool KeepDim { get; init; }
}
