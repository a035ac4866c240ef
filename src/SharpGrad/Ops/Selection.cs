using SharpGrad.Kernels;

namespace SharpGrad;

public sealed partial class Tensor
{
    /// <summary>1 where this == other, else 0 (a mask of the operands' dtype; never differentiable).</summary>
    public Tensor Eq(Tensor other) => Compare<EqOp<float>, EqOp<double>, EqOp<int>>(other, "Eq");

    /// <summary>1 where this ≠ other, else 0.</summary>
    public Tensor Ne(Tensor other) => Compare<NeOp<float>, NeOp<double>, NeOp<int>>(other, "Ne");

    /// <summary>1 where this &lt; other, else 0.</summary>
    public Tensor Lt(Tensor other) => Compare<LtOp<float>, LtOp<double>, LtOp<int>>(other, "Lt");

    /// <summary>1 where this ≤ other, else 0.</summary>
    public Tensor Le(Tensor other) => Compare<LeOp<float>, LeOp<double>, LeOp<int>>(other, "Le");

    /// <summary>1 where this &gt; other, else 0.</summary>
    public Tensor Gt(Tensor other) => Compare<GtOp<float>, GtOp<double>, GtOp<int>>(other, "Gt");

    /// <summary>1 where this ≥ other, else 0.</summary>
    public Tensor Ge(Tensor other) => Compare<GeOp<float>, GeOp<double>, GeOp<int>>(other, "Ge");

    /// <summary>1 where this == c, else 0.</summary>
    public Tensor Eq(double c) => Eq(ScalarLike(c));

    /// <summary>1 where this ≠ c, else 0.</summary>
    public Tensor Ne(double c) => Ne(ScalarLike(c));

    /// <summary>1 where this &lt; c, else 0.</summary>
    public Tensor Lt(double c) => Lt(ScalarLike(c));

    /// <summary>1 where this ≤ c, else 0.</summary>
    public Tensor Le(double c) => Le(ScalarLike(c));

    /// <summary>1 where this &gt; c, else 0.</summary>
    public Tensor Gt(double c) => Gt(ScalarLike(c));

    /// <summary>1 where this ≥ c, else 0.</summary>
    public Tensor Ge(double c) => Ge(ScalarLike(c));

    // The comparison operators give the same 0/1 masks as Lt/Le/Gt/Ge, as PyTorch's do. == and !=
    // are deliberately not overloaded: on a reference type they mean identity, which null checks,
    // dictionaries and every `tensor == null` rely on; use Eq/Ne for masks and AllClose for a verdict.

    /// <summary>1 where a &lt; b, else 0 (broadcast); the same as <c>a.Lt(b)</c>.</summary>
    public static Tensor operator <(Tensor a, Tensor b) => a.Lt(b);

    /// <summary>1 where a &gt; b, else 0 (broadcast); the same as <c>a.Gt(b)</c>.</summary>
    public static Tensor operator >(Tensor a, Tensor b) => a.Gt(b);

    /// <summary>1 where a ≤ b, else 0 (broadcast); the same as <c>a.Le(b)</c>.</summary>
    public static Tensor operator <=(Tensor a, Tensor b) => a.Le(b);

    /// <summary>1 where a ≥ b, else 0 (broadcast); the same as <c>a.Ge(b)</c>.</summary>
    public static Tensor operator >=(Tensor a, Tensor b) => a.Ge(b);

    /// <summary>1 where a &lt; c, else 0.</summary>
    public static Tensor operator <(Tensor a, double c) => a.Lt(c);

    /// <summary>1 where a &gt; c, else 0.</summary>
    public static Tensor operator >(Tensor a, double c) => a.Gt(c);

    /// <summary>1 where a ≤ c, else 0.</summary>
    public static Tensor operator <=(Tensor a, double c) => a.Le(c);

    /// <summary>1 where a ≥ c, else 0.</summary>
    public static Tensor operator >=(Tensor a, double c) => a.Ge(c);

    /// <summary>1 where c &lt; a, else 0.</summary>
    public static Tensor operator <(double c, Tensor a) => a.Gt(c);

    /// <summary>1 where c &gt; a, else 0.</summary>
    public static Tensor operator >(double c, Tensor a) => a.Lt(c);

    /// <summary>1 where c ≤ a, else 0.</summary>
    public static Tensor operator <=(double c, Tensor a) => a.Ge(c);

    /// <summary>1 where c ≥ a, else 0.</summary>
    public static Tensor operator >=(double c, Tensor a) => a.Le(c);

    /// <summary>
    /// True when every element satisfies |this − other| ≤ atol + rtol·|other|, the two broadcast
    /// against each other, as PyTorch's <c>allclose</c> (note the asymmetry: the tolerance scales
    /// with <paramref name="other"/>). Equal infinities are close; NaN is close to nothing unless
    /// <paramref name="equalNan"/>, and then only to NaN. Values are compared in float64.
    /// </summary>
    public bool AllClose(Tensor other, double rtol = 1e-5, double atol = 1e-8, bool equalNan = false)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!(rtol >= 0) || !(atol >= 0))
            throw new ArgumentOutOfRangeException(rtol >= 0 ? nameof(atol) : nameof(rtol), $"AllClose: tolerances must be non-negative, got rtol = {rtol.ToString(System.Globalization.CultureInfo.InvariantCulture)}, atol = {atol.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        var shape = ShapeMath.Broadcast(ShapeArray, other.ShapeArray, "AllClose");
        double[] a, b;
        using (Autograd.NoGrad())
        {
            a = Expand(shape).ToDoubleArray();
            b = other.Expand(shape).ToDoubleArray();
        }
        for (int i = 0; i < a.Length; i++)
        {
            double x = a[i], y = b[i];
            if (x == y) continue;
            if (double.IsNaN(x) || double.IsNaN(y))
            {
                if (equalNan && double.IsNaN(x) && double.IsNaN(y)) continue;
                return false;
            }
            // An infinite error (one side infinite, the other not) is never within tolerance, even
            // though atol + rtol·|∞| is infinite too.
            double error = Math.Abs(x - y);
            if (!double.IsFinite(error) || !(error <= atol + rtol * Math.Abs(y))) return false;
        }
        return true;
    }

    /// <summary>
    /// Elementwise maximum, broadcast. At ties the gradient is split equally between the two
    /// operands (PyTorch's convention), so max(a, b) + min(a, b) = a + b has gradient 1 for both.
    /// </summary>
    public static Tensor Maximum(Tensor a, Tensor b) => MinMax(a, b, max: true);

    /// <summary>Elementwise minimum, broadcast; ties split the gradient equally, as in <see cref="Maximum"/>.</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => MinMax(a, b, max: false);

    /// <summary>
    /// Limits every element to [min, max] (either bound may be null). ∂/∂x = 1 inside the
    /// closed interval and 0 outside, as in PyTorch.
    /// </summary>
    public Tensor Clamp(double? min = null, double? max = null)
    {
        if (min is null && max is null)
            throw new ArgumentException("Clamp needs at least one of min and max.");
        if (min > max)
            throw new ArgumentException($"Clamp: min ({min}) is greater than max ({max}).");
        var y = Dispatch.Unary(this,
            new ClampOp<float>((float)(min ?? double.NegativeInfinity), (float)(max ?? double.PositiveInfinity)),
            new ClampOp<double>(min ?? double.NegativeInfinity, max ?? double.PositiveInfinity), "Clamp");
        return Autograd.Record(y, OpCode.Clamp, [this], new OpAttributes { Low = min, High = max });
    }

    /// <summary>
    /// Picks <paramref name="a"/> where <paramref name="condition"/> is nonzero and
    /// <paramref name="b"/> elsewhere, all three broadcast. The gradient goes to the operand that was picked.
    /// </summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var (x, y) = Promote(a, b);
        var result = Dispatch.Where(condition, x, y);
        return Autograd.Record(result, OpCode.Where, [condition, x, y]);
    }

    private Tensor Compare<TF, TD, TI>(Tensor other, string op)
        where TF : struct, IBinaryOp<float> where TD : struct, IBinaryOp<double> where TI : struct, IBinaryOp<int>
    {
        var (a, b) = Promote(this, other);
        return Dispatch.Binary<TF, TD, TI>(a, b, op);
    }

    private static Tensor MinMax(Tensor a, Tensor b, bool max)
    {
        var (x, y) = Promote(a, b);
        string name = max ? "Maximum" : "Minimum";
        Dispatch.RequireFloat(x, name);
        var result = max
            ? Dispatch.BinaryFloat<MaxOp<float>, MaxOp<double>>(x, y, name)
            : Dispatch.BinaryFloat<MinOp<float>, MinOp<double>>(x, y, name);
        return Autograd.Record(result, max ? OpCode.Maximum : OpCode.Minimum, [x, y]);
    }
}
