namespace SharpGrad.Optim;

/// <summary>
/// Gradient clipping, as PyTorch's <c>clip_grad_norm_</c> and <c>clip_grad_value_</c>: applied
/// between the backward pass and the optimiser step, it bounds the update when a batch produces
/// an exploding gradient. Both modify the gradients in place and skip parameters without one.
/// </summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales all gradients together so that their total norm — the
    /// <paramref name="normType"/>-norm of all gradient elements taken as one vector — is at most
    /// <paramref name="maxNorm"/>: when it is larger every gradient is multiplied by
    /// maxNorm / (total + 1e-6), as PyTorch does, so directions are kept. Returns the total
    /// norm before clipping (0 when no parameter has a gradient), useful to log. A non-finite
    /// total (a NaN or ∞ in some gradient) leaves the gradients unchanged and is returned, so the
    /// caller can skip the step, unless <paramref name="errorIfNonfinite"/> asks for an exception.
    /// </summary>
    /// <param name="parameters">The parameters whose gradients are clipped.</param>
    /// <param name="maxNorm">The largest allowed total norm (≥ 0).</param>
    /// <param name="normType">p of the p-norm (&gt; 0), or <see cref="double.PositiveInfinity"/> for the largest absolute value.</param>
    /// <param name="errorIfNonfinite">Throw <see cref="InvalidOperationException"/> when the total norm is NaN or ∞.</param>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2, bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm >= 0))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be ≥ 0.");
        if (!(normType > 0))
            throw new ArgumentOutOfRangeException(nameof(normType), normType, "normType must be > 0 (or double.PositiveInfinity).");
        var grads = Gradients(parameters);
        if (grads.Count == 0) return 0;

        double total;
        using (Autograd.NoGrad())
        {
            if (double.IsPositiveInfinity(normType))
            {
                total = 0;
                foreach (var g in grads) total = Math.Max(total, g.Abs().Max().Item());
                foreach (var g in grads) if (double.IsNaN(g.Sum().Item())) total = double.NaN; // Max may skip NaN; the sum cannot
            }
            else
            {
                double sum = 0;
                foreach (var g in grads)
                    sum += normType == 2 ? g.Mul(g).Sum().Item() : normType == 1 ? g.Abs().Sum().Item() : g.Abs().Pow(normType).Sum().Item();
                total = normType == 2 ? Math.Sqrt(sum) : normType == 1 ? sum : Math.Pow(sum, 1 / normType);
            }
            if (!double.IsFinite(total))
            {
                if (errorIfNonfinite)
                    throw new InvalidOperationException($"ClipGradNorm: the total {normType}-norm of the gradients is {total}, so they cannot be clipped; some gradient holds NaN or ∞.");
                return total;
            }
            double coefficient = maxNorm / (total + 1e-6);
            if (coefficient < 1)
                foreach (var g in grads) g.MulInPlace(coefficient);
        }
        return total;
    }

    /// <summary>Clamps every gradient element to [−<paramref name="clipValue"/>, <paramref name="clipValue"/>] in place (NaN stays NaN).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clipValue"/> is negative or NaN.</exception>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clipValue >= 0))
            throw new ArgumentOutOfRangeException(nameof(clipValue), clipValue, "clipValue must be ≥ 0.");
        using (Autograd.NoGrad())
            foreach (var g in Gradients(parameters))
                g.CopyFrom(g.Clamp(-clipValue, clipValue));
    }

    private static List<Tensor> Gradients(IEnumerable<Tensor> parameters)
    {
        var grads = new List<Tensor>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var p in parameters)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(parameters));
            // A tensor listed twice must count once in the norm and be scaled once.
            if (p.Grad is { } g && seen.Add(g)) grads.Add(g);
        }
        return grads;
    }
}
