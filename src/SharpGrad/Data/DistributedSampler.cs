namespace SharpGrad.Data;

/// <summary>
/// Splits each epoch's order of the samples among the processes of data-parallel training, as
/// PyTorch's <c>DistributedSampler</c>: every process draws the same global order (same seed),
/// cuts it into global batches of <c>batchSize × WorldSize</c> and takes its own consecutive
/// block of each. So step k of every process together covers exactly the samples that step k of
/// one process with the global batch size would, and the average of the processes' gradients is
/// that process's gradient. For training (<see cref="EvenSteps"/>) the order is first padded by
/// repeating its first samples to a multiple of the world size, so every process takes the same
/// number of steps of the same size (a collective per step needs all of them); for evaluation
/// each process takes a contiguous share without repeats, and the results are summed.
/// </summary>
public sealed class DistributedSampler
{
    /// <summary>Creates the sampler for process <paramref name="rank"/> of <paramref name="worldSize"/>.</summary>
    public DistributedSampler(int rank, int worldSize, bool evenSteps = true)
    {
        if (worldSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(worldSize), worldSize, "DistributedSampler: the world size must be positive.");
        if (rank < 0 || rank >= worldSize)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"DistributedSampler: the rank must be in 0 … {worldSize - 1}.");
        Rank = rank;
        WorldSize = worldSize;
        EvenSteps = evenSteps;
    }

    /// <summary>This process's rank.</summary>
    public int Rank { get; }

    /// <summary>The number of processes.</summary>
    public int WorldSize { get; }

    /// <summary>Whether every process takes the same number of equally sized batches (training) rather than a share without repeats (evaluation).</summary>
    public bool EvenSteps { get; }

    /// <summary>This process's batches per epoch over <paramref name="samples"/> samples.</summary>
    public int BatchCount(int samples, int batchSize, bool dropLast)
    {
        CheckBatchSize(batchSize);
        if (!EvenSteps)
        {
            var (lo, hi) = ShareRange(samples);
            return (int)(((long)(hi - lo) + batchSize - 1) / batchSize);
        }
        long padded = Padded(samples), global = (long)batchSize * WorldSize;
        return (int)(dropLast ? padded / global : (padded + global - 1) / global);
    }

    /// <summary>
    /// This process's batches of one epoch, given the epoch's global <paramref name="order"/> (the
    /// same on every process): the sample indices of each batch, with where they sit in the global batch.
    /// </summary>
    public IEnumerable<ShardedBatch> Batches(int[] order, int batchSize, bool dropLast)
    {
        ArgumentNullException.ThrowIfNull(order);
        CheckBatchSize(batchSize);
        if (!EvenSteps)
        {
            var (lo, hi) = ShareRange(order.Length);
            for (int start = lo; start < hi; start += batchSize)
            {
                int size = Math.Min(batchSize, hi - start);
                yield return new ShardedBatch(order.AsSpan(start, size).ToArray(), 0, size);
            }
            yield break;
        }
        if (order.Length == 0)
            yield break;
        int padded = Padded(order.Length);
        int global = batchSize * WorldSize;
        for (int start = 0; start < padded; start += global)
        {
            int rows = Math.Min(global, padded - start);
            if (dropLast && rows < global)
                yield break;
            // A short last batch is shared equally too (rows is a multiple of WorldSize), so the mean of
            // the processes' mean losses is still the mean over the global batch.
            int own = rows / WorldSize;
            var indices = new int[own];
            for (int i = 0; i < own; i++)
                indices[i] = order[(start + Rank * own + i) % order.Length];
            yield return new ShardedBatch(indices, Rank * own, rows);
        }
    }

    private int Padded(int samples) => (int)(((long)samples + WorldSize - 1) / WorldSize * WorldSize);

    private (int Lo, int Hi) ShareRange(int samples) =>
        ((int)((long)samples * Rank / WorldSize), (int)((long)samples * (Rank + 1) / WorldSize));

    private static void CheckBatchSize(int batchSize)
    {
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "DistributedSampler: the batch size must be positive.");
    }
}
