namespace SharpGrad.NN;

/// <summary>The activation tanh x as a layer.</summary>
public sealed class Tanh : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Observed(input, input.Tanh());
}
