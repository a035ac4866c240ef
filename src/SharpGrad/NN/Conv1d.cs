namespace SharpGrad.NN;

/// <summary>
/// A 1-D convolution over [N, C, L] (or [C, L]) with a weight [out, in/groups, K], as PyTorch's
/// <c>nn.Conv1d</c>: computed as a 2-D convolution of height 1, so it shares that op's kernels and
/// backward rules.
/// </summary>
public sealed class Conv1d : Module
{
    private readonly int stride, padding, dilation, groups;

    /// <summary>Creates the layer, initialised as PyTorch does (Kaiming uniform with a = √5, bias on ±1/√fan-in).</summary>
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1, int groups = 1,
        bool bias = true, Generator? generator = null, DType dtype = DType.Float32)
    {
        if (inChannels <= 0 || outChannels <= 0 || kernelSize <= 0 || groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv1d: channels {inChannels} → {outChannels}, kernel {kernelSize} and groups {groups} do not fit (channels must be positive multiples of groups).");
        (this.stride, this.padding, this.dilation, this.groups) = (stride, padding, dilation, groups);
        RegisterParameter("weight", Init.KaimingUniform(Tensor.Zeros([outChannels, inChannels / groups, kernelSize], dtype), Math.Sqrt(5), generator: generator));
        if (bias)
        {
            double bound = 1 / Math.Sqrt(inChannels / groups * kernelSize);
            RegisterParameter("bias", Init.Uniform(Tensor.Zeros([outChannels], dtype), -bound, bound, generator));
        }
    }

    /// <summary>The step between windows.</summary>
    public int Stride => stride;

    /// <summary>The zeros added at each end.</summary>
    public int Padding => padding;

    /// <summary>The spacing of the kernel's taps.</summary>
    public int Dilation => dilation;

    /// <summary>The number of channel groups.</summary>
    public int Groups => groups;

    /// <summary>The weight, [out, in/groups, K].</summary>
    public Tensor Weight => Parameter("weight");

    /// <summary>The bias, [out], or null.</summary>
    public Tensor? Bias => OptionalParameter("bias");

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Observed(input, Functional.Conv1d(input, Weight, Bias, stride, padding, dilation, groups));
}
