namespace SharpGrad;

public sealed partial class Tensor
{
    /// <summary>The sum of all elements, as a 0-d tensor.</summary>
    public Tensor Sum() => Sum([], keepDim: false);

    /// <summary>The sum over one dimension.</summary>
    public Tensor Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);

    /// <summary>The sum over several dimensions (all when empty). ∂/∂x = 1, so the gradient is broadcast back.</summary>
    public Tensor Sum(int[] dims, bool keepDim = false)
    {
        var d = NormalizeDims(dims, "Sum");
        var result = Dispatch.Reduce(this, d, keepDim, ReduceKind.Sum, "Sum");
        var inputShape = ShapeArray;
        return Autograd.Record(result, OpCode.Sum, [this], new OpAttributes { Dims = d, KeepDim = keepDim });
    }

    /// <summary>The mean of all elements.</summary>
    public Tensor Mean() => Mean([], keepDim: false);

    /// <summary>The mean over one dimension.</summary>
    public Tensor Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);

    /// <summary>The mean over several dimensions (all when empty).</summary>
    public Tensor Mean(int[] dims, bool keepDim = false)
    {
        Dispatch.RequireFloat(this, "Mean");
        var d = NormalizeDims(dims, "Mean");
        return Sum(d, keepDim).Div(ReducedCount(d));
    }

    /// <summary>The unbiased variance of all elements (divide by n − 1); use <c>Var([], correction: 0)</c> for the biased one.</summary>
    public Tensor Var() => Var([], 1, keepDim: false);

    /// <summary>The variance over one dimension.</summary>
    public Tensor Var(int dim, int correction = 1, bool keepDim = false) => Var([dim], correction, keepDim);

    /// <summary>
    /// The variance Σ(x − mean)²/(n − correction) over several dimensions (all when empty),
    /// computed in two passes for accuracy and differentiated through its definition.
    /// </summary>
    public Tensor Var(int[] dims, int correction = 1, bool keepDim = false)
    {
        Dispatch.RequireFloat(this, "Var");
        if (correction < 0)
            throw new ArgumentOutOfRangeException(nameof(correction), correction, "Var: the correction must not be negative.");
        var d = NormalizeDims(dims, "Var");
        var centered = Sub(Mean(d, keepDim: true));
        return centered.Mul(centered).Sum(d, keepDim).Div(ReducedCount(d) - correction);
    }

    /// <summary>The unbiased standard deviation of all elements (√Var).</summary>
    public Tensor Std() => Var().Sqrt();

    /// <summary>The standard deviation over one dimension.</summary>
    public Tensor Std(int dim, int correction = 1, bool keepDim = false) => Var([dim], correction, keepDim).Sqrt();

    /// <summary>The standard deviation over several dimensions.</summary>
    public Tensor Std(int[] dims, int correction = 1, bool keepDim = false) => Var(dims, correction, keepDim).Sqrt();

    /// <summary>The largest element.</summary>
    public Tensor Max() => Max([], keepDim: false);

    /// <summary>The largest element along one dimension.</summary>
    public Tensor Max(int dim, bool keepDim = false) => Max([dim], keepDim);

    /// <summary>
    /// The largest element over several dimensions (all when empty). Ties: the gradient is
    /// divided equally among all elements equal to the maximum (PyTorch's <c>amax</c> rule), so
    /// it sums to the incoming gradient whichever element a tie-break would have picked.
    /// </summary>
    public Tensor Max(int[] dims, bool keepDim = false) => Extreme(dims, keepDim, ReduceKind.Max, "Max");

    /// <summary>The smallest element.</summary>
    public Tensor Min() => Min([], keepDim: false);

    /// <summary>The smallest element along one dimension.</summary>
    public Tensor Min(int dim, bool keepDim = false) => Min([dim], keepDim);

    /// <summary>The smallest element over several dimensions; ties share the gradient as in <see cref="Max(int[], bool)"/>.</summary>
    public Tensor Min(int[] dims, bool keepDim = false) => Extreme(dims, keepDim, ReduceKind.Min, "Min");

    /// <summary>log Σ eˣ over all elements.</summary>
    public Tensor LogSumExp() => LogSumExp([], keepDim: false);

    /// <summary>log Σ eˣ over one dimension.</summary>
    public Tensor LogSumExp(int dim, bool keepDim = false) => LogSumExp([dim], keepDim);

    /// <summary>
    /// log Σ eˣ over several dimensions, computed as m + log Σ e^(x − m) with m the (constant)
    /// maximum so that logits of ±1e4 neither overflow nor vanish. Its gradient is the softmax.
    /// </summary>
    public Tensor LogSumExp(int[] dims, bool keepDim = false)
    {
        Dispatch.RequireFloat(this, "LogSumExp");
        var d = NormalizeDims(dims, "LogSumExp");
        var shift = StableShift(d);
        var result = Sub(shift).Exp().Sum(d, keepDim: true).Log().Add(shift);
        return keepDim ? result : result.Reshape(ReducedShape(d));
    }

    /// <summary>The flat index (row-major) of the first largest element, as an int32 scalar.</summary>
    public Tensor ArgMax() => Reshape(-1).ArgMax(0);

    /// <summary>The index of the first largest element along <paramref name="dim"/> (int32; not differentiable).</summary>
    public Tensor ArgMax(int dim, bool keepDim = false) =>
        Dispatch.ArgReduce(this, ShapeMath.WrapDim(dim, Rank, "ArgMax"), keepDim && Rank > 0, max: true, "ArgMax");

    /// <summary>The flat index of the first smallest element.</summary>
    public Tensor ArgMin() => Reshape(-1).ArgMin(0);

    /// <summary>The index of the first smallest element along <paramref name="dim"/>.</summary>
    public Tensor ArgMin(int dim, bool keepDim = false) =>
        Dispatch.ArgReduce(this, ShapeMath.WrapDim(dim, Rank, "ArgMin"), keepDim && Rank > 0, max: false, "ArgMin");

    /// <summary>
    /// The maximum over <paramref name="dims"/> (kept as size 1), outside the graph, with ±∞ replaced
    /// by 0: subtracting it makes every exponent ≤ 0, and an all −∞ slice stays −∞ instead of NaN.
    /// Being a constant, it changes no gradient: logsumexp's derivative does not depend on the shift.
    /// </summary>
    private Tensor StableShift(int[] dims)
    {
        using (Autograd.NoGrad())
        {
            // An empty slice has no maximum; any shift works, and its logsumexp is log 0 = −∞, as in PyTorch.
            foreach (int d in dims)
            {
                if (ShapeArray[d] != 0) continue;
                var kept = (int[])ShapeArray.Clone();
                foreach (int r in dims) kept[r] = 1;
                return Zeros(kept, DType, Device);
            }
            var m = Dispatch.Reduce(this, dims, keepDim: true, ReduceKind.Max, "LogSumExp");
            return Where(m.Abs().Eq(double.PositiveInfinity), ZerosLike(m), m);
        }
    }

    private Tensor Extreme(int[] dims, bool keepDim, ReduceKind kind, string op)
    {
        var d = NormalizeDims(dims, op);
        var result = Dispatch.Reduce(this, d, keepDim, kind, op);
        var inputShape = ShapeArray;
        return Autograd.Record(result, kind == ReduceKind.Max ? OpCode.Max : OpCode.Min, [this], new OpAttributes { Dims = d, KeepDim = keepDim });
    }

    /// <summary>Reinserts reduced dimensions as size 1 so that a reduced tensor broadcasts against the input.</summary>
    private Tensor UnreduceLike(int[] inputShape, int[] dims, bool keptDims)
    {
        if (keptDims) return this;
        var shape = (int[])inputShape.Clone();
        foreach (int d in dims) shape[d] = 1;
        return Reshape(shape);
    }

    private int[] ReducedShape(int[] dims)
    {
        var shape = new List<int>();
        for (int i = 0; i < Rank; i++)
            if (Array.IndexOf(dims, i) < 0) shape.Add(ShapeArray[i]);
        return [.. shape];
    }

    private int ReducedCount(int[] dims)
    {
        int n = 1;
        foreach (int d in dims) n *= ShapeArray[d];
        return n;
    }

    /// <summary>Wraps, checks and sorts reduction dimensions; an empty list means every dimension.</summary>
    private int[] NormalizeDims(int[] dims, string op)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Length == 0)
        {
            var all = new int[Rank];
            for (int i = 0; i < Rank; i++) all[i] = i;
            return all;
        }
        var result = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            result[i] = ShapeMath.WrapDim(dims[i], Rank, op);
            for (int j = 0; j < i; j++)
                if (result[j] == result[i])
                    throw new ArgumentException($"{op}: dimension {result[i]} appears more than once in {ShapeMath.Format(dims)}.");
        }
        if (Rank == 0) return [];
        Array.Sort(result);
        return result;
    }
}
