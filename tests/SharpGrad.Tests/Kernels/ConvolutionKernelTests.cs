using System.Numerics;
using SharpGrad.Kernels;
using static SharpGrad.Tests.Kernels.ConvolutionOracle;

namespace SharpGrad.Tests.Kernels;

/// <summary>
/// The im2col + GEMM convolution kernels (forward, input gradient, weight gradient) against the direct seven-loop
/// oracles, in float32 and float64, over strides, paddings (also asymmetric), dilations, groups, pointwise kernels,
/// inputs at an offset, and sizes large enough to split the batch across cores — or, with fewer images than cores,
/// to leave the batch serial and let GEMM split. Tests that change the partitioner's degree run in its collection.
/// </summary>
[Collection(PartitionerSettingsCollection.Name)]
public class ConvolutionKernelTests
{
    /// <summary>N, C, H, W, O, KH, KW, SH, SW, PH, PW, DH, DW, groups (output size derived, symmetric padding).</summary>
    public static TheoryData<int[]> Shapes => new()
    {
        new[] { 1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 1, 1, 1 },
        new[] { 2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1 },
        new[] { 2, 3, 9, 8, 5, 3, 2, 2, 3, 0, 1, 1, 1, 1 },
        new[] { 3, 4, 9, 9, 6, 3, 3, 1, 1, 2, 2, 2, 2, 2 },
        new[] { 2, 6, 8, 8, 6, 3, 3, 2, 2, 1, 1, 1, 1, 6 },  // depthwise
        new[] { 2, 4, 5, 5, 8, 1, 1, 1, 1, 0, 0, 1, 1, 2 },  // pointwise, grouped
        new[] { 2, 4, 6, 6, 3, 1, 1, 2, 2, 0, 0, 1, 1, 1 },  // 1×1 with stride: not pointwise
        new[] { 1, 2, 4, 4, 2, 5, 5, 1, 1, 2, 2, 1, 1, 1 },  // kernel larger than the input, fits with padding
        new[] { 2, 1, 28, 28, 8, 5, 5, 1, 1, 0, 0, 1, 1, 1 }, // LeNet conv1
        new[] { 8, 8, 12, 12, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1 }, // LeNet conv2, batch split across chunks
        new[] { 8, 16, 20, 20, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1 }, // large per image: several chunks
        new[] { 1, 32, 32, 32, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1 }, // one big image: GEMM splits instead
        new[] { 2, 16, 24, 24, 64, 3, 3, 1, 1, 1, 1, 1, 1, 2 }, // fewer images than cores (at degree 4)
    };

    private static Conv2dShape ShapeOf(int[] a)
    {
        int oh = (a[2] + 2 * a[9] - a[11] * (a[5] - 1) - 1) / a[7] + 1;
        int ow = (a[3] + 2 * a[10] - a[12] * (a[6] - 1) - 1) / a[8] + 1;
        return new Conv2dShape(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], oh, ow);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Conv2d_Float32_MatchesNaive(int[] args) => CheckAll<float>(ShapeOf(args), 1e-6f);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Conv2d_Float64_MatchesNaive(int[] args) => CheckAll<double>(ShapeOf(args), 1e-14);

    [Fact]
    public void Conv2d_AsymmetricPadding_MatchesNaive()
    {
        // "same" with an even kernel: 1 row before and 2 after (the kernel only sees the padding before and the output size).
        var s = new Conv2dShape(2, 3, 6, 5, 4, 4, 2, 1, 1, 1, 0, 1, 1, 1, 6, 5);
        CheckAll<double>(s, 1e-14);
    }

    [Fact]
    public void Conv2d_InputAtOffset_MatchesNaive()
    {
        var s = ShapeOf([2, 3, 6, 6, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1]);
        var rng = new Random(3);
        int xLen = s.N * s.C * s.H * s.W, wLen = s.O * s.K, yLen = s.N * s.O * s.P;
        var x = Random<double>(rng, xLen + 7);
        var w = Random<double>(rng, wLen + 5);
        var bias = Random<double>(rng, s.O + 2);
        var expected = new double[yLen];
        var actual = new double[yLen];
        Convolution.Conv2dNaive(s, x, 7, w, 5, bias, 2, expected);
        Convolution.Conv2d(s, x, 7, w, 5, bias, 2, actual);
        AssertClose(expected, actual, 1e-12);

        var gy = Random<double>(rng, yLen + 3);
        var gxExpected = new double[xLen];
        var gxActual = new double[xLen];
        Convolution.Conv2dInputGradNaive(s, gy, 3, w, 5, gxExpected);
        Convolution.Conv2dInputGrad(s, gy, 3, w, 5, gxActual);
        AssertClose(gxExpected, gxActual, 1e-12);

        var gwExpected = new double[wLen];
        var gwActual = new double[wLen];
        Convolution.Conv2dWeightGradNaive(s, x, 7, gy, 3, gwExpected);
        Convolution.Conv2dWeightGrad(s, x, 7, gy, 3, gwActual);
        AssertClose(gwExpected, gwActual, 1e-12);
    }

    [Fact]
    public void Conv2d_WeightGrad_IsDeterministicAcrossRuns()
    {
        // Per-chunk partial sums are added in chunk order, so repeated runs give identical bits.
        var s = ShapeOf([16, 8, 12, 12, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1]);
        var rng = new Random(4);
        var x = Random<float>(rng, s.N * s.C * s.H * s.W);
        var gy = Random<float>(rng, s.N * s.O * s.P);
        var first = new float[s.O * s.K];
        Convolution.Conv2dWeightGrad(s, x, 0, gy, 0, first);
        for (int run = 0; run < 5; run++)
        {
            var again = new float[s.O * s.K];
            Convolution.Conv2dWeightGrad(s, x, 0, gy, 0, again);
            Assert.Equal(first, again);
        }
    }

    [Fact]
    public void Conv2d_ConvolutionIsAdjointToItsGradients()
    {
        // ⟨gy, conv(x, w)⟩ = ⟨x, InputGrad(gy, w)⟩ = ⟨w, WeightGrad(x, gy)⟩: the identity the recorded ops rely on.
        var s = ShapeOf([2, 4, 7, 7, 6, 3, 3, 2, 1, 1, 2, 1, 2, 2]);
        var rng = new Random(5);
        var x = Random<double>(rng, s.N * s.C * s.H * s.W);
        var w = Random<double>(rng, s.O * s.K);
        var gy = Random<double>(rng, s.N * s.O * s.P);
        var y = new double[gy.Length];
        var gx = new double[x.Length];
        var gw = new double[w.Length];
        Convolution.Conv2d(s, x, 0, w, 0, null, 0, y);
        Convolution.Conv2dInputGrad(s, gy, 0, w, 0, gx);
        Convolution.Conv2dWeightGrad(s, x, 0, gy, 0, gw);
        double a = Dot(gy, y), b = Dot(x, gx), c = Dot(w, gw);
        Assert.Equal(a, b, 1e-9);
        Assert.Equal(a, c, 1e-9);
    }

    /// <summary>
    /// Compares all three fast kernels with their oracles, running the fast ones serially, at the machine's default
    /// degree and at degree 4 (so the chunked paths run on any machine).
    /// </summary>

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
