namespace SharpGrad.Explain;

/// <summary>
/// How derivatives of vectors and matrices are laid out, which fixes the order in which a chain of
/// Jacobians is written so that it conforms. <see cref="Gradient"/> (CS231n's convention): ∂J/∂W has
/// W's shape and each factor is applied backwards as a vector–Jacobian product (∂J/∂a · h1ᵀ);
/// <see cref="Numerator"/>: ∂a/∂b has one row per component of a, so a chain multiplies from the
/// objective down to the variable; <see cref="Denominator"/> (the seeds'): ∂a/∂b has one row per
/// component of b, so a chain multiplies from the variable up to the objective. <c>explain</c>,
/// <c>shapes</c> and <c>step</c> take the same <c>--layout</c> and state it in their output.
/// </summary>
public enum Layout
{
    /// <summary>The gradient has the parameter's shape; chains are vector–Jacobian products from the objective down.</summary>
    Gradient,

    /// <summary>∂a/∂b is (components of a) × (components of b); chains run objective first.</summary>
    Numerator,

    /// <summary>∂a/∂b is (components of b) × (components of a); chains run variable first.</summary>
    Denominator,
}
