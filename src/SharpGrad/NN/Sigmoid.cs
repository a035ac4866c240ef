namespace SharpGrad.NN;

/// <summary>The activation σ(x) = 1/(1 + e^(−x)) as a layer.</summary>
public sealed class Sigmoid : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Observed(input, input.Sigmoid());
}
