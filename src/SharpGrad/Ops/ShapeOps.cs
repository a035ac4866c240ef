namespace SharpGrad;

public sealed partial class Tensor
{
    /// <summary>
    /// The same elements with a new shape; one size may be −1 and is then inferred. Returns a
    /// view whenever the strides allow it (always for contiguous tensors) and a copy otherwise.
    /// </summary>
    public Tensor Reshape(params int[] shape)
    {
        var target = InferShape(shape, "Reshape");
        if (ShapeMath.SameShape(target, ShapeArray))
            return this;
        var strides = ViewStrides(ShapeArray, StrideArray, target);
        Tensor result = strides is not null
            ? AsStrided(target, strides, Offset)
            : Dispatch.Copy(this).AsStrided(target, ShapeMath.ContiguousStrides(target), 0);
        return Autograd.Record(result, OpCode.Reshape, [this]);
    }

    /// <summary>Like <see cref="Reshape"/> but never copies: an error when the strides do not allow a view.</summary>
    public Tensor View(params int[] shape)
    {
        var target = InferShape(shape, "View");
        if (ViewStrides(ShapeArray, StrideArray, target) is null)
            throw new InvalidOperationException(
                $"View: a tensor of shape {ShapeMath.Format(ShapeArray)} with strides {ShapeMath.Format(StrideArray)} cannot be viewed as {ShapeMath.Format(target)} without copying; use Reshape() or Contiguous().View().");
        return Reshape(target);
    }

    /// <summary>Merges dimensions <paramref name="startDim"/> to <paramref name="endDim"/> into one.</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = ShapeMath.WrapDim(startDim, Rank, "Flatten"), e = ShapeMath.WrapDim(endDim, Rank, "Flatten");
        if (s > e)
            throw new ArgumentException($"Flatten: startDim ({startDim}) must not come after endDim ({endDim}).");
        var shape = new List<int>();
        for (int i = 0; i < s; i++) shape.Add(ShapeArray[i]);
        int merged = 1;
        for (int i = s; i <= e; i++) merged *= ShapeArray[i];
        shape.Add(merged);
        for (int i = e + 1; i < Rank; i++) shape.Add(ShapeArray[i]);
        return Reshape([.. shape]);
    }

    /// <summary>Reorders the dimensions: result dimension i is this tensor's dimension dims[i]. A view.</summary>
    public Tensor Permute(params int[] dims)
    {
        if (dims.Length != Rank)
            throw new ArgumentException($"Permute: got {dims.Length} dimensions for a tensor of rank {Rank} (shape {ShapeMath.Format(ShapeArray)}).");
        var perm = new int[Rank];
        var seen = new bool[Rank];
        for (int i = 0; i < Rank; i++)
        {
            perm[i] = ShapeMath.WrapDim(dims[i], Rank, "Permute");
            if (seen[perm[i]])
                throw new ArgumentException($"Permute: dimension {perm[i]} appears twice in {ShapeMath.Format(dims)}.");
            seen[perm[i]] = true;
        }
        var shape = new int[Rank];
        var strides = new int[Rank];
        var inverse = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            shape[i] = ShapeArray[perm[i]];
            strides[i] = StrideArray[perm[i]];
            inverse[perm[i]] = i;
        }
        return Autograd.Record(AsStrided(shape, strides, Offset), OpCode.Permute, [this], new OpAttributes { Dims = (int[])perm.Clone() });
    }

    /// <summary>Swaps two dimensions. A view.</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        int a = ShapeMath.WrapDim(dim0, Rank, "Transpose"), b = ShapeMath.WrapDim(dim1, Rank, "Transpose");
        var perm = new int[Rank];
        for (int i = 0; i < Rank; i++) perm[i] = i;
        (perm[a], perm[b]) = (perm[b], perm[a]);
        return Permute(perm);
    }

    /// <summary>The transpose of a matrix (dimensions reversed for rank ≤ 2), as PyTorch's <c>.T</c>.</summary>
    public Tensor T
    {
        get
        {
            if (Rank > 2)
                throw new InvalidOperationException($"T reverses the dimensions of a vector or matrix; this tensor has shape {ShapeMath.Format(ShapeArray)}. Use Transpose(dim0, dim1) or Permute.");
            return Rank < 2 ? this : Transpose(0, 1);
        }
    }

    /// <summary>Removes every dimension of size 1.</summary>
    public Tensor Squeeze()
    {
        var shape = new List<int>();
        foreach (int d in ShapeArray) if (d != 1) shape.Add(d);
        return Reshape([.. shape]);
    }

    /// <summary>Removes dimension <paramref name="dim"/> if its size is 1 (otherwise returns the tensor unchanged, as PyTorch does).</summary>
    public Tensor Squeeze(int dim)
    {
        int d = ShapeMath.WrapDim(dim, Rank, "Squeeze");
        if (Rank == 0 || ShapeArray[d] != 1) return this;
        var shape = new List<int>(ShapeArray);
        shape.RemoveAt(d);
        return Reshape([.. shape]);
    }

    /// <summary>Inserts a dimension of size 1 at <paramref name="dim"/> (−1 appends).</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = ShapeMath.WrapDim(dim, Rank + 1, "Unsqueeze");
        var shape = new List<int>(ShapeArray);
        shape.Insert(d, 1);
        return Reshape([.. shape]);
    }

    private int[] InferShape(int[] shape, string op)
    {
        var target = (int[])shape.Clone();
        int infer = -1, known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == -1)
            {
                if (infer >= 0)
                    throw new ArgumentException($"{op}: only one dimension can be −1, got {ShapeMath.Format(shape)}.");
                infer = i;
            }
            else if (target[i] < 0)
                throw new ArgumentException($"{op}: invalid size {target[i]} in {ShapeMath.Format(shape)}.");
            else
                known *= target[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || Count % known != 0)
                throw new ArgumentException($"{op}: shape {ShapeMath.Format(shape)} is invalid for a tensor of {Count} elements (shape {ShapeMath.Format(ShapeArray)}).");
            target[infer] = Count / known;
        }
        else if (known != Count)
            throw new ArgumentException($"{op}: shape {ShapeMath.Format(shape)} has {known} elements but the tensor has {Count} (shape {ShapeMath.Format(ShapeArray)}).");
        return target;
    }

    /// <summary>
    /// Strides that read the same elements in <paramref name="newShape"/>, or null when no such
    /// strides exist. Groups of old dimensions that are contiguous with each other can be split
    /// or merged freely (the rule of PyTorch's computeStride).
    /// </summary>
    private static int[]? ViewStrides(int[] oldShape, int[] oldStrides, int[] newShape)
    {
        var newStrides = new int[newShape.Length];
        if (ShapeMath.Count(oldShape) == 0 || oldShape.Length == 0)
            return ShapeMath.ContiguousStrides(newShape);
        int viewD = newShape.Length - 1;
        long chunkBase = oldStrides[^1];
        long tensorNumel = 1, viewNumel = 1;
        for (int td = oldShape.Length - 1; td >= 0; td--)
        {
            tensorNumel *= oldShape[td];
            if (td == 0 || (oldShape[td - 1] != 1 && oldStrides[td - 1] != tensorNumel * chunkBase))
            {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1))
                {
                    newStrides[viewD] = (int)(viewNumel * chunkBase);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel)
                    return null;
                if (td > 0)
                {
                    chunkBase = oldStrides[td - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? newStrides : null;
    }
}
