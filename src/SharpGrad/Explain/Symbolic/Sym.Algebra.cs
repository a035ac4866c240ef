namespace SharpGrad.Explain;

// Sym is the symbolic implementation of the derivative algebra: evaluating a rule of Derivatives
// with symbols gives the formula of the very function the backward pass runs. An unshaped Sym is
// one component of a tensor, for which the shape bookkeeping of broadcasting and reductions is the
// identity and a sum over a reduced vector is written as a call of sum; a shaped Sym is a whole
// vector or matrix, and the same rules then give matrix-calculus results (Σ over broadcast axes,
// transposes, matrix products).
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

    Sym IGradientAlgebra<Sym>.Sum(int[] dims, bool keepDim)
    {
        if (!IsShaped) return Call("sum", this);
        var shape = Shape!;
        var axes = dims.Length == 0 ? Enumerable.Range(0, shape.Count).ToArray() : dims;
        if (axes.Length == shape.Count && !keepDim) return Call("sum", this);
        var result = new List<int>();
        for (int i = 0; i < shape.Count; i++)
            if (Array.IndexOf(axes, i) < 0) result.Add(shape[i]);
            else if (keepDim) result.Add(1);
        return SumOver(this, axes, [.. result]);
    }

    Sym IGradientAlgebra<Sym>.SumToShapeOf(Sym input)
    {
        if (!IsShaped) return this;
        var shape = Shape!;
        var target = input.Shape ?? [];
        if (shape.SequenceEqual(target)) return this;
        // The same number of elements is a reshape (a vector read as a column), not a broadcast.
        if (shape.Aggregate(1, (a, b) => a * b) == target.Aggregate(1, (a, b) => a * b)) return WithShape([.. target]);
        // The axes broadcasting added in front, or stretched from size 1: their sum is the gradient.
        int lead = shape.Count - target.Count;
        var axes = new List<int>();
        for (int i = 0; i < shape.Count; i++)
            if (i < lead || (target[i - lead] == 1 && shape[i] != 1)) axes.Add(i);
        if (axes.Count == shape.Count) return Call("sum", this).WithShape([.. target]);
        return SumOver(this, [.. axes], [.. target]);
    }

    Sym IGradientAlgebra<Sym>.Unreduce(Sym input, int[] dims, bool keptDims)
    {
        if (input.Shape is not { } inputShape) return this;
        // A whole-tensor reduction's gradient, while it is still a number, is that number at every element:
        // ones(4) for sum(s + x), so that a parameter broadcast into it collects n of them (sum(ones(4)) = 4).
        if (IsNumber && !IsShaped) return BroadcastTo([.. inputShape]);
        if (!IsShaped || keptDims) return this;
        // Reinsert the reduced axes with size 1 so the gradient broadcasts against the input.
        var shape = inputShape.ToArray();
        foreach (int d in dims) shape[d] = 1;
        return WithShape(shape);
    }

    Sym IGradientAlgebra<Sym>.MatMul(Sym other)
    {
        if (!IsShaped && !other.IsShaped)
            throw new NotSupportedException("A matrix product has no scalar (per-component) formula.");
        return MatMul(this, other);
    }

    Sym IGradientAlgebra<Sym>.MT() => Transpose(this);

    // One number standing for a whole gradient (c of c·sum(x @ W)) is that number at every element of the new shape,
    // not a matrix of that shape.
    Sym IGradientAlgebra<Sym>.ReshapeAs(Sym input) => !IsShaped && input.Shape is { } shape && shape.Aggregate(1, (a, b) => a * b) > 1
        ? BroadcastTo([.. shape]) : WithShape(input.Shape?.ToArray());

    Sym IGradientAlgebra<Sym>.Permute(int[] dims)
    {
        bool identity = true;
        for (int i = 0; i < dims.Length; i++) identity &= dims[i] == i;
        if (identity || !IsShaped) return this;
        if (dims.Length == 2) return Transpose(this);
        throw new NotSupportedException("Only the transpose of a matrix has a matrix-notation formula.");
    }

    private static bool IsZero(Sym s) => s.IsNumber && s.Value == 0;
}
