using SharpGrad.Kernels;
using static SharpGrad.Cuda.Tests.Kernels.KernelTestBuffers;

namespace SharpGrad.Cuda.Tests.Kernels;

public class ConvolutionTests
{
    private static Conv2dShape Shape(int n, int c, int h, int w, int o, int kh, int kw, int stride, int padding, int dilation, int groups)
    {
        int oh = (h + 2 * padding - dilation * (kh - 1) - 1) / stride + 1;
        int ow = (w + 2 * padding - dilation * (kw - 1) - 1) / stride + 1;
        return new Conv2dShape(n, c, h, w, o, kh, kw, stride, stride, padding, padding, dilation, dilation, groups, oh, ow);
    }

    public static TheoryData<int, int, int, int, int, int, int, int, int, int, int> Shapes => new()
    {
        // n, c, h, w, o, kh, kw, stride, padding, dilation, groups
        { 2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1 },
        { 1, 4, 9, 8, 6, 3, 2, 2, 1, 2, 2 },
        { 2, 2, 5, 5, 2, 1, 1, 1, 0, 1, 1 },
        { 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1 },
        { 2, 4, 6, 7, 4, 3, 3, 3, 2, 1, 4 },
    };

    /// <summary>Forward convolution as im2col then one GEMM per group reproduces the direct seven-loop convolution.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Im2ColThenGemm_IsTheDirectConvolution(int n, int c, int h, int w, int o, int kh, int kw, int stride, int padding, int dilation, int groups)
    {
        var s = Shape(n, c, h, w, o, kh, kw, stride, padding, dilation, groups);
        Forward<float>(s, 1e-5);
        Forward<double>(s, 1e-12);
    }

    private static void Forward<T>(Conv2dShape s, double tolerance) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        const int xOffset = 5;
        var x = Random<T>(xOffset + s.N * s.C * s.H * s.W, 11);
        var weights = Random<T>(s.O * s.K, 12);
        var expected = new T[s.N * s.O * s.P];
        Convolution.Conv2dNaive(s, x, xOffset, weights, 0, null, 0, expected);

        using var gx = Upload(x);
        using var gw = Upload(weights);
        using var columns = Backend.Allocate(DTypeExtensions.Of<T>(), s.N * s.C * s.KH * s.KW * s.P, zeroed: false);
        using var gy = Backend.Allocate(DTypeExtensions.Of<T>(), s.N * s.O * s.P, zeroed: false);
        Backend.Im2Col(s, gx, xOffset, columns);
        for (int image = 0; image < s.N; image++)
            for (int g = 0; g < s.Groups; g++)
                Backend.Gemm(1, s.Og, s.P, s.K, gw, g * s.Og * s.K, 0, s.K, 1, columns, (image * s.Groups + g) * s.K * s.P, 0, s.P, 1,
                    gy, (image * s.O + g * s.Og) * s.P, 0, s.P, accumulate: false);
        AssertClose(expected, Download<T>(gy), tolerance);
    }

    /// <summary>The input gradient as wᵀ·gy then col2im, added onto what gx held, is the direct adjoint plus that.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void GemmThenCol2Im_IsTheDirectInputGradient(int n, int c, int h, int w, int o, int kh, int kw, int stride, int padding, int dilation, int groups)
    {
        var s = Shape(n, c, h, w, o, kh, kw, stride, padding, dilation, groups);
        Backward<float>(s, 1e-5);
        Backward<double>(s, 1e-12);
    }

    private static void Backward<T>(Conv2dShape s, double tolerance) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var gyHost = Random<T>(s.N * s.O * s.P, 21);
        var weights = Random<T>(s.O * s.K, 22);
        var initial = Random<T>(s.N * s.C * s.H * s.W, 23);
        var direct = new T[initial.Length];
        Convolution.Conv2dInputGradNaive(s, gyHost, 0, weights, 0, direct);
        var expected = new T[initial.Length];
        for (int i = 0; i < expected.Length; i++)
            expected[i] = initial[i] + direct[i];

        using var gy = Upload(gyHost);
        using var gw = Upload(weights);
        using var gx = Upload(initial);
        using var columns = Backend.Allocate(DTypeExtensions.Of<T>(), s.N * s.C * s.KH * s.KW * s.P, zeroed: false);
        for (int image = 0; image < s.N; image++)
        {
            // w[g] is Og×K row-major, so w[g]ᵀ (K×Og) has row stride 1 and column stride K.
            for (int g = 0; g < s.Groups; g++)
                Backend.Gemm(1, s.K, s.P, s.Og, gw, g * s.Og * s.K, 0, 1, s.K, gy, (image * s.O + g * s.Og) * s.P, 0, s.P, 1,
                    columns, (image * s.Groups + g) * s.K * s.P, 0, s.P, accumulate: false);
        }
        Backend.Col2Im(s, columns, gx);
        AssertClose(expected, Download<T>(gx), tolerance);
    }

    [Fact]
    public void Im2Col_OfAPaddedWindow_ByHand()
    {
        // One 2×2 image [[1, 2], [3, 4]], 2×2 kernel, padding 1, stride 1: 3×3 outputs, 4 rows (ki, kj).
        var s = Shape(1, 1, 2, 2, 1, 2, 2, 1, 1, 1, 1);
        using var x = Upload(new double[] { 1, 2, 3, 4 });
        using var columns = Backend.Allocate(DType.Float64, 4 * 9, zeroed: false);
        Backend.Im2Col(s, x, 0, columns);
        double[] expected =
        [
            0, 0, 0, 0, 1, 2, 0, 3, 4, // (0, 0): x[oh − 1, ow − 1]
            0, 0, 0, 1, 2, 0, 3, 4, 0, // (0, 1): x[oh − 1, ow]
            0, 1, 2, 0, 3, 4, 0, 0, 0, // (1, 0): x[oh, ow − 1]
            1, 2, 0, 3, 4, 0, 0, 0, 0, // (1, 1): x[oh, ow]
        ];
        Assert.Equal(expected, Download<double>(columns));
    }

    private static void AssertClose<T>(T[] expected, T[] actual, double tolerance) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateChecked(expected[i]), a = double.CreateChecked(actual[i]);
            Assert.True(Math.Abs(e - a) <= tolerance * Math.Max(1, Math.Abs(e)), $"element {i}: expected {e}, got {a}");
        }
    }
}
