namespace SharpGrad.NN;

/// <summary>Max pooling over [N, C, H, W]; the stride defaults to the kernel size.</summary>
public sealed class MaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) : Module
{
    /// <summary>The window's height and width.</summary>
    public int KernelSize { get; } = kernelSize;

    /// <summary>The step between windows (the kernel size unless given).</summary>
    public int Stride { get; } = stride ?? kernelSize;

    /// <summary>The implicit padding on every side (padded positions never win the maximum).</summary>
    public int Padding { get; } = padding;

    /// <summary>The spacing between window elements.</summary>
    public int Dilation { get; } = dilation;

    /// <summary>Whether the output size rounds up (a partial last window is kept when it starts inside the input or its left padding).</summary>
    public bool CeilMode { get; } = ceilMode;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ExpectInput(input, [4]);
        return Observed(input, Functional.MaxPool2d(input, [KernelSize, KernelSize], [Stride, Stride], [Padding, Padding], [Dilation, Dilation], CeilMode));
    }
}
