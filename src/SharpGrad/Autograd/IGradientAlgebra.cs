namespace SharpGrad;

/// <summary>
/// The small algebra in which the derivative rules of <see cref="Derivatives"/> are written once:
/// elementwise arithmetic and functions, 0/1 comparison masks, selection, reductions, matrix
/// products and the shape bookkeeping of broadcasting. <see cref="Tensor"/> implements it with
/// numbers (the backward pass), Explain's symbolic expressions implement it with formulas (the
/// derivations a teacher writes), so both come from the same definition and cannot drift apart —
/// as tinygrad's single gradient table and PyTorch's derivatives.yaml serve every backend.
/// </summary>
/// <typeparam name="T">The value type: a tensor, or a symbolic expression.</typeparam>
public interface IGradientAlgebra<T> where T : class, IGradientAlgebra<T>
{
    /// <summary>this + other, broadcast.</summary>
    T Add(T other);

    /// <summary>this − other, broadcast.</summary>
    T Sub(T other);

    /// <summary>this · other elementwise, broadcast.</summary>
    T Mul(T other);

    /// <summary>this / other elementwise, broadcast.</summary>
    T Div(T other);

    /// <summary>−this.</summary>
    T Neg();

    /// <summary>this + c.</summary>
    T Add(double c);

    /// <summary>this · c.</summary>
    T Mul(double c);

    /// <summary>this raised to a tensor power.</summary>
    T Pow(T exponent);

    /// <summary>this raised to a constant power.</summary>
    T Pow(double exponent);

    /// <summary>eˣ.</summary>
    T Exp();

    /// <summary>ln x.</summary>
    T Log();

    /// <summary>√x.</summary>
    T Sqrt();

    /// <summary>sin x.</summary>
    T Sin();

    /// <summary>cos x.</summary>
    T Cos();

    /// <summary>erf x.</summary>
    T Erf();

    /// <summary>tanh x.</summary>
    T Tanh();

    /// <summary>σ(x).</summary>
    T Sigmoid();

    /// <summary>−1, 0 or 1 by sign.</summary>
    T Sign();

    /// <summary>1 where this &gt; other, else 0.</summary>
    T Gt(T other);

    /// <summary>1 where this &lt; other, else 0.</summary>
    T Lt(T other);

    /// <summary>1 where this = other, else 0.</summary>
    T Eq(T other);

    /// <summary>1 where this &gt; c, else 0.</summary>
    T Gt(double c);

    /// <summary>1 where this ≥ c, else 0.</summary>
    T Ge(double c);

    /// <summary>1 where this ≤ c, else 0.</summary>
    T Le(double c);

    /// <summary>1 where this = c, else 0.</summary>
    T Eq(double c);

    /// <summary>Zeros of this value's shape.</summary>
    T ZerosOfShape();

    /// <summary><paramref name="a"/> where <paramref name="condition"/> is nonzero, <paramref name="b"/> elsewhere.</summary>
    static abstract T Where(T condition, T a, T b);

    /// <summary>The sum over <paramref name="dims"/> (all when empty).</summary>
    T Sum(int[] dims, bool keepDim);

    /// <summary>A gradient of a broadcast result summed back to the shape of <paramref name="input"/> (Σ over broadcast dimensions).</summary>
    T SumToShapeOf(T input);

    /// <summary>A reduction's gradient broadcast back to the shape of the reduced <paramref name="input"/>.</summary>
    T Unreduce(T input, int[] dims, bool keptDims);

    /// <summary>The matrix product.</summary>
    T MatMul(T other);

    /// <summary>The transpose of the last two dimensions.</summary>
    T MT();

    /// <summary>This value with the shape of <paramref name="input"/> (same elements, row-major).</summary>
    T ReshapeAs(T input);

    /// <summary>The dimensions reordered.</summary>
    T Permute(int[] dims);
}
