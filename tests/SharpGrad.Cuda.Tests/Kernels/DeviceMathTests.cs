using SharpGrad.Cuda.Kernels;

namespace SharpGrad.Cuda.Tests.Kernels;

/// <summary>The kernels' own floor, exp, log, sin and cos against System.Math over their whole ranges (they are plain C#, so the host can call them).</summary>
public class DeviceMathTests
{
    private static void Near(double expected, double actual, double ulps, string what)
    {
        if (double.IsNaN(expected) || double.IsInfinity(expected) || expected == 0)
        {
            Assert.True(expected.Equals(actual), $"{what}: expected {expected:R}, got {actual:R}");
            return;
        }
        double tolerance = ulps * Math.Max(Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected), double.Epsilon);
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected:R}, got {actual:R}");
    }

    [Fact]
    public void Floor_IsExact_IncludingHugeValuesAndSpecials()
    {
        double[] xs = [0.0, -0.0, 0.5, -0.5, 1, -1, 2.9999999999999996, -2.0000000000000004, 3e9, -3e9 - 0.5, 4503599627370495.5, -4503599627370495.5,
            1e300, -1e300, double.Epsilon, -double.Epsilon, double.NaN, double.PositiveInfinity, double.NegativeInfinity];
        foreach (double x in xs)
        {
            double e = Math.Floor(x), a = DeviceMath.Floor(x);
            Assert.True(e.Equals(a) && double.IsNegative(e) == double.IsNegative(a), $"floor({x:R}): expected {e:R}, got {a:R}");
        }
    }

    [Fact]
    public void Exp_WithinTwoUlps_FromUnderflowToOverflow()
    {
        var rng = new Random(1);
        for (int i = 0; i < 20000; i++)
        {
            double x = -746 + 1456 * rng.NextDouble();
            Near(Math.Exp(x), DeviceMath.Exp(x), Math.Exp(x) < 2.2250738585072014e-308 ? 1 : 2, $"exp({x:R})");
        }
        foreach (double x in new[] { 0.0, -0.0, 1e-300, -1e-20, 709.78, 709.8, -745.2, double.NaN, double.PositiveInfinity, double.NegativeInfinity })
            Near(Math.Exp(x), DeviceMath.Exp(x), 2, $"exp({x:R})");
    }

    [Fact]
    public void Log_WithinTwoUlps_OverEveryExponent()
    {
        var rng = new Random(2);
        for (int i = 0; i < 20000; i++)
        {
            double x = Math.ScaleB(0.5 + rng.NextDouble(), rng.Next(-1074, 1023));
            Near(Math.Log(x), DeviceMath.Log(x), 2, $"log({x:R})");
        }
        for (int i = 0; i < 2000; i++)
        {
            double x = 1 + (rng.NextDouble() - 0.5) * 1e-6; // near 1, where the result is small
            Near(Math.Log(x), DeviceMath.Log(x), 2, $"log({x:R})");
        }
        foreach (double x in new[] { 1.0, 2.0, 0.5, double.Epsilon, double.MaxValue, 0.0, -0.0, -1, double.NaN, double.PositiveInfinity })
            Near(Math.Log(x), DeviceMath.Log(x), 2, $"log({x:R})");
    }

    [Fact]
    public void SinCos_WithinAFewUlps_UpToAMillion()
    {
        var rng = new Random(3);
        for (int i = 0; i < 20000; i++)
        {
            double x = (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-8, 7));
            // Absolute error near a zero of the function: a few ulps of the argument's reduction.
            double tol = 4e-16 * Math.Max(1, Math.Abs(x) / 1e3);
            Assert.True(Math.Abs(Math.Sin(x) - DeviceMath.Sin(x)) <= tol * Math.Max(Math.Abs(Math.Sin(x)), 1e-3) + 1e-300, $"sin({x:R}): {Math.Sin(x):R} vs {DeviceMath.Sin(x):R}");
            Assert.True(Math.Abs(Math.Cos(x) - DeviceMath.Cos(x)) <= tol * Math.Max(Math.Abs(Math.Cos(x)), 1e-3) + 1e-300, $"cos({x:R}): {Math.Cos(x):R} vs {DeviceMath.Cos(x):R}");
        }
        Assert.True(double.IsNegative(DeviceMath.Sin(-0.0)));
        Assert.Equal(1.0, DeviceMath.Cos(0));
        Assert.True(double.IsNaN(DeviceMath.Sin(double.PositiveInfinity)) && double.IsNaN(DeviceMath.Cos(double.NaN)));
        // Beyond the accurate range the values still lie in [−1, 1] and the call returns at once.
        Assert.InRange(DeviceMath.Sin(1e300), -1, 1);
    }
}
