namespace SharpGrad;

/// <summary>
/// Which rows of a larger batch the current one is, so that randomness that belongs to a sample
/// (augmentation offsets, dropout masks) is drawn as if the whole batch were processed at once.
/// In data-parallel training each process holds <see cref="Count"/> samples starting at
/// <see cref="Offset"/> of a global batch of <see cref="Total"/>; a random op inside the scope
/// draws the values for all <see cref="Total"/> rows from its generator and keeps its own, so the
/// generator streams, and therefore the results, are those of one process with the global batch.
/// The scope flows with the async context, like <see cref="Autograd.NoGrad"/>.
/// </summary>
/// <param name="Offset">The first row of this batch within the global batch.</param>
/// <param name="Count">The rows this batch holds.</param>
/// <param name="Total">The rows of the global batch.</param>
public sealed record SampleShard(int Offset, int Count, int Total)
{
    private static readonly AsyncLocal<SampleShard?> current = new();

    /// <summary>The shard in force, or null when batches are whole.</summary>
    public static SampleShard? Current => current.Value;

    /// <summary>Declares that batches inside the returned scope are rows [offset, offset + count) of batches of <paramref name="total"/> rows.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rows do not lie inside the global batch.</exception>
    public static IDisposable Enter(int offset, int count, int total)
    {
        if (offset < 0 || count <= 0 || total < offset + count)
            throw new ArgumentOutOfRangeException(nameof(offset), $"SampleShard: rows [{offset}, {offset + count}) do not lie inside a batch of {total}.");
        var previous = current.Value;
        current.Value = new SampleShard(offset, count, total);
        return new Scope(previous);
    }

    /// <summary>
    /// The shard that applies to a tensor whose leading dimension is <paramref name="rows"/>, or null
    /// outside a shard. Inside one, a tensor of another leading size would draw differently in one
    /// process and several, which is an error rather than a silent difference.
    /// </summary>
    internal static SampleShard? For(int rows, string op)
    {
        var shard = current.Value;
        if (shard is null || shard.Count == shard.Total)
            return null;
        if (rows != shard.Count)
            throw new InvalidOperationException(
                $"{op}: in a data-parallel step its input must have the {shard.Count} samples of this process as the leading dimension (got {rows}), so that its random draws match a one-process run.");
        return shard;
    }

    private sealed class Scope(SampleShard? previous) : IDisposable
    {
        public void Dispose() => current.Value = previous;
    }
}
