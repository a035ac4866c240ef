using SharpGrad.Kernels;

namespace SharpGrad;

public sealed partial class Tensor
{
    /// <summary>this + other, broadcast. ∂/∂a = 1, ∂/∂b = 1 (summed back over broadcast dimensions).</summary>
    public Tensor Add(Tensor other)
    {
        var (a, b) = Promote(this, other);
        var result = Dispatch.Binary<AddOp<float>, AddOp<double>, AddOp<int>>(a, b, "Add");
        return Autograd.Record(result, OpCode.Add, a, b);
    }

    /// <summary>this − other, broadcast. ∂/∂a = 1, ∂/∂b = −1.</summary>
    public Tensor Sub(Tensor other)
    {
        var (a, b) = Promote(this, other);
        var result = Dispatch.Binary<SubOp<float>, SubOp<double>, SubOp<int>>(a, b, "Sub");
        return Autograd.Record(result, OpCode.Sub, a, b);
    }

    /// <summary>this · other elementwise, broadcast. ∂/∂a = b, ∂/∂b = a.</summary>
    public Tensor Mul(Tensor other)
    {
        var (a, b) = Promote(this, other);
        var result = Dispatch.Binary<MulOp<float>, MulOp<double>, MulOp<int>>(a, b, "Mul");
        return Autograd.Record(result, OpCode.Mul, a, b);
    }

    /// <summary>this / other elementwise, broadcast. ∂/∂a = 1/b, ∂/∂b = −a/b².</summary>
    public Tensor Div(Tensor other)
    {
        var (a, b) = Promote(this, other);
        Dispatch.RequireFloat(a, "Div");
        var result = Dispatch.BinaryFloat<DivOp<float>, DivOp<double>>(a, b, "Div");
        return Autograd.Record(result, OpCode.Div, a, b);
    }

    /// <summary>−this. ∂/∂x = −1.</summary>
    public Tensor Neg()
    {
        var result = DType == DType.Int32
            ? Dispatch.Binary<SubOp<float>, SubOp<double>, SubOp<int>>(Scalar(0, DType), this, "Neg")
            : Dispatch.Unary(this, default(NegOp<float>), default(NegOp<double>), "Neg");
        return Autograd.Record(result, OpCode.Neg, [this]);
    }

    /// <summary>
    /// this raised to <paramref name="exponent"/> elementwise. ∂/∂a = b·a^(b−1), taken as 0 where
    /// b = 0 (the derivative of the constant a⁰ = 1, which the formula would make 0·∞ at a = 0);
    /// ∂/∂b = a^b·ln a, taken as 0 where a = 0 and b ≥ 0 (the limit from a → 0⁺). Both as PyTorch.
    /// </summary>
    public Tensor Pow(Tensor exponent)
    {
        var (a, b) = Promote(this, exponent);
        var result = Dispatch.BinaryFloat<PowOp<float>, PowOp<double>>(a, b, "Pow");
        return Autograd.Record(result, OpCode.Pow, a, b);
    }

    /// <summary>this raised to a constant power. ∂/∂x = p·x^(p−1).</summary>
    public Tensor Pow(double exponent)
    {
        var result = Dispatch.Unary(this, new PowScalarOp<float>((float)exponent), new PowScalarOp<double>(exponent), "Pow");
        return Autograd.Record(result, OpCode.PowScalar, [this], new OpAttributes { Scalar = exponent });
    }

    /// <summary>this + c.</summary>
    public Tensor Add(double c) => Add(ScalarLike(c));

    /// <summary>this − c.</summary>
    public Tensor Sub(double c) => Sub(ScalarLike(c));

    /// <summary>this · c.</summary>
    public Tensor Mul(double c) => Mul(ScalarLike(c));

    /// <summary>this / c.</summary>
    public Tensor Div(double c) => Div(ScalarLike(c));

    /// <summary>Elementwise sum, broadcast.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);

    /// <summary>Elementwise difference, broadcast.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);

    /// <summary>Elementwise product, broadcast (use <see cref="MatMul"/> for the matrix product).</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);

    /// <summary>Elementwise quotient, broadcast.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);

    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();

    /// <summary>Adds a constant.</summary>
    public static Tensor operator +(Tensor a, double c) => a.Add(c);

    /// <summary>Adds a constant.</summary>
    public static Tensor operator +(double c, Tensor a) => a.ScalarLike(c).Add(a);

    /// <summary>Subtracts a constant.</summary>
    public static Tensor operator -(Tensor a, double c) => a.Sub(c);

    /// <summary>Subtracts from a constant.</summary>
    public static Tensor operator -(double c, Tensor a) => a.ScalarLike(c).Sub(a);

    /// <summary>Multiplies by a constant.</summary>
    public static Tensor operator *(Tensor a, double c) => a.Mul(c);

    /// <summary>Multiplies by a constant.</summary>
    public static Tensor operator *(double c, Tensor a) => a.ScalarLike(c).Mul(a);

    /// <summary>Divides by a constant.</summary>
    public static Tensor operator /(Tensor a, double c) => a.Div(c);

    /// <summary>Divides a constant.</summary>
    public static Tensor operator /(double c, Tensor a) => a.ScalarLike(c).Div(a);

    /// <summary>A 0-d constant with this tensor's dtype (float32 for int32 tensors with a fractional constant).</summary>
    private Tensor ScalarLike(double c) =>
        Scalar(c, DType == DType.Int32 && c != Math.Floor(c) ? DType.Float32 : DType);

    /// <summary>Brings both operands to a common dtype (int32 → float → float64), as PyTorch promotes.</summary>
    private static (Tensor A, Tensor B) Promote(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.DType == b.DType) return (a, b);
        var d = DTypeExtensions.Promote(a.DType, b.DType);
        return (a.To(d), b.To(d));
    }
}
