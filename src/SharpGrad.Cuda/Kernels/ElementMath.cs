using ILGPU.Algorithms;

namespace SharpGrad.Cuda.Kernels;

/// <summary>
/// What a generic kernel needs to know about its element type (float, double or int), as a struct whose methods
/// ILGPU inlines: kernels are written once over <typeparamref name="T"/> and instantiated per dtype, without
/// generic math (which ILGPU does not fully support) and without virtual calls. Conversions through double are
/// exact for all three types, so converting copies and comparisons can go through it.
/// </summary>
internal interface IElementMath<T> where T : unmanaged
{
    double ToDouble(T x);

    /// <summary>The value in <typeparamref name="T"/>; to int by truncation toward zero (saturating, NaN to 0), as .NET casts.</summary>
    T FromDouble(double x);

    /// <summary>a op b for a binary <see cref="ElementwiseOp"/> passed as its number.</summary>
    T Binary(int op, T a, T b);

    bool IsNonZero(T x);

    /// <summary>0.</summary>
    T Zero { get; }

    /// <summary>The identity of a maximum: −∞ (the smallest int for int32).</summary>
    T NegativeInfinity { get; }

    /// <summary>a + b.</summary>
    T Add(T a, T b);

    /// <summary>a·b + c, as a separate multiply and add: the CPU kernels the results are compared with round twice too, and the PTX compiler contracts it into an FMA where that is allowed anyway.</summary>
    T MulAdd(T a, T b, T c);

    /// <summary>a &gt; b (false when either is NaN).</summary>
    bool Greater(T a, T b);

    /// <summary>Whether a is NaN.</summary>
    bool IsNaN(T a);
}

/// <summary>float32 elements: arithmetic in float, as the CPU's vector loops do.</summary>
internal readonly struct Float32Math : IElementMath<float>
{
    public float Zero => 0f;

    public float NegativeInfinity => float.NegativeInfinity;

    public float Add(float a, float b) => a + b;

    public float MulAdd(float a, float b, float c) => a * b + c;

    public bool Greater(float a, float b) => a > b;

    public bool IsNaN(float a) => float.IsNaN(a);

    public double ToDouble(float x) => x;

    public float FromDouble(double x) => (float)x;

    public bool IsNonZero(float x) => x != 0f;

    public float Binary(int op, float a, float b) => op switch
    {
        (int)ElementwiseOp.Add => a + b,
        (int)ElementwiseOp.Sub => a - b,
        (int)ElementwiseOp.Mul => a * b,
        (int)ElementwiseOp.Div => a / b,
        // pow in double and rounded once is the correctly rounded float power in all but rare halfway cases.
        (int)ElementwiseOp.Pow => (float)ScalarMath.Pow(a, b),
        (int)ElementwiseOp.Maximum => (float)ScalarMath.Maximum(a, b),
        (int)ElementwiseOp.Minimum => (float)ScalarMath.Minimum(a, b),
        (int)ElementwiseOp.Eq => a == b ? 1f : 0f,
        (int)ElementwiseOp.Ne => a != b ? 1f : 0f,
        (int)ElementwiseOp.Lt => a < b ? 1f : 0f,
        (int)ElementwiseOp.Le => a <= b ? 1f : 0f,
        (int)ElementwiseOp.Gt => a > b ? 1f : 0f,
        (int)ElementwiseOp.Ge => a >= b ? 1f : 0f,
        _ => float.NaN,
    };
}

/// <summary>float64 elements.</summary>
internal readonly struct Float64Math : IElementMath<double>
{
    public double Zero => 0d;

    public double NegativeInfinity => double.NegativeInfinity;

    public double Add(double a, double b) => a + b;

    public double MulAdd(double a, double b, double c) => a * b + c;

    public bool Greater(double a, double b) => a > b;

    public bool IsNaN(double a) => double.IsNaN(a);

    public double ToDouble(double x) => x;

    public double FromDouble(double x) => x;

    public bool IsNonZero(double x) => x != 0.0;

    public double Binary(int op, double a, double b) => op switch
    {
        (int)ElementwiseOp.Add => a + b,
        (int)ElementwiseOp.Sub => a - b,
        (int)ElementwiseOp.Mul => a * b,
        (int)ElementwiseOp.Div => a / b,
        (int)ElementwiseOp.Pow => ScalarMath.Pow(a, b),
        (int)ElementwiseOp.Maximum => ScalarMath.Maximum(a, b),
        (int)ElementwiseOp.Minimum => ScalarMath.Minimum(a, b),
        (int)ElementwiseOp.Eq => a == b ? 1.0 : 0.0,
        (int)ElementwiseOp.Ne => a != b ? 1.0 : 0.0,
        (int)ElementwiseOp.Lt => a < b ? 1.0 : 0.0,
        (int)ElementwiseOp.Le => a <= b ? 1.0 : 0.0,
        (int)ElementwiseOp.Gt => a > b ? 1.0 : 0.0,
        (int)ElementwiseOp.Ge => a >= b ? 1.0 : 0.0,
        _ => double.NaN,
    };
}

/// <summary>int32 elements: wrapping arithmetic as in C#; Div and Pow are float-only and rejected before launch.</summary>
internal readonly struct Int32Math : IElementMath<int>
{
    public int Zero => 0;

    public int NegativeInfinity => int.MinValue;

    public int Add(int a, int b) => a + b;

    public int MulAdd(int a, int b, int c) => a * b + c;

    public bool Greater(int a, int b) => a > b;

    public bool IsNaN(int a) => false;

    public double ToDouble(int x) => x;

    public int FromDouble(double x) =>
        // Written out rather than left to the conversion instruction so that every backend saturates alike.
        XMath.IsNaN(x) ? 0 : x >= 2147483647.0 ? int.MaxValue : x <= -2147483648.0 ? int.MinValue : (int)x;

    public bool IsNonZero(int x) => x != 0;

    public int Binary(int op, int a, int b) => op switch
    {
        (int)ElementwiseOp.Add => a + b,
        (int)ElementwiseOp.Sub => a - b,
        (int)ElementwiseOp.Mul => a * b,
        (int)ElementwiseOp.Maximum => a > b ? a : b,
        (int)ElementwiseOp.Minimum => a < b ? a : b,
        (int)ElementwiseOp.Eq => a == b ? 1 : 0,
        (int)ElementwiseOp.Ne => a != b ? 1 : 0,
        (int)ElementwiseOp.Lt => a < b ? 1 : 0,
        (int)ElementwiseOp.Le => a <= b ? 1 : 0,
        (int)ElementwiseOp.Gt => a > b ? 1 : 0,
        (int)ElementwiseOp.Ge => a >= b ? 1 : 0,
        _ => 0,
    };
}

/// <summary>
/// Scalar functions for kernels, in double: the CPU's semantics (IEEE maximum and minimum, C's pow special cases,
/// the overflow-free softplus, erf to double precision) built from <see cref="DeviceMath"/>, since kernels cannot call System.Math
/// or the core library's <c>SpecialFunctions</c> on every backend.
/// </summary>
internal static class ScalarMath
{
    private const double TwoOverSqrtPi = 1.1283791670955126;
    private const double InvSqrtPi = 0.5641895835477563;

    public static bool IsNegative(double x) => (ILGPU.Interop.FloatAsInt(x) >> 63) != 0;

    /// <summary>Math.Max: NaN if either is NaN, and +0 above −0.</summary>
    public static double Maximum(double a, double b)
    {
        if (XMath.IsNaN(a)) return a;
        if (XMath.IsNaN(b)) return b;
        if (a == b) return IsNegative(a) ? b : a;
        return a > b ? a : b;
    }

    /// <summary>Math.Min: NaN if either is NaN, and −0 below +0.</summary>
    public static double Minimum(double a, double b)
    {
        if (XMath.IsNaN(a)) return a;
        if (XMath.IsNaN(b)) return b;
        if (a == b) return IsNegative(a) ? a : b;
        return a < b ? a : b;
    }

    /// <summary>pow(x, y) with C's special cases: x⁰ = 1 and 1ʸ = 1 even for NaN, (−1)^±∞ = 1, signed results for negative bases and odd integral exponents, NaN for negative bases and non-integral exponents.</summary>
    public static double Pow(double x, double y)
    {
        if (y == 0.0 || x == 1.0) return 1.0;
        if (XMath.IsNaN(x) || XMath.IsNaN(y)) return double.NaN;
        double ax = XMath.Abs(x);
        bool yInfinite = XMath.IsInfinity(y);
        if (ax == 1.0 && yInfinite) return 1.0;
        bool yIntegral = !yInfinite && DeviceMath.Floor(y) == y;
        // Above 2⁵³ every double is even.
        bool yOdd = yIntegral && XMath.Abs(y) < 9007199254740992.0 && DeviceMath.Floor(y * 0.5) * 2.0 != y;
        double r = DeviceMath.Exp(y * DeviceMath.Log(ax));
        if (IsNegative(x))
        {
            if (yOdd) return -r;
            if (!yIntegral && !yInfinite && x < 0.0 && !XMath.IsInfinity(x)) return double.NaN;
        }
        return r;
    }

    /// <summary>log(1 + u) without losing u's digits when it is small (Goldberg's correction).</summary>
    public static double Log1P(double u)
    {
        double w = 1.0 + u;
        if (w == 1.0) return u;
        if (XMath.IsInfinity(w)) return w;
        return DeviceMath.Log(w) * u / (w - 1.0);
    }

    /// <summary>erf to about 1e-15: Maclaurin series below 2.5, continued fraction for erfc above (as the CPU's SpecialFunctions.Erf).</summary>
    public static double Erf(double x)
    {
        if (XMath.IsNaN(x)) return x;
        double ax = XMath.Abs(x);
        if (ax < 2.5)
        {
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 80; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (XMath.Abs(add) < 1e-17 * XMath.Abs(sum)) break;
            }
            return TwoOverSqrtPi * sum;
        }
        double erfc = 0.0;
        if (ax <= 27.0)
        {
            double f = ax;
            for (int k = 60; k >= 1; k--) f = ax + k * 0.5 / f;
            erfc = DeviceMath.Exp(-ax * ax) * InvSqrtPi / f;
        }
        return x > 0.0 ? 1.0 - erfc : erfc - 1.0;
    }

    /// <summary>tanh without overflow and without cancellation near 0 (the series there).</summary>
    public static double Tanh(double x)
    {
        double ax = XMath.Abs(x);
        double r;
        if (ax < 0.125)
        {
            // x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835 − 1382x¹¹/155925: below 1e-17 relative here.
            double x2 = x * x;
            r = ax * (1.0 + x2 * (-1.0 / 3 + x2 * (2.0 / 15 + x2 * (-17.0 / 315 + x2 * (62.0 / 2835 + x2 * (-1382.0 / 155925 + x2 * (21844.0 / 6081075)))))));
        }
        else if (ax > 20.0)
            r = 1.0;
        else
        {
            double e = DeviceMath.Exp(-2.0 * ax);
            r = (1.0 - e) / (1.0 + e);
        }
        return x < 0.0 ? -r : x > 0.0 ? r : x;
    }

    /// <summary>The unary <see cref="ElementwiseOp"/> numbered <paramref name="op"/> at x, with its parameters.</summary>
    public static double Unary(int op, double x, double p0, double p1) => op switch
    {
        (int)ElementwiseOp.Neg => -x,
        (int)ElementwiseOp.Exp => DeviceMath.Exp(x),
        (int)ElementwiseOp.Log => DeviceMath.Log(x),
        (int)ElementwiseOp.Sqrt => XMath.Sqrt(x),
        (int)ElementwiseOp.Abs => XMath.Abs(x),
        (int)ElementwiseOp.Sin => DeviceMath.Sin(x),
        (int)ElementwiseOp.Cos => DeviceMath.Cos(x),
        (int)ElementwiseOp.Tanh => Tanh(x),
        (int)ElementwiseOp.Sigmoid => 1.0 / (1.0 + DeviceMath.Exp(-x)),
        (int)ElementwiseOp.Relu => Maximum(x, 0.0),
        (int)ElementwiseOp.Sign => XMath.IsNaN(x) ? x : x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : 0.0,
        (int)ElementwiseOp.Floor => DeviceMath.Floor(x),
        (int)ElementwiseOp.Softplus => Maximum(x, 0.0) + Log1P(DeviceMath.Exp(-XMath.Abs(x))),
        (int)ElementwiseOp.Erf => Erf(x),
        (int)ElementwiseOp.Gelu => x * (0.5 * (1.0 + Erf(x * 0.7071067811865476))),
        (int)ElementwiseOp.LeakyRelu => x > 0.0 ? x : p0 * x,
        (int)ElementwiseOp.Clamp => Minimum(Maximum(x, p0), p1),
        (int)ElementwiseOp.PowScalar => p0 == 2.0 ? x * x : p0 == 1.0 ? x : p0 == 0.5 ? XMath.Sqrt(x) : Pow(x, p0),
        _ => double.NaN,
    };
}
