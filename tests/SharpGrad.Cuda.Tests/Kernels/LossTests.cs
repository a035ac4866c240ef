using System.Numerics;
using SharpGrad.Kernels;
using static SharpGrad.Cuda.Tests.Kernels.DeviceArrays;

namespace SharpGrad.Cuda.Tests.Kernels;

public class LossTests
{
    private static void Check<T>(int n, int c, double rtol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int xOffset = 3, tOffset = 1;
        var rng = new Random(5);
        var x = new T[xOffset + n * c];
        for (int i = 0; i < x.Length; i++) x[i] = T.CreateTruncating(rng.NextDouble() * 6 - 3);
        // Row 1 at a scale where exp overflows without the shift.
        for (int k = 0; k < c; k++) x[xOffset + c + k] = T.CreateTruncating(1e4 - 3 * k);
        var target = new int[tOffset + n];
        for (int i = 0; i < n; i++) target[tOffset + i] = (i * 5 + 2) % c;
        var keep = Enumerable.Repeat(T.One, n).ToArray();
        const double scale = 0.25;

        var expectedLoss = new double[n];
        for (int i = 0; i < n; i++)
            expectedLoss[i] = Classification.CrossEntropySum(x, xOffset + i * c, 1, c, target, tOffset + i, keep, 0);
        var expectedGrad = new T[n * c];
        Classification.CrossEntropyGrad(x, xOffset, n, c, target, tOffset, keep, 0, scale, expectedGrad);

        using var xb = Up(x);
        using var tb = Up(target);
        using var losses = Empty(xb.DType, n);
        using var grad = Empty(xb.DType, n * c);
        K.CrossEntropy(xb, xOffset, n, c, tb, tOffset, losses, grad, scale);
        var gotLoss = AsDoubles(Down<T>(losses));
        for (int i = 0; i < n; i++)
            Close(expectedLoss[i], gotLoss[i], rtol, rtol, $"{typeof(T).Name} loss {i}");
        AllClose(expectedGrad, Down<T>(grad), rtol, rtol * scale, $"{typeof(T).Name} gradient");

        // Without a gradient buffer only the losses are written.
        using var losses2 = Empty(xb.DType, n);
        K.CrossEntropy(xb, xOffset, n, c, tb, tOffset, losses2, null, scale);
        AllClose(AsDoubles(Down<T>(losses)), AsDoubles(Down<T>(losses2)), 0, 0, "losses without gradient");
    }

    [Theory]
    [InlineData(5, 7)]
    [InlineData(3, 300)]
    [InlineData(2, 1)]
    public void CrossEntropy_MatchesTheCpuKernel(int n, int c)
    {
        Check<float>(n, c, 2e-6);
        Check<double>(n, c, 1e-12);
    }

    [Fact]
    public void CrossEntropy_RejectsNonIntegerTargets()
    {
        using var x = Up(new float[] { 1, 2 });
        using var t = Up(new float[] { 0 });
        using var l = Empty(DType.Float32, 1);
        Assert.Throws<ArgumentException>(() => K.CrossEntropy(x, 0, 1, 2, t, 0, l, null, 1));
    }
}
