using SharpGrad.Kernels;
using static SharpGrad.Cuda.Tests.Kernels.KernelTestBuffers;

namespace SharpGrad.Cuda.Tests.Kernels;

public class PoolingTests
{
    public static TheoryData<int, int, int, int, int, int, int, bool> Shapes => new()
    {
        // planes, h, w, kernel, stride, padding, dilation, ceil mode
        { 3, 6, 6, 2, 2, 0, 1, false },
        { 2, 7, 5, 3, 2, 1, 1, true },
        { 2, 9, 8, 3, 1, 1, 2, false },
        { 1, 1, 1, 1, 1, 0, 1, false },
        { 4, 5, 6, 2, 3, 1, 1, true },
    };

    private static MaxPool2dShape Shape(int planes, int h, int w, int k, int stride, int padding, int dilation, bool ceil) =>
        new(planes, h, w, k, k, stride, stride, padding, padding, dilation, dilation,
            Pooling.OutputSize(h, k, stride, padding, dilation, ceil), Pooling.OutputSize(w, k, stride, padding, dilation, ceil));

    /// <summary>Random values with ties, NaNs and −∞ sprinkled in, so first-maximum and NaN rules both matter.</summary>
    private static T[] Values<T>(int length, int seed) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var values = new T[length];
        for (int i = 0; i < length; i++)
        {
            int r = random.Next(20);
            values[i] = r == 0 ? T.NaN : r == 1 ? T.NegativeInfinity : T.CreateChecked(random.Next(-3, 4));
        }
        return values;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MaxPool2d_MatchesTheNaiveKernel(int planes, int h, int w, int k, int stride, int padding, int dilation, bool ceil)
    {
        var s = Shape(planes, h, w, k, stride, padding, dilation, ceil);
        Pool<float>(s);
        Pool<double>(s);
    }

    private static void Pool<T>(MaxPool2dShape s) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        const int xOffset = 7;
        var x = Values<T>(xOffset + s.Planes * s.H * s.W, s.H * 31 + s.KH);
        int outputs = s.Planes * s.OH * s.OW;
        var expectedY = new T[outputs];
        var expectedArgmax = new int[outputs];
        Pooling.MaxPool2dNaive(s, x, xOffset, expectedY, expectedArgmax);

        using var gx = Upload(x);
        using var gy = Backend.Allocate(DTypeExtensions.Of<T>(), outputs, zeroed: false);
        using var ga = Backend.Allocate(DType.Int32, outputs, zeroed: false);
        Backend.MaxPool2d(s, gx, xOffset, gy, ga);
        Assert.Equal(expectedArgmax, Download<int>(ga));
        Assert.Equal(expectedY, Download<T>(gy)); // NaN equals NaN here, as xunit compares floating point values
    }

    [Fact]
    public void MaxPool2d_NaNWinsAndTheFirstMaximumIsKept_ByHand()
    {
        // One 2×3 plane [[1, 5, 5], [NaN, 2, 5]], 2×2 windows at stride 1: [1, 5, NaN, 2] → NaN at 3; [5, 5, 2, 5] → 5 at 1.
        var s = new MaxPool2dShape(1, 2, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1, 2);
        using var x = Upload(new float[] { 1, 5, 5, float.NaN, 2, 5 });
        using var y = Backend.Allocate(DType.Float32, 2, zeroed: false);
        using var argmax = Backend.Allocate(DType.Int32, 2, zeroed: false);
        Backend.MaxPool2d(s, x, 0, y, argmax);
        Assert.Equal(new[] { 3, 1 }, Download<int>(argmax));
        var values = Download<float>(y);
        Assert.True(float.IsNaN(values[0]));
        Assert.Equal(5f, values[1]);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ScatterArgmax_MatchesTheCpuKernelExactly(int planes, int h, int w, int k, int stride, int padding, int dilation, bool ceil)
    {
        var s = Shape(planes, h, w, k, stride, padding, dilation, ceil);
        Scatter<float>(s);
        Scatter<double>(s);
    }

    private static void Scatter<T>(MaxPool2dShape s) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        // Overlapping windows on a plane of equal values pick the same position from several outputs, so several
        // gradients land on one element and their order of addition shows.
        var x = new T[s.Planes * s.H * s.W];
        int outPlane = s.OH * s.OW, inPlane = s.H * s.W, outputs = s.Planes * outPlane;
        var y = new T[outputs];
        var argmax = new int[outputs];
        Pooling.MaxPool2dNaive(s, x, 0, y, argmax);
        const int gyOffset = 3;
        var gradient = Random<T>(gyOffset + outputs, 41);
        var expected = new T[s.Planes * inPlane];
        Pooling.ScatterArgmax(s.Planes, inPlane, outPlane, gradient, gyOffset, argmax, expected);

        using var gy = Upload(gradient);
        using var ga = Upload(argmax);
        using var gx = Backend.Allocate(DTypeExtensions.Of<T>(), expected.Length, zeroed: true);
        Backend.ScatterArgmax(s.Planes, inPlane, outPlane, gy, gyOffset, ga, gx);
        Assert.Equal(expected, Download<T>(gx));
    }

    [Fact]
    public void ScatterArgmax_AddsEveryGradientThatChoseAnElement_ByHand()
    {
        // Two planes of 3 inputs, 4 outputs each; plane 0 sends outputs 0, 1 and 3 to input 2.
        using var gy = Upload(new double[] { 1, 2, 3, 4, 10, 20, 30, 40 });
        using var argmax = Upload(new[] { 2, 2, 0, 2, 1, 1, 1, 0 });
        using var gx = Backend.Allocate(DType.Float64, 6, zeroed: true);
        Backend.ScatterArgmax(2, 3, 4, gy, 0, argmax, gx);
        Assert.Equal(new double[] { 3, 0, 7, 40, 60, 0 }, Download<double>(gx));
    }
}
