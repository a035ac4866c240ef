namespace SharpGrad.NN;

/// <summary>Average pooling to a fixed output size, whatever the input's spatial size (bins as PyTorch computes them).</summary>
public sealed class AdaptiveAvgPool2d(int outputHeight, int outputWidth) : Module
{
    /// <summary>Pools to a square output.</summary>
    public AdaptiveAvgPool2d(int outputSize) : this(outputSize, outputSize)
    {
    }

    /// <summary>The output height.</summary>
    public int OutputHeight { get; } = outputHeight;

    /// <summary>The output width.</summary>
    public int OutputWidth { get; } = outputWidth;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ExpectInput(input, [4]);
        return Observed(input, Functional.AdaptiveAvgPool2d(input, [OutputHeight, OutputWidth]));
    }
}
