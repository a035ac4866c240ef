using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpGrad.Kernels;

// General matrix multiply, C = A·B or C += A·B, in the BLIS / GotoBLAS style.
//
// Letters: A is M×K, B is K×N, C is M×N. The work is cut three ways, from the outside in:
//
//   for jc in steps of NC over N           -- a column block of B and C
//     for pc in steps of KC over K         -- pack B[pc:pc+KC, jc:jc+NC] into NR-wide micro-panels (~L3)
//       for ic in steps of MC over M       -- pack A[ic:ic+MC, pc:pc+KC] into MR-tall micro-panels (~L2)
//         for jr in steps of NR over NC    -- one micro-panel of B (KC×NR) stays in L1 ...
//           for ir in steps of MR over MC  -- ... while the micro-panels of A stream past it from L2
//             micro-kernel: C[MR×NR tile] += Apanel(MR×KC) · Bpanel(KC×NR), in registers
//
// The micro-kernel keeps the whole MR×NR tile of C in vector registers (float: 6×16 = 12 Vector256<float>;
// double: 6×8 = 12 Vector256<double>), and per step of k loads two vectors of B and broadcasts MR values of A,
// so every load feeds 2 to 6 FMAs. It only works on packed data: packing copies A and B into the exact order
// the micro-kernel reads them, contiguous, which (1) makes the inner loop independent of how the operands
// are laid out — any (rowStride, colStride), so transposed, column-major, padded and broadcast (stride 0)
// operands cost one packing pass and nothing more — and (2) zero-pads ragged edges so the micro-kernel
// always computes a full tile; only the valid part of an edge tile is written back.
//
// KC sizes the packed B micro-panel to L1 (KC·NR·sizeof(T) = 16 KiB), MC the packed A block to L2
// (MC·KC·sizeof(T) = 144 KiB), and NC the packed B block to a share of L3.
//
// Parallelism goes through Partitioner only: packing B is split across micro-panels, then the (ic, part-of-jr)
// work items are split across cores, each core packing its own A block into its own buffer and all reading
// the one shared packed B. With few rows (M small) the jr loop is split instead, so the cores still share work.
//
// Small problems skip packing altogether, and matrix-vector shapes (M = 1 or N = 1) with a unit-stride
// operand run as dot products or axpys, where a padded MR×NR tile would waste most of its arithmetic.

/// <summary>
/// Dense matrix multiply on spans addressed through (rowStride, colStride) pairs: a cache-blocked, packed,
/// register-tiled fast path (<see cref="Multiply{T}"/>) and the plain triple loop it is tested against
/// (<see cref="MultiplyNaive{T}"/>).
/// </summary>
internal static unsafe partial class Gemm
{
    // Register tile and cache blocks per element type. typeof(T) tests fold at JIT time, so these are constants.
    private static int Mr<T>() => 6;
    // NR follows the vector width for float (two vectors per tile row: 16 on AVX2, 32 with AVX-512); double keeps
    // the 256-bit kernel at 8.
    private static int Nr<T>(bool wide) => typeof(T) == typeof(float) ? (wide ? 32 : 16) : 8;
    private static int Mc<T>() => typeof(T) == typeof(float) ? 144 : 72;
    private static int Kc<T>() => 256;
    private static int Nc<T>() => 4080;

    /// <summary>
    /// Up to this many multiply-adds (M·N·K) the plain loop wins: packing and renting buffers cost about 100 ns,
    /// and the packed path is already twice as fast at 8×8×8.
    /// </summary>
    private const long SmallProblem = 256;

    /// <summary>
    /// Partitioner's work units are about one element of a memory-bound loop (the matrix-vector paths count them so);
    /// the micro-kernel gets through this many multiply-adds in that time, so a 64³ product stays on one core and
    /// 128³ is split.
    /// </summary>
    private const int MultiplyAddsPerWorkUnit = 8;

    /// <summary>Rows of y computed per work item by the column-oriented matrix-vector path (y stays in L1).</summary>
    private const int AxpyChunk = 512;

    /// <summary>
    /// C = A·B, or C += A·B when <paramref name="accumulate"/>; A is <paramref name="m"/>×<paramref name="k"/>,
    /// B is <paramref name="k"/>×<paramref name="n"/>, C is <paramref name="m"/>×<paramref name="n"/>, each
    /// element (i, j) of an operand at span index i·rowStride + j·colStride. Strides may be 0 (broadcast) for A and
    /// B; C's elements must be distinct and C must not share memory with A or B. Only float and double.
    /// </summary>
    public static void Multiply<T>(int m, int n, int k,
        ReadOnlySpan<T> a, int aRowStride, int aColStride,
        ReadOnlySpan<T> b, int bRowStride, int bColStride,
        Span<T> c, int cRowStride, int cColStride, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ThrowIfUnsupported<T>();
        Validate(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, cColStride);
        if (m == 0 || n == 0)
            return;
        if (k == 0 || (long)m * n * k <= SmallProblem)
        {
            NaiveCore(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, cColStride, accumulate);
            return;
        }

        fixed (T* pa = a)
        fixed (T* pb = b)
        fixed (T* pc = c)
        {
            if (!TryMatrixVector(m, n, k, pa, aRowStride, aColStride, pb, bRowStride, bColStride, pc, cRowStride, cColStride, accumulate))
                Blocked(m, n, k, pa, aRowStride, aColStride, pb, bRowStride, bColStride, pc, cRowStride, cColStride, accumulate, VectorWidth.Wide);
        }
    }

    /// <summary>
    /// Same contract as <see cref="Multiply{T}"/>, but always through the packed, blocked path (no small-problem or
    /// matrix-vector shortcut), so tests can drive every edge tile of it with small sizes.
    /// </summary>
    public static void MultiplyBlocked<T>(int m, int n, int k,
        ReadOnlySpan<T> a, int aRowStride, int aColStride,
        ReadOnlySpan<T> b, int bRowStride, int bColStride,
        Span<T> c, int cRowStride, int cColStride, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ThrowIfUnsupported<T>();
        Validate(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, cColStride);
        if (m == 0 || n == 0)
            return;
        if (k == 0)
        {
            NaiveCore(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, cColStride, accumulate);
            return;
        }

        fixed (T* pa = a)
        fixed (T* pb = b)
        fixed (T* pc = c)
            Blocked(m, n, k, pa, aRowStride, aColStride, pb, bRowStride, bColStride, pc, cRowStride, cColStride, accumulate, VectorWidth.Wide);
    }

    /// <summary>
    /// C = A·B (or C += A·B) where K is a batch dimension being summed over, as in a weight gradient Gᵀ·X: the same
    /// contract as <see cref="Multiply{T}"/>, but K is cut into the fixed chunks of <see cref="BatchSums"/>, each
    /// summed from zero and the chunk sums of every register tile added as BatchSums' tree, so the result does not
    /// depend on how the batch is split across data-parallel ranks (exact for shares of 16·2^j samples up to one
    /// K block, 256). Always the packed path, so a share of 16 takes the same arithmetic as a chunk of a larger batch.
    /// </summary>
    public static void MultiplyBatchSum<T>(int m, int n, int k,
        ReadOnlySpan<T> a, int aRowStride, int aColStride,
        ReadOnlySpan<T> b, int bRowStride, int bColStride,
        Span<T> c, int cRowStride, int cColStride, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ThrowIfUnsupported<T>();
        Validate(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, cColStride);
        if (m == 0 || n == 0)
            return;
        if (k == 0)
        {
            NaiveCore(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, cColStride, accumulate);
            return;
        }

        fixed (T* pa = a)
        fixed (T* pb = b)
        fixed (T* pc = c)
            Blocked(m, n, k, pa, aRowStride, aColStride, pb, bRowStride, bColStride, pc, cRowStride, cColStride, accumulate, VectorWidth.Wide, batchChunks: true);
    }

    /// <summary>
    /// The test oracle: the plain triple loop, each dot product summed in T in order of k. Same contract as
    /// <see cref="Multiply{T}"/> (any IEEE floating-point T).
    /// </summary>
    public static void MultiplyNaive<T>(int m, int n, int k,
        ReadOnlySpan<T> a, int aRowStride, int aColStride,
        ReadOnlySpan<T> b, int bRowStride, int bColStride,
        Span<T> c, int cRowStride, int cColStride, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, cColStride);
        NaiveCore(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, cColStride, accumulate);
    }

    private static void NaiveCore<T>(int m, int n, int k,
        ReadOnlySpan<T> a, int ars, int acs, ReadOnlySpan<T> b, int brs, int bcs, Span<T> c, int crs, int ccs, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                    sum += a[i * ars + p * acs] * b[p * brs + j * bcs];
                ref T cij = ref c[i * crs + j * ccs];
                cij = accumulate ? cij + sum : sum;
            }
        }
    }

    private static void ThrowIfUnsupported<T>()
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"Gemm.Multiply supports float and double, not {typeof(T).Name}.");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Argument checks
    // ---------------------------------------------------------------------------------------------------------

    private static void Validate<T>(int m, int n, int k,
        ReadOnlySpan<T> a, int ars, int acs, ReadOnlySpan<T> b, int brs, int bcs, ReadOnlySpan<T> c, int crs, int ccs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(ars, "aRowStride");
        ArgumentOutOfRangeException.ThrowIfNegative(acs, "aColStride");
        ArgumentOutOfRangeException.ThrowIfNegative(brs, "bRowStride");
        ArgumentOutOfRangeException.ThrowIfNegative(bcs, "bColStride");
        ArgumentOutOfRangeException.ThrowIfNegative(crs, "cRowStride");
        ArgumentOutOfRangeException.ThrowIfNegative(ccs, "cColStride");

        long needA = CheckLength("a", "A", m, k, ars, acs, a.Length);
        long needB = CheckLength("b", "B", k, n, brs, bcs, b.Length);
        long needC = CheckLength("c", "C", m, n, crs, ccs, c.Length);

        // Two (i, j) mapping to one element of C would make the result depend on write order, and race when the
        // rows are split across cores; the usual layouts (row- or column-major, padded, views) all pass.
        if (!Distinct(m, n, crs, ccs))
            throw new ArgumentException(
                $"Operand c ({m}×{n}, strides ({crs}, {ccs})) maps distinct elements to the same memory; C must not be a broadcast or overlapping view.", "c");

        // C is written while A and B are still being read (and packed blocks of them reused), so sharing memory
        // would silently give wrong results.
        ReadOnlySpan<T> cUsed = c[..(int)needC];
        if (cUsed.Overlaps(a[..(int)needA]))
            throw new ArgumentException("Operand c must not share memory with operand a.", "c");
        if (cUsed.Overlaps(b[..(int)needB]))
            throw new ArgumentException("Operand c must not share memory with operand b.", "c");
    }

    private static long CheckLength(string paramName, string letter, int rows, int cols, int rowStride, int colStride, int actual)
    {
        long need = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * rowStride + (long)(cols - 1) * colStride + 1;
        if (need > actual)
            throw new ArgumentException(
                $"Operand {paramName} ({letter}, {rows}×{cols} with strides ({rowStride}, {colStride})) needs a span of at least {need} elements, but its span has {actual}.",
                paramName);
        return need;
    }

    private static bool Distinct(int rows, int cols, int rowStride, int colStride)
    {
        if (rows <= 1 && cols <= 1)
            return true;
        if (rows <= 1)
            return colStride > 0;
        if (cols <= 1)
            return rowStride > 0;
        // The inner (smaller) stride's whole extent must fit inside one step of the outer stride.
        (long inner, long innerCount, long outer) = rowStride <= colStride
            ? ((long)rowStride, (long)rows, (long)colStride)
            : ((long)colStride, (long)cols, (long)rowStride);
        return inner > 0 && inner * (innerCount - 1) < outer;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Matrix-vector shapes
    // ---------------------------------------------------------------------------------------------------------

    private static bool TryMatrixVector<T>(int m, int n, int k,
        T* a, nint ars, nint acs, T* b, nint brs, nint bcs, T* c, nint crs, nint ccs, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n == 1)
            return MatrixVector(m, k, a, ars, acs, b, brs, c, crs, accumulate);
        // A row vector times B is the transposed problem Cᵀ = Bᵀ·Aᵀ, which is a matrix-vector product again.
        if (m == 1)
            return MatrixVector(n, k, b, bcs, brs, a, acs, c, ccs, accumulate);
        return false;
    }

    /// <summary>y = M·x (or y += M·x) for an r×k matrix M; false when neither of M's strides is 1.</summary>
    private static bool MatrixVector<T>(int rows, int k, T* mat, nint rs, nint cs, T* x, nint xs, T* y, nint ys, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (cs == 1)
        {
            // Rows of M are contiguous: one dot product per row. A strided x is gathered once so every dot is unit-stride.
            T[]? rented = null;
            try
            {
                if (xs != 1)
                {
                    rented = ArrayPool<T>.Shared.Rent(k);
                    for (int p = 0; p < k; p++)
                        rented[p] = x[p * xs];
                }
                fixed (T* xc = rented)
                    Partitioner.For(rows, k, new DotRowsBody<T>(mat, rs, xs == 1 ? x : xc, k, y, ys, accumulate));
            }
            finally
            {
                if (rented != null)
                    ArrayPool<T>.Shared.Return(rented);
            }
            return true;
        }
        if (rs == 1)
        {
            // Columns of M are contiguous: y is built as a sum of scaled columns, a chunk of y at a time so that
            // the partial sums stay in L1 across all k columns.
            int chunks = (rows + AxpyChunk - 1) / AxpyChunk;
            Partitioner.For(chunks, (long)k * Math.Min(rows, AxpyChunk), new AxpyColumnsBody<T>(rows, mat, cs, x, xs, k, y, ys, accumulate));
            return true;
        }
        return false;
    }

    private readonly struct DotRowsBody<T>(T* mat, nint rs, T* x, int k, T* y, nint ys, bool accumulate) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            var xs = new ReadOnlySpan<T>(x, k);
            for (int i = start; i < end; i++)
            {
                T s = TensorPrimitives.Dot(new ReadOnlySpan<T>(mat + i * rs, k), xs);
                ref T yi = ref y[i * ys];
                yi = accumulate ? yi + s : s;
            }
        }
    }

    private readonly struct AxpyColumnsBody<T>(int rows, T* mat, nint cs, T* x, nint xs, int k, T* y, nint ys, bool accumulate) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            T* buffer = stackalloc T[AxpyChunk];
            for (int chunk = start; chunk < end; chunk++)
            {
                int r0 = chunk * AxpyChunk, len = Math.Min(AxpyChunk, rows - r0);
                var acc = new Span<T>(buffer, len);
                acc.Clear();
                for (int p = 0; p < k; p++)
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<T>(mat + r0 + p * cs, len), x[p * xs], acc, acc);
                T* yr = y + r0 * ys;
                for (int i = 0; i < len; i++)
                    yr[i * ys] = accumulate ? yr[i * ys] + acc[i] : acc[i];
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Blocked, packed path
    // ---------------------------------------------------------------------------------------------------------

    private static void Blocked<T>(int m, int n, int k,
        T* a, nint ars, nint acs, T* b, nint brs, nint bcs, T* c, nint crs, nint ccs, bool accumulate, bool wide, bool batchChunks = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int mr = Mr<T>(), nr = Nr<T>(wide);

        // Blocks of K and N are evened out (300 = 150 + 150, not 256 + 44) so no pass is mostly overhead; batch
        // chunks must not straddle two K blocks, so those blocks are whole chunks.
        int kBlocks = CeilDiv(k, Kc<T>()), kcMax = CeilDiv(k, kBlocks);
        if (batchChunks)
            kcMax = Math.Min(Kc<T>(), RoundUp(kcMax, BatchSums.ChunkSize));
        int nBlocks = CeilDiv(n, Nc<T>()), ncMax = RoundUp(CeilDiv(n, nBlocks), nr);

        // Shape the work items so the Partitioner's chunks come out even: with enough rows, a multiple of the
        // core count of MC-ish row blocks; with few rows, one row block and the jr loop split between cores.
        long tiles = (long)CeilDiv(m, mr) * CeilDiv(n, nr);
        int cores = Partitioner.ChunkCount((int)Math.Min(tiles, int.MaxValue), (long)mr * nr * k / MultiplyAddsPerWorkUnit);
        int mBlocks = CeilDiv(m, Mc<T>()), nSplit = 1;
        if (cores > 1)
        {
            if (m <= cores * Mc<T>() && n >= cores * nr * 2)
            {
                // At most one row block per core (a Linear layer's batch, say): each core takes its own columns and
                // runs the whole blocked loop on them, packing its own part of B and all of the few rows of A. One
                // hand-off per product instead of two per block of K, which on small products cost more than the
                // second core saves.
                Partitioner.For(cores, (long)m * n * k / cores / MultiplyAddsPerWorkUnit,
                    new ColumnSplitBody<T>(m, n, k, cores, a, ars, acs, b, brs, bcs, c, crs, ccs, accumulate, wide, batchChunks));
                return;
            }
            if (m >= cores * mr * 2)
                mBlocks = RoundUp(mBlocks, cores);
            else
                nSplit = cores;
        }
        int mc = RoundUp(CeilDiv(m, mBlocks), mr);
        mBlocks = CeilDiv(m, mc);

        T[] packedB = ArrayPool<T>.Shared.Rent(kcMax * ncMax);
        try
        {
            fixed (T* pb = packedB)
            {
                for (int jc = 0; jc < n; jc += ncMax)
                {
                    int nc = Math.Min(ncMax, n - jc);
                    int nPanels = CeilDiv(nc, nr);
                    for (int pc = 0; pc < k; pc += kcMax)
                    {
                        int kc = Math.Min(kcMax, k - pc);
                        // Panels and whole row blocks cost nothing to start, so they are handed out a few per thread as
                        // the threads finish: one held up by another process leaves its share to the others.
                        Partitioner.For(nPanels, (long)kc * nr,
                            new PackBBody<T>(b + pc * brs + jc * bcs, brs, bcs, kc, nc, nr, pb), chunksPerThread: 4);

                        // Only the first K block may overwrite C; the others add to what it left.
                        bool overwrite = !accumulate && pc == 0;
                        int parts = Math.Min(nSplit, nPanels);
                        Partitioner.For(mBlocks * parts, (long)mc * kc * nc / parts / MultiplyAddsPerWorkUnit,
                            new MacroBody<T>(m, mc, parts, nPanels, kc, nc, nr, a + pc * acs, ars, acs, pb, c + jc * ccs, crs, ccs, overwrite, batchChunks),
                            chunksPerThread: parts == 1 ? 4 : 1);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(packedB);
        }
    }

    /// <summary>Part i of <c>parts</c> computes the columns [j0, j1) of C (j0 a multiple of NR) through <see cref="Blocked"/>, serially.</summary>
    private readonly struct ColumnSplitBody<T>(int m, int n, int k, int parts,
        T* a, nint ars, nint acs, T* b, nint brs, nint bcs, T* c, nint crs, nint ccs, bool accumulate, bool wide, bool batchChunks) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int nr = Nr<T>(wide), panels = CeilDiv(n, nr);
            for (int part = start; part < end; part++)
            {
                int j0 = (int)((long)panels * part / parts) * nr;
                int j1 = Math.Min(n, (int)((long)panels * (part + 1) / parts) * nr);
                if (j1 > j0)
                    Blocked(m, j1 - j0, k, a, ars, acs, b + j0 * bcs, brs, bcs, c + j0 * ccs, crs, ccs, accumulate, wide, batchChunks);
            }
        }
    }

    private static int CeilDiv(int x, int y) => (x + y - 1) / y;

    private static int RoundUp(int x, int multiple) => CeilDiv(x, multiple) * multiple;

    /// <summary>Packs the NR-column micro-panels [start, end) of a KC×NC block of B.</summary>
    private readonly struct PackBBody<T>(T* src, nint rs, nint cs, int kc, int nc, int nr, T* dst) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            for (int panel = start; panel < end; panel++)
            {
                int j0 = panel * nr;
                PackBPanel(src + j0 * cs, rs, cs, kc, Math.Min(nr, nc - j0), nr, dst + (nint)panel * nr * kc);
            }
        }
    }

    /// <summary>
    /// Work items are (row block of MC, share of the jr loop). Each chunk packs A into its own buffer, once per
    /// row block, and reuses it across its share of the packed B micro-panels.
    /// </summary>
    private readonly struct MacroBody<T>(int m, int mc, int parts, int nPanels, int kc, int nc, int nr,
        T* a, nint ars, nint acs, T* packedB, T* c, nint crs, nint ccs, bool overwrite, bool batchChunks) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            // A row-major float A with a row-major C is read in place by the direct-A kernels (no packing); the tiles
            // are then 8 rows on the 512-bit path.
            bool direct = typeof(T) == typeof(float) && !batchChunks && ccs == 1 && ReadsAInPlace(ars, acs, nr, wide16: false, nPanels);
            int mr = direct && nr == 32 ? WideDirectRows : Mr<T>();
            // Batch-chunked tiles keep a stack of partial tile sums, one per level of the tree (at most 1 + log2 of
            // the chunks in a K block).
            T* tiles = stackalloc T[batchChunks ? mr * nr * (2 + BitOperations.Log2((uint)CeilDiv(kc, BatchSums.ChunkSize))) : 0];
            T[] packedA = ArrayPool<T>.Shared.Rent(direct ? 0 : mc * kc);
            try
            {
                fixed (T* pa = packedA)
                {
                    int packedBlock = -1;
                    for (int item = start; item < end; item++)
                    {
                        int block = item / parts, part = item % parts;
                        int i0 = block * mc, mcb = Math.Min(mc, m - i0);
                        if (!direct && block != packedBlock)
                        {
                            PackA(a + i0 * ars, ars, acs, mcb, kc, pa);
                            packedBlock = block;
                        }

                        int firstPanel = (int)((long)nPanels * part / parts), endPanel = (int)((long)nPanels * (part + 1) / parts);
                        for (int jp = firstPanel; jp < endPanel; jp++)
                        {
                            int j0 = jp * nr, nrb = Math.Min(nr, nc - j0);
                            T* bPanel = packedB + (nint)jp * nr * kc;
                            T* cColumn = c + i0 * crs + j0 * ccs;
                            for (int ir = 0; ir < mcb; ir += mr)
                            {
                                if (direct)
                                    MicroKernelDirectA(kc, (float*)(a + (i0 + ir) * ars), ars, (float*)bPanel, nr, (float*)(cColumn + ir * crs), crs, Math.Min(mr, mcb - ir), nrb, overwrite);
                                else if (batchChunks)
                                    BatchChunkedTile(kc, pa + (nint)ir * kc, bPanel, nr, cColumn + ir * crs, crs, ccs, Math.Min(mr, mcb - ir), nrb, overwrite, tiles);
                                else
                                    MicroKernel(kc, pa + (nint)ir * kc, bPanel, nr, cColumn + ir * crs, crs, ccs, Math.Min(mr, mcb - ir), nrb, overwrite);
                            }
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(packedA);
            }
        }
    }

    /// <summary>
    /// One register tile of a batch-chunked product: the micro-kernel sums each chunk of K from zero into a tile on a
    /// small stack, and a binary counter adds neighbouring sums as soon as both exist — chunk sums (c0 + c1), then
    /// ((c0 + c1) + (c2 + c3)), and at the end the leftover levels from the top down, which is BatchSums' tree. The
    /// tile is then written to (or added into) the valid rows × cols of C.
    /// </summary>
    private static void BatchChunkedTile<T>(int kc, T* a, T* b, int nr, T* c, nint crs, nint ccs, int rows, int cols, bool overwrite, T* stack)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // One chunk: the micro-kernel's own sum from zero, written or added as the tree's root would be.
        if (kc <= BatchSums.ChunkSize)
        {
            MicroKernel(kc, a, b, nr, c, crs, ccs, rows, cols, overwrite);
            return;
        }
        int mr = Mr<T>(), tile = mr * nr, depth = 0, done = 0;
        for (int t = 0; t < kc; t += BatchSums.ChunkSize)
        {
            int length = Math.Min(BatchSums.ChunkSize, kc - t);
            int count = ++done;
            if ((count & 1) == 0)
            {
                // An even chunk pairs with the one below at once: the micro-kernel adds its sum from zero onto it.
                MicroKernel(length, a + (nint)t * mr, b + (nint)t * nr, nr, stack + (depth - 1) * tile, nr, 1, mr, nr, overwrite: false);
                for (count >>= 1; (count & 1) == 0; count >>= 1, depth--)
                    AddTile(stack + (depth - 2) * tile, stack + (depth - 1) * tile, tile);
            }
            else
            {
                MicroKernel(length, a + (nint)t * mr, b + (nint)t * nr, nr, stack + depth * tile, nr, 1, mr, nr, overwrite: true);
                depth++;
            }
        }
        for (; depth > 1; depth--)
            AddTile(stack + (depth - 2) * tile, stack + (depth - 1) * tile, tile);
        if (rows == mr && cols == nr && ccs == 1)
        {
            int w = Vector256<T>.Count;
            for (int i = 0; i < mr; i++)
                for (int j = 0; j < nr; j += w)
                {
                    var v = Vector256.Load(stack + i * nr + j);
                    if (!overwrite)
                        v += Vector256.Load(c + i * crs + j);
                    Vector256.Store(v, c + i * crs + j);
                }
        }
        else
            WriteTile(stack, nr, c, crs, ccs, rows, cols, overwrite);
    }

    // A tile is 6×16 or 6×32 values, a whole number of 256-bit vectors; a plain loop here, not a span call, because
    // this runs several times per register tile of every weight gradient.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTile<T>(T* target, T* source, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Vector512.IsHardwareAccelerated && length % Vector512<T>.Count == 0)
        {
            for (int i = 0; i < length; i += Vector512<T>.Count)
                Vector512.Store(Vector512.Load(target + i) + Vector512.Load(source + i), target + i);
        }
        else if (Vector256.IsHardwareAccelerated && length % Vector256<T>.Count == 0)
        {
            for (int i = 0; i < length; i += Vector256<T>.Count)
                Vector256.Store(Vector256.Load(target + i) + Vector256.Load(source + i), target + i);
        }
        else
        {
            for (int i = 0; i < length; i++)
                target[i] += source[i];
        }
    }
}
