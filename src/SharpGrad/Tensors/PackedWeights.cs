using System.Runtime.CompilerServices;
using SharpGrad.Kernels;

namespace SharpGrad;

/// <summary>
/// Weights packed once for the matrix kernel and reused across calls, as ONNX Runtime pre-packs its initializers:
/// a layer run again and again on unchanging weights (inference, a frozen layer) skips re-packing them every call.
/// Each packing is kept beside the weight's storage, for as long as the storage lives, and is stamped with what it
/// was made from: the storage's version (bumped by every in-place write, the optimiser's steps included), the view
/// (offset, shape, strides) and the vector width. A packing whose stamp no longer matches is made again, so an
/// update can never be missed. Storages borrowed from a memory scope (activations) are never cached.
/// </summary>
internal static class PackedWeights
{
    private static readonly ConditionalWeakTable<Storage, Entry> Entries = new();

    /// <summary>
    /// The packing of the transposed 2-D float32 weight <paramref name="weight"/> ([out, in], used as B = Wᵀ of shape
    /// [in, out]), made now if there is none for its current contents; null when the weight should not be cached.
    /// </summary>
    public static PackedB? TransposedFloat(Tensor weight)
    {
        var storage = weight.Storage;
        if (weight.DType != DType.Float32 || weight.Rank != 2 || (storage.IsPooled && !storage.IsKept))
            return null;
        int k = weight.Size(1), n = weight.Size(0);
        int rowStride = weight.StrideArray[1], colStride = weight.StrideArray[0];
        bool wide = VectorWidth.Wide;
        // Read before packing: a write that lands while packing bumps the version after this, so the stamp is stale
        // and the next call packs again rather than keeping a half-updated copy.
        int version = storage.Version;
        if (Entries.TryGetValue(storage, out var entry) && entry.Matches(version, weight.Offset, k, n, rowStride, colStride, wide))
            return entry.Packed;
        var packed = Gemm.Pack(k, n, weight.Data<float>().AsSpan(weight.Offset), rowStride, colStride);
        Entries.AddOrUpdate(storage, new Entry(version, weight.Offset, rowStride, colStride, wide, packed));
        return packed;
    }

    /// <summary>One packing and what it was made from; immutable, so concurrent callers may share it.</summary>
    private sealed class Entry(int version, int offset, int rowStride, int colStride, bool wide, PackedB packed)
    {
        public PackedB Packed { get; } = packed;

        public bool Matches(int version2, int offset2, int k, int n, int rowStride2, int colStride2, bool wide2) =>
            version == version2 && offset == offset2 && rowStride == rowStride2 && colStride == colStride2
            && Packed.K == k && Packed.N == n && wide == wide2;
    }
}
