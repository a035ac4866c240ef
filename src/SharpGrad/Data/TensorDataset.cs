namespace SharpGrad.Data;

/// <summary>
/// A dataset whose samples are the rows (dimension 0) of an inputs tensor and a targets
/// tensor, like PyTorch's <c>TensorDataset</c>: sample i is (inputs[i], targets[i]). A batch
/// copies the chosen rows into one new tensor per side, so loading costs one copy of the batch's
/// elements and no per-sample tensors (in a <see cref="MemoryScope"/>, not even new arrays).
/// </summary>
public sealed class TensorDataset : IDataset
{
    /// <summary>Wraps <paramref name="inputs"/> [N, ...] and <paramref name="targets"/> [N, ...]; they are not copied.</summary>
    /// <exception cref="ArgumentException">A 0-dimensional tensor, or the two disagree on N.</exception>
    public TensorDataset(Tensor inputs, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (inputs.Rank == 0 || targets.Rank == 0)
            throw new ArgumentException(
                $"TensorDataset: inputs and targets need a sample dimension first; got shapes {ShapeMath.Format(inputs.ShapeArray)} and {ShapeMath.Format(targets.ShapeArray)}.");
        if (inputs.ShapeArray[0] != targets.ShapeArray[0])
            throw new ArgumentException(
                $"TensorDataset: inputs have {inputs.ShapeArray[0]} samples (shape {ShapeMath.Format(inputs.ShapeArray)}) but targets have {targets.ShapeArray[0]} (shape {ShapeMath.Format(targets.ShapeArray)}).");
        Inputs = inputs;
        Targets = targets;
    }

    /// <summary>All inputs, [N, ...].</summary>
    public Tensor Inputs { get; }

    /// <summary>All targets, [N, ...].</summary>
    public Tensor Targets { get; }

    /// <inheritdoc/>
    public int Count => Inputs.ShapeArray[0];

    /// <summary>Views of row <paramref name="index"/> of the inputs and of the targets.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, <see cref="Count"/>).</exception>
    public (Tensor Input, Tensor Target) this[int index]
    {
        get
        {
            CheckIndex(index, 0);
            return (Inputs[index], Targets[index]);
        }
    }

    /// <inheritdoc/>
    public (Tensor Inputs, Tensor Targets) GetBatch(int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Length == 0)
            throw new ArgumentException("GetBatch: a batch needs at least one index.", nameof(indices));
        // IndexSelect would accept negative positions; a dataset index never counts from the end.
        for (int i = 0; i < indices.Length; i++) CheckIndex(indices[i], i);
        return (Rows(Inputs, indices), Rows(Targets, indices));
    }

    /// <summary>
    /// The rows <paramref name="indices"/> of <paramref name="source"/>, copied row by row when its
    /// rows lie back to back; <see cref="Tensor.IndexSelect"/> makes two view tensors per row,
    /// which for a batch of images costs more garbage than a whole training step of a small model.
    /// </summary>
    private static Tensor Rows(Tensor source, int[] indices)
    {
        if (source.RequiresGrad || !source.IsContiguous)
            return source.IndexSelect(0, Tensor.FromArray(indices));
        var shape = (int[])source.ShapeArray.Clone();
        shape[0] = indices.Length;
        var batch = Tensor.Uninitialized(shape, source.DType);
        int row = source.Count / source.ShapeArray[0];
        Array from = source.Storage.Data, to = batch.Storage.Data;
        for (int i = 0; i < indices.Length; i++)
            Array.Copy(from, source.Offset + (long)indices[i] * row, to, batch.Offset + (long)i * row, row);
        return batch;
    }

    private void CheckIndex(int index, int position)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index,
                $"TensorDataset: sample index {index} (entry {position}) is outside [0, {Count}).");
    }
}
