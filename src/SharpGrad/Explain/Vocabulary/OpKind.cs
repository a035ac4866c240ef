namespace SharpGrad.Explain;

/// <summary>How an op maps shapes, which fixes how shapes are inferred and how its local derivative is shown.</summary>
public enum OpKind
{
    /// <summary>Elementwise with NumPy broadcasting; the local Jacobian is diagonal.</summary>
    Elementwise,

    /// <summary>Reduces its one argument to a scalar (sum, mean, max(v), min(v)).</summary>
    Reduction,

    /// <summary>The matrix product <c>@</c>.</summary>
    MatMul,

    /// <summary>
    /// Rearranges, selects or reduces along axes, or couples elements (transpose, indexing,
    /// per-axis reductions, softmax, convolution, pooling): its shape follows its own rule
    /// (<see cref="OpInfo"/>'s shape rule) and its local Jacobian is neither diagonal nor one row.
    /// </summary>
    Structural,

    /// <summary>Passes its argument through unchanged (an assignment <c>a = b</c>).</summary>
    Identity,
}
