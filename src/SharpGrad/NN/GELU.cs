namespace SharpGrad.NN;

/// <summary>The activation x·Φ(x) (exact, with the normal CDF) as a layer.</summary>
public sealed class GELU : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Observed(input, input.Gelu());
}
