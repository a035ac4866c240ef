using SharpGrad.Kernels;
using SharpGrad.NN;

namespace SharpGrad.Tests.Ops;

/// <summary>
/// Functional.Conv2d: the spec's worked example (E10), output shapes, gradients of input, weight and bias against
/// finite differences for every option (stride, padding, "same", dilation, groups, strided input, batch),
/// second derivatives, and the error messages for inputs that do not fit.
/// </summary>
public class ConvolutionTests
{
    [Fact]
    public void Conv2d_SpecE10_HandComputed()
    {
        var image = Tensor.FromNested(new double[,] { { 1, 2, 3 }, { 4, 5, 6 }, { 1, 5, 3 } }).Reshape(1, 1, 3, 3);
        var kernel = Tensor.FromNested(new double[,] { { 1, 0 }, { 0, 1 } }).Reshape(1, 1, 2, 2);
        var y = Functional.Conv2d(image, kernel);
        Assert.Equal([1, 1, 2, 2], y.Shape.ToArray());
        Assert.Equal([6.0, 8, 9, 8], y.ToDoubleArray());
    }

    [Fact]
    public void Conv2d_SpecE10_Float32()
    {
        var image = Tensor.FromArray([1f, 2, 3, 4, 5, 6, 1, 5, 3], 1, 1, 3, 3);
        var kernel = Tensor.FromArray([1f, 0, 0, 1], 1, 1, 2, 2);
        Assert.Equal([6f, 8, 9, 8], Functional.Conv2d(image, kernel).ToFloatArray());
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 2)]
    public void Conv2d_TwoFiltersOn4x4_OutputShape(int stride, int expected)
    {
        var x = Tensor.Arange(0, 16, 1, DType.Float64).Reshape(1, 1, 4, 4);
        var w = Tensor.FromArray([1.0, 0, 0, 1, 0, 1, 1, 0], 2, 1, 2, 2);
        var y = Functional.Conv2d(x, w, stride: [stride]);
        Assert.Equal([1, 2, expected, expected], y.Shape.ToArray());
        // Filter 0 adds the main diagonal of each 2×2 window, filter 1 the anti-diagonal: x[i,j] + x[i+1,j+1] and x[i,j+1] + x[i+1,j].
        var v = y.ToDoubleArray();
        for (int i = 0; i < expected; i++)
        for (int j = 0; j < expected; j++)
        {
            int r = i * stride, c = j * stride;
            Assert.Equal(4 * r + c + 4 * (r + 1) + c + 1, v[i * expected + j]);
            Assert.Equal(4 * r + c + 1 + 4 * (r + 1) + c, v[expected * expected + i * expected + j]);
        }
    }

    [Fact]
    public void Conv2d_Bias_AddsPerOutputChannel()
    {
        var x = Tensor.Ones([1, 1, 3, 3], DType.Float64);
        var w = Tensor.Ones([2, 1, 2, 2], DType.Float64);
        var b = Tensor.FromArray([10.0, -1]);
        var y = Functional.Conv2d(x, w, b).ToDoubleArray();
        Assert.Equal([14.0, 14, 14, 14, 3, 3, 3, 3], y);
    }

    [Fact]
    public void Conv2d_Padding1_ZeroBorder_HandComputed()
    {
        // A 3×3 box filter over a 2×2 image of ones, padded by one: every output sees all four ones.
        var y = Functional.Conv2d(Tensor.Ones([1, 1, 2, 2], DType.Float64), Tensor.Ones([1, 1, 3, 3], DType.Float64), padding: [1]);
        Assert.Equal([1, 1, 2, 2], y.Shape.ToArray());
        Assert.Equal([4.0, 4, 4, 4], y.ToDoubleArray());
    }

    [Fact]
    public void Conv2d_SameEvenKernel_PadsOneMoreAfter()
    {
        // PyTorch pads ⌊(k − 1)/2⌋ = 0 before and 1 after for k = 2: output[i] = x[i] + x[i + 1], the last one x[last] + 0.
        var x = Tensor.FromArray([1.0, 2, 3, 4, 5, 6, 7, 8, 9], 1, 1, 3, 3);
        var w = Tensor.FromArray([1.0, 1, 0, 0], 1, 1, 2, 2); // adds horizontal neighbours
        var y = Functional.Conv2d(x, w, null, "same");
        Assert.Equal([1, 1, 3, 3], y.Shape.ToArray());
        Assert.Equal([3.0, 5, 3, 9, 11, 6, 15, 17, 9], y.ToDoubleArray());
    }

    [Fact]
    public void Conv2d_Valid_IsNoPadding()
    {
        var x = TestData.Leaf([1, 2, 5, 5], 1).Detach();
        var w = TestData.Leaf([3, 2, 3, 3], 2).Detach();
        Assert.Equal(Functional.Conv2d(x, w).ToDoubleArray(), Functional.Conv2d(x, w, null, "valid").ToDoubleArray());
    }

    public static TheoryData<string> GradientCases => new()
    {
        "Plain", "Stride2", "Padding1", "SameOdd", "SameEven", "SameEvenDilated", "Dilation2", "Groups2", "Depthwise",
        "RectangularKernel", "MixedStridePadding", "Pointwise", "NoBias",
    };

    /// <summary>
    /// Input shape, weight shape, whether there is a bias, the call, and the geometry worked out by hand
    /// (stride, padding before and after, dilation, groups) for the naive oracle.
    /// </summary>
    private static (int[] X, int[] W, bool Bias, Func<Tensor, Tensor, Tensor?, Tensor> Conv, Conv2dShape Shape) Case(string name) => name switch
    {
        "Plain" => Make([2, 2, 5, 5], [3, 2, 3, 3], true, (x, w, b) => Functional.Conv2d(x, w, b)),
        "Stride2" => Make([2, 2, 6, 6], [3, 2, 3, 3], true, (x, w, b) => Functional.Conv2d(x, w, b, stride: [2]), stride: (2, 2)),
        "Padding1" => Make([2, 2, 5, 5], [2, 2, 3, 3], true, (x, w, b) => Functional.Conv2d(x, w, b, padding: [1]), padH: (1, 1), padW: (1, 1)),
        // "same", k = 3: one row/column of zeros on each side.
        "SameOdd" => Make([1, 2, 5, 5], [2, 2, 3, 3], true, (x, w, b) => Functional.Conv2d(x, w, b, "same"), padH: (1, 1), padW: (1, 1)),
        // "same", k = 4×2: d(k − 1) = 3 rows → 1 before, 2 after; 1 column → 0 before, 1 after.
        "SameEven" => Make([1, 2, 5, 5], [2, 2, 4, 2], true, (x, w, b) => Functional.Conv2d(x, w, b, "same"), padH: (1, 2), padW: (0, 1)),
        // "same", k = 2×3 with dilation 3×2: 3 rows → 1 + 2; 4 columns → 2 + 2.
        "SameEvenDilated" => Make([1, 2, 6, 6], [2, 2, 2, 3], true, (x, w, b) => Functional.Conv2d(x, w, b, "same", dilation: [3, 2]), padH: (1, 2), padW: (2, 2), dilation: (3, 2)),
        "Dilation2" => Make([2, 2, 7, 7], [2, 2, 3, 3], true, (x, w, b) => Functional.Conv2d(x, w, b, dilation: [2]), dilation: (2, 2)),
        "Groups2" => Make([2, 4, 5, 5], [4, 2, 3, 3], true, (x, w, b) => Functional.Conv2d(x, w, b, groups: 2), groups: 2),
        "Depthwise" => Make([2, 3, 5, 5], [6, 1, 3, 3], true, (x, w, b) => Functional.Conv2d(x, w, b, padding: [1], groups: 3), padH: (1, 1), padW: (1, 1), groups: 3),
        "RectangularKernel" => Make([2, 2, 5, 6], [2, 2, 2, 3], true, (x, w, b) => Functional.Conv2d(x, w, b)),
        "MixedStridePadding" => Make([2, 2, 6, 7], [2, 2, 3, 2], true, (x, w, b) => Functional.Conv2d(x, w, b, stride: [2, 3], padding: [1, 2]), stride: (2, 3), padH: (1, 1), padW: (2, 2)),
        "Pointwise" => Make([2, 3, 4, 4], [4, 3, 1, 1], true, (x, w, b) => Functional.Conv2d(x, w, b)),
        "NoBias" => Make([2, 2, 5, 5], [3, 2, 2, 2], false, (x, w, b) => Functional.Conv2d(x, w, b, stride: [2], padding: [1]), stride: (2, 2), padH: (1, 1), padW: (1, 1)),
        _ => throw new ArgumentException(name),
    };

    private static (int[], int[], bool, Func<Tensor, Tensor, Tensor?, Tensor>, Conv2dShape) Make(int[] x, int[] w, bool bias, Func<Tensor, Tensor, Tensor?, Tensor> conv,
        (int H, int W)? stride = null, (int Before, int After)? padH = null, (int Before, int After)? padW = null, (int H, int W)? dilation = null, int groups = 1)
    {
        var (sh, sw) = stride ?? (1, 1);
        var (dh, dw) = dilation ?? (1, 1);
        var (pt, pb) = padH ?? (0, 0);
        var (pl, pr) = padW ?? (0, 0);
        int oh = (x[2] + pt + pb - dh * (w[2] - 1) - 1) / sh + 1, ow = (x[3] + pl + pr - dw * (w[3] - 1) - 1) / sw + 1;
        return (x, w, bias, conv, new Conv2dShape(x[0], x[1], x[2], x[3], w[0], w[2], w[3], sh, sw, pt, pl, dh, dw, groups, oh, ow));
    }

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Conv2d_MatchesFiniteDifferences(string name)
    {
        var (xs, ws, hasBias, conv, _) = Case(name);
        var x = TestData.Leaf(xs, 11);
        var w = TestData.Leaf(ws, 12);
        if (hasBias)
            TestData.AssertGradients(t => conv(t[0], t[1], t[2]), x, w, TestData.Leaf([ws[0]], 13));
        else
            TestData.AssertGradients(t => conv(t[0], t[1], null), x, w);
    }

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Conv2d_MatchesNaiveKernel(string name)
    {
        // The same cases through the public op, against the direct seven-loop convolution with the same geometry.
        var (xs, ws, hasBias, conv, shape) = Case(name);
        var x = TestData.Leaf(xs, 21).Detach();
        var w = TestData.Leaf(ws, 22).Detach();
        var b = hasBias ? TestData.Leaf([ws[0]], 23).Detach() : null;
        var y = conv(x, w, b);
        Assert.Equal([shape.N, shape.O, shape.OH, shape.OW], y.Shape.ToArray());
        var expected = new double[y.Count];
        Convolution.Conv2dNaive(shape, x.ToDoubleArray(), 0, w.ToDoubleArray(), 0, b?.ToDoubleArray(), 0, expected);
        var actual = y.ToDoubleArray();
        for (int i = 0; i < actual.Length; i++) Assert.Equal(expected[i], actual[i], 1e-12);
    }

    [Fact]
    public void Conv2d_PermutedInput_MatchesFiniteDifferences()
    {
        // [N, H, W, C] storage viewed as [N, C, H, W]: the op must read it through its strides (or a copy).
        var x = Tensor.Uniform([2, 5, 5, 3], -2, 2, new Generator(31), DType.Float64).Permute(0, 3, 1, 2).RequireGrad();
        Assert.False(x.IsContiguous);
        TestData.AssertGradients(t => Functional.Conv2d(t[0], t[1], t[2], padding: [1]), x, TestData.Leaf([2, 3, 3, 3], 32), TestData.Leaf([2], 33));
    }

    [Fact]
    public void Conv2d_PermutedInput_EqualsContiguous()
    {
        var x = Tensor.Uniform([3, 6, 7, 4], -1, 1, new Generator(34), DType.Float64).Permute(0, 3, 1, 2);
        var w = TestData.Leaf([5, 4, 3, 3], 35).Detach();
        Assert.Equal(Functional.Conv2d(x.Contiguous(), w, stride: [2]).ToDoubleArray(), Functional.Conv2d(x, w, stride: [2]).ToDoubleArray());
    }

    [Fact]
    public void Conv2d_TransposedWeight_MatchesFiniteDifferences()
    {
        var w = Tensor.Uniform([2, 3, 3, 2], -2, 2, new Generator(36), DType.Float64).Transpose(0, 3).RequireGrad(); // [2, 3, 3, 2] viewed with swapped strides
        TestData.AssertGradients(t => Functional.Conv2d(t[0], t[1]), TestData.Leaf([2, 3, 4, 4], 37), w);
    }

    [Fact]
    public void Conv2d_BatchOfFour_GradientsSumOverImages()
    {
        // The weight gradient is the sum of the per-image weight gradients.
        var x = TestData.Leaf([4, 2, 5, 5], 41);
        var w = TestData.Leaf([3, 2, 3, 3], 42);
        Functional.Conv2d(x, w).Sum().Backward();
        var total = w.Grad!.ToDoubleArray();
        var sum = new double[total.Length];
        for (int n = 0; n < 4; n++)
        {
            var wn = w.Detach().Clone().RequireGrad();
            Functional.Conv2d(x.Detach()[TensorIndex.Slice(n, n + 1)], wn).Sum().Backward();
            var g = wn.Grad!.ToDoubleArray();
            for (int i = 0; i < sum.Length; i++) sum[i] += g[i];
        }
        for (int i = 0; i < sum.Length; i++) Assert.Equal(sum[i], total[i], 1e-10);
    }

    [Fact]
    public void Conv2d_EmptyBatch_GivesEmptyOutputAndZeroWeightGradient()
    {
        var x = Tensor.Zeros([0, 2, 5, 5], DType.Float64).RequireGrad();
        var w = TestData.Leaf([3, 2, 3, 3], 44);
        var b = TestData.Leaf([3], 45);
        var y = Functional.Conv2d(x, w, b);
        Assert.Equal([0, 3, 3, 3], y.Shape.ToArray());
        y.Sum().Backward();
        Assert.All(w.Grad!.ToDoubleArray(), v => Assert.Equal(0.0, v));
        Assert.All(b.Grad!.ToDoubleArray(), v => Assert.Equal(0.0, v));
        Assert.Equal([0, 2, 5, 5], x.Grad!.Shape.ToArray());
    }

    [Fact]
    public void Conv2d_SecondOrder_MatchesFiniteDifferences() =>
        TestData.AssertSecondOrder(t => Functional.Conv2d(t[0], t[1], t[2], stride: [2], padding: [1]),
            TestData.Leaf([1, 2, 4, 4], 51), TestData.Leaf([2, 2, 2, 2], 52), TestData.Leaf([2], 53));

    [Fact]
    public void Conv2d_SecondOrderGrouped_MatchesFiniteDifferences() =>
        TestData.AssertSecondOrder(t => Functional.Conv2d(t[0], t[1], null, "same", dilation: [2], groups: 2).Tanh(),
            TestData.Leaf([1, 2, 4, 4], 54), TestData.Leaf([2, 1, 2, 2], 55));

    [Fact]
    public void Conv2d_InputGrad_MatchesFiniteDifferences()
    {
        // The internal adjoint ops are differentiable in both arguments (that is what makes double backward work).
        var s = new Conv2dShape(2, 2, 4, 5, 3, 2, 3, 2, 1, 1, 1, 1, 1, 1, 3, 5);
        TestData.AssertGradients(t => Functional.Conv2dInputGrad(t[0], t[1], s), TestData.Leaf([2, 3, 3, 5], 56), TestData.Leaf([3, 2, 2, 3], 57));
        TestData.AssertGradients(t => Functional.Conv2dWeightGrad(t[0], t[1], s), TestData.Leaf([2, 2, 4, 5], 58), TestData.Leaf([2, 3, 3, 5], 59));
    }

    [Fact]
    public void Conv2d_Float32_MatchesFloat64()
    {
        var x = Tensor.Uniform([3, 4, 9, 9], -1, 1, new Generator(61));
        var w = Tensor.Uniform([6, 2, 3, 3], -1, 1, new Generator(62));
        var y32 = Functional.Conv2d(x, w, padding: [1], groups: 2).ToDoubleArray();
        var y64 = Functional.Conv2d(x.To(DType.Float64), w.To(DType.Float64), padding: [1], groups: 2).ToDoubleArray();
        for (int i = 0; i < y64.Length; i++) Assert.Equal(y64[i], y32[i], 1e-5);
    }

    [Fact]
    public void Conv2d_BackwardFloat32_MatchesFloat64()
    {
        Tensor[] Grads(DType dtype)
        {
            var x = Tensor.Uniform([4, 3, 8, 8], -1, 1, new Generator(63), dtype).RequireGrad();
            var w = Tensor.Uniform([5, 3, 3, 3], -1, 1, new Generator(64), dtype).RequireGrad();
            var b = Tensor.Uniform([5], -1, 1, new Generator(65), dtype).RequireGrad();
            var y = Functional.Conv2d(x, w, b, stride: [2], padding: [1]);
            y.Mul(y).Sum().Backward();
            return [x.Grad!, w.Grad!, b.Grad!];
        }
        var g32 = Grads(DType.Float32);
        var g64 = Grads(DType.Float64);
        for (int t = 0; t < 3; t++)
        {
            var a = g32[t].ToDoubleArray();
            var e = g64[t].ToDoubleArray();
            for (int i = 0; i < e.Length; i++) Assert.Equal(e[i], a[i], 2e-4 * (1 + Math.Abs(e[i])));
        }
    }

    // ----- bad input -----

    [Fact]
    public void Conv2d_InputNot4D_NamesShape()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.Conv2d(Tensor.Zeros(3, 5, 5), Tensor.Zeros(2, 3, 3, 3)));
        Assert.Contains("Conv2d", e.Message);
        Assert.Contains("[3, 5, 5]", e.Message);
        Assert.Contains("4-D input", e.Message);
    }

    [Fact]
    public void Conv2d_WeightNot4D_NamesShape()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.Conv2d(Tensor.Zeros(1, 3, 5, 5), Tensor.Zeros(2, 27)));
        Assert.Contains("Conv2d", e.Message);
        Assert.Contains("[2, 27]", e.Message);
    }

    [Fact]
    public void Conv2d_ChannelMismatch_NamesShapesAndDimension()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.Conv2d(Tensor.Zeros(1, 3, 5, 5), Tensor.Zeros(4, 2, 3, 3)));
        Assert.Contains("Conv2d", e.Message);
        Assert.Contains("[1, 3, 5, 5]", e.Message);
        Assert.Contains("[4, 2, 3, 3]", e.Message);
        Assert.Contains("dimension 1", e.Message);
    }

    [Fact]
    public void Conv2d_GroupsNotDividingChannels_Explains()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.Conv2d(Tensor.Zeros(1, 4, 5, 5), Tensor.Zeros(6, 2, 3, 3), groups: 3));
        Assert.Contains("groups = 3", e.Message);
        Assert.Contains("input channels (4", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Functional.Conv2d(Tensor.Zeros(1, 4, 5, 5), Tensor.Zeros(3, 2, 3, 3), groups: 2));
        Assert.Contains("output channels (3", e2.Message);
    }

    [Fact]
    public void Conv2d_KernelLargerThanPaddedInput_GivesComputedOutputSize()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.Conv2d(Tensor.Zeros(1, 1, 3, 3), Tensor.Zeros(1, 1, 5, 5)));
        Assert.Contains("Conv2d", e.Message);
        Assert.Contains("5×5", e.Message);
        Assert.Contains("3×3", e.Message);
        Assert.Contains("output size would be -1×-1", e.Message);
        // With padding 1 it fits exactly: a 1×1 output.
        Assert.Equal([1, 1, 1, 1], Functional.Conv2d(Tensor.Zeros(1, 1, 3, 3), Tensor.Zeros(1, 1, 5, 5), padding: [1]).Shape.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Conv2d_NonPositiveStride_Throws(int stride)
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.Conv2d(Tensor.Zeros(1, 1, 5, 5), Tensor.Zeros(1, 1, 3, 3), stride: [1, stride]));
        Assert.Contains("stride must be positive", e.Message);
        Assert.Contains($"[1, {stride}]", e.Message);
    }

    [Fact]
    public void Conv2d_BadPaddingDilationAndBias_Throw()
    {
        var x = Tensor.Zeros(1, 2, 5, 5);
        var w = Tensor.Zeros(3, 2, 3, 3);
        Assert.Contains("padding must be non-negative", Assert.Throws<ArgumentException>(() => Functional.Conv2d(x, w, padding: [-1])).Message);
        Assert.Contains("dilation must be positive", Assert.Throws<ArgumentException>(() => Functional.Conv2d(x, w, dilation: [0])).Message);
        Assert.Contains("one value or two", Assert.Throws<ArgumentException>(() => Functional.Conv2d(x, w, stride: [1, 1, 1])).Message);
        var eb = Assert.Throws<ArgumentException>(() => Functional.Conv2d(x, w, Tensor.Zeros(2)));
        Assert.Contains("bias must have shape [C_out] = [3]", eb.Message);
        Assert.Contains("[2]", eb.Message);
        Assert.Contains("float64", Assert.Throws<ArgumentException>(() => Functional.Conv2d(x, w.To(DType.Float64))).Message);
    }

    [Fact]
    public void Conv2d_SameWithStride_AndUnknownPadding_Throw()
    {
        var x = Tensor.Zeros(1, 1, 5, 5);
        var w = Tensor.Zeros(1, 1, 3, 3);
        Assert.Contains("needs stride 1", Assert.Throws<ArgumentException>(() => Functional.Conv2d(x, w, null, "same", stride: [2])).Message);
        Assert.Contains("\"full\"", Assert.Throws<ArgumentException>(() => Functional.Conv2d(x, w, null, "full")).Message);
    }
}
