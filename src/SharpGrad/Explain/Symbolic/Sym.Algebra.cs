namespace SharpGrad.Explain;

// Sym is the symbolic implementation of the derivative algebra: evaluating a rule of Derivatives
// with symbols gives the formula of the very function the backward pass runs. Sym values are
// scalar (one component of a tensor), so the shape bookkeeping of broadcasting and reductions is
// the identity and a sum over a reduced vector is written as a call of sum.
public sealed partial class Sym : IGradientAlgebra<Sym>
{
    Sym IGradientAlgebra<Sym>.Add(Sym other) => Add(this, other);

    Sym IGradientAlgebra<Sym>.Sub(Sym other) => Sub(this, other);

    Sym IGradientAlgebra<Sym>.Mul(Sym other) => Mul(this, other);

    Sym IGradientAlgebra<Sym>.Div(Sym other) => Div(this, other);

    Sym IGradientAlgebra<Sym>.Neg() => Neg(this);

    Sym IGradientAlgebra<Sym>.Add(double c) => Add(this, Num(c));

    Sym IGradientAlgebra<Sym>.Mul(double c) => Mul(Num(c), this);

    Sym IGradientAlgebra<Sym>.Pow(Sym exponent) => Pow(this, exponent);

    Sym IGradientAlgebra<Sym>.Pow(double exponent) => Pow(this, Num(exponent));

    Sym IGradientAlgebra<Sym>.Exp() => Call("exp", this);

    Sym IGradientAlgebra<Sym>.Log() => Call("log", this);

    Sym IGradientAlgebra<Sym>.Sqrt() => Call("sqrt", this);

    Sym IGradientAlgebra<Sym>.Sin() => Call("sin", this);

    Sym IGradientAlgebra<Sym>.Cos() => Call("cos", this);

    Sym IGradientAlgebra<Sym>.Erf() => Call("erf", this);

    Sym IGradientAlgebra<Sym>.Tanh() => Call("tanh", this);

    Sym IGradientAlgebra<Sym>.Sigmoid() => Call("sigmoid", this);

    Sym IGradientAlgebra<Sym>.Sign() => Sign(this);

    Sym IGradientAlgebra<Sym>.Gt(Sym other) => Indicator(this, ">", other);

    Sym IGradientAlgebra<Sym>.Lt(Sym other) => Indicator(this, "<", other);

    Sym IGradientAlgebra<Sym>.Eq(Sym other) => Indicator(this, "=", other);

    Sym IGradientAlgebra<Sym>.Gt(double c) => Indicator(this, ">", Num(c));

    Sym IGradientAlgebra<Sym>.Ge(double c) => Indicator(this, "≥", Num(c));

    Sym IGradientAlgebra<Sym>.Le(double c) => Indicator(this, "≤", Num(c));

    Sym IGradientAlgebra<Sym>.Eq(double c) => Indicator(this, "=", Num(c));

    Sym IGradientAlgebra<Sym>.ZerosOfShape() => Zero;

    /// <summary>c·a + (1 − c)·b for a 0/1 condition c, with the zero branch dropped.</summary>
    static Sym IGradientAlgebra<Sym>.Where(Sym condition, Sym a, Sym b)
    {
        if (condition.IsNumber) return condition.Value != 0 ? a : b;
        var taken = IsZero(a) ? Zero : Mul(condition, a);
        var other = IsZero(b) ? Zero : Mul(Sub(One, condition), b);
        return Add(taken, other);
    }

    Sym IGradientAlgebra<Sym>.Sum(int[] dims, bool keepDim) => Call("sum", this);

    Sym IGradientAlgebra<Sym>.SumToShapeOf(Sym input) => this;

    Sym IGradientAlgebra<Sym>.Unreduce(Sym input, int[] dims, bool keptDims) => this;

    Sym IGradientAlgebra<Sym>.MatMul(Sym other) =>
        throw new NotSupportedException("A matrix product has no scalar (per-component) formula.");

    Sym IGradientAlgebra<Sym>.MT() =>
        throw new NotSupportedException("A transpose has no scalar (per-component) formula.");

    Sym IGradientAlgebra<Sym>.ReshapeAs(Sym input) => this;

    Sym IGradientAlgebra<Sym>.Permute(int[] dims) => this;

    private static bool IsZero(Sym s) => s.IsNumber && s.Value == 0;
}
