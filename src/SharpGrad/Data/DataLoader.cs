using System.Collections;

namespace SharpGrad.Data;

/// <summary>
/// Iterates over a dataset in mini-batches, like PyTorch's <c>DataLoader</c>: each enumeration
/// is one epoch that visits every sample exactly once, in order or, with shuffling, in a fresh
/// random permutation drawn from <see cref="Generator"/> when the enumeration starts. Seeding
/// the generator therefore fixes the order of every epoch, and consecutive epochs differ
/// because the generator's stream moves on. A batch is (inputs [B, ...], targets [B, ...]),
/// where B is <see cref="BatchSize"/> except possibly for a smaller last batch, which
/// <see cref="DropLast"/> omits. With a <see cref="DistributedSampler"/> each process of
/// data-parallel training draws the same permutation and takes its own share of every global
/// batch, and the transform runs inside a <see cref="SampleShard"/> so that its random draws are
/// those of one process loading the whole global batch.
/// </summary>
public sealed class DataLoader : IEnumerable<(Tensor Inputs, Tensor Targets)>
{
    /// <summary>Creates a loader over <paramref name="dataset"/>.</summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch; positive.</param>
    /// <param name="shuffle">Visit the samples in a new random order each epoch.</param>
    /// <param name="dropLast">Skip the last batch when it would be smaller than <paramref name="batchSize"/>.</param>
    /// <param name="generator">The source of the permutations; <see cref="SharpGrad.Generator.Default"/> when null.</param>
    /// <param name="transform">Applied to each batch's inputs, e.g. data augmentation such as <see cref="RandomShift"/>.</param>
    /// <param name="sampler">This process's share of each epoch in data-parallel training; <paramref name="batchSize"/> is then per process.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    public DataLoader(IDataset dataset, int batchSize, bool shuffle = false, bool dropLast = false, Generator? generator = null,
        Func<Tensor, Tensor>? transform = null, DistributedSampler? sampler = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "DataLoader: the batch size must be positive.");
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Generator = generator ?? Generator.Default;
        Transform = transform;
        Sampler = sampler;
    }

    /// <summary>The share of each epoch this process takes in data-parallel training, or null for all of it.</summary>
    public DistributedSampler? Sampler { get; }

    /// <summary>The function applied to each batch's inputs, if any.</summary>
    public Func<Tensor, Tensor>? Transform { get; }

    /// <summary>The samples being batched.</summary>
    public IDataset Dataset { get; }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch visits the samples in a new random order.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether an incomplete last batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>The generator the permutations are drawn from (unused without shuffling).</summary>
    public Generator Generator { get; }

    /// <summary>Batches per epoch: ⌊N / B⌋ with <see cref="DropLast"/>, ⌈N / B⌉ without (this process's, with a <see cref="Sampler"/>).</summary>
    public int BatchCount
    {
        get
        {
            int n = Dataset.Count;
            if (Sampler is not null) return Sampler.BatchCount(n, BatchSize, DropLast);
            return DropLast ? n / BatchSize : (int)(((long)n + BatchSize - 1) / BatchSize);
        }
    }

    /// <summary>
    /// Starts an epoch. The permutation is drawn here, not at the first MoveNext, so that an
    /// epoch's order is fixed by the generator's state when the enumeration is created.
    /// </summary>
    public IEnumerator<(Tensor Inputs, Tensor Targets)> GetEnumerator()
    {
        int n = Dataset.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (Shuffle) Generator.Shuffle(order.AsSpan());
        return Sampler is null ? Batches(order, BatchCount) : ShardedBatches(Sampler.Batches(order, BatchSize, DropLast));
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// The batches of one epoch, each drawn inside a fresh <see cref="MemoryScope"/> that stays
    /// open while the caller works on the batch and ends when the next batch is asked for (or the
    /// loop ends): a training step written as the body of <c>foreach (var (x, y) in
    /// loader.InMemoryScopes())</c> then reuses the previous step's memory for everything it
    /// creates, the batch included. A <c>using var step = MemoryScope.Begin()</c> inside the loop
    /// body comes too late for the batch, which the loader has already made by then, and a batch
    /// that allocates afresh every step costs more than the rest of a small model's step. Tensors
    /// of a batch are invalid once the next one is drawn; read values inside the loop or
    /// <see cref="MemoryScope.Keep"/> them.
    /// </summary>
    public IEnumerable<(Tensor Inputs, Tensor Targets)> InMemoryScopes()
    {
        using var batches = GetEnumerator();
        while (true)
        {
            using var step = MemoryScope.Begin();
            if (!batches.MoveNext())
                yield break;
            yield return batches.Current;
        }
    }

    private IEnumerator<(Tensor Inputs, Tensor Targets)> Batches(int[] order, int batchCount)
    {
        for (int b = 0; b < batchCount; b++)
        {
            int start = b * BatchSize;
            int size = Math.Min(BatchSize, order.Length - start);
            var (inputs, targets) = Dataset.GetBatch(order.AsSpan(start, size).ToArray());
            yield return (Transform is null ? inputs : Transform(inputs), targets);
        }
    }

    private IEnumerator<(Tensor Inputs, Tensor Targets)> ShardedBatches(IEnumerable<ShardedBatch> batches)
    {
        foreach (var batch in batches)
        {
            var (inputs, targets) = Dataset.GetBatch(batch.Indices);
            if (Transform is null)
            {
                yield return (inputs, targets);
                continue;
            }
            Tensor transformed;
            using (SampleShard.Enter(batch.Offset, batch.Indices.Length, batch.GlobalCount))
                transformed = Transform(inputs);
            yield return (transformed, targets);
        }
    }
}
