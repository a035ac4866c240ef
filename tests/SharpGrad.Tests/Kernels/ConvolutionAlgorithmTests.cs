using System.Numerics;
using System.Runtime.Intrinsics;
using SharpGrad.Kernels;
using SharpGrad.NN;
using static SharpGrad.Tests.Kernels.ConvolutionOracle;

namespace SharpGrad.Tests.Kernels;

/// <summary>
/// Both convolution algorithms (unfolded im2col + GEMM, and the row-extended direct convolution) and both tilings of
/// the row-extended forward pass and weight gradient, each named explicitly, against the seven-loop oracles: awkward stride-1 shapes
/// (odd sizes, asymmetric padding, dilation, groups, channel counts that leave partial register tiles, batches of 1
/// and batches that do not divide into the chunks), float32 and float64, serially and split across chunks. Also the
/// fallbacks for infinite inputs and weights, the bias gradient kernel, and the rules on what the kernels overwrite.
/// The row-extended algorithm needs 256-bit vectors; without them its tests check nothing. Tests that change the
/// partitioner's degree run in its collection.
/// </summary>
[Collection(PartitionerSettingsCollection.Name)]
public class ConvolutionAlgorithmTests
{
    /// <summary>N, C, H, W, O, KH, KW, PH (before), PW (before), PH + PH after, PW + PW after, DH, DW, groups; stride 1.</summary>
    public static TheoryData<int[]> StrideOneShapes => new()
    {
        new[] { 1, 1, 3, 3, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1 },       // tiny: a single partial tile everywhere
        new[] { 5, 1, 28, 28, 8, 5, 5, 2, 2, 4, 4, 1, 1, 1 },     // LeNet conv1 ("same"), 5 images
        new[] { 7, 8, 14, 14, 16, 5, 5, 0, 0, 0, 0, 1, 1, 1 },    // LeNet conv2, 7 images: chunks of 1 and 2
        new[] { 3, 3, 7, 9, 5, 3, 3, 1, 1, 2, 2, 1, 1, 1 },       // odd sizes, O not a multiple of 4
        new[] { 2, 3, 9, 8, 6, 4, 2, 1, 0, 3, 1, 1, 1, 1 },       // even kernel, asymmetric "same" padding
        new[] { 2, 4, 11, 10, 6, 3, 3, 2, 2, 4, 4, 2, 2, 2 },     // dilation and groups
        new[] { 2, 6, 8, 8, 6, 3, 3, 1, 1, 2, 2, 1, 1, 6 },       // depthwise
        new[] { 3, 5, 9, 7, 20, 3, 2, 0, 1, 0, 2, 1, 2, 1 },      // O = 20: two channel panels, the second partial
        new[] { 2, 2, 6, 6, 9, 2, 3, 0, 0, 0, 0, 3, 1, 1 },       // O = 9 (one vector + 1 in float64), dilated rows
        new[] { 1, 16, 6, 6, 12, 3, 3, 1, 1, 2, 2, 1, 1, 4 },     // batch 1, 4 groups of 4 → 3 channels
        new[] { 4, 2, 5, 13, 3, 1, 5, 0, 2, 0, 4, 1, 1, 1 },      // 1×5 kernel: a single tap row
        new[] { 3, 3, 10, 10, 4, 1, 1, 1, 1, 2, 2, 1, 1, 1 },     // 1×1 kernel with padding: not pointwise
    };

    private static Conv2dShape ShapeOf(int[] a)
    {
        int oh = a[2] + a[9] - a[11] * (a[5] - 1), ow = a[3] + a[10] - a[12] * (a[6] - 1);
        return new Conv2dShape(a[0], a[1], a[2], a[3], a[4], a[5], a[6], 1, 1, a[7], a[8], a[11], a[12], a[13], oh, ow);
    }

    [Theory]
    [MemberData(nameof(StrideOneShapes))]
    public void ExtendedRows_Float32_MatchesNaive(int[] args) => CheckAll<float>(ShapeOf(args), 1e-6f, ConvolutionAlgorithm.ExtendedRows);

    [Theory]
    [MemberData(nameof(StrideOneShapes))]
    public void ExtendedRows_Float64_MatchesNaive(int[] args) => CheckAll<double>(ShapeOf(args), 1e-14, ConvolutionAlgorithm.ExtendedRows);

    [Theory]
    [MemberData(nameof(StrideOneShapes))]
    public void Unfolded_Float64_MatchesNaive(int[] args) => CheckAll<double>(ShapeOf(args), 1e-14, ConvolutionAlgorithm.Unfolded);

    [Theory]
    [MemberData(nameof(StrideOneShapes))]
    public void Auto_Float32_MatchesNaive(int[] args) => CheckAll<float>(ShapeOf(args), 1e-6f, ConvolutionAlgorithm.Auto);

    [Fact]
    public void ExtendedRows_RefusesOtherStrides()
    {
        var s = new Conv2dShape(1, 1, 5, 5, 1, 3, 3, 2, 1, 0, 0, 1, 1, 1, 2, 3);
        var x = new double[25];
        var w = new double[9];
        Assert.Throws<ArgumentException>(() => Convolution.Conv2d(s, x, 0, w, 0, null, 0, new double[6], ConvolutionAlgorithm.ExtendedRows));
    }

    /// <summary>Whether this machine can run the row-extended algorithm at all.</summary>
    private static bool HasVectors => Vector256.IsHardwareAccelerated;

    [Fact]
    public void ExtendedRows_BuffersAtOffsets_MatchNaive()
    {
        if (!HasVectors)
            return;
        var s = ShapeOf([3, 4, 7, 6, 5, 3, 3, 1, 1, 2, 2, 1, 1, 1]);
        var rng = new Random(7);
        int xLen = s.N * s.C * s.H * s.W, wLen = s.O * s.K, yLen = s.N * s.O * s.P;
        var x = Random<float>(rng, xLen + 5);
        var w = Random<float>(rng, wLen + 3);
        var bias = Random<float>(rng, s.O + 4);
        var gy = Random<float>(rng, yLen + 6);
        var expected = new float[yLen];
        Convolution.Conv2dNaive(s, x, 5, w, 3, bias, 4, expected);
        foreach (var tiling in new[] { ExtendedTiling.AlongPositions, ExtendedTiling.AlongChannels })
        {
            var actual = new float[yLen];
            Convolution.Conv2d(s, x, 5, w, 3, bias, 4, actual, ConvolutionAlgorithm.ExtendedRows, tiling);
            AssertClose(expected, actual, 1e-5f);
        }

        var gxExpected = new float[xLen];
        var gxActual = new float[xLen];
        Convolution.Conv2dInputGradNaive(s, gy, 6, w, 3, gxExpected);
        Convolution.Conv2dInputGrad(s, gy, 6, w, 3, gxActual, ConvolutionAlgorithm.ExtendedRows);
        AssertClose(gxExpected, gxActual, 1e-5f);

        var gwExpected = new float[wLen];
        Convolution.Conv2dWeightGradNaive(s, x, 5, gy, 6, gwExpected);
        foreach (var tiling in new[] { ExtendedTiling.AlongPositions, ExtendedTiling.AlongChannels })
        {
            var gwActual = new float[wLen];
            Convolution.Conv2dWeightGrad(s, x, 5, gy, 6, gwActual, ConvolutionAlgorithm.ExtendedRows, tiling);
            AssertClose(gwExpected, gwActual, 1e-5f);
        }
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 1)]
    [InlineData(true, 2)]
    public void Kernels_OverwriteWhatTheOutputsHeld(bool extendedRows, int tilingIndex)
    {
        if (extendedRows && !HasVectors)
            return;
        var algorithm = extendedRows ? ConvolutionAlgorithm.ExtendedRows : ConvolutionAlgorithm.Unfolded;
        var tiling = (ExtendedTiling)tilingIndex;
        // The ops hand the kernels uninitialised pooled memory, so every element must be written, not added to.
        var s = ShapeOf([3, 2, 6, 5, 19, 3, 3, 1, 1, 2, 2, 1, 1, 1]);
        var rng = new Random(8);
        var x = Random<double>(rng, s.N * s.C * s.H * s.W);
        var w = Random<double>(rng, s.O * s.K);
        var gy = Random<double>(rng, s.N * s.O * s.P);
        var y = Filled(s.N * s.O * s.P);
        var gx = Filled(x.Length);
        var gw = Filled(w.Length);
        Convolution.Conv2d(s, x, 0, w, 0, null, 0, y, algorithm, tiling);
        Convolution.Conv2dInputGrad(s, gy, 0, w, 0, gx, algorithm);
        Convolution.Conv2dWeightGrad(s, x, 0, gy, 0, gw, algorithm, tiling);
        var yExpected = new double[y.Length];
        var gxExpected = new double[gx.Length];
        var gwExpected = new double[gw.Length];
        Convolution.Conv2dNaive(s, x, 0, w, 0, null, 0, yExpected);
        Convolution.Conv2dInputGradNaive(s, gy, 0, w, 0, gxExpected);
        Convolution.Conv2dWeightGradNaive(s, x, 0, gy, 0, gwExpected);
        AssertClose(yExpected, y, 1e-12);
        AssertClose(gxExpected, gx, 1e-12);
        AssertClose(gwExpected, gw, 1e-12);
    }

    [Fact]
    public void Kernels_EmptyBatch_ZeroWeightGradient()
    {
        var s = ShapeOf([0, 2, 5, 5, 3, 3, 3, 1, 1, 2, 2, 1, 1, 1]);
        foreach (var algorithm in HasVectors ? new[] { ConvolutionAlgorithm.Unfolded, ConvolutionAlgorithm.ExtendedRows } : [ConvolutionAlgorithm.Unfolded])
        {
            var gw = Filled(s.O * s.K);
            Convolution.Conv2dWeightGrad(s, Array.Empty<double>(), 0, Array.Empty<double>(), 0, gw, algorithm);
            Assert.All(gw, v => Assert.Equal(0.0, v));
        }
    }

    [Fact]
    public void Auto_InfiniteInput_WeightGradientHasNoExtraNaN()
    {
        // The extra columns meet real pixels with a zero gradient; 0·∞ there must not reach the result.
        var s = ShapeOf([2, 2, 9, 9, 4, 3, 3, 1, 1, 2, 2, 1, 1, 1]);
        var rng = new Random(9);
        var x = Random<double>(rng, s.N * s.C * s.H * s.W);
        var gy = Random<double>(rng, s.N * s.O * s.P);
        x[(0 * s.C + 1) * s.H * s.W + 4 * s.W + 8] = double.PositiveInfinity; // right edge of a row
        x[(1 * s.C + 0) * s.H * s.W + 0] = double.NaN;
        var expected = new double[s.O * s.K];
        var actual = new double[s.O * s.K];
        Convolution.Conv2dWeightGradNaive(s, x, 0, gy, 0, expected);
        Convolution.Conv2dWeightGrad(s, x, 0, gy, 0, actual);
        AssertSameNonFinite(expected, actual, 1e-12);
    }

    [Fact]
    public void Auto_InfiniteWeight_InputGradientHasNoExtraNaN()
    {
        var s = ShapeOf([2, 2, 8, 8, 3, 3, 3, 0, 0, 0, 0, 1, 1, 1]);
        var rng = new Random(10);
        var w = Random<double>(rng, s.O * s.K);
        var gy = Random<double>(rng, s.N * s.O * s.P);
        w[5] = double.NegativeInfinity;
        var expected = new double[s.N * s.C * s.H * s.W];
        var actual = new double[expected.Length];
        Convolution.Conv2dInputGradNaive(s, gy, 0, w, 0, expected);
        Convolution.Conv2dInputGrad(s, gy, 0, w, 0, actual);
        AssertSameNonFinite(expected, actual, 1e-12);
    }

    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(3, 5, 7, 9)]
    [InlineData(64, 8, 28, 28)]
    [InlineData(2, 3, 1, 3)]
    public void BiasGrad_MatchesSum(int n, int o, int oh, int ow)
    {
        var s = new Conv2dShape(n, 1, oh, ow, o, 1, 1, 1, 1, 0, 0, 1, 1, 1, oh, ow);
        var rng = new Random(11);
        var gy = Random<double>(rng, n * o * oh * ow + 3);
        var expected = new double[o];
        for (int b = 0; b < n; b++)
        for (int c = 0; c < o; c++)
        for (int p = 0; p < oh * ow; p++)
            expected[c] += gy[3 + (b * o + c) * oh * ow + p];
        var actual = Filled(o);
        Convolution.BiasGrad(s, gy, 3, actual);
        AssertClose(expected, actual, 1e-12);

        var gy32 = Array.ConvertAll(gy, v => (float)v);
        var actual32 = new float[o];
        Convolution.BiasGrad(s, gy32, 3, actual32);
        // float32 sums of n·oh·ow terms: the rounding grows with their number.
        AssertClose(Array.ConvertAll(expected, v => (float)v), actual32, 1e-7f * (n * oh * ow + 10));
    }

    [Fact]
    public void Conv2d_StrideOneWithBias_SecondOrder_MatchesFiniteDifferences() =>
        // Double backward through the row-extended kernels and the bias gradient op.
        TestData.AssertSecondOrder(t => Functional.Conv2d(t[0], t[1], t[2], padding: [1]).Tanh(),
            TestData.Leaf([2, 2, 5, 4], 91), TestData.Leaf([3, 2, 3, 2], 92), TestData.Leaf([3], 93));

    /// <summary>
    /// Compares the three kernels of <paramref name="algorithm"/> (and, for the row-extended one, both tilings of the
    /// forward pass and the weight gradient) with their oracles, serially, at the machine's default degree and at degree 4.
    /// </summary>

    private static double[] Filled(int length)
    {
        var a = new double[length];
        Array.Fill(a, 12345.0);
        return a;
    }

    /// <summary>The same elements are infinite (with the same sign) or NaN, and the finite ones agree.</summary>
    private static void AssertSameNonFinite(double[] expected, double[] actual, double tolerance)
    {
        Assert.Contains(expected, double.IsFinite);
        Assert.Contains(expected, v => !double.IsFinite(v));
        for (int i = 0; i < expected.Length; i++)
        {
            if (double.IsFinite(expected[i]))
                Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                    $"element {i}: expected {expected[i]}, got {actual[i]}");
            else if (double.IsNaN(expected[i]))
                Assert.True(double.IsNaN(actual[i]), $"element {i}: expected NaN, got {actual[i]}");
            else
                Assert.Equal(expected[i], actual[i]);
        }
    }
}
