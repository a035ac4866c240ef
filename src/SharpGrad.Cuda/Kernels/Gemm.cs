using ILGPU;
using ILGPU.Runtime;

namespace SharpGrad.Cuda.Kernels;

/// <summary>
/// The sizes, offsets and strides of one batched matrix product C (+)= A·B, as the kernel receives them: element
/// (i, j) of A is at AOffset + b·ABatchStride + i·ARowStride + j·AColStride (likewise B), C is row-major with row
/// stride Ldc. TilesN is the number of column tiles, so that the flat tile index splits into row and column tiles;
/// FirstBatch is the batch index of the launch's first grid row (batches beyond the grid's limit take several launches).
/// </summary>
internal struct GemmArgs
{
    public int M, N, K;
    public int AOffset, ABatchStride, ARowStride, AColStride;
    public int BOffset, BBatchStride, BRowStride, BColStride;
    public int COffset, CBatchStride, Ldc;
    public int Accumulate;
    public int TilesN, FirstBatch;
}

/// <summary>
/// Matrix-product kernels: a shared-memory tiled one, the GPU's fallback where cuBLAS is missing (and tested on
/// every device), and a per-element one for gpu-sim.
/// </summary>
/// <remarks>
/// Tiled: a group of D×D threads computes a (4D)×(4D) tile of C, each thread a 4×4 block held in registers. The tile's
/// operands pass through shared memory <see cref="TileK"/> columns of A and rows of B at a time; positions outside
/// the matrices are loaded as 0, so any m, n and k work, and a product never mixes a real element with a padded one.
/// A thread owns rows ty + r·D and columns tx + q·D (not a contiguous 4×4 block): neighbouring threads then read
/// neighbouring shared-memory words and write neighbouring elements of C. Operand tiles are loaded in the order
/// of the operand's unit stride, so that a transposed operand is read as coalesced as a plain one.
/// D is 16 on a GPU (256 threads, 64×64 tiles) and smaller where the accelerator allows fewer threads per group
/// (ILGPU's CPU accelerator allows 16, so D = 4 there).
/// </remarks>
internal static class Gemm
{
    /// <summary>The depth of one shared-memory step.</summary>
    public const int TileK = 16;

    /// <summary>The rows (and columns) of C each thread computes.</summary>
    public const int Block = 4;

    /// <summary>The largest group side D.</summary>
    public const int MaxGroupSide = 16;

    /// <summary>The largest tile side, 4·D, which sizes the shared memory.</summary>
    public const int MaxTile = Block * MaxGroupSide;

    /// <summary>The group side D for an accelerator: the largest power of two up to 16 whose square fits a group.</summary>
    public static int GroupSide(int maxThreadsPerGroup)
    {
        int side = 1;
        while (side < MaxGroupSide && (side * 2) * (side * 2) <= maxThreadsPerGroup)
            side *= 2;
        return side;
    }

    /// <summary>The kernel, launched with groups of D×D threads, grid (tiles of C, batches of this launch).</summary>
    public static void Tiled<T, TOps>(ArrayView1D<T, Stride1D.Dense> a, ArrayView1D<T, Stride1D.Dense> b, ArrayView1D<T, Stride1D.Dense> c, GemmArgs p)
        where T : unmanaged
        where TOps : struct, IElementMath<T>
    {
        var ops = default(TOps);
        // Laid out [kk, i] and [kk, j]: the inner loop reads a row of each.
        var sa = SharedMemory.Allocate<T>(TileK * MaxTile);
        var sb = SharedMemory.Allocate<T>(TileK * MaxTile);

        int d = Group.DimX;
        int tx = Group.IdxX, ty = Group.IdxY;
        int tile = Block * d;
        int threads = d * d, tid = ty * d + tx;
        int tileIndex = Grid.IdxX;
        int row0 = tileIndex / p.TilesN * tile, col0 = tileIndex % p.TilesN * tile;
        int batch = p.FirstBatch + Grid.IdxY;
        int aBase = p.AOffset + batch * p.ABatchStride;
        int bBase = p.BOffset + batch * p.BBatchStride;

        T c00 = ops.Zero, c01 = ops.Zero, c02 = ops.Zero, c03 = ops.Zero;
        T c10 = ops.Zero, c11 = ops.Zero, c12 = ops.Zero, c13 = ops.Zero;
        T c20 = ops.Zero, c21 = ops.Zero, c22 = ops.Zero, c23 = ops.Zero;
        T c30 = ops.Zero, c31 = ops.Zero, c32 = ops.Zero, c33 = ops.Zero;

        for (int k0 = 0; k0 < p.K; k0 += TileK)
        {
            for (int e = tid; e < tile * TileK; e += threads)
            {
                int i, kk;
                if (p.AColStride == 1) { kk = e % TileK; i = e / TileK; }
                else { i = e % tile; kk = e / tile; }
                int gi = row0 + i, gk = k0 + kk;
                sa[kk * tile + i] = gi < p.M && gk < p.K ? a[aBase + gi * p.ARowStride + gk * p.AColStride] : ops.Zero;
            }
            for (int e = tid; e < tile * TileK; e += threads)
            {
                int j, kk;
                if (p.BColStride == 1) { j = e % tile; kk = e / tile; }
                else { kk = e % TileK; j = e / TileK; }
                int gj = col0 + j, gk = k0 + kk;
                sb[kk * tile + j] = gj < p.N && gk < p.K ? b[bBase + gk * p.BRowStride + gj * p.BColStride] : ops.Zero;
            }
            Group.Barrier();

            for (int kk = 0; kk < TileK; kk++)
            {
                int ra = kk * tile + ty, rb = kk * tile + tx;
                T a0 = sa[ra], a1 = sa[ra + d], a2 = sa[ra + 2 * d], a3 = sa[ra + 3 * d];
                T b0 = sb[rb], b1 = sb[rb + d], b2 = sb[rb + 2 * d], b3 = sb[rb + 3 * d];
                c00 = ops.MulAdd(a0, b0, c00); c01 = ops.MulAdd(a0, b1, c01); c02 = ops.MulAdd(a0, b2, c02); c03 = ops.MulAdd(a0, b3, c03);
                c10 = ops.MulAdd(a1, b0, c10); c11 = ops.MulAdd(a1, b1, c11); c12 = ops.MulAdd(a1, b2, c12); c13 = ops.MulAdd(a1, b3, c13);
                c20 = ops.MulAdd(a2, b0, c20); c21 = ops.MulAdd(a2, b1, c21); c22 = ops.MulAdd(a2, b2, c22); c23 = ops.MulAdd(a2, b3, c23);
                c30 = ops.MulAdd(a3, b0, c30); c31 = ops.MulAdd(a3, b1, c31); c32 = ops.MulAdd(a3, b2, c32); c33 = ops.MulAdd(a3, b3, c33);
            }
            Group.Barrier();
        }

        int cBase = p.COffset + batch * p.CBatchStride;
        int r0 = row0 + ty, q0 = col0 + tx;
        Store<T, TOps>(c, p, cBase, r0, q0, d, c00, c01, c02, c03);
        Store<T, TOps>(c, p, cBase, r0 + d, q0, d, c10, c11, c12, c13);
        Store<T, TOps>(c, p, cBase, r0 + 2 * d, q0, d, c20, c21, c22, c23);
        Store<T, TOps>(c, p, cBase, r0 + 3 * d, q0, d, c30, c31, c32, c33);
    }

    /// <summary>
    /// Each element of C summed along k from global memory by one thread: no shared memory and no barriers. ILGPU's
    /// CPU accelerator makes every barrier a rendezvous of a group's simulated threads, which costs far more there
    /// than the tiled kernel saves, so gpu-sim multiplies with this one. A thread computes a run (see
    /// <see cref="ThreadRange"/>) of the <paramref name="total"/> = batches·m·n elements of the launch, in row-major
    /// order per batch.
    /// </summary>
    public static void PerElement<T, TOps>(Index1D thread, ArrayView1D<T, Stride1D.Dense> a, ArrayView1D<T, Stride1D.Dense> b, ArrayView1D<T, Stride1D.Dense> c,
        GemmArgs p, int total, int threads)
        where T : unmanaged
        where TOps : struct, IElementMath<T>
    {
        ThreadRange.Of(thread, threads, total, out int start, out int end);
        for (int index = start; index < end; index++)
            ElementAt<T, TOps>(index, a, b, c, p);
    }

    private static void ElementAt<T, TOps>(int index, ArrayView1D<T, Stride1D.Dense> a, ArrayView1D<T, Stride1D.Dense> b, ArrayView1D<T, Stride1D.Dense> c, GemmArgs p)
        where T : unmanaged
        where TOps : struct, IElementMath<T>
    {
        var ops = default(TOps);
        int perBatch = p.M * p.N;
        int local = index / perBatch, element = index - local * perBatch;
        int i = element / p.N, j = element - i * p.N;
        int batch = p.FirstBatch + local;
        int ai = p.AOffset + batch * p.ABatchStride + i * p.ARowStride;
        int bj = p.BOffset + batch * p.BBatchStride + j * p.BColStride;
        T sum = ops.Zero;
        for (int q = 0; q < p.K; q++)
            sum = ops.MulAdd(a[ai + q * p.AColStride], b[bj + q * p.BRowStride], sum);
        Store1<T, TOps>(c, p, p.COffset + batch * p.CBatchStride + i * p.Ldc, j, sum);
    }

    /// <summary>Writes (or adds) one row of a thread's block: columns q0, q0 + d, q0 + 2d, q0 + 3d of row <paramref name="row"/>.</summary>
    private static void Store<T, TOps>(ArrayView1D<T, Stride1D.Dense> c, GemmArgs p, int cBase, int row, int q0, int d, T v0, T v1, T v2, T v3)
        where T : unmanaged
        where TOps : struct, IElementMath<T>
    {
        if (row >= p.M)
            return;
        int at = cBase + row * p.Ldc;
        Store1<T, TOps>(c, p, at, q0, v0);
        Store1<T, TOps>(c, p, at, q0 + d, v1);
        Store1<T, TOps>(c, p, at, q0 + 2 * d, v2);
        Store1<T, TOps>(c, p, at, q0 + 3 * d, v3);
    }

    private static void Store1<T, TOps>(ArrayView1D<T, Stride1D.Dense> c, GemmArgs p, int rowStart, int column, T v)
        where T : unmanaged
        where TOps : struct, IElementMath<T>
    {
        if (column >= p.N)
            return;
        int at = rowStart + column;
        // Overwriting never reads C, which may hold anything (NaN included) before the first product.
        c[at] = p.Accumulate != 0 ? default(TOps).Add(c[at], v) : v;
    }
}
