namespace SharpGrad.Explain;

// Shapes and matrix calculus. A Sym without a shape is a scalar (or one component of a tensor, in
// the per-component derivations); a shaped Sym is a whole vector or matrix, combined elementwise
// with broadcasting, by matrix products and transposes, and summed over axes. The derivative rules
// of Derivatives then produce matrix-notation gradients such as Xᵀ(p − y)/n directly.
public sealed partial class Sym
{
    private readonly int[]? explicitShape;
    private int[]? inferredShape;
    private bool shapeInferred;

    /// <summary>The axes a <see cref="SymKind.SumOver"/> sums over.</summary>
    public IReadOnlyList<int> Axes { get; }

    /// <summary>True for a vector read as a row or a column (by a matrix product); its transpose is the other reading.</summary>
    internal bool IsVectorView { get; private init; }

    /// <summary>The shape of the value, or null for a scalar.</summary>
    public IReadOnlyList<int>? Shape
    {
        get
        {
            if (explicitShape is not null) return explicitShape;
            if (!shapeInferred)
            {
                inferredShape = InferShape();
                shapeInferred = true;
            }
            return inferredShape;
        }
    }

    /// <summary>True when the value is a vector or matrix rather than a single number.</summary>
    public bool IsShaped => Shape is { } s && s.Count > 0 && !(s.Count == 1 && s[0] == 1 && Kind == SymKind.Number);

    /// <summary>A named vector or matrix of the given shape (a scalar when the shape is empty).</summary>
    public static Sym Var(string name, int[] shape) => new(SymKind.Variable, name: name, shape: shape);

    /// <summary>The partial ∂of/∂wrt with the full shape of wrt: a 1×n gradient (of a kept axis) is a matrix, not a vector read as a row.</summary>
    public static Sym Partial(string of, string wrt, int[] shape) => new(SymKind.Partial, name: of, wrt: wrt, shape: shape);

    /// <summary>The matrix product a b; scalar factors of either side move in front of it.</summary>
    public static Sym MatMul(Sym a, Sym b)
    {
        var (ca, ma) = SplitScalars(a);
        var (cb, mb) = SplitScalars(b);
        // A zero matrix times anything is zero (floor's gradient through a matrix product).
        if ((a is { IsNumber: true, Value: 0 } || b is { IsNumber: true, Value: 0 }) && new Sym(SymKind.MatMul, args: [a, b]).Shape is { } zeroShape)
            return Zero.WithShape([.. zeroShape]);
        if (ma is null || mb is null)
            return Mul(ca, cb, ma ?? One, mb ?? One);
        // A product with a constant matrix c·1 is a sum: W 1 is the row sums of W, 1ᵀW its column
        // sums, so an all-ones vector is never printed as a bare 1.
        // Along an axis of size 1 there is nothing to sum: the product is the other side times the number.
        // (An empty product is the number 1 given a shape.)
        if ((mb.IsNumber || mb is { Kind: SymKind.Product, Args.Count: 0 }) && ma.Shape is [_, 1] && mb.Shape is [1, 1])
            return Mul(ca, cb, mb.IsNumber ? Num(mb.Value) : One, ma);
        if ((ma.IsNumber || ma is { Kind: SymKind.Product, Args.Count: 0 }) && mb.Shape is [1, _] && ma.Shape is [1, 1])
            return Mul(ca, cb, ma.IsNumber ? Num(ma.Value) : One, mb);
        if (mb.IsNumber && ma.Shape is [var m, _] && mb.Shape is [_, 1])
            return Mul(ca, cb, Num(mb.Value), SumOver(ma, [1], [m, 1]));
        if (ma.IsNumber && mb.Shape is [_, var n] && ma.Shape is [1, _])
            return Mul(ca, cb, Num(ma.Value), SumOver(mb, [0], [1, n]));
        // A row times a matrix, gᵀWᵀ, is written as the column (W g)ᵀ, as on the board.
        if (ma.IsVectorView && ma.Shape is [1, > 1] && mb.Shape is [_, > 1])
            return Mul(ca, cb, Transpose(MatMul(Transpose(mb), Transpose(ma))));
        var product = new Sym(SymKind.MatMul, args: [ma, mb]);
        return Mul(ca, cb, product);
    }

    /// <summary>The transpose; (aᵀ)ᵀ = a, and a vector's transpose is itself (as in NumPy).</summary>
    public static Sym Transpose(Sym a)
    {
        if (a.Kind == SymKind.Transpose) return a.Args[0];
        if (a.Shape is not { Count: >= 2 } s) return a;
        // A row or column read from a vector transposes by being read the other way.
        if (a.IsVectorView) return a.WithShape([s[1], s[0]]);
        // (A B)ᵀ = Bᵀ Aᵀ between matrices: (P − Y)ᵀX rather than (Xᵀ(P − Y))ᵀ.
        // An outer product with a constant vector, (1 aᵀ)ᵀ, is a 1ᵀ.
        if (a.Kind == SymKind.MatMul && a.Args[0].IsNumber && a.Args[0].Shape is [_, 1] && a.Args[1].Shape is [1, _])
            return MatMul(Transpose(a.Args[1]), Transpose(a.Args[0]));
        // An outer product of two vectors is transposed by swapping them: ((o − t) aᵀ)ᵀ is a (o − t)ᵀ.
        if (a.Kind == SymKind.MatMul && a.Args[0] is { IsVectorView: true, Shape: [_, 1] } && a.Args[1] is { IsVectorView: true, Shape: [1, _] })
            return MatMul(Transpose(a.Args[1]), Transpose(a.Args[0]));
        if (a.Kind == SymKind.MatMul && !a.Args[0].IsVectorView && !a.Args[1].IsVectorView
            && a.Args[0].Shape is { Count: 2 } && a.Args[1].Shape is { Count: 2 })
            return MatMul(Transpose(a.Args[1]), Transpose(a.Args[0]));
        if (a.Kind == SymKind.Product && a.Args.All(f => !f.IsShaped || f.Shape!.Count >= 2))
            return Mul(a.Args.Select(Transpose));
        return new Sym(SymKind.Transpose, args: [a]);
    }

    /// <summary>The sum of <paramref name="a"/> over <paramref name="axes"/>, giving <paramref name="shape"/>.</summary>
    public static Sym SumOver(Sym a, int[] axes, int[] shape)
    {
        if (axes.Length == 0) return a;
        if (!a.IsShaped) return a;
        // c at every element summed over axes of sizes m, n is m·n·c at every element that remains.
        if (a is { IsNumber: true, Shape: { } each })
            return Num(a.Value * axes.Aggregate(1, (p, axis) => p * each[axis])).WithShape(shape);
        // A number multiplying every element comes out of the sum: sum((…)/2, 0) is sum(…, 0)/2.
        if (a is { Kind: SymKind.Product, Args: [{ IsNumber: true, IsShaped: false } coefficient, ..] })
        {
            var rest = Mul(a.Args.Skip(1));
            return Mul(coefficient, SumOver(a.explicitShape is { } reshaped ? rest.WithShape(reshaped) : rest, axes, shape));
        }
        // A transpose summed along one axis into a vector is the matrix summed along the other: sum(W, 1), not sum(Wᵀ, 0).
        if (a.Kind == SymKind.Transpose && a.Args[0].Shape is { Count: 2 } && axes is [var axis and (0 or 1)] && shape.Length == 1)
            return SumOver(a.Args[0], [1 - axis], shape);
        // Every axis summed, kept or not, is one number, the sum of all elements: sum(q), not sum(q, 0), and sum(I[W = J]) for a
        // matrix, not sum(I[W = J], 0, 1).
        if (shape.All(d => d == 1) && a.Shape is { Count: var rank } && axes.Length == rank) return Call("sum", a);
        return new Sym(SymKind.SumOver, args: [a], axes: axes, shape: shape.Length == 0 ? null : shape);
    }

    /// <summary>The sum along the last axis: of all elements for a vector, of each row for a matrix, kept as a column so that it broadcasts back over the row.</summary>
    public static Sym RowSum(Sym v) => v.Shape is { Count: 2 } shape ? SumOver(v, [1], [shape[0], 1]) : Call("sum", v);

    /// <summary>The mean along the last axis, as <see cref="RowSum"/> sums.</summary>
    public static Sym RowMean(Sym v) => v.Shape is { Count: 2 } shape ? Div(RowSum(v), Num(shape[1])) : Call("mean", v);

    /// <summary>
    /// This value as one of <paramref name="shape"/>: unchanged when it already has a shape, otherwise
    /// the number at every element, written c·ones(k) (the gradient 1/n of a mean over a vector), or a
    /// row at every row of a matrix, written ones(k) rowᵀ.
    /// </summary>
    public Sym BroadcastTo(int[] shape)
    {
        // One row (a vector, or a 1×n matrix) repeated down a matrix (a bias's gradient read back at the layer's output) is 1 rowᵀ.
        if (shape.Length == 2 && shape[0] > 1 && Shape is { } own && (own.Count == 1 || own is [1, _]) && own[^1] == shape[1])
            return MatMul(Num(1).WithShape([shape[0], 1]), WithShape([1, shape[1]]));
        // One column repeated across a matrix (an axis mean's gradient read back at its input) is column 1ᵀ.
        if (shape.Length == 2 && Shape is [var m, 1] && m == shape[0] && shape[1] > 1)
            return MatMul(this, Num(1).WithShape([1, shape[1]]));
        if (IsShaped) return this;
        if (IsNumber) return Num(Value).WithShape(shape);
        return new(SymKind.Product, args: [.. Kind == SymKind.Product ? Args : [this], Num(1).WithShape(shape)]);
    }

    /// <summary>This expression read with another shape of the same elements (reshape).</summary>
    public Sym WithShape(int[]? shape)
    {
        var target = shape is { Length: > 0 } && !(shape.Length == 1 && shape[0] == 1 && !IsShaped) ? shape : null;
        if (Shape is { } own ? target is not null && own.SequenceEqual(target) : target is null) return this;
        // A number times a row, (y − t) hᵀ, read back as a vector is that number times the vector: (y − t)·h.
        // (Not the transpose of a one-column matrix M: bare, it would print as M, the column.)
        if (Kind == SymKind.MatMul && target is [var n] && Args[0].Shape is [1, 1] && Args[1].Shape is [1, var k] && k == n
            && !(Args[1] is { Kind: SymKind.Transpose, Args: [{ IsVectorView: false, Shape.Count: 2 }] }))
            return Mul(Args[0].WithShape([]), Args[1].WithShape(target));
        // (W e)ᵀ, a row, read back as the column it came from is W e.
        if (Kind == SymKind.Transpose && target is not null && Args[0].Shape is { } inner && inner.SequenceEqual(target)) return Args[0];
        return new Sym(Kind, Value, Name, Args, Op, Relation, Wrt, Index, target ?? [], [.. Axes], OfIndex, IsTotal)
        {
            // A vector (or a symbol without a shape) read as a row or a column; a symbol given a full matrix shape is a matrix.
            IsVectorView = target is { Length: 2 } && (IsVectorView || Shape is { Count: 1 } || (Shape is null && (target[0] == 1 || target[1] == 1))),
        };
    }

    /// <summary>Whether a vector written out holds rows (vectors of several numbers, or vectors of one), not numbers: a 1×1 uᵀc is a number.</summary>
    private static bool StacksRows(Sym v) =>
        v.Args is [var first, ..] && (first.Kind == SymKind.Vector || (first.IsShaped && first.Shape!.Aggregate(1, (a, b) => a * b) > 1));

    private int[]? InferShape()
    {
        switch (Kind)
        {
            case SymKind.Number or SymKind.Variable or SymKind.Partial:
                return null;
            case SymKind.Call when Op is { Kind: OpKind.Reduction }:
                return null;
            // A vector of rows ([g] for one row of a matrix) is a matrix.
            case SymKind.Vector:
                return StacksRows(this) ? [Args.Count, .. Args[0].Shape!] : [Args.Count];
            // An index read (t[0] is one number, x[1:4] three), a reduction along one axis (sum(Z, 1) of a [2, 3] Z is [2]) or
            // a convolution has the shape its op's rule gives.
            case SymKind.Call when Op is { Kind: OpKind.Structural, Shape: { } rule } && (Op.Arity > 1 || Args[0].Shape is not null):
                return rule([.. Args.Select(a => SymbolicShape.FromSizes(a.Shape ?? []))], new Dictionary<string, int>(), out _) is { IsKnown: true } result && result.Rank > 0
                    ? [.. result.Dims.Select(d => d.Size)]
                    : null;
            case SymKind.MatMul:
            {
                var a = Args[0].Shape;
                var b = Args[1].Shape;
                if (a is null || b is null) return a?.ToArray() ?? b?.ToArray();
                if (a.Count == 1 && b.Count == 1) return null;
                if (a.Count == 1) return [.. b.Take(b.Count - 2), b[^1]];
                if (b.Count == 1) return [.. a.Take(a.Count - 1)];
                return [.. a.Take(a.Count - 1), b[^1]];
            }
            case SymKind.Transpose:
            {
                var a = Args[0].Shape!.ToArray();
                (a[^1], a[^2]) = (a[^2], a[^1]);
                return a;
            }
            default:
            {
                int[]? shape = null;
                foreach (var arg in Args)
                {
                    if (arg.Shape is not { Count: > 0 } s) continue;
                    shape = shape is null ? [.. s] : ShapeMath.Broadcast(shape, s.ToArray(), "a symbolic expression");
                }
                return shape;
            }
        }
    }

    /// <summary>The scalar factors of a product (or 1) and the rest (null when nothing shaped is left).</summary>
    private static (Sym Scalars, Sym? Shaped) SplitScalars(Sym a)
    {
        if (!a.IsShaped) return (a, null);
        if (a.Kind != SymKind.Product) return (One, a);
        var scalars = a.Args.Where(f => !f.IsShaped).ToList();
        if (scalars.Count == 0) return (One, a);
        var shaped = a.Args.Where(f => f.IsShaped).ToList();
        // A product read with another shape (a vector as a column) keeps that shape without its scalars: Xᵀ(p − y)/n.
        var rest = shaped.Count == 1 ? shaped[0] : new Sym(SymKind.Product, args: shaped);
        return (Mul(scalars), a.explicitShape is null ? rest : rest.WithShape(a.explicitShape));
    }

    /// <summary>
    /// Evaluates the expression on tensors: variables and partials come from <paramref name="leaf"/>,
    /// everything else runs through the engine's own ops, so a formula can be compared with the
    /// gradient autograd computes, element by element.
    /// </summary>
    public Tensor EvaluateTensor(Func<Sym, Tensor> leaf)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        using var _ = Autograd.NoGrad();
        return Eval(this, leaf);

        // Every value takes the shape the expression states (a vector read as a column stays a column).
        static Tensor Eval(Sym e, Func<Sym, Tensor> leaf) => Compute(e, leaf).WithShapeOf(e);

        static Tensor Compute(Sym e, Func<Sym, Tensor> leaf)
        {
            switch (e.Kind)
            {
                case SymKind.Number:
                    // A constant vector (ones(k)) has its shape; a plain number broadcasts.
                    return e.IsShaped && e.Shape!.Aggregate(1, (a, b) => a * b) > 1
                        ? Tensor.Ones([.. e.Shape!], DType.Float64).Mul(Tensor.Scalar(e.Value, DType.Float64))
                        : Tensor.Scalar(e.Value, DType.Float64);
                case SymKind.Variable or SymKind.Partial: return leaf(e).To(DType.Float64).WithShapeOf(e);
                case SymKind.Sum:
                {
                    var t = Eval(e.Args[0], leaf);
                    for (int i = 1; i < e.Args.Count; i++) t = t.Add(Eval(e.Args[i], leaf));
                    return t;
                }
                case SymKind.Product:
                {
                    Tensor? value = null, masks = null;
                    foreach (var f in e.Args)
                    {
                        var t = Eval(f, leaf);
                        value = value is null ? t : value.Mul(t);
                        if (f.IsMask) masks = masks is null ? t : masks.Mul(t);
                    }
                    // Iverson's convention, as in Evaluate: where a mask is 0 the product is 0.
                    return masks is null ? value! : Tensor.Where(masks.Eq(0), Tensor.ZerosLike(value!), value!);
                }
                case SymKind.Power: return Eval(e.Args[0], leaf).Pow(Eval(e.Args[1], leaf));
                case SymKind.Call: return e.Op!.Apply([.. e.Args.Select(a => Eval(a, leaf))]);
                case SymKind.Prime:
                {
                    var t = Eval(e.Args[0], leaf).Tanh();
                    return t.Mul(t).Neg().Add(1);
                }
                case SymKind.Sign: return Eval(e.Args[0], leaf).Sign();
                case SymKind.Vector when StacksRows(e):
                    return Tensor.Stack([.. e.Args.Select(c => Eval(c, leaf))]);
                case SymKind.Vector:
                    return Tensor.FromArray(e.Args.Select(c => Eval(c, leaf).To(DType.Float64).Item()).ToArray(), e.Args.Count);
                case SymKind.Indicator:
                {
                    var l = Eval(e.Args[0], leaf);
                    var r = Eval(e.Args[1], leaf);
                    return e.Relation switch { ">" => l.Gt(r), "<" => l.Lt(r), "≥" => l.Ge(r), "≤" => l.Le(r), _ => l.Eq(r) };
                }
                case SymKind.MatMul: return OpTable.Binary(BinaryOperator.MatMul).Apply(Eval(e.Args[0], leaf), Eval(e.Args[1], leaf));
                case SymKind.Transpose:
                {
                    var t = Eval(e.Args[0], leaf);
                    return t.Rank >= 2 ? t.Transpose(-1, -2) : t;
                }
                case SymKind.SumOver:
                {
                    var t = Eval(e.Args[0], leaf);
                    return t.Sum([.. e.Axes], keepDim: false).WithShapeOf(e);
                }
                default: throw new InvalidOperationException(e.Kind.ToString());
            }
        }
    }
}

internal static class SymTensorExtensions
{
    /// <summary>The tensor reshaped to the expression's declared shape where the element counts agree.</summary>
    public static Tensor WithShapeOf(this Tensor t, Sym e)
    {
        if (e.Shape is not { } shape) return t.Count == 1 && t.Rank > 0 ? t.Reshape() : t;
        int n = 1;
        foreach (int d in shape) n *= d;
        return n == t.Count && !t.Shape.ToArray().SequenceEqual(shape) ? t.Reshape([.. shape]) : t;
    }
}
