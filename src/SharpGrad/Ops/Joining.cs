namespace SharpGrad;

public sealed partial class Tensor
{
    /// <summary>
    /// Joins tensors along an existing dimension; all other sizes must match. Each input's
    /// gradient is its slice of the output gradient.
    /// </summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0)
            throw new ArgumentException("Cat needs at least one tensor.");
        var first = tensors[0];
        int d = ShapeMath.WrapDim(dim, first.Rank, "Cat");
        var dtype = first.DType;
        int total = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            if (t.Rank != first.Rank)
                throw new ArgumentException($"Cat: tensor {i} has shape {ShapeMath.Format(t.ShapeArray)}, whose rank differs from tensor 0's {ShapeMath.Format(first.ShapeArray)}.");
            for (int k = 0; k < first.Rank; k++)
                if (k != d && t.ShapeArray[k] != first.ShapeArray[k])
                    throw new ArgumentException($"Cat: tensor {i} has shape {ShapeMath.Format(t.ShapeArray)} but tensor 0 has {ShapeMath.Format(first.ShapeArray)}; sizes must match except in dimension {d}.");
            total += t.ShapeArray[d];
            dtype = DTypeExtensions.Promote(dtype, t.DType);
        }
        var inputs = new Tensor[tensors.Count];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = Dispatch.OnDevice(tensors[i], first.Device, "Cat").To(dtype);
        var outShape = (int[])first.ShapeArray.Clone();
        outShape[d] = total;
        var result = Uninitialized(outShape, dtype, first.Device);
        var starts = new int[inputs.Length];
        int offset = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            starts[i] = offset;
            Dispatch.CopyInto(inputs[i], result.NarrowRaw(d, offset, inputs[i].ShapeArray[d]));
            offset += inputs[i].ShapeArray[d];
        }
        return Autograd.Record(result, OpCode.Cat, inputs, g =>
        {
            var grads = new Tensor?[inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
                if (inputs[i].RequiresGrad) grads[i] = g.Narrow(d, starts[i], inputs[i].ShapeArray[d]);
            return grads;
        });
    }

    /// <summary>Joins tensors of equal shape along a new dimension.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0)
            throw new ArgumentException("Stack needs at least one tensor.");
        for (int i = 1; i < tensors.Count; i++)
            if (!ShapeMath.SameShape(tensors[i].ShapeArray, tensors[0].ShapeArray))
                throw new ArgumentException($"Stack: tensor {i} has shape {ShapeMath.Format(tensors[i].ShapeArray)} but tensor 0 has {ShapeMath.Format(tensors[0].ShapeArray)}; all must be equal.");
        int d = ShapeMath.WrapDim(dim, tensors[0].Rank + 1, "Stack");
        var expanded = new Tensor[tensors.Count];
        for (int i = 0; i < expanded.Length; i++) expanded[i] = tensors[i].Unsqueeze(d);
        return Cat(expanded, d);
    }

    /// <summary>Splits into views of <paramref name="splitSize"/> along <paramref name="dim"/> (the last may be smaller).</summary>
    public Tensor[] Split(int splitSize, int dim = 0)
    {
        if (splitSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(splitSize), splitSize, "Split: the split size must be positive.");
        int d = ShapeMath.WrapDim(dim, Rank, "Split");
        var sizes = new List<int>();
        for (int start = 0; start < ShapeArray[d]; start += splitSize)
            sizes.Add(Math.Min(splitSize, ShapeArray[d] - start));
        return Split([.. sizes], d);
    }

    /// <summary>Splits into views with the given sizes along <paramref name="dim"/>; the sizes must add up to that dimension.</summary>
    public Tensor[] Split(int[] sizes, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        int d = ShapeMath.WrapDim(dim, Rank, "Split");
        int sum = 0;
        foreach (int s in sizes)
        {
            if (s < 0) throw new ArgumentException($"Split: sizes must not be negative, got {ShapeMath.Format(sizes)}.");
            sum += s;
        }
        if (sum != ShapeArray[d])
            throw new ArgumentException($"Split: sizes {ShapeMath.Format(sizes)} add up to {sum}, but dimension {d} has size {ShapeArray[d]}.");
        var parts = new Tensor[sizes.Length];
        for (int i = 0, start = 0; i < sizes.Length; start += sizes[i], i++)
            parts[i] = Narrow(d, start, sizes[i]);
        return parts;
    }

    /// <summary>Splits into <paramref name="chunks"/> nearly equal views along <paramref name="dim"/>.</summary>
    public Tensor[] Chunk(int chunks, int dim = 0)
    {
        if (chunks <= 0)
            throw new ArgumentOutOfRangeException(nameof(chunks), chunks, "Chunk: the number of chunks must be positive.");
        int d = ShapeMath.WrapDim(dim, Rank, "Chunk");
        return Split(Math.Max(1, (ShapeArray[d] + chunks - 1) / chunks), d);
    }

    private Tensor NarrowRaw(int dim, int start, int length)
    {
        var shape = (int[])ShapeArray.Clone();
        shape[dim] = length;
        return AsStrided(shape, StrideArray, Offset + start * StrideArray[dim]);
    }
}
