namespace SharpGrad.NN;

/// <summary>Merges dimensions <c>startDim</c>..<c>endDim</c> (by default all but the batch dimension) into one.</summary>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module
{
    /// <summary>The first dimension merged (negative counts from the end).</summary>
    public int StartDim { get; } = startDim;

    /// <summary>The last dimension merged (negative counts from the end).</summary>
    public int EndDim { get; } = endDim;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Observed(input, input.Flatten(StartDim, EndDim));
}
