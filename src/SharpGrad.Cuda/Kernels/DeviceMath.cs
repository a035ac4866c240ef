using ILGPU;
using ILGPU.Algorithms;

namespace SharpGrad.Cuda.Kernels;

/// <summary>
/// floor, exp, log, sin and cos in double for kernels, to within a few units in the last place. XMath's PTX forms
/// of these are not usable here: its floor converts through int (wrong beyond ±2³¹ and for ±∞ and NaN), and its
/// double exp, log, sin and cos are CORDIC loops that step by e or 2π (a sine of 1e10 would loop for seconds). These
/// are the textbook forms: Cody–Waite argument reduction with split constants, then Taylor polynomials short enough
/// that their truncation error is below double rounding. Being plain arithmetic they run the same on gpu-sim as on
/// the GPU, so the simulator's tests check the GPU's values.
/// </summary>
internal static class DeviceMath
{
    private const double TwoTo52 = 4503599627370496.0;

    // ln 2 split so that k·Ln2Hi is exact for |k| < 2¹¹ (Ln2Hi has 32 significant bits).
    private const double Ln2Hi = 6.93147180369123816490e-01, Ln2Lo = 1.90821492927058770002e-10;
    private const double InvLn2 = 1.4426950408889634;

    // π/2 in three parts of 33 significant bits, so that n·part is exact for |n| < 2²⁰ (|x| below about 1.6e6).
    private const double PiOver2A = 1.57079632673412561417e+00, PiOver2B = 6.07710050630396597660e-11, PiOver2C = 2.02226624871116645580e-21;
    private const double TwoOverPi = 0.63661977236758134308;

    /// <summary>The largest whole number not above x; ±0, ±∞ and NaN come back as they are.</summary>
    public static double Floor(double x)
    {
        // Beyond 2⁵² every double is whole; the comparison is false for NaN too.
        if (!(XMath.Abs(x) < TwoTo52) || x == 0.0) return x;
        double t = (long)x; // toward zero, exact here
        return t > x ? t - 1.0 : t;
    }

    /// <summary>2ⁿ for −1022 ≤ n ≤ 1023, built from its bits.</summary>
    private static double PowerOfTwo(int n) => Interop.IntAsFloat((ulong)(n + 1023) << 52);

    /// <summary>eˣ: x = k·ln 2 + r with |r| ≤ ln 2 / 2, e^r by its Taylor series to r¹³/13!, then scaled by 2ᵏ.</summary>
    public static double Exp(double x)
    {
        if (XMath.IsNaN(x)) return x;
        if (x > 709.782712893384) return double.PositiveInfinity;
        if (x < -745.1332191019412) return 0.0;
        double kd = Floor(x * InvLn2 + 0.5);
        int k = (int)kd;
        double r = (x - kd * Ln2Hi) - kd * Ln2Lo;
        double p = 1.0 / 6227020800;            // 1/13!
        p = p * r + 1.0 / 479001600;            // 1/12!
        p = p * r + 1.0 / 39916800;
        p = p * r + 1.0 / 3628800;
        p = p * r + 1.0 / 362880;
        p = p * r + 1.0 / 40320;
        p = p * r + 1.0 / 5040;
        p = p * r + 1.0 / 720;
        p = p * r + 1.0 / 120;
        p = p * r + 1.0 / 24;
        p = p * r + 1.0 / 6;
        p = p * r + 0.5;
        p = p * r + 1.0;
        p = p * r + 1.0;
        // k spans [−1075, 1024]: two factors keep each power of two normal; the last product rounds subnormals once.
        int k1 = k / 2;
        return p * PowerOfTwo(k1) * PowerOfTwo(k - k1);
    }

    /// <summary>
    /// ln x: x = m·2ᵉ with m in [√½, √2], ln m = 2·atanh(f) with f = (m − 1)/(m + 1) (|f| ≤ 0.172) by its series
    /// to f²³, plus e·ln 2 in two parts.
    /// </summary>
    public static double Log(double x)
    {
        if (XMath.IsNaN(x) || x == double.PositiveInfinity) return x;
        if (x == 0.0) return double.NegativeInfinity;
        if (x < 0.0) return double.NaN;
        int e = 0;
        if (x < 2.2250738585072014e-308)
        {
            // Subnormal: scale into the normal range first.
            x *= 18014398509481984.0; // 2⁵⁴
            e = -54;
        }
        ulong bits = Interop.FloatAsInt(x);
        e += (int)((bits >> 52) & 0x7FF) - 1023;
        double m = Interop.IntAsFloat((bits & 0x000FFFFFFFFFFFFFUL) | 0x3FF0000000000000UL);
        if (m > 1.4142135623730951)
        {
            m *= 0.5;
            e++;
        }
        double f = (m - 1.0) / (m + 1.0), s = f * f;
        double p = 1.0 / 23;
        p = p * s + 1.0 / 21;
        p = p * s + 1.0 / 19;
        p = p * s + 1.0 / 17;
        p = p * s + 1.0 / 15;
        p = p * s + 1.0 / 13;
        p = p * s + 1.0 / 11;
        p = p * s + 1.0 / 9;
        p = p * s + 1.0 / 7;
        p = p * s + 1.0 / 5;
        p = p * s + 1.0 / 3;
        double logM = 2.0 * f + 2.0 * f * s * p;
        return e * Ln2Hi + (logM + e * Ln2Lo);
    }

    public static double Sin(double x) => SinCos(x, 0);

    public static double Cos(double x) => SinCos(x, 1);

    /// <summary>
    /// sin x (shift 0) or cos x (shift 1, a quarter turn later): x = n·π/2 + r with |r| ≤ π/4, then the Taylor series
    /// of sin r or cos r to the 19th or 18th power by the quadrant (n + shift) mod 4. Accurate to a few ulps for
    /// |x| below about 1.6e6; beyond, the reduction loses digits as the CPU's would not (the results stay in [−1, 1]).
    /// </summary>
    private static double SinCos(double x, int shift)
    {
        if (XMath.IsNaN(x) || XMath.IsInfinity(x)) return double.NaN;
        // Below 2⁻²⁶ sin x rounds to x (keeping −0) and cos x to 1.
        if (XMath.Abs(x) < 1.4901161193847656e-8) return shift == 0 ? x : 1.0;
        double n = Floor(x * TwoOverPi + 0.5);
        double r = ((x - n * PiOver2A) - n * PiOver2B) - n * PiOver2C;
        int quadrant = (int)(((long)n + shift) & 3);
        // Past about 2⁵⁰ one pass leaves a remainder as large as the rounding of n·π/2; repeat on the remainder
        // (each pass removes about sixteen orders of magnitude) so that the result is at least a value in [−1, 1].
        for (int pass = 0; pass < 24 && !(XMath.Abs(r) <= 0.7853981633974484); pass++)
        {
            n = Floor(r * TwoOverPi + 0.5);
            r = ((r - n * PiOver2A) - n * PiOver2B) - n * PiOver2C;
            quadrant = (int)((quadrant + (long)n) & 3);
        }
        double s = r * r;
        double v;
        if ((quadrant & 1) == 0)
        {
            double p = -1.0 / 121645100408832000;     // −1/19!
            p = p * s + 1.0 / 355687428096000;          // 1/17!
            p = p * s - 1.0 / 1307674368000;
            p = p * s + 1.0 / 6227020800;
            p = p * s - 1.0 / 39916800;
            p = p * s + 1.0 / 362880;
            p = p * s - 1.0 / 5040;
            p = p * s + 1.0 / 120;
            p = p * s - 1.0 / 6;
            v = r + r * s * p;
        }
        else
        {
            double p = 1.0 / 6402373705728000;        // 1/18!
            p = p * s - 1.0 / 20922789888000;           // −1/16!
            p = p * s + 1.0 / 87178291200;
            p = p * s - 1.0 / 479001600;
            p = p * s + 1.0 / 3628800;
            p = p * s - 1.0 / 40320;
            p = p * s + 1.0 / 720;
            p = p * s - 1.0 / 24;
            p = p * s + 0.5;
            v = 1.0 - s * p;
        }
        return quadrant >= 2 ? -v : v;
    }
}
