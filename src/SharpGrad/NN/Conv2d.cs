namespace SharpGrad.NN;

/// <summary>
/// A 2-D convolution (cross-correlation, as in every deep-learning framework) over [N, C, H, W]
/// inputs with a weight of shape [out, in/groups, kH, kW] and an optional bias [out]. Supports
/// stride, zero padding (explicit, or "same"/"valid"), dilation and groups. It has
/// kH·kW·(in/groups)·out + out parameters (spec E4). Initialised as PyTorch does (Kaiming
/// uniform with a = √5, bias uniform on ±1/√fan_in).
/// </summary>
public sealed class Conv2d : Module
{
    private readonly int[] stride, padding, dilation;
    private readonly string? paddingMode;

    /// <summary>Creates a layer with square kernels and symmetric settings.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, Generator? generator = null, DType dtype = DType.Float32)
        : this(inChannels, outChannels, [kernelSize, kernelSize], [stride, stride], [padding, padding], [dilation, dilation], groups, bias, generator, dtype)
    {
    }

    /// <summary>Creates a layer with "same" or "valid" padding.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, string padding, int dilation = 1,
        int groups = 1, bool bias = true, Generator? generator = null, DType dtype = DType.Float32)
        : this(inChannels, outChannels, [kernelSize, kernelSize], [1, 1], [0, 0], [dilation, dilation], groups, bias, generator, dtype)
    {
        if (padding != "same" && padding != "valid")
            throw new ArgumentException($"Conv2d padding must be \"same\", \"valid\" or a number, got \"{padding}\".", nameof(padding));
        paddingMode = padding;
    }

    /// <summary>Creates a layer with per-axis (height, width) settings.</summary>
    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
        int groups = 1, bool bias = true, Generator? generator = null, DType dtype = DType.Float32)
    {
        if (inChannels <= 0 || outChannels <= 0)
            throw new ArgumentOutOfRangeException(nameof(inChannels), $"Conv2d needs positive channel counts, got {inChannels} → {outChannels}.");
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d: groups ({groups}) must divide both the input channels ({inChannels}) and the output channels ({outChannels}).");
        if (kernelSize.Length != 2 || kernelSize[0] <= 0 || kernelSize[1] <= 0)
            throw new ArgumentException($"Conv2d: the kernel size must be two positive numbers, got {ShapeMath.Format(kernelSize)}.");
        InChannels = inChannels;
        OutChannels = outChannels;
        Groups = groups;
        this.stride = (int[])stride.Clone();
        this.padding = (int[])padding.Clone();
        this.dilation = (int[])dilation.Clone();
        var weight = Tensor.Zeros([outChannels, inChannels / groups, kernelSize[0], kernelSize[1]], dtype);
        RegisterParameter("weight", Init.KaimingUniform(weight, Math.Sqrt(5), generator: generator));
        if (bias)
        {
            double bound = 1 / Math.Sqrt(Init.Fan(weight, fanOut: false));
            RegisterParameter("bias", Init.Uniform(Tensor.Zeros([outChannels], dtype), -bound, bound, generator));
        }
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels (filters).</summary>
    public int OutChannels { get; }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

    /// <summary>The stride (height, width). Exposed read-only so exporters such as ONNX can describe the layer.</summary>
    public IReadOnlyList<int> Stride => stride;

    /// <summary>The explicit zero padding (height, width), applied on both sides; ignored when <see cref="PaddingMode"/> is set.</summary>
    public IReadOnlyList<int> Padding => padding;

    /// <summary>The dilation (height, width).</summary>
    public IReadOnlyList<int> Dilation => dilation;

    /// <summary>"same" or "valid" when the layer was created with named padding, otherwise null (explicit <see cref="Padding"/>).</summary>
    public string? PaddingMode => paddingMode;

    /// <summary>The filters, [out, in/groups, kH, kW].</summary>
    public Tensor Weight => Parameter("weight");

    /// <summary>The bias, [out], or null.</summary>
    public Tensor? Bias => OptionalParameter("bias");

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ExpectInput(input, [4], 1, InChannels, $"{InChannels} input channels in dimension 1");
        return Observed(input, paddingMode is null
            ? Functional.Conv2d(input, Weight, Bias, stride, padding, dilation, Groups)
            : Functional.Conv2d(input, Weight, Bias, paddingMode, stride, dilation, Groups));
    }
}
