namespace SharpGrad.NN;

/// <summary>The activation max(x, 0) as a layer.</summary>
public sealed class ReLU : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Observed(input, input.Relu());
}
