namespace SharpGrad.NN;

/// <summary>Average pooling over [N, C, H, W]; the stride defaults to the kernel size.</summary>
public sealed class AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool countIncludePad = true, bool ceilMode = false) : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ExpectInput(input, [4]);
        int s = stride ?? kernelSize;
        return Functional.AvgPool2d(input, [kernelSize, kernelSize], [s, s], [padding, padding], countIncludePad, ceilMode);
    }
}
