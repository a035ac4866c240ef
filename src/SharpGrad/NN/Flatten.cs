namespace SharpGrad.NN;

/// <summary>Merges dimensions <c>startDim</c>..<c>endDim</c> (by default all but the batch dimension) into one.</summary>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Flatten(startDim, endDim);
}
