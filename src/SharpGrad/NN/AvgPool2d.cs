namespace SharpGrad.NN;

/// <summary>Average pooling over [N, C, H, W]; the stride defaults to the kernel size.</summary>
public sealed class AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool countIncludePad = true, bool ceilMode = false) : Module
{
    /// <summary>The window's height and width.</summary>
    public int KernelSize { get; } = kernelSize;

    /// <summary>The step between windows (the kernel size unless given).</summary>
    public int Stride { get; } = stride ?? kernelSize;

    /// <summary>The implicit zero padding on every side.</summary>
    public int Padding { get; } = padding;

    /// <summary>Whether padded zeros count in the divisor.</summary>
    public bool CountIncludePad { get; } = countIncludePad;

    /// <summary>Whether the output size rounds up.</summary>
    public bool CeilMode { get; } = ceilMode;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ExpectInput(input, [4]);
        return Observed(input, Functional.AvgPool2d(input, [KernelSize, KernelSize], [Stride, Stride], [Padding, Padding], CountIncludePad, CeilMode));
    }
}
