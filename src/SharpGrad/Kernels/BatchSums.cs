using System.Numerics;
using System.Numerics.Tensors;

namespace SharpGrad.Kernels;

/// <summary>
/// How sums over the batch dimension are grouped, so that they do not depend on how a batch is split across
/// threads or across data-parallel ranks. The batch is cut into fixed chunks of <see cref="ChunkSize"/> samples;
/// each chunk is summed on its own, in sample order, and the chunk sums are added as a pairwise tree
/// ((c0 + c1) + (c2 + c3)) ... . A rank that holds 16·2^k consecutive samples builds exactly the subtree a single
/// process builds over those samples, and the all-reduce of two ranks adds the two subtrees: so two ranks of
/// 16·2^k samples each reproduce one process of twice that batch bit for bit, whatever the thread counts.
/// </summary>
internal static class BatchSums
{
    /// <summary>Samples per chunk: the smallest per-rank batch for which data-parallel sums are exact.</summary>
    public const int ChunkSize = 16;

    /// <summary>How many chunks a batch of <paramref name="samples"/> has (0 for an empty batch).</summary>
    public static int ChunkCount(int samples) => (samples + ChunkSize - 1) / ChunkSize;

    /// <summary>The samples [first, end) of chunk <paramref name="chunk"/>.</summary>
    public static (int First, int End) Chunk(int samples, int chunk) =>
        (chunk * ChunkSize, Math.Min(samples, (chunk + 1) * ChunkSize));

    /// <summary>
    /// Adds the first <paramref name="length"/> values of <paramref name="sums"/>[1..<paramref name="count"/>) into
    /// <paramref name="sums"/>[0] as a pairwise tree: neighbours first, then pairs of pairs.
    /// </summary>
    public static void CombinePairwise<T>(T[][] sums, int count, int length) where T : unmanaged, INumber<T>
    {
        for (int width = 1; width < count; width *= 2)
            for (int i = 0; i + width < count; i += 2 * width)
                TensorPrimitives.Add(sums[i].AsSpan(0, length), sums[i + width].AsSpan(0, length), sums[i].AsSpan(0, length));
    }

    /// <summary>The same tree over any items (for example tensors that stay differentiable): <paramref name="items"/> is overwritten.</summary>
    public static TItem Tree<TItem>(TItem[] items, Func<TItem, TItem, TItem> add)
    {
        for (int width = 1; width < items.Length; width *= 2)
            for (int i = 0; i + width < items.Length; i += 2 * width)
                items[i] = add(items[i], items[i + width]);
        return items[0];
    }

    /// <summary>The same tree over single values: <paramref name="sums"/>[0] becomes the total (the span is overwritten).</summary>
    public static T CombinePairwise<T>(Span<T> sums) where T : unmanaged, INumber<T>
    {
        for (int width = 1; width < sums.Length; width *= 2)
            for (int i = 0; i + width < sums.Length; i += 2 * width)
                sums[i] += sums[i + width];
        return sums.Length == 0 ? T.Zero : sums[0];
    }
}
