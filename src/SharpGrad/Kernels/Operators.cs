using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SharpGrad.Kernels;

/// <summary>
/// A binary elementwise operator: a scalar, a 256-bit and a 512-bit vector form of the same function (the vector
/// forms apply the same lane operation, so the widths give the same values).
/// One shared loop (<see cref="Elementwise"/>) handles widths, tails, broadcasting and strides,
/// so a new binary op is a few lines here (the habit of dotnet/runtime's TensorPrimitives).
/// </summary>
internal interface IBinaryOp<T> where T : unmanaged
{
    T Invoke(T a, T b);
    Vector256<T> Invoke(Vector256<T> a, Vector256<T> b);
    Vector512<T> Invoke(Vector512<T> a, Vector512<T> b);

    /// <summary>Which function this is, for device backends, which implement each function once for every element type.</summary>
    static abstract ElementwiseOp Kind { get; }
}

/// <summary>A unary elementwise operator over a contiguous span, usually one TensorPrimitives call.</summary>
internal interface IUnaryOp<T> where T : unmanaged
{
    void Invoke(ReadOnlySpan<T> x, Span<T> y);

    /// <summary>Which function this is, for device backends.</summary>
    static abstract ElementwiseOp Kind { get; }

    /// <summary>The function's constant parameters (slope, bounds, exponent), for device backends.</summary>
    (double P0, double P1) Parameters => default;
}

internal readonly struct AddOp<T> : IBinaryOp<T> where T : unmanaged, INumber<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Add;

    public T Invoke(T a, T b) => a + b;
    public Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => a + b;
    public Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => a + b;
}

internal readonly struct SubOp<T> : IBinaryOp<T> where T : unmanaged, INumber<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Sub;

    public T Invoke(T a, T b) => a - b;
    public Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => a - b;
    public Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => a - b;
}

internal readonly struct MulOp<T> : IBinaryOp<T> where T : unmanaged, INumber<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Mul;

    public T Invoke(T a, T b) => a * b;
    public Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => a * b;
    public Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => a * b;
}

internal readonly struct DivOp<T> : IBinaryOp<T> where T : unmanaged, INumber<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Div;

    public T Invoke(T a, T b) => a / b;
    public Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => a / b;
    public Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => a / b;
}

internal readonly struct MaxOp<T> : IBinaryOp<T> where T : unmanaged, INumber<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Maximum;

    public T Invoke(T a, T b) => T.Max(a, b);
    public Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.Max(a, b);
    public Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.Max(a, b);
}

internal readonly struct MinOp<T> : IBinaryOp<T> where T : unmanaged, INumber<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Minimum;

    public T Invoke(T a, T b) => T.Min(a, b);
    public Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.Min(a, b);
    public Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.Min(a, b);
}

internal readonly struct PowOp<T> : IBinaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Pow;

    public T Invoke(T a, T b) => T.Pow(a, b);

    // There is no vector pow; lanes are computed one by one so that negative bases with
    // integral exponents keep their scalar meaning.
    public Vector256<T> Invoke(Vector256<T> a, Vector256<T> b)
    {
        Span<T> lanes = stackalloc T[Vector256<T>.Count];
        for (int i = 0; i < lanes.Length; i++) lanes[i] = T.Pow(a.GetElement(i), b.GetElement(i));
        return Vector256.Create<T>(lanes);
    }

    public Vector512<T> Invoke(Vector512<T> a, Vector512<T> b)
    {
        Span<T> lanes = stackalloc T[Vector512<T>.Count];
        for (int i = 0; i < lanes.Length; i++) lanes[i] = T.Pow(a.GetElement(i), b.GetElement(i));
        return Vector512.Create<T>(lanes);
    }
}

internal readonly struct EqOp<T> : IBinaryOp<T> where T : unmanaged, INumber<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Eq;

    public T Invoke(T a, T b) => a == b ? T.One : T.Zero;
    public Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.Equals(a, b) & Vector256<T>.One;
    public Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.Equals(a, b) & Vector512<T>.One;
}

internal readonly struct NeOp<T> : IBinaryOp<T> where T : unmanaged, INumber<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Ne;

    public T Invoke(T a, T b) => a != b ? T.One : T.Zero;
    public Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.AndNot(Vector256<T>.One, Vector256.Equals(a, b));
    public Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.AndNot(Vector512<T>.One, Vector512.Equals(a, b));
}

internal readonly struct LtOp<T> : IBinaryOp<T> where T : unmanaged, INumber<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Lt;

    public T Invoke(T a, T b) => a < b ? T.One : T.Zero;
    public Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.LessThan(a, b) & Vector256<T>.One;
    public Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.LessThan(a, b) & Vector512<T>.One;
}

internal readonly struct LeOp<T> : IBinaryOp<T> where T : unmanaged, INumber<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Le;

    public T Invoke(T a, T b) => a <= b ? T.One : T.Zero;
    public Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.LessThanOrEqual(a, b) & Vector256<T>.One;
    public Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.LessThanOrEqual(a, b) & Vector512<T>.One;
}

internal readonly struct GtOp<T> : IBinaryOp<T> where T : unmanaged, INumber<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Gt;

    public T Invoke(T a, T b) => a > b ? T.One : T.Zero;
    public Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThan(a, b) & Vector256<T>.One;
    public Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThan(a, b) & Vector512<T>.One;
}

internal readonly struct GeOp<T> : IBinaryOp<T> where T : unmanaged, INumber<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Ge;

    public T Invoke(T a, T b) => a >= b ? T.One : T.Zero;
    public Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThanOrEqual(a, b) & Vector256<T>.One;
    public Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThanOrEqual(a, b) & Vector512<T>.One;
}

internal readonly struct NegOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Neg;

    public void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Negate(x, y);
}

internal readonly struct ExpOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Exp;

    public void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Exp(x, y);
}

internal readonly struct LogOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Log;

    public void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Log(x, y);
}

internal readonly struct SqrtOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Sqrt;

    public void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sqrt(x, y);
}

internal readonly struct AbsOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Abs;

    public void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Abs(x, y);
}

internal readonly struct SinOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Sin;

    public void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sin(x, y);
}

internal readonly struct CosOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Cos;

    public void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Cos(x, y);
}

internal readonly struct TanhOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Tanh;

    public void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Tanh(x, y);
}

internal readonly struct SigmoidOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Sigmoid;

    public void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sigmoid(x, y);
}

internal readonly struct ReluOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Relu;

    public void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Max(x, T.Zero, y);
}

/// <summary>Sign: −1, 0 or +1 (NaN stays NaN).</summary>
internal readonly struct SignOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Sign;

    public void Invoke(ReadOnlySpan<T> x, Span<T> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            y[i] = T.IsNaN(v) ? v : v > T.Zero ? T.One : v < T.Zero ? T.NegativeOne : T.Zero;
        }
    }
}

/// <summary>Floor: the largest whole number not above x (NaN and ±∞ stay).</summary>
internal readonly struct FloorOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Floor;

    public void Invoke(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Floor(x, y);
}

internal readonly struct LeakyReluOp<T>(T slope) : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.LeakyRelu;
    public (double P0, double P1) Parameters => (double.CreateTruncating(slope), 0);

    public void Invoke(ReadOnlySpan<T> x, Span<T> y)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(slope);
            for (; i <= x.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var v = Vector256.Create(x.Slice(i, Vector256<T>.Count));
                Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<T>.Zero), v, v * s).CopyTo(y.Slice(i));
            }
        }
        for (; i < x.Length; i++) y[i] = x[i] > T.Zero ? x[i] : slope * x[i];
    }
}

internal readonly struct ClampOp<T>(T min, T max) : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Clamp;
    public (double P0, double P1) Parameters => (double.CreateTruncating(min), double.CreateTruncating(max));

    public void Invoke(ReadOnlySpan<T> x, Span<T> y)
    {
        TensorPrimitives.Max(x, min, y);
        TensorPrimitives.Min(y, max, y);
    }
}

internal readonly struct PowScalarOp<T>(T exponent) : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.PowScalar;
    public (double P0, double P1) Parameters => (double.CreateTruncating(exponent), 0);

    public void Invoke(ReadOnlySpan<T> x, Span<T> y)
    {
        // Common exponents get exact, faster forms; T.Pow keeps negative bases right for integral exponents.
        if (exponent == T.CreateTruncating(2)) TensorPrimitives.Multiply(x, x, y);
        else if (exponent == T.One) x.CopyTo(y);
        else if (exponent == T.CreateTruncating(0.5)) TensorPrimitives.Sqrt(x, y);
        else
            for (int i = 0; i < x.Length; i++) y[i] = T.Pow(x[i], exponent);
    }
}

/// <summary>Softplus log(1 + eˣ), written as max(x, 0) + log(1 + e^−|x|) so it never overflows.</summary>
internal readonly struct SoftplusOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Softplus;

    public void Invoke(ReadOnlySpan<T> x, Span<T> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            y[i] = T.Max(v, T.Zero) + T.LogP1(T.Exp(-T.Abs(v)));
        }
    }
}

internal readonly struct ErfOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Erf;

    public void Invoke(ReadOnlySpan<T> x, Span<T> y)
    {
        // float32 results get the float-precision erf; double keeps the full series (gradient checks difference it).
        if (typeof(T) == typeof(float))
            SpecialFunctions.ErfSingle(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y), 1f);
        else
            for (int i = 0; i < x.Length; i++) y[i] = T.CreateTruncating(SpecialFunctions.Erf(double.CreateTruncating(x[i])));
    }
}

/// <summary>Exact GELU, x·Φ(x) with Φ the standard normal CDF (PyTorch's default, not the tanh approximation).</summary>
internal readonly struct GeluOp<T> : IUnaryOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static ElementwiseOp Kind => ElementwiseOp.Gelu;

    public void Invoke(ReadOnlySpan<T> x, Span<T> y)
    {
        if (typeof(T) == typeof(float))
        {
            // x·½(1 + erf(x/√2)), the erf vectorised at float precision.
            var xs = MemoryMarshal.Cast<T, float>(x);
            var ys = MemoryMarshal.Cast<T, float>(y);
            SpecialFunctions.ErfSingle(xs, ys, 0.70710678f);
            TensorPrimitives.Add(ys, 1f, ys);
            TensorPrimitives.Multiply(ys, xs, ys);
            TensorPrimitives.Multiply(ys, 0.5f, ys);
            return;
        }
        for (int i = 0; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            y[i] = T.CreateTruncating(v * SpecialFunctions.NormalCdf(v));
        }
    }
}
