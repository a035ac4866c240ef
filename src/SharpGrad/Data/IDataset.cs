namespace SharpGrad.Data;

/// <summary>
/// A finite, indexable collection of (input, target) samples, the source a
/// <see cref="DataLoader"/> draws batches from. Sample i of a batch is row i of
/// <see cref="GetBatch"/>'s tensors, so a dataset that holds its samples as rows of big tensors
/// (<see cref="TensorDataset"/>) makes a batch with one gather per tensor instead of building
/// and stacking one small tensor per sample.
/// </summary>
public interface IDataset
{
    /// <summary>The number of samples.</summary>
    int Count { get; }

    /// <summary>Sample <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>), without a batch dimension.</summary>
    (Tensor Input, Tensor Target) this[int index] { get; }

    /// <summary>
    /// The samples at <paramref name="indices"/>, in that order, stacked along a new leading
    /// batch dimension: inputs [B, ...] and targets [B, ...] with B = indices.Length. The
    /// default stacks the samples one by one; datasets that can gather a batch directly
    /// should override it.
    /// </summary>
    (Tensor Inputs, Tensor Targets) GetBatch(int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Length == 0)
            throw new ArgumentException("GetBatch: a batch needs at least one index.", nameof(indices));
        var inputs = new Tensor[indices.Length];
        var targets = new Tensor[indices.Length];
        for (int i = 0; i < indices.Length; i++)
            (inputs[i], targets[i]) = this[indices[i]];
        return (Tensor.Stack(inputs), Tensor.Stack(targets));
    }
}
