namespace SharpGrad.NN;

/// <summary>
/// Penalties on the parameters that are added to a loss (spec exercise E11). For plain L2
/// weight decay an optimiser's <c>weightDecay</c> is cheaper; an explicit penalty is for other
/// norms and for seeing the regularised objective itself.
/// </summary>
public static class Regularization
{
    /// <summary>
    /// The Lp penalty α·Σᵢ |wᵢ|^p over every element of every tensor in
    /// <paramref name="parameters"/>, as a differentiable scalar. Its gradient is
    /// α·p·|wᵢ|^(p−1)·sign(wᵢ): for p = 2 that is 2α·w (weight decay), for p = 1 it is α·sign(w)
    /// (0 at w = 0). The absolute value matters for odd p: Σ wᵢ^p would push negative weights
    /// further from zero. The result is float64 if any parameter is, else float32; an empty
    /// sequence gives 0.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">p &lt; 1 (not a norm, and |w|^(p−1) is infinite at 0) or α negative or not finite.</exception>
    public static Tensor Lp(IEnumerable<Tensor> parameters, double alpha, double p)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(p >= 1) || double.IsInfinity(p))
            throw new ArgumentOutOfRangeException(nameof(p), p, "Regularization.Lp: p must be a finite number ≥ 1.");
        if (!(alpha >= 0) || double.IsInfinity(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Regularization.Lp: alpha must be a finite number ≥ 0.");
        Tensor? total = null;
        foreach (var w in parameters)
        {
            ArgumentNullException.ThrowIfNull(w, nameof(parameters));
            if (!w.DType.IsFloatingPoint())
                throw new ArgumentException($"Regularization.Lp: parameters must be floating point, got a {w.DType.Name()} tensor of shape {ShapeMath.Format(w.ShapeArray)}.", nameof(parameters));
            var term = w.Abs().Pow(p).Sum();
            total = total is null ? term : total.Add(term);
        }
        return total is null ? Tensor.Scalar(0) : total.Mul(alpha);
    }
}
