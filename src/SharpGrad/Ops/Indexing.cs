namespace SharpGrad;

public sealed partial class Tensor
{
    /// <summary>
    /// Basic indexing and slicing, as in PyTorch: <c>x[0]</c>, <c>x[.., 1..3]</c>, <c>x[^1]</c>.
    /// Reading gives a view whose gradient is scattered back into the sliced positions;
    /// assigning copies a value (broadcast) into those positions in place.
    /// </summary>
    [System.Runtime.CompilerServices.IndexerName("Slice")]
    public Tensor this[params TensorIndex[] indices]
    {
        get
        {
            var view = IndexRaw(indices);
            var inputShape = ShapeArray;
            return Autograd.Record(view, OpCode.Index, [this], g => [EmbedIndexed(g, inputShape, indices)]);
        }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            CheckInPlace("Index assignment");
            IndexRaw(indices).CopyFrom(value);
        }
    }

    /// <summary>Positions start to start + length − 1 of one dimension. A view.</summary>
    public Tensor Narrow(int dim, int start, int length)
    {
        int d = ShapeMath.WrapDim(dim, Rank, "Narrow");
        if (start < 0) start += ShapeArray[d];
        if (start < 0 || length < 0 || start + length > ShapeArray[d])
            throw new ArgumentOutOfRangeException(nameof(start), $"Narrow: positions {start} to {start + length - 1} do not fit in dimension {d} of size {ShapeArray[d]}.");
        var spec = new TensorIndex[d + 1];
        for (int i = 0; i < d; i++) spec[i] = TensorIndex.All;
        spec[d] = TensorIndex.Slice(start, start + length);
        return this[spec];
    }

    /// <summary>
    /// The slices at the given positions of dimension <paramref name="dim"/>, in order (positions
    /// may repeat). <paramref name="index"/> is a 1-D int32 tensor. The gradient adds each output
    /// slice back into the position it came from.
    /// </summary>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        int d = ShapeMath.WrapDim(dim, Rank, "IndexSelect");
        var positions = IndexArray(index, "IndexSelect", requireRank: 1);
        var outShape = (int[])ShapeArray.Clone();
        outShape[d] = positions.Length;
        if (!Device.IsCpu && DType.IsFloatingPoint() && (long)positions.Length * ShapeArray[d] <= MaxOneHotElements)
            return DeviceIndexSelect(d, positions, outShape);
        var result = ZerosOn(outShape, DType, Device);
        for (int i = 0; i < positions.Length; i++)
        {
            int p = positions[i];
            if (p < -ShapeArray[d] || p >= ShapeArray[d])
                throw new ArgumentException($"IndexSelect: index {p} (entry {i}) is out of range for dimension {d} of size {ShapeArray[d]}.");
            Dispatch.CopyInto(SelectRaw(d, p < 0 ? p + ShapeArray[d] : p), result.SelectRaw(d, i));
        }
        var inputShape = ShapeArray;
        return Autograd.Record(result, OpCode.IndexSelect, [this], g => [IndexAddIntoZeros(g, inputShape, d, positions)]);
    }

    /// <summary>
    /// out[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (and likewise for other dims):
    /// <paramref name="index"/> is an int32 tensor of this tensor's rank, and the result has its
    /// shape. The gradient is scattered back with addition.
    /// </summary>
    public Tensor Gather(int dim, Tensor index)
    {
        int d = ShapeMath.WrapDim(dim, Rank, "Gather");
        var positions = IndexArray(index, "Gather", requireRank: Rank);
        for (int i = 0; i < Rank; i++)
            if (i != d && index.ShapeArray[i] > ShapeArray[i])
                throw new ArgumentException($"Gather: index shape {ShapeMath.Format(index.ShapeArray)} is larger than the input shape {ShapeMath.Format(ShapeArray)} in dimension {i}.");
        if (!Device.IsCpu)
            return DeviceGather(d, index.ShapeArray, positions);
        var idx = Dispatch.Contiguous(index);
        var result = new Tensor((int[])index.ShapeArray.Clone(), DType);
        switch (DType)
        {
            case DType.Float32: Kernels.Gather.Forward(result.ShapeArray, d, idx.Data<int>(), idx.Offset, Data<float>(), Offset, StrideArray, ShapeArray[d], result.Data<float>()); break;
            case DType.Float64: Kernels.Gather.Forward(result.ShapeArray, d, idx.Data<int>(), idx.Offset, Data<double>(), Offset, StrideArray, ShapeArray[d], result.Data<double>()); break;
            default: Kernels.Gather.Forward(result.ShapeArray, d, idx.Data<int>(), idx.Offset, Data<int>(), Offset, StrideArray, ShapeArray[d], result.Data<int>()); break;
        }
        var inputShape = ShapeArray;
        return Autograd.Record(result, OpCode.Gather, [this], g => [ScatterAddIntoZeros(g, inputShape, d, idx)], idx);
    }

    /// <summary>
    /// Pads with a constant. <paramref name="pads"/> lists (before, after) pairs starting from the
    /// last dimension, as PyTorch's <c>F.pad</c>: {1, 1} pads the last dimension by one on each
    /// side, {1, 1, 2, 2} also the one before it by two. The gradient is the un-padded part.
    /// </summary>
    public Tensor Pad(int[] pads, double value = 0)
    {
        ArgumentNullException.ThrowIfNull(pads);
        if (pads.Length % 2 != 0 || pads.Length / 2 > Rank)
            throw new ArgumentException($"Pad: expected (before, after) pairs for at most {Rank} dimensions, got {pads.Length} values.");
        var outShape = (int[])ShapeArray.Clone();
        var interior = new TensorIndex[Rank];
        for (int i = 0; i < Rank; i++) interior[i] = TensorIndex.All;
        for (int p = 0; p < pads.Length / 2; p++)
        {
            int d = Rank - 1 - p;
            int before = pads[2 * p], after = pads[2 * p + 1];
            if (before < 0 || after < 0)
                throw new ArgumentException($"Pad: padding must not be negative (got {before}, {after} for dimension {d}).");
            outShape[d] += before + after;
            interior[d] = TensorIndex.Slice(before, before + ShapeArray[d]);
        }
        var result = Full(outShape, value, DType, Device);
        Dispatch.CopyInto(this, result.IndexRaw(interior));
        return Autograd.Record(result, OpCode.Pad, [this], g => [g[interior]]);
    }

    /// <summary>The view that <paramref name="indices"/> select (not recorded).</summary>
    internal Tensor IndexRaw(TensorIndex[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        int consuming = 0, ellipses = 0;
        foreach (var ix in indices)
        {
            if (ix.Kind is TensorIndex.IndexKind.Single or TensorIndex.IndexKind.Slice) consuming++;
            else if (ix.Kind == TensorIndex.IndexKind.Ellipsis) ellipses++;
        }
        if (ellipses > 1)
            throw new ArgumentException("An index can contain at most one Ellipsis.");
        if (consuming > Rank)
            throw new ArgumentException($"Too many indices ({consuming}) for a tensor of rank {Rank} (shape {ShapeMath.Format(ShapeArray)}).");

        var shape = new List<int>();
        var strides = new List<int>();
        int offset = Offset, dim = 0;
        foreach (var ix in indices)
        {
            switch (ix.Kind)
            {
                case TensorIndex.IndexKind.Ellipsis:
                    for (int skip = Rank - consuming; skip > 0; skip--, dim++)
                    {
                        shape.Add(ShapeArray[dim]);
                        strides.Add(StrideArray[dim]);
                    }
                    break;
                case TensorIndex.IndexKind.NewAxis:
                    shape.Add(1);
                    strides.Add(0);
                    break;
                case TensorIndex.IndexKind.Single:
                {
                    int size = ShapeArray[dim], i = ix.Start < 0 ? ix.Start + size : ix.Start;
                    if (i < 0 || i >= size)
                        throw new ArgumentOutOfRangeException(nameof(indices), $"Index {ix.Start} is out of range for dimension {dim} of size {size} (shape {ShapeMath.Format(ShapeArray)}).");
                    offset += i * StrideArray[dim];
                    dim++;
                    break;
                }
                default:
                {
                    int size = ShapeArray[dim];
                    int start = ix.HasStart ? Clamp(ix.Start < 0 ? ix.Start + size : ix.Start, size) : 0;
                    int stop = ix.HasStop ? Clamp(ix.Stop < 0 ? ix.Stop + size : ix.Stop, size) : size;
                    int count = stop > start ? (stop - start + ix.Step - 1) / ix.Step : 0;
                    if (count > 0) offset += start * StrideArray[dim];
                    shape.Add(count);
                    strides.Add(StrideArray[dim] * ix.Step);
                    dim++;
                    break;
                }
            }
        }
        for (; dim < Rank; dim++)
        {
            shape.Add(ShapeArray[dim]);
            strides.Add(StrideArray[dim]);
        }
        return AsStrided([.. shape], [.. strides], offset);
    }

    /// <summary>The slice at position <paramref name="index"/> of dimension <paramref name="dim"/>, with that dimension removed (not recorded).</summary>
    internal Tensor SelectRaw(int dim, int index)
    {
        var shape = new int[Rank - 1];
        var strides = new int[Rank - 1];
        for (int i = 0, j = 0; i < Rank; i++)
        {
            if (i == dim) continue;
            shape[j] = ShapeArray[i];
            strides[j++] = StrideArray[i];
        }
        return AsStrided(shape, strides, Offset + index * StrideArray[dim]);
    }

    private static int Clamp(int v, int size) => Math.Clamp(v, 0, size);

    /// <summary>The adjoint of indexing: <paramref name="g"/> written into the indexed positions of zeros.</summary>
    private static Tensor EmbedIndexed(Tensor g, int[] shape, TensorIndex[] indices)
    {
        var z = Zeros(shape, g.DType, g.Device);
        Dispatch.CopyInto(g, z.IndexRaw(indices));
        return Autograd.Record(z, OpCode.IndexBackward, [g], gg => [gg[indices]]);
    }

    private static Tensor IndexAddIntoZeros(Tensor g, int[] shape, int dim, int[] positions)
    {
        var z = Zeros(shape, g.DType, g.Device);
        using (Autograd.NoGrad())
        for (int i = 0; i < positions.Length; i++)
        {
            int p = positions[i] < 0 ? positions[i] + shape[dim] : positions[i];
            var slot = z.SelectRaw(dim, p);
            var sum = slot.Add(g.SelectRaw(dim, i));
            Dispatch.CopyInto(sum, slot);
        }
        var positionTensor = FromArray(positions);
        return Autograd.Record(z, OpCode.IndexSelectBackward, [g], gg => [gg.IndexSelect(dim, positionTensor)]);
    }

    private static Tensor ScatterAddIntoZeros(Tensor g, int[] shape, int dim, Tensor index)
    {
        var z = Zeros(shape, g.DType);
        var src = Dispatch.Copy(g); // the kernel reads the gradient as one dense array from position 0
        switch (g.DType)
        {
            case DType.Float32: Kernels.Gather.ScatterAdd(index.ShapeArray, dim, index.Data<int>(), index.Offset, src.Data<float>(), z.Data<float>(), shape); break;
            default: Kernels.Gather.ScatterAdd(index.ShapeArray, dim, index.Data<int>(), index.Offset, src.Data<double>(), z.Data<double>(), shape); break;
        }
        return Autograd.Record(z, OpCode.GatherBackward, [g], gg => [gg.Gather(dim, index)]);
    }

    // The largest one-hot table a device op builds (index count × dimension size); beyond it IndexSelect copies slices.
    private const long MaxOneHotElements = 1 << 24;

    /// <summary>
    /// <see cref="IndexSelect"/> on a GPU, as an embedding lookup is done there without a gather kernel: the one-hot
    /// rows of the positions (checked on the CPU) times the input with dimension <paramref name="d"/> first, one matrix
    /// product whose backward rule adds each row's gradient into the rows it came from.
    /// </summary>
    private Tensor DeviceIndexSelect(int d, int[] positions, int[] outShape)
    {
        int size = ShapeArray[d];
        var oneHot = new double[positions.Length * size];
        for (int i = 0; i < positions.Length; i++)
        {
            int p = positions[i];
            if (p < -size || p >= size)
                throw new ArgumentException($"IndexSelect: index {p} (entry {i}) is out of range for dimension {d} of size {size}.");
            oneHot[i * size + (p < 0 ? p + size : p)] = 1;
        }
        int[] order = [d, .. Enumerable.Range(0, Rank).Where(i => i != d)];
        var rows = Permute(order).Reshape(size, -1);
        var picked = FromArray(oneHot, positions.Length, size).To(DType).To(Device).MatMul(rows);
        int[] pickedShape = [positions.Length, .. order.Skip(1).Select(i => ShapeArray[i])];
        var inverse = new int[Rank];
        for (int i = 0; i < Rank; i++) inverse[order[i]] = i;
        return picked.Reshape(pickedShape).Permute(inverse);
    }

    /// <summary>
    /// <see cref="Gather"/> on a GPU, as a selection: a one-hot table of the indices (made on the CPU, where they were
    /// read and checked, and copied once) picks, for every output position, the one element of its slice along
    /// <paramref name="d"/>, and a sum over the slice returns it. Recorded as Where and Sum, whose rules scatter the
    /// gradient back.
    /// </summary>
    private Tensor DeviceGather(int d, int[] indexShape, int[] positions)
    {
        int size = ShapeArray[d];
        var oneHot = new double[positions.Length * size];
        for (int p = 0; p < positions.Length; p++)
        {
            if ((uint)positions[p] >= (uint)size)
                throw Kernels.Gather.OutOfRange("Gather", positions[p], d, size, indexShape, p);
            oneHot[p * size + positions[p]] = 1;
        }
        int[] tableShape = [.. indexShape, size];
        // The input cut to the index's extent in every other dimension, its dimension d moved last and a size-1
        // dimension put in its place, broadcast against the table.
        var cut = this;
        for (int i = 0; i < Rank; i++)
            if (i != d && indexShape[i] < ShapeArray[i])
                cut = cut.Narrow(i, 0, indexShape[i]);
        int[] order = [.. Enumerable.Range(0, Rank).Where(i => i != d), d];
        var slices = cut.Permute(order).Unsqueeze(d).Expand(tableShape);
        var table = FromArray(oneHot, tableShape).To(DType).To(Device);
        return Where(table, slices, Scalar(0, DType)).Sum(-1);
    }

    private static int[] IndexArray(Tensor index, string op, int requireRank)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (index.DType != DType.Int32)
            throw new ArgumentException($"{op}: indices must be an int32 tensor, got {index.DType.Name()}. Convert them with To(DType.Int32).");
        if (index.Rank != requireRank)
            throw new ArgumentException($"{op}: the index must have rank {requireRank}, got shape {ShapeMath.Format(index.ShapeArray)}.");
        return index.ToArray<int>();
    }
}
