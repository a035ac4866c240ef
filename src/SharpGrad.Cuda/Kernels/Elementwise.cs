using ILGPU;
using ILGPU.Runtime;

namespace SharpGrad.Cuda.Kernels;

/// <summary>
/// Elementwise kernels, one thread per element of the iteration space: strided copies and casts, fill, binary ops
/// over broadcast operands, unary ops on contiguous data and where. The op is a specialised kernel argument: ILGPU
/// compiles one kernel per op and dtype on first use, with the other ops' code removed, so that an addition does
/// not carry the registers of pow's exponential and logarithm.
/// </summary>
internal static class Elementwise
{
    /// <summary>dst at offset B = src at offset A, same element type.</summary>
    public static void Copy<T>(Index1D i, StridedIndexer layout, ArrayView<T> source, ArrayView<T> destination)
        where T : unmanaged
    {
        var o = layout.Locate(i);
        destination[o.B] = source[o.A];
    }

    /// <summary>dst at offset B = src at offset A converted through double (exact for float, double and int).</summary>
    public static void Convert<TFrom, TTo, TFromMath, TToMath>(Index1D i, StridedIndexer layout, ArrayView<TFrom> source, ArrayView<TTo> destination)
        where TFrom : unmanaged where TTo : unmanaged
        where TFromMath : struct, IElementMath<TFrom> where TToMath : struct, IElementMath<TTo>
    {
        var o = layout.Locate(i);
        destination[o.B] = default(TToMath).FromDouble(default(TFromMath).ToDouble(source[o.A]));
    }

    public static void Fill<T>(Index1D i, ArrayView<T> destination, int offset, T value) where T : unmanaged
        => destination[offset + i] = value;

    /// <summary>result[i] = a op b at operands A and B.</summary>
    public static void Binary<T, TMath>(Index1D i, SpecializedValue<int> op, StridedIndexer layout, ArrayView<T> a, ArrayView<T> b, ArrayView<T> result)
        where T : unmanaged where TMath : struct, IElementMath<T>
    {
        var o = layout.Locate(i);
        result[i] = default(TMath).Binary(op.Value, a[o.A], b[o.B]);
    }

    /// <summary>result[i] = op(x[xOffset + i]), evaluated in double (float results are rounded once).</summary>
    public static void Unary<T, TMath>(Index1D i, SpecializedValue<int> op, double p0, double p1, ArrayView<T> x, int xOffset, ArrayView<T> result)
        where T : unmanaged where TMath : struct, IElementMath<T>
    {
        var m = default(TMath);
        result[i] = m.FromDouble(ScalarMath.Unary(op.Value, m.ToDouble(x[xOffset + i]), p0, p1));
    }

    /// <summary>result[i] = cond (operand C) ≠ 0 ? a (operand A) : b (operand B).</summary>
    public static void Where<TCond, T, TCondMath>(Index1D i, StridedIndexer layout, ArrayView<TCond> cond, ArrayView<T> a, ArrayView<T> b, ArrayView<T> result)
        where TCond : unmanaged where T : unmanaged where TCondMath : struct, IElementMath<TCond>
    {
        var o = layout.Locate(i);
        result[i] = default(TCondMath).IsNonZero(cond[o.C]) ? a[o.A] : b[o.B];
    }
}
