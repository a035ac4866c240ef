namespace SharpGrad.Explain;

/// <summary>
/// What a declared leaf is. All three get gradients (a student may ask for ∂J/∂x or ∂J/∂y);
/// the kind says which ones an optimiser updates (<see cref="Param"/>) and how tables label them.
/// </summary>
public enum DeclarationKind
{
    /// <summary>A trainable parameter (<c>param</c>): the SGD step of <c>step</c> updates it.</summary>
    Param,

    /// <summary>An input of the computation (<c>input</c>).</summary>
    Input,

    /// <summary>A target the loss compares with (<c>target</c>).</summary>
    Target,

    /// <summary>
    /// A fixed number of the exercise (<c>const</c>): an input that <c>check</c> never redraws at its
    /// random points, so formulas that hold only for that value (p = 2, n = 4) can be graded.
    /// </summary>
    Const,
}
