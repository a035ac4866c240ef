namespace SharpGrad.NN;

/// <summary>
/// Inverted dropout: in training mode each element is zeroed with probability p and the rest
/// scaled by 1/(1 − p), with masks drawn from a seedable generator; in evaluation mode it is
/// the identity.
/// </summary>
public sealed class Dropout : Module
{
    private readonly Generator? generator;

    /// <summary>Creates the layer.</summary>
    public Dropout(double p = 0.5, Generator? generator = null)
    {
        if (!(p >= 0 && p < 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout probability must be in [0, 1).");
        P = p;
        this.generator = generator;
    }

    /// <summary>The probability of zeroing an element.</summary>
    public double P { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Observed(input, Functional.Dropout(input, P, Training, generator));
}
