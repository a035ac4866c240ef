using System.Globalization;
using System.Numerics;

namespace SharpGrad.Explain;

/// <summary>
/// <c>conv NAME: in D, out C, kernel F [, stride S] [, padding P] [, input H×W]</c>: a declared
/// convolutional layer with square F×F filters over D input channels, C output channels (filters)
/// and one bias per filter (spec E4, E10). It is metadata for <c>sharpgrad shapes</c>: it is not a
/// node of the computation graph and does not change how the rest of the program evaluates.
/// </summary>
public sealed class ConvLayer
{
    /// <summary>Creates the layer description.</summary>
    public ConvLayer(string name, SourcePosition position, int inChannels, int outChannels, int kernel,
        int stride = 1, int padding = 0, int? inputHeight = null, int? inputWidth = null)
    {
        Name = name;
        Position = position;
        InChannels = inChannels;
        OutChannels = outChannels;
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
        InputHeight = inputHeight;
        InputWidth = inputWidth ?? inputHeight;
    }

    /// <summary>The layer's name.</summary>
    public string Name { get; }

    /// <summary>Where the declaration starts (its <c>conv</c> keyword).</summary>
    public SourcePosition Position { get; }

    /// <summary>d: the number of input channels.</summary>
    public int InChannels { get; }

    /// <summary>c: the number of output channels (filters).</summary>
    public int OutChannels { get; }

    /// <summary>f: the filter size (filters are f×f).</summary>
    public int Kernel { get; }

    /// <summary>s: the stride (default 1).</summary>
    public int Stride { get; }

    /// <summary>p: the zero padding on each side (default 0).</summary>
    public int Padding { get; }

    /// <summary>H: the input height, when given.</summary>
    public int? InputHeight { get; }

    /// <summary>W: the input width, when given (equal to H for <c>input H</c>).</summary>
    public int? InputWidth { get; }

    /// <summary>The number of weights: f²·d·c, exact however large (each factor is at most 2³¹ − 1).</summary>
    public BigInteger WeightCount => (BigInteger)Kernel * Kernel * InChannels * OutChannels;

    /// <summary>The number of weights and biases: f²·d·c + c, exact however large.</summary>
    public BigInteger ParameterCount => WeightCount + OutChannels;

    /// <summary>The padded size along an axis of input size <paramref name="size"/>: size + 2p (beyond the int range for large sizes).</summary>
    public long PaddedSize(int size) => size + 2L * Padding;

    /// <summary>
    /// The output size along an axis of input size <paramref name="size"/>: ⌊(size + 2p − f)/s⌋ + 1, in
    /// whole-number arithmetic (it can pass 2³¹ − 1 when the padding is large); less than 1 when the
    /// filter is larger than the padded input.
    /// </summary>
    public long OutputSize(int size) => FloorDiv(PaddedSize(size) - Kernel, Stride) + 1;

    /// <summary>The parameter count with the formula and the numbers: "f²·d·c + c = 64²·2·96 + 96 = 786432 + 96 = 786528".</summary>
    public string ParameterFormula() =>
        $"f²·d·c + c = {N(Kernel)}²·{N(InChannels)}·{N(OutChannels)} + {N(OutChannels)} = {N(WeightCount)} + {N(OutChannels)} = {N(ParameterCount)}";

    /// <summary>The output size of one axis with the numbers: "⌊(4 + 2·0 − 2)/1⌋ + 1 = 3".</summary>
    public string OutputFormula(int size) =>
        $"⌊({N(size)} + 2·{N(Padding)} − {N(Kernel)})/{N(Stride)}⌋ + 1 = {N(OutputSize(size))}";

    /// <summary>The declaration as it would be written: "conv1: in 2, out 96, kernel 64, stride 1, padding 0, input 4×4".</summary>
    public string Describe()
    {
        var text = $"{Name}: in {N(InChannels)}, out {N(OutChannels)}, kernel {N(Kernel)}, stride {N(Stride)}, padding {N(Padding)}";
        return InputHeight is int h ? text + $", input {N(h)}×{N(InputWidth!.Value)}" : text;
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string N(BigInteger n) => n.ToString(CultureInfo.InvariantCulture);
}
