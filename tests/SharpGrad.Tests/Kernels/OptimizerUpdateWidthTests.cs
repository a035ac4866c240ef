using SharpGrad.Kernels;

namespace SharpGrad.Tests.Kernels;

/// <summary>
/// The fused Adam and SGD kernels at both forced vector widths, over lengths that use the 512-bit loop, the 256-bit
/// loop and the scalar tail: the widths agree bit for bit, and both match the formulas evaluated here in double.
/// </summary>
public class OptimizerUpdateWidthTests
{
    private const int Length = 16 * 6 + 8 + 5;

    private static float[] Wave(double scale, double shift) =>
        Enumerable.Range(0, Length).Select(i => (float)(scale * Math.Sin(i + shift))).ToArray();

    private static (float[] P, float[] M, float[] V) Adam(int bits)
    {
        var p = Wave(1, 0);
        var m = Wave(0.1, 1);
        var v = Wave(0.2, 2).Select(Math.Abs).ToArray();
        var g = Wave(0.5, 3);
        using (VectorWidth.Force(bits))
            OptimizerUpdates.Adam(p, 0, g, 0, m, 0, v, 0, null, 0, Length, 0.9, 0.99, 0.01, 0.999, 0.05, 1e-3);
        return (p, m, v);
    }

    [Fact]
    public void Adam_BothWidths_AgreeAndMatchTheFormula()
    {
        var wide = Adam(512);
        var narrow = Adam(256);
        Assert.Equal(narrow.P, wide.P);
        Assert.Equal(narrow.M, wide.M);
        Assert.Equal(narrow.V, wide.V);

        float[] p0 = Wave(1, 0), m0 = Wave(0.1, 1), v0 = Wave(0.2, 2).Select(Math.Abs).ToArray(), g0 = Wave(0.5, 3);
        for (int i = 0; i < Length; i++)
        {
            double g = g0[i] + 0.01 * p0[i];
            double m = m0[i] + (1 - 0.9) * (g - m0[i]);
            double v = 0.99 * v0[i] + (1 - 0.99) * g * g;
            double p = 0.999 * p0[i] - 0.05 * m / (Math.Sqrt(v) + 1e-3);
            Assert.Equal(m, wide.M[i], 1e-6);
            Assert.Equal(v, wide.V[i], 1e-6);
            Assert.Equal(p, wide.P[i], 1e-5);
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Sgd_BothWidths_AgreeAndMatchTheFormula(bool momentum, bool nesterov)
    {
        (float[] P, float[]? B) Run(int bits)
        {
            var p = Wave(1, 0);
            var b = momentum ? Wave(0.3, 4) : null;
            using (VectorWidth.Force(bits))
                OptimizerUpdates.Sgd(p, 0, Wave(0.5, 3), 0, b, 0, Length, 0.1, 0.01, 0.9, 0.1, nesterov);
            return (p, b);
        }
        var wide = Run(512);
        var narrow = Run(256);
        Assert.Equal(narrow.P, wide.P);
        Assert.Equal(narrow.B, wide.B);

        float[] p0 = Wave(1, 0), g0 = Wave(0.5, 3), b0 = Wave(0.3, 4);
        for (int i = 0; i < Length; i++)
        {
            double d = g0[i] + 0.01 * p0[i];
            if (momentum)
            {
                double b = 0.9 * b0[i] + 0.9 * d;
                Assert.Equal(b, wide.B![i], 1e-6);
                d = nesterov ? d + 0.9 * b : b;
            }
            Assert.Equal(p0[i] - 0.1 * d, wide.P[i], 1e-6);
        }
    }
}
