namespace SharpGrad.NN;

/// <summary>The activation x for x &gt; 0 and slope·x otherwise, as a layer.</summary>
public sealed class LeakyReLU(double negativeSlope = 0.01) : Module
{
    /// <summary>The slope for negative inputs.</summary>
    public double NegativeSlope { get; } = negativeSlope;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Observed(input, input.LeakyRelu(NegativeSlope));
}
