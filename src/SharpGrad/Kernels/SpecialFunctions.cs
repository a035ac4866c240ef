using System.Runtime.Intrinsics;

namespace SharpGrad.Kernels;

/// <summary>
/// Functions that <see cref="Math"/> lacks. The error function needs close to double
/// precision because GELU's analytic gradient is checked against finite differences of it.
/// </summary>
internal static class SpecialFunctions
{
    private const double TwoOverSqrtPi = 1.1283791670955126;
    private const double InvSqrtPi = 0.5641895835477563;

    /// <summary>erf(x) to about 1e-15 absolute: Maclaurin series near 0, continued fraction for erfc in the tails.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        if (ax < 2.5)
        {
            // erf(x) = 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1)); terms shrink geometrically after n ≈ x².
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 80; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            return TwoOverSqrtPi * sum;
        }
        double erfc = ax > 27 ? 0 : ErfcContinuedFraction(ax);
        return x > 0 ? 1 - erfc : erfc - 1;
    }

    /// <summary>Φ(x) = ½(1 + erf(x/√2)).</summary>
    public static double NormalCdf(double x) => 0.5 * (1 + Erf(x * 0.7071067811865476));

    /// <summary>
    /// erf(x) to float precision (absolute error below 2e-7), for float32 tensors, where the series of
    /// <see cref="Erf"/> would spend up to 80 terms on digits the result cannot hold: a fixed 8-term Maclaurin
    /// polynomial for |x| &lt; 0.5, Abramowitz and Stegun's 7.1.26 (1 − t·P(t)·e^(−x²), t = 1/(1 + p|x|)) up to
    /// |x| = 4, and ±1 beyond, where erfc is below half a float ulp of 1. No loop and one exponential.
    /// Used for the tail of the vector loop of <see cref="ErfSingle(ReadOnlySpan{float}, Span{float}, float)"/>.
    /// </summary>
    public static double ErfSingle(double x)
    {
        double ax = Math.Abs(x);
        if (ax < 0.5)
        {
            // 2/√π Σ (−1)ⁿ x^(2n+1) / (n!(2n+1)), n = 0..7, in Horner form in x².
            double x2 = x * x;
            double p = -1.0 / 75600;                       // n = 7: −1/(7!·15)
            p = p * x2 + 1.0 / 9360;                      // n = 6
            p = p * x2 - 1.0 / 1320;
            p = p * x2 + 1.0 / 216;
            p = p * x2 - 1.0 / 42;
            p = p * x2 + 1.0 / 10;
            p = p * x2 - 1.0 / 3;
            p = p * x2 + 1;
            return TwoOverSqrtPi * x * p;
        }
        if (ax >= 4)
            return double.IsNaN(x) ? x : Math.Sign(x);
        double t = 1 / (1 + 0.3275911 * ax);
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double erf = 1 - poly * Math.Exp(-ax * ax);
        return x < 0 ? -erf : erf;
    }

    /// <summary>
    /// y = erf(scale·x) elementwise at float precision: the formulas of <see cref="ErfSingle(double)"/> evaluated
    /// eight floats at a time (both branches computed, the one that applies selected), the tail one by one.
    /// </summary>
    public static void ErfSingle(ReadOnlySpan<float> x, Span<float> y, float scale)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var half = Vector256.Create(0.5f);
            var one = Vector256<float>.One;
            var c = Vector256.Create((float)TwoOverSqrtPi);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.Create(x.Slice(i, Vector256<float>.Count)) * scale;
                var ax = Vector256.Abs(v);
                var x2 = v * v;
                var p = Vector256.Create(-1f / 75600);
                p = p * x2 + Vector256.Create(1f / 9360);
                p = p * x2 - Vector256.Create(1f / 1320);
                p = p * x2 + Vector256.Create(1f / 216);
                p = p * x2 - Vector256.Create(1f / 42);
                p = p * x2 + Vector256.Create(1f / 10);
                p = p * x2 - Vector256.Create(1f / 3);
                p = p * x2 + one;
                var small = c * v * p;
                var t = one / (one + Vector256.Create(0.3275911f) * ax);
                var poly = t * (Vector256.Create(0.254829592f) + t * (Vector256.Create(-0.284496736f) + t * (Vector256.Create(1.421413741f)
                    + t * (Vector256.Create(-1.453152027f) + t * Vector256.Create(1.061405429f)))));
                var large = one - poly * Vector256.Exp(-x2);
                large = Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<float>.Zero), -large, large);
                Vector256.ConditionalSelect(Vector256.LessThan(ax, half), small, large).CopyTo(y.Slice(i, Vector256<float>.Count));
            }
        }
        for (; i < x.Length; i++)
            y[i] = (float)ErfSingle(scale * (double)x[i]);
    }


    /// <summary>φ(x) = e^(−x²/2)/√(2π).</summary>
    public static double NormalPdf(double x) => 0.3989422804014327 * Math.Exp(-0.5 * x * x);

    // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated bottom-up (x ≥ 2.5).
    private static double ErfcContinuedFraction(double x)
    {
        double f = x;
        for (int k = 60; k >= 1; k--) f = x + k * 0.5 / f;
        return Math.Exp(-x * x) * InvSqrtPi / f;
    }
}
