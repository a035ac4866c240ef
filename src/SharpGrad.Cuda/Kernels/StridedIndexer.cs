using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpGrad.Cuda.Kernels;

/// <summary>The element offsets of up to three operands at one position of an elementwise kernel.</summary>
internal struct OperandOffsets
{
    public int A, B, C;
}

/// <summary>
/// The iteration space of an elementwise kernel over up to three strided operands, passed to the kernel by value:
/// up to eight dimensions (innermost first) and each operand's strides and base offset, as plain int fields since
/// kernels take no managed arrays. <see cref="Create"/> drops size-1 dimensions and merges adjacent dimensions
/// wherever every operand allows it (as the CPU's StridedLayout does), so a contiguous or simply broadcast
/// operand costs one division per element instead of one per original dimension.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct StridedIndexer
{
    public const int MaxRank = 8;

    public int Rank;
    public int S0, S1, S2, S3, S4, S5, S6, S7;
    public int A0, A1, A2, A3, A4, A5, A6, A7;
    public int B0, B1, B2, B3, B4, B5, B6, B7;
    public int C0, C1, C2, C3, C4, C5, C6, C7;
    public int AOffset, BOffset, COffset;

    /// <summary>Each operand's offset at row-major position <paramref name="linear"/> of the shape.</summary>
    public readonly OperandOffsets Locate(int linear)
    {
        int a = AOffset, b = BOffset, c = COffset, rem = linear, i;
        // Unrolled by hand: kernels index no arrays of the struct, and the rank test is uniform across threads.
        if (Rank > 0) { i = rem % S0; rem /= S0; a += i * A0; b += i * B0; c += i * C0; }
        if (Rank > 1) { i = rem % S1; rem /= S1; a += i * A1; b += i * B1; c += i * C1; }
        if (Rank > 2) { i = rem % S2; rem /= S2; a += i * A2; b += i * B2; c += i * C2; }
        if (Rank > 3) { i = rem % S3; rem /= S3; a += i * A3; b += i * B3; c += i * C3; }
        if (Rank > 4) { i = rem % S4; rem /= S4; a += i * A4; b += i * B4; c += i * C4; }
        if (Rank > 5) { i = rem % S5; rem /= S5; a += i * A5; b += i * B5; c += i * C5; }
        if (Rank > 6) { i = rem % S6; rem /= S6; a += i * A6; b += i * B6; c += i * C6; }
        if (Rank > 7) { i = rem % S7; a += i * A7; b += i * B7; c += i * C7; }
        return new OperandOffsets { A = a, B = b, C = c };
    }

    /// <summary>
    /// The indexer of <paramref name="shape"/> (row-major, outermost first) over operands given by their offsets and
    /// strides (one stride per dimension; missing operands are left at 0), and the number of elements.
    /// </summary>
    /// <exception cref="ArgumentException">A stride array does not match the shape, or more than eight dimensions remain after merging.</exception>
    public static StridedIndexer Create(int[] shape, out int count, int aOffset, int[] aStrides, int bOffset = 0, int[]? bStrides = null, int cOffset = 0, int[]? cStrides = null)
    {
        CheckRank(shape, aStrides, "first");
        if (bStrides is not null) CheckRank(shape, bStrides, "second");
        if (cStrides is not null) CheckRank(shape, cStrides, "third");
        var ix = new StridedIndexer { AOffset = aOffset, BOffset = bOffset, COffset = cOffset };
        count = 1;
        foreach (int d in shape) count *= d;
        if (count == 0) return ix;
        // Walk from the innermost dimension outwards, extending the current merged dimension when every operand's
        // stride over the next one continues it.
        int rank = 0;
        for (int k = shape.Length - 1; k >= 0; k--)
        {
            int size = shape[k];
            if (size == 1) continue;
            int sa = aStrides[k], sb = bStrides?[k] ?? 0, sc = cStrides?[k] ?? 0;
            if (rank > 0)
            {
                int inner = Get(ref ix.S0, rank - 1);
                if (sa == Get(ref ix.A0, rank - 1) * inner && sb == Get(ref ix.B0, rank - 1) * inner && sc == Get(ref ix.C0, rank - 1) * inner)
                {
                    Get(ref ix.S0, rank - 1) = inner * size;
                    continue;
                }
            }
            if (rank == MaxRank)
                throw new ArgumentException($"The GPU elementwise kernels index at most {MaxRank} dimensions after merging; shape [{string.Join(", ", shape)}] has more.", nameof(shape));
            Get(ref ix.S0, rank) = size;
            Get(ref ix.A0, rank) = sa;
            Get(ref ix.B0, rank) = sb;
            Get(ref ix.C0, rank) = sc;
            rank++;
        }
        ix.Rank = rank;
        return ix;
    }

    // Host side only: the eight fields of a group are consecutive ints (sequential layout).
    private static ref int Get(ref int first, int k) => ref Unsafe.Add(ref first, k);

    private static void CheckRank(int[] shape, int[] strides, string which)
    {
        if (strides.Length != shape.Length)
            throw new ArgumentException($"The {which} operand has {strides.Length} strides for a shape of rank {shape.Length}.");
    }
}
