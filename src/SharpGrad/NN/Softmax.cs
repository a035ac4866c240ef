namespace SharpGrad.NN;

/// <summary>Softmax along one dimension (the last by default), as a layer.</summary>
public sealed class Softmax(int dim = -1) : Module
{
    /// <summary>The dimension normalised over.</summary>
    public int Dim { get; } = dim;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Observed(input, input.Softmax(Dim));
}
