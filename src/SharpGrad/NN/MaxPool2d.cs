namespace SharpGrad.NN;

/// <summary>Max pooling over [N, C, H, W]; the stride defaults to the kernel size.</summary>
public sealed class MaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ExpectInput(input, [4]);
        int s = stride ?? kernelSize;
        return Functional.MaxPool2d(input, [kernelSize, kernelSize], [s, s], [padding, padding], [dilation, dilation], ceilMode);
    }
}
