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
