namespace SharpGrad;

/// <summary>
/// The one derivative table of SharpGrad's math primitives: for each op, the vector–Jacobian
/// product that turns the gradient <c>g</c> of its output <c>y</c> into the gradient of its input
/// <c>k</c>, written once over <see cref="IGradientAlgebra{T}"/>. The backward pass evaluates it
/// with tensors; Explain evaluates the same rule with symbols (and <c>g</c> = 1 for an elementwise
/// op's local derivative), so the formula a student is shown is the function autograd runs.
/// Conventions follow PyTorch: relu′(0) = 0, |x|′(0) = 0, clamp passes the gradient at its bounds,
/// max/min (elementwise and reductions) share it equally between tied elements, and 0^b masks the
/// 0·∞ of the textbook formula.
/// </summary>
public static class Derivatives
{
    /// <summary>True when <paramref name="op"/>'s derivative is defined in this table.</summary>
    public static bool Covers(OpCode op) => op switch
    {
        OpCode.Add or OpCode.Sub or OpCode.Mul or OpCode.Div or OpCode.Neg or OpCode.Pow or OpCode.PowScalar
            or OpCode.Exp or OpCode.Log or OpCode.Sqrt or OpCode.Abs or OpCode.Sin or OpCode.Cos or OpCode.Erf or OpCode.Floor
            or OpCode.Tanh or OpCode.Sigmoid or OpCode.Relu or OpCode.LeakyRelu or OpCode.Gelu or OpCode.Softplus
            or OpCode.Clamp or OpCode.Maximum or OpCode.Minimum or OpCode.Where
            or OpCode.Sum or OpCode.Max or OpCode.Min or OpCode.LogSoftmax or OpCode.MatMul
            or OpCode.Reshape or OpCode.Permute or OpCode.Expand or OpCode.Clone => true,
        _ => false,
    };

    /// <summary>Whether <paramref name="op"/>'s rule reads the output value (otherwise only the operands).</summary>
    public static bool UsesOutput(OpCode op) => op is OpCode.Pow or OpCode.Exp or OpCode.Sqrt or OpCode.Tanh
        or OpCode.Sigmoid or OpCode.Max or OpCode.Min or OpCode.LogSoftmax;

    /// <summary>Whether <paramref name="op"/>'s rule reads the operands' values (not just their shapes).</summary>
    public static bool UsesOperandValues(OpCode op) => op is not (OpCode.Add or OpCode.Sub or OpCode.Neg or OpCode.Sum
        or OpCode.Reshape or OpCode.Permute or OpCode.Expand or OpCode.Clone or OpCode.Exp or OpCode.Sqrt
        or OpCode.Tanh or OpCode.Sigmoid or OpCode.Floor or OpCode.LogSoftmax);

    /// <summary>
    /// The gradient of operand <paramref name="k"/> of <paramref name="op"/>, given the gradient
    /// <paramref name="g"/> of its output <paramref name="y"/> and all its operands <paramref name="x"/>;
    /// null for an operand that has no gradient (Where's condition).
    /// </summary>
    /// <exception cref="NotSupportedException">The op has no rule here (<see cref="Covers"/> is false).</exception>
    public static T? Backward<T>(OpCode op, int k, T g, IReadOnlyList<T> x, T y, OpAttributes? attributes)
        where T : class, IGradientAlgebra<T>
    {
        var a = attributes ?? NoAttributes;
        switch (op)
        {
            case OpCode.Add: return g.SumToShapeOf(x[k]);
            case OpCode.Sub: return (k == 0 ? g : g.Neg()).SumToShapeOf(x[k]);
            case OpCode.Mul: return g.Mul(x[1 - k]).SumToShapeOf(x[k]);
            case OpCode.Div:
                return k == 0 ? g.Div(x[1]).SumToShapeOf(x[0]) : g.Neg().Mul(x[0]).Div(x[1].Mul(x[1])).SumToShapeOf(x[1]);
            case OpCode.Neg: return g.Neg();
            case OpCode.Pow:
                // b·a^(b−1) is 0·∞ at a = 0, b = 0, and a^b·ln a is 1·(−∞) at a = 0, b ≥ 0: PyTorch masks both to 0.
                return k == 0
                    ? T.Where(x[1].Eq(0), g.ZerosOfShape(), g.Mul(x[1]).Mul(x[0].Pow(x[1].Add(-1)))).SumToShapeOf(x[0])
                    : T.Where(x[0].Eq(0).Mul(x[1].Ge(0)), g.ZerosOfShape(), g.Mul(y).Mul(x[0].Log())).SumToShapeOf(x[1]);
            case OpCode.PowScalar:
                return a.Scalar == 0 ? g.ZerosOfShape() : g.Mul(x[0].Pow(a.Scalar - 1).Mul(a.Scalar));
            case OpCode.Exp: return g.Mul(y);
            case OpCode.Log: return g.Div(x[0]);
            case OpCode.Sqrt: return g.Div(y.Mul(2));
            case OpCode.Abs: return g.Mul(x[0].Sign());
            case OpCode.Sin: return g.Mul(x[0].Cos());
            case OpCode.Cos: return g.Mul(x[0].Sin()).Neg();
            case OpCode.Erf: return g.Mul(x[0].Mul(x[0]).Neg().Exp().Mul(2 / Math.Sqrt(Math.PI)));
            case OpCode.Floor: return g.ZerosOfShape();
            case OpCode.Tanh: return g.Mul(y.Mul(y).Neg().Add(1));
            case OpCode.Sigmoid: return g.Mul(y.Mul(y.Neg().Add(1)));
            case OpCode.Relu: return g.Mul(x[0].Gt(0));
            case OpCode.LeakyRelu: return T.Where(x[0].Gt(0), g, g.Mul(a.Scalar));
            case OpCode.Gelu:
            {
                // d/dx x·Φ(x) = Φ(x) + x·φ(x), Φ the standard normal CDF and φ its density.
                var cdf = x[0].Mul(1 / Math.Sqrt(2)).Erf().Add(1).Mul(0.5);
                var pdf = x[0].Mul(x[0]).Mul(-0.5).Exp().Mul(1 / Math.Sqrt(2 * Math.PI));
                return g.Mul(cdf.Add(x[0].Mul(pdf)));
            }
            case OpCode.Softplus: return g.Mul(x[0].Sigmoid());
            case OpCode.Clamp:
            {
                var inside = a.Low is null ? x[0].Le(a.High!.Value)
                    : a.High is null ? x[0].Ge(a.Low.Value)
                    : x[0].Ge(a.Low.Value).Mul(x[0].Le(a.High.Value));
                return g.Mul(inside);
            }
            case OpCode.Maximum or OpCode.Minimum:
            {
                // 1 where this side won, ½ at a tie, 0 where it lost.
                var won = op == OpCode.Maximum ? x[k].Gt(x[1 - k]) : x[k].Lt(x[1 - k]);
                return g.Mul(won.Add(x[0].Eq(x[1]).Mul(0.5))).SumToShapeOf(x[k]);
            }
            case OpCode.Where:
                // Operands: condition, a, b. The condition is a mask, not differentiable.
                return k switch
                {
                    0 => null,
                    1 => T.Where(x[0], g, g.ZerosOfShape()).SumToShapeOf(x[1]),
                    _ => T.Where(x[0], g.ZerosOfShape(), g).SumToShapeOf(x[2]),
                };
            case OpCode.Sum: return g.Unreduce(x[0], a.Dims, a.KeepDim);
            case OpCode.Max or OpCode.Min:
            {
                var winners = x[0].Eq(y.Unreduce(x[0], a.Dims, a.KeepDim));
                var share = winners.Div(winners.Sum(a.Dims, keepDim: true));
                return g.Unreduce(x[0], a.Dims, a.KeepDim).Mul(share);
            }
            case OpCode.LogSoftmax:
                // y = x − log Σ eˣ: ∂y_i/∂x_j = δ_ij − softmax(x)_j, so the input gets g − softmax(x)·Σg.
                return g.Sub(y.Exp().Mul(g.Sum(a.Dims, keepDim: true)));
            case OpCode.MatMul:
                return k == 0 ? g.MatMul(x[1].MT()).SumToShapeOf(x[0]) : x[0].MT().MatMul(g).SumToShapeOf(x[1]);
            case OpCode.Reshape: return g.ReshapeAs(x[0]);
            case OpCode.Permute:
            {
                var inverse = new int[a.Dims.Length];
                for (int i = 0; i < inverse.Length; i++) inverse[a.Dims[i]] = i;
                return g.Permute(inverse);
            }
            case OpCode.Expand: return g.SumToShapeOf(x[0]);
            case OpCode.Clone: return g;
            default:
                throw new NotSupportedException($"{op} has no rule in the shared derivative table; its backward rule lives beside its forward in Ops/.");
        }
    }

    private static readonly OpAttributes NoAttributes = new();
}
