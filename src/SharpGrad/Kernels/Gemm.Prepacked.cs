using System.Buffers;
using System.Runtime.Intrinsics;

namespace SharpGrad.Kernels;

/// <summary>
/// A float32 B operand (K×N) packed once into the micro-panels of <see cref="Gemm"/>'s blocked path, for products
/// that reuse the same B many times: the weight of a layer at inference, as ONNX Runtime pre-packs its initializers.
/// The panels are cut into the same blocks of K as an unpacked product of that size, so
/// <see cref="Gemm.MultiplyPrepacked"/> gives exactly the result <see cref="Gemm.Multiply{T}"/> would. Immutable once
/// built; a packing is for one vector width (<see cref="Wide"/>), since the panels' width follows it.
/// </summary>
internal sealed class PackedB
{
    internal PackedB(int k, int n, int nr, int kcMax, float[] panels)
    {
        K = k;
        N = n;
        Nr = nr;
        KcMax = kcMax;
        Panels = panels;
    }

    /// <summary>Rows of B (the summed dimension).</summary>
    public int K { get; }

    /// <summary>Columns of B.</summary>
    public int N { get; }

    /// <summary>Width of one micro-panel: 32 for the 512-bit kernel, 16 for the 256-bit one.</summary>
    public int Nr { get; }

    /// <summary>True when packed for the 512-bit kernel.</summary>
    public bool Wide => Nr == 32;

    /// <summary>Rows of B per block of K (the last block may be shorter).</summary>
    public int KcMax { get; }

    /// <summary>
    /// The panels: the block of K starting at row pc, then its panel jp of kc rows, at pc·⌈N/NR⌉·NR + jp·kc·NR.
    /// </summary>
    internal float[] Panels { get; }

    /// <summary>Micro-panels across N.</summary>
    public int PanelCount => (N + Nr - 1) / Nr;
}

internal static unsafe partial class Gemm
{
    /// <summary>
    /// Whether an m×n×k float product would take the blocked path of <see cref="Multiply{T}"/> (not the small-problem
    /// loop or a matrix-vector shortcut), the only path a <see cref="PackedB"/> reproduces exactly.
    /// </summary>
    public static bool UsesPackedPath(int m, int n, int k) => m > 1 && n > 1 && k > 0 && (long)m * n * k > SmallProblem;

    /// <summary>
    /// Packs B (K×N, element (p, j) at p·<paramref name="rowStride"/> + j·<paramref name="colStride"/>) for the
    /// vector width in force on this thread. A B of at most 16 columns gets 16-wide panels even on the 512-bit path:
    /// a 32-wide tile would be mostly padding, and both kernels give the same values.
    /// </summary>
    public static PackedB Pack(int k, int n, ReadOnlySpan<float> b, int rowStride, int colStride)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentOutOfRangeException.ThrowIfNegative(rowStride);
        ArgumentOutOfRangeException.ThrowIfNegative(colStride);
        CheckLength("b", "B", k, n, rowStride, colStride, b.Length);
        int nr = n <= 16 ? 16 : Nr<float>(VectorWidth.Wide);
        int kBlocks = CeilDiv(k, Kc<float>()), kcMax = CeilDiv(k, kBlocks);
        int panels = CeilDiv(n, nr);
        var packed = GC.AllocateUninitializedArray<float>(panels * nr * k);
        fixed (float* pb = b)
        fixed (float* dst = packed)
        {
            for (int pc = 0; pc < k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, k - pc);
                Partitioner.For(panels, (long)kc * nr,
                    new PackBBody<float>(pb + pc * rowStride, rowStride, colStride, kc, n, nr, dst + (nint)pc * panels * nr));
            }
        }
        return new PackedB(k, n, nr, kcMax, packed);
    }

    /// <summary>
    /// C = A·B (or C += A·B when <paramref name="accumulate"/>) with B packed beforehand; A is m×K with any strides,
    /// C is m×N row-major with row stride <paramref name="cRowStride"/>. Epilogue, fused into the blocks so C is
    /// touched while it is in cache: with <paramref name="bias"/> (N values) C starts from the bias broadcast over
    /// its rows instead of from zero or its own values, and with <paramref name="relu"/> every element ends as
    /// max(c, 0). Without the epilogue the result equals <see cref="Multiply{T}"/>'s bit for bit when
    /// <see cref="UsesPackedPath"/> holds; with a bias it equals writing the bias into C and accumulating.
    /// </summary>
    public static void MultiplyPrepacked(int m, PackedB b, ReadOnlySpan<float> a, int aRowStride, int aColStride,
        Span<float> c, int cRowStride, bool accumulate, ReadOnlySpan<float> bias = default, bool relu = false)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(aRowStride);
        ArgumentOutOfRangeException.ThrowIfNegative(aColStride);
        int n = b.N, k = b.K;
        if (!bias.IsEmpty && bias.Length != n)
            throw new ArgumentException($"The bias has {bias.Length} values for a product with {n} columns.", nameof(bias));
        if (cRowStride < n && m > 1)
            throw new ArgumentException($"C's row stride {cRowStride} is shorter than its {n} columns.", nameof(cRowStride));
        long needA = CheckLength("a", "A", m, k, aRowStride, aColStride, a.Length);
        long needC = CheckLength("c", "C", m, n, cRowStride, 1, c.Length);
        if (m == 0)
            return;
        if (((ReadOnlySpan<float>)c[..(int)needC]).Overlaps(a[..(int)needA]))
            throw new ArgumentException("Operand c must not share memory with operand a.", nameof(c));

        int nr = b.Nr, nPanels = b.PanelCount;
        // A 16-wide panel on the 512-bit path (at most 16 columns) takes the 8×16 kernel.
        bool wide16 = nr == 16 && VectorWidth.Wide;
        bool direct = ReadsAInPlace(aRowStride, aColStride, nr, wide16, nPanels);
        int mr = direct && (nr == 32 || wide16) ? WideDirectRows : Mr<float>();
        long tiles = (long)CeilDiv(m, mr) * nPanels;
        // The work estimate counts the real multiply-adds (not padded tiles), so a small layer stays on one core.
        int cores = Partitioner.ChunkCount((int)Math.Min(tiles, int.MaxValue), Math.Max(1, (long)m * n * k / tiles / MultiplyAddsPerWorkUnit));
        int mBlocks = CeilDiv(m, Mc<float>()), parts = 1, spread = 1;
        if (cores > 1)
        {
            // Few rows: the panels are the items, one or two per chunk, claimed by the threads as they finish (a row-
            // major A is not packed, so an item costs nothing to start).
            if (mBlocks < cores && nPanels >= cores)
            {
                parts = direct ? nPanels : cores;
                spread = direct ? cores : 1;
            }
            else
                mBlocks = RoundUp(mBlocks, cores);
        }
        int mc = RoundUp(CeilDiv(m, mBlocks), mr);
        mBlocks = CeilDiv(m, mc);
        fixed (float* pa = a)
        fixed (float* pb = b.Panels)
        fixed (float* pc = c)
        fixed (float* pbias = bias)
        {
            int items = spread > 1 ? spread * CeilDiv(parts, spread) : parts;
            Partitioner.For(mBlocks * items, Math.Max(1, (long)m * n * k / (mBlocks * parts) / MultiplyAddsPerWorkUnit),
                new PrepackedBody(m, n, k, mc, mr, direct, wide16, parts, items, spread, nPanels, nr, b.KcMax, pa, aRowStride, aColStride, pb, pc,
                    cRowStride, accumulate, bias.IsEmpty ? null : pbias, relu), chunksPerThread: 4);
        }
    }

    /// <summary>
    /// Work items are (row block, share of the panels). A row-major A is read in place by the direct-A kernels;
    /// any other layout is packed, per row block and block of K.
    /// </summary>
    /// <remarks>
    /// With <paramref name="spread"/> above 1 the shares are single panels, and the threads, which claim consecutive
    /// items, are sent to panels far apart: the shares form <paramref name="spread"/> contiguous groups, and item i
    /// is the (i / spread)-th panel of group i mod spread (some items of a short group are empty). Two threads on
    /// neighbouring panels would both write the cache line at their strips' common edge whenever C's rows are not
    /// 64-byte aligned, several times per K block: that cost a third of the time of a 64×784 by 784×256 product at
    /// 2 threads (79 µs against 67 µs aligned; 105 against 78 with the bias and ReLU epilogue).
    /// </remarks>
    private readonly struct PrepackedBody(int m, int n, int k, int mc, int mr, bool direct, bool wide16, int parts, int items, int spread,
        int nPanels, int nr, int kcMax, float* a, nint ars, nint acs, float* packedB, float* c, nint crs, bool accumulate, float* bias,
        bool relu) : IPartitionBody
    {
        private int Part(int item)
        {
            if (spread == 1)
                return item;
            int group = item % spread, index = item / spread;
            int first = (int)((long)parts * group / spread), end = (int)((long)parts * (group + 1) / spread);
            return first + index < end ? first + index : -1;
        }

        public void Invoke(int start, int end)
        {
            // The 512-bit direct-A kernels add the bias in the first block of K and apply the ReLU in the last.
            bool fused = direct && FusesEpilogue(nr, wide16);
            float[] packedA = ArrayPool<float>.Shared.Rent(direct ? 0 : mc * Math.Min(kcMax, k));
            try
            {
                fixed (float* pa = packedA)
                {
                    for (int item = start; item < end; item++)
                    {
                        int block = item / items, part = Part(item % items);
                        if (part < 0)
                            continue;
                        int i0 = block * mc, mcb = Math.Min(mc, m - i0);
                        int firstPanel = (int)((long)nPanels * part / parts), endPanel = (int)((long)nPanels * (part + 1) / parts);
                        int j0 = firstPanel * nr, j1 = Math.Min(n, endPanel * nr);
                        if (j1 <= j0)
                            continue;
                        float* cBlock = c + i0 * crs;
                        if (bias != null && !fused)
                        {
                            // C starts from the bias, written just before the first block adds onto it.
                            for (int i = 0; i < mcb; i++)
                                new ReadOnlySpan<float>(bias + j0, j1 - j0).CopyTo(new Span<float>(cBlock + i * crs + j0, j1 - j0));
                        }
                        for (int pc = 0; pc < k; pc += kcMax)
                        {
                            int kc = Math.Min(kcMax, k - pc);
                            float* aBlock = a + i0 * ars + pc * acs;
                            if (!direct)
                                PackA(aBlock, ars, acs, mcb, kc, pa);
                            bool overwrite = !accumulate && bias == null && pc == 0;
                            bool firstBlock = pc == 0, lastBlock = pc + kc >= k;
                            float* panels = packedB + (nint)pc * nPanels * nr;
                            for (int jp = firstPanel; jp < endPanel; jp++)
                            {
                                int jt = jp * nr, nrb = Math.Min(nr, n - jt);
                                float* bPanel = panels + (nint)jp * kc * nr;
                                for (int ir = 0; ir < mcb; ir += mr)
                                {
                                    if (direct)
                                        MicroKernelDirectA(kc, aBlock + ir * ars, ars, bPanel, nr, cBlock + ir * crs + jt, crs, Math.Min(mr, mcb - ir), nrb, overwrite, wide16,
                                            fused && firstBlock && bias != null ? bias + jt : null, fused && lastBlock && relu);
                                    else
                                        MicroKernel(kc, pa + (nint)ir * kc, bPanel, nr, cBlock + ir * crs + jt, crs, 1, Math.Min(mr, mcb - ir), nrb, overwrite);
                                }
                            }
                        }
                        if (relu && !fused)
                        {
                            for (int i = 0; i < mcb; i++)
                            {
                                // The ReLU op's own kernel, on the rows just written, while they are in cache.
                                var row = new Span<float>(cBlock + i * crs + j0, j1 - j0);
                                default(ReluOp<float>).Invoke(row, row);
                            }
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(packedA);
            }
        }
    }
}
