using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpGrad.Kernels;

// The row-extended direct convolution of Convolution (stride 1); the unfolded algorithm, the dispatch between the
// two and the oracles are in Convolution.cs.
internal static unsafe partial class Convolution
{
    // ---------------------------------------------------------------------------------------------------------
    // Stride 1: direct convolution on row-extended planes
    // ---------------------------------------------------------------------------------------------------------
    //
    // At stride 1, copy one image's Cg channels into zero-padded planes of Hp×Wp (Hp = OH + DH·(KH − 1), Wp likewise)
    // and number the output positions q = oh·Wp + ow with ow running over the whole padded width [0, Wp) rather than
    // [0, OW). Then tap k = (c, ki, kj) of position q reads xpad[koff(k) + q], koff(k) = c·Hp·Wp + ki·DH·Wp + kj·DW:
    // for every tap, consecutive positions read consecutive memory, so the column matrix never has to be built; its
    // row k is xpad shifted by koff(k). The price is Wp − OW extra columns per output row, computed and dropped (4 of
    // 32 on LeNet's first layer, 4 of 14 on its second), against im2col's copy and GEMM's packing of that copy, which
    // on small images cost as much as the arithmetic, plus GEMM's ragged edge tiles.
    //
    //   forward       ywide[o, q]          = Σ_k w[o, k] · xpad[koff(k) + q]       then cropped to y, plus bias
    //   input grad    gxpad[koff(k) + q]  += Σ_o w[o, k] · gywide[o, q]           then cropped to gx
    //   weight grad   gw[o, k]            += Σ_q gywide[o, q] · xpad[koff(k) + q]
    //
    // gywide is gy spread to the extended numbering, with zeros in the extra columns so that they add nothing.
    // Each is a register-tiled product like GEMM's micro-kernel, with one operand read in place through koff:
    //   forward: either 4 output channels × 3 vectors of positions, or 2 vectors of output channels × 6 real
    //     positions (the extra columns skipped, each tile's results stored across into y), summing over taps;
    //   input grad: 4 taps × 3 vectors of positions, summing over output channels, each finished row added into
    //     gxpad at its tap's offset (col2im fused into the write-back). Rows are ordered (tap, channel), so the four
    //     rows of a tile never overlap in memory and the adds of one tile do not wait on each other's stores;
    //   weight grad: either 4 output channels × 3 taps with vectors along the positions, or 1 or 2 vectors of output
    //     channels × 6 taps summing over the real positions only, with gy transposed to [p, o] so that channels load
    //     as vectors and each tap's input is broadcast.
    //
    // 0·∞ is NaN: the extra columns (zero in gywide) meet real pixels in the weight gradient and, through the weights,
    // real pixels in the input gradient, where the sums over valid taps never look. So an input that is not all
    // finite sends the weight gradient, and weights that are not all finite send the input gradient, to the
    // unfolded algorithm, which only multiplies what the direct sums do (and zero padding, as PyTorch does).

    /// <summary>Rows of the forward and input-gradient register tiles (output channels, or taps).</summary>
    private const int TileRows = 4;

    /// <summary>Taps per weight-gradient register tile.</summary>
    private const int TileTaps = 6;

    /// <summary>Positions per forward and input-gradient register tile: three vectors.</summary>
    private static int TileWidth<T>() => 3 * Vector256<T>.Count;

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>Whether the row-extended algorithm can compute this shape at all.</summary>
    private static bool ExtendedRowsApply<T>(Conv2dShape s) where T : unmanaged =>
        s.SH == 1 && s.SW == 1 && Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported;

    /// <summary>
    /// Whether it should beat the unfolded algorithm (measured on LeNet's, CIFAR-style and depthwise layers): when the
    /// extended positions are at most 2.5 times the real ones, and either at most 1.25 times or an image's padded
    /// planes fit in L1. It loses only where many channels meet small images (128 channels of 8×8), with K in the
    /// thousands and a third of the positions extra, and where a few large images would leave cores idle. A
    /// pointwise convolution needs no im2col anyway.
    /// </summary>
    private static bool ExtendedRowsPay<T>(Conv2dShape s) where T : unmanaged
    {
        if (s.IsPointwise)
            return false;
        // It splits the batch across cores, never one image: when there are too few images to go round and each is
        // big enough for GEMM to split, the unfolded algorithm keeps every core busy instead.
        int threads = Partitioner.ChunkCount(Partitioner.MaxDegreeOfParallelism, long.MaxValue); // 1 inside another kernel
        if (threads > 1 && BatchChunks(s) < threads && (long)s.Og * s.K * s.P / MultiplyAddsPerWorkUnit >= threads * 2 * Partitioner.MinimumWorkPerChunk)
            return false;
        var e = new ExtendedLayout(s, TileWidth<T>());
        double extra = (double)e.QPad / s.P;
        return extra <= 2.5 && (extra <= 1.25 || (long)e.Length * Unsafe.SizeOf<T>() <= ExtendedPlanesBytes);
    }

    /// <summary>L1's share for an image's padded planes, below which extra positions are worth skipping the im2col.</summary>
    private const long ExtendedPlanesBytes = 32 * 1024;

    private static bool AllFinite<T>(T[] a, int offset, int length) where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.IsFiniteAll<T>(a.AsSpan(offset, length));

    private static void CheckBuffers(string kernel, long need0, int have0, long need1, int have1, long need2, int have2)
    {
        if (need0 > have0 || need1 > have1 || need2 > have2)
            throw new ArgumentException($"{kernel}: buffer too small.");
    }

    /// <summary>
    /// The row-extended layout of one image and group: Cg zero-padded planes of Hp×Wp, output positions
    /// q = oh·Wp + ow below Q = OH·Wp, rounded up to whole tiles (QPad), in buffers of Length elements: enough for
    /// the last tile's reads at the largest tap offset.
    /// </summary>
    private readonly struct ExtendedLayout
    {
        public readonly int Hp, Wp, Plane, Q, QPad, Length;

        public ExtendedLayout(Conv2dShape s, int tileWidth)
        {
            Hp = s.OH + s.DH * (s.KH - 1);
            Wp = s.OW + s.DW * (s.KW - 1);
            Plane = Hp * Wp;
            Q = s.OH * Wp;
            QPad = RoundUp(Q, tileWidth);
            // The largest offset is (Cg − 1)·Plane + (Hp − OH)·Wp + DW·(KW − 1), read up to QPad − 1 beyond.
            Length = s.Cg * Plane + QPad - Q + s.DW * (s.KW - 1);
        }

        /// <summary>koff for every tap k = (c, ki, kj) of a group, in the weights' order.</summary>
        public void TapOffsets(Conv2dShape s, int* koff)
        {
            for (int c = 0, k = 0; c < s.Cg; c++)
            for (int ki = 0; ki < s.KH; ki++)
            for (int kj = 0; kj < s.KW; kj++)
                koff[k++] = c * Plane + ki * s.DH * Wp + kj * s.DW;
        }
    }

    /// <summary>
    /// Copies the Cg planes at x into the interiors of the padded planes at dst. The padding and the slack are never
    /// written, so a buffer zeroed once (<see cref="ZeroShort{T}"/> over its Length) serves every image.
    /// </summary>
    private static void CopyPlanes<T>(Conv2dShape s, in ExtendedLayout e, T* x, T* dst) where T : unmanaged
    {
        int plane = s.H * s.W;
        int cols = Math.Min(s.W, e.Wp - s.PW); // columns of x inside the padded width (all of them for real shapes)
        int rows = Math.Min(s.H, e.Hp - s.PH);
        if (cols <= 0)
            return;
        for (int c = 0; c < s.Cg; c++)
        {
            T* d = dst + c * e.Plane + s.PH * e.Wp + s.PW;
            T* src = x + c * plane;
            for (int ih = 0; ih < rows; ih++, d += e.Wp, src += s.W)
                CopyShort(src, d, cols);
        }
    }

    /// <summary>Copies n elements; rows here are a few vectors long, where a call to a library copy costs more than the copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyShort<T>(T* src, T* dst, int n) where T : unmanaged
    {
        int w = Vector256<T>.Count;
        if (n < w)
        {
            for (int j = 0; j < n; j++) dst[j] = src[j];
            return;
        }
        int i = 0;
        for (; i <= n - w; i += w)
            Vector256.Store(Vector256.Load(src + i), dst + i);
        // The last vector overlaps the one before; src and dst never overlap, so it copies the same values again.
        if (i < n)
            Vector256.Store(Vector256.Load(src + n - w), dst + n - w);
    }

    /// <summary>dst[i] = src[i] + b for n elements (the forward pass's crop plus bias).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddShort<T>(T* src, T b, T* dst, int n) where T : unmanaged, INumber<T>
    {
        int w = Vector256<T>.Count;
        if (n < w)
        {
            for (int j = 0; j < n; j++) dst[j] = src[j] + b;
            return;
        }
        var bv = Vector256.Create(b);
        int i = 0;
        for (; i <= n - w; i += w)
            Vector256.Store(Vector256.Load(src + i) + bv, dst + i);
        if (i < n)
            Vector256.Store(Vector256.Load(src + n - w) + bv, dst + n - w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ZeroShort<T>(T* dst, int n) where T : unmanaged
    {
        int w = Vector256<T>.Count;
        if (n < w)
        {
            for (int j = 0; j < n; j++) dst[j] = default;
            return;
        }
        int i = 0;
        for (; i <= n - w; i += w)
            Vector256.Store(Vector256<T>.Zero, dst + i);
        if (i < n)
            Vector256.Store(Vector256<T>.Zero, dst + n - w);
    }

    // Fma.IsSupported folds at JIT time; without FMA the multiply and add are separate roundings.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Mad<T>(Vector256<T> x, Vector256<T> y, Vector256<T> acc) where T : unmanaged
    {
        if (typeof(T) == typeof(float) && Fma.IsSupported)
            return Fma.MultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double) && Fma.IsSupported)
            return Fma.MultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
        return x * y + acc;
    }

    /// <summary>
    /// Forward pass, in one of two tilings. Along positions: 4 output channels × 3 vectors of extended positions, the
    /// weights packed in 4-channel panels, each panel's rows cropped into y. Along channels: vectors of output
    /// channels × 6 real positions, the weights packed [tap, channel], each tile's results stored across into y; no
    /// extra columns are computed, which pays when they are many (4 of 14 on LeNet's second layer) and the channels
    /// fill whole pairs of vectors.
    /// </summary>
    private static void ExtendedForward<T>(Conv2dShape s, T[] x, int xOffset, T[] w, int wOffset, T[]? bias, int biasOffset, T[] y,
        ExtendedTiling tiling)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckBuffers("Conv2d", (long)xOffset + (long)s.N * s.C * s.H * s.W, x.Length, (long)wOffset + (long)s.O * s.K, w.Length,
            (long)s.N * s.O * s.P, y.Length);
        if (bias is not null && biasOffset + s.O > bias.Length)
            throw new ArgumentException("Conv2d: buffer too small.");
        int chunks = BatchChunks(s);
        if (chunks == 0)
            return;
        var e = new ExtendedLayout(s, TileWidth<T>());
        int k = s.K, og = s.Og;
        bool along = tiling == ExtendedTiling.Auto ? ForwardAlongPositions<T>(s, e) : tiling == ExtendedTiling.AlongPositions;
        int rows = along ? RoundUp(og, TileRows) : ForwardChannels<T>(og);
        T[] packed = ArrayPool<T>.Shared.Rent(s.Groups * rows * k);
        int[] koff = ArrayPool<int>.Shared.Rent(k);
        try
        {
            for (int g = 0; g < s.Groups; g++)
            for (int o = 0; o < rows; o++)
            {
                // Along positions, panel r0 of group g holds, for each tap, the weights of output channels r0..r0+3;
                // along channels, each tap's row holds every output channel of the group. Zeros past Og.
                int at = along ? (g * rows + o / TileRows * TileRows) * k + o % TileRows : g * k * rows + o;
                int step = along ? TileRows : rows;
                for (int j = 0; j < k; j++)
                    packed[at + j * step] = o < og ? w[wOffset + (g * og + o) * k + j] : T.Zero;
            }
            fixed (T* px = x, pw = packed, py = y, pb = bias)
            fixed (int* pk = koff)
            {
                e.TapOffsets(s, pk);
                Partitioner.For(chunks, 2 * Partitioner.MinimumWorkPerChunk,
                    new ExtendedForwardBody<T>(s, e, chunks, along, px + xOffset, pw, pk, pb == null ? null : pb + biasOffset, py));
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(packed);
            ArrayPool<int>.Shared.Return(koff);
        }
    }

    /// <summary>
    /// Whether the forward pass runs along positions: estimated cycles per image of both tilings (6 per step of twelve
    /// FMAs; about 1 per element to crop the extended rows, 2 to store tiles across).
    /// </summary>
    private static bool ForwardAlongPositions<T>(Conv2dShape s, in ExtendedLayout e)
    {
        int v = Vector256<T>.Count, width = ForwardChannels<T>(s.Og);
        if (s.Og <= v)
            return true; // one vector of channels would leave half of every tile idle
        long along = (long)RoundUp(s.Og, TileRows) / TileRows * (e.QPad / TileWidth<T>()) * s.K * 6 + (long)s.Og * s.P;
        long channels = (long)width / (2 * v) * ((s.P + TileTaps - 1) / TileTaps) * s.K * 6 + 2L * s.Og * s.P;
        return along <= channels;
    }

    /// <summary>The output channels of a group rounded up to the forward channel tiles: pairs of vectors.</summary>
    private static int ForwardChannels<T>(int og) => RoundUp(og, 2 * Vector256<T>.Count);

    private readonly struct ExtendedForwardBody<T>(Conv2dShape s, ExtendedLayout e, int chunks, bool along, T* x, T* packed, int* koff, T* bias, T* y)
        : IPartitionBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int scratch = along ? TileRows * e.QPad : TileTaps * 2 * Vector256<T>.Count;
            T[] xpadArray = ArrayPool<T>.Shared.Rent(e.Length);
            T[] scratchArray = ArrayPool<T>.Shared.Rent(scratch);
            try
            {
                fixed (T* xpad = xpadArray, tile = scratchArray)
                {
                    ZeroShort(xpad, e.Length);
                    for (int chunk = start; chunk < end; chunk++)
                    {
                        var (first, last) = ChunkImages(s.N, chunk, chunks);
                        for (int n = first; n < last; n++)
                        for (int g = 0; g < s.Groups; g++)
                        {
                            CopyPlanes(s, e, x + (long)(n * s.C + g * s.Cg) * s.H * s.W, xpad);
                            T* yg = y + (long)(n * s.O + g * s.Og) * s.P;
                            if (along)
                                AlongPositions(g, xpad, tile, yg);
                            else
                                AlongChannels(g, xpad, tile, yg);
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(xpadArray);
                ArrayPool<T>.Shared.Return(scratchArray);
            }
        }

        /// <summary>One image and group along positions: panel by panel, its four extended rows then cropped into y.</summary>
        private void AlongPositions(int g, T* xpad, T* ywide, T* yg)
        {
            int k = s.K, og = s.Og, rows = RoundUp(og, TileRows), tile = TileWidth<T>(), qPad = e.QPad;
            // Panel by panel: its weights stay in L1 while the tiles sweep the image, and its four extended rows are
            // cropped into y while they are still there too.
            for (int r0 = 0; r0 < rows; r0 += TileRows)
            {
                T* a = packed + (g * rows + r0) * k;
                for (int q0 = 0; q0 < qPad; q0 += tile)
                    ForwardTile(k, a, koff, xpad + q0, ywide + q0, qPad);
                for (int o = r0; o < Math.Min(r0 + TileRows, og); o++)
                {
                    T* yo = yg + o * s.P;
                    T* src = ywide + (o - r0) * qPad;
                    if (bias == null)
                        for (int oh = 0; oh < s.OH; oh++)
                            CopyShort(src + oh * e.Wp, yo + oh * s.OW, s.OW);
                    else
                        for (int oh = 0; oh < s.OH; oh++)
                            AddShort(src + oh * e.Wp, bias[g * og + o], yo + oh * s.OW, s.OW);
                }
            }
        }

        /// <summary>One image and group along channels: tiles of 2 vectors of channels × 6 real positions.</summary>
        private void AlongChannels(int g, T* xpad, T* tile, T* yg)
        {
            int k = s.K, og = s.Og, v = Vector256<T>.Count, width = ForwardChannels<T>(og), p = s.P;
            int* q = stackalloc int[TileTaps];
            // Channel pair by channel pair: its slab of weights (K × 2 vectors) stays in cache while the tiles sweep
            // the image.
            for (int o0 = 0; o0 < width; o0 += 2 * v)
            {
                int channels = Math.Min(2 * v, og - o0);
                for (int p0 = 0; p0 < p; p0 += TileTaps)
                {
                    // A partial tile computes its last position again in place of the missing ones and drops them.
                    int count = Math.Min(TileTaps, p - p0);
                    for (int j = 0; j < TileTaps; j++)
                    {
                        int pj = Math.Min(p0 + j, p - 1);
                        q[j] = pj / s.OW * e.Wp + pj % s.OW;
                    }
                    ForwardChannelsTile(k, packed + g * k * width + o0, width, koff, xpad, q, tile);
                    for (int j = 0; j < count; j++)
                    {
                        T* src = tile + j * 2 * v;
                        T* dst = yg + o0 * p + p0 + j;
                        if (bias == null)
                            for (int o = 0; o < channels; o++)
                                dst[o * p] = src[o];
                        else
                            for (int o = 0; o < channels; o++)
                                dst[o * p] = src[o] + bias[g * og + o0 + o];
                    }
                }
            }
        }
    }

    /// <summary>Input gradient: pack the weights as 4-tap panels over output channels, work out the row offsets, run the images.</summary>
    private static void ExtendedInputGrad<T>(Conv2dShape s, T[] gy, int gyOffset, T[] w, int wOffset, T[] gx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckBuffers("Conv2dInputGrad", (long)gyOffset + (long)s.N * s.O * s.P, gy.Length, (long)wOffset + (long)s.O * s.K, w.Length,
            (long)s.N * s.C * s.H * s.W, gx.Length);
        int chunks = BatchChunks(s);
        if (chunks == 0)
            return;
        var e = new ExtendedLayout(s, TileWidth<T>());
        int taps = s.KH * s.KW, m = s.Cg * taps, rows = RoundUp(m, TileRows), og = s.Og;
        // Row r = (tap t, channel c), t = r / Cg: panel r0 of group g holds, for each output channel o, the weights
        // w[o, c, t] of rows r0..r0+3 (zeros past the last row).
        T[] packed = ArrayPool<T>.Shared.Rent(s.Groups * rows * og);
        int[] rowOffsets = ArrayPool<int>.Shared.Rent(rows);
        try
        {
            for (int r = 0; r < rows; r++)
            {
                int t = r / s.Cg, c = r % s.Cg;
                rowOffsets[r] = r < m ? c * e.Plane + t / s.KW * s.DH * e.Wp + t % s.KW * s.DW : 0;
            }
            for (int g = 0; g < s.Groups; g++)
            for (int r = 0; r < rows; r++)
            {
                int panel = (g * rows + r / TileRows * TileRows) * og, i = r % TileRows, t = r / s.Cg, c = r % s.Cg;
                for (int o = 0; o < og; o++)
                    packed[panel + o * TileRows + i] = r < m ? w[wOffset + (g * og + o) * s.K + c * taps + t] : T.Zero;
            }
            fixed (T* pgy = gy, pw = packed, pgx = gx)
            fixed (int* pr = rowOffsets)
                Partitioner.For(chunks, 2 * Partitioner.MinimumWorkPerChunk,
                    new ExtendedInputGradBody<T>(s, e, chunks, pgy + gyOffset, pw, pr, pgx));
        }
        finally
        {
            ArrayPool<T>.Shared.Return(packed);
            ArrayPool<int>.Shared.Return(rowOffsets);
        }
    }

    private readonly struct ExtendedInputGradBody<T>(Conv2dShape s, ExtendedLayout e, int chunks, T* gy, T* packed, int* rowOffsets, T* gx)
        : IPartitionBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int og = s.Og, m = s.Cg * s.KH * s.KW, rows = RoundUp(m, TileRows), tile = TileWidth<T>(), qPad = e.QPad;
            int cols = Math.Min(s.W, e.Wp - s.PW);
            T[] gxpadArray = ArrayPool<T>.Shared.Rent(e.Length);
            T[] gywideArray = ArrayPool<T>.Shared.Rent(og * qPad);
            try
            {
                fixed (T* gxpad = gxpadArray, gywide = gywideArray)
                {
                    // The extra columns of gywide stay zero: only the real ones are written below.
                    ZeroShort(gywide, og * qPad);
                    for (int chunk = start; chunk < end; chunk++)
                    {
                        var (first, last) = ChunkImages(s.N, chunk, chunks);
                        for (int n = first; n < last; n++)
                        for (int g = 0; g < s.Groups; g++)
                        {
                            SpreadRows(s, e, gy + (long)(n * s.O + g * og) * s.P, gywide, og);
                            ZeroShort(gxpad, e.Length);
                            // Tile by tile: its slice of gywide stays in registers' reach (L1) across every panel.
                            for (int q0 = 0; q0 < qPad; q0 += tile)
                            for (int r0 = 0; r0 < rows; r0 += TileRows)
                                InputGradTile(og, packed + (g * rows + r0) * og, gywide + q0, qPad, gxpad + q0, rowOffsets + r0, Math.Min(TileRows, m - r0));
                            T* gxg = gx + (long)(n * s.C + g * s.Cg) * s.H * s.W;
                            for (int c = 0; c < s.Cg; c++)
                            for (int ih = 0; ih < s.H; ih++)
                            {
                                T* dst = gxg + (c * s.H + ih) * s.W;
                                int r = ih + s.PH;
                                if (r >= e.Hp || cols <= 0)
                                {
                                    ZeroShort(dst, s.W);
                                    continue;
                                }
                                CopyShort(gxpad + c * e.Plane + r * e.Wp + s.PW, dst, cols);
                                ZeroShort(dst + cols, s.W - cols);
                            }
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(gxpadArray);
                ArrayPool<T>.Shared.Return(gywideArray);
            }
        }
    }

    /// <summary>Spreads <paramref name="rows"/> channels of gy (OH×OW each) to the extended numbering: row o at dst + o·QPad, OW of every Wp.</summary>
    private static void SpreadRows<T>(Conv2dShape s, in ExtendedLayout e, T* gy, T* dst, int rows) where T : unmanaged
    {
        for (int o = 0; o < rows; o++)
        {
            T* src = gy + o * s.P;
            T* d = dst + o * e.QPad;
            for (int oh = 0; oh < s.OH; oh++, src += s.OW, d += e.Wp)
                CopyShort(src, d, s.OW);
        }
    }

    /// <summary>
    /// Weight gradient, in one of two tilings. Along positions: 4 output channels × 3 taps, vectors running along
    /// q and summed across at the end of each image; good when an image has many positions (LeNet's first layer,
    /// 114 vectors of them). Transposed: gy turned to [p, o] so that the tile holds vectors of output channels, needs
    /// no sum across and visits only the real positions, which on short rows (10 of 14 real for the second layer)
    /// costs less than the sums and the extra columns.
    /// Each chunk sums its images into a buffer of its own; the buffers are added in chunk order (so the result does
    /// not depend on thread timing) into gw, transposed back to [o, k] in the second tiling.
    /// </summary>
    private static void ExtendedWeightGrad<T>(Conv2dShape s, T[] x, int xOffset, T[] gy, int gyOffset, T[] gw, ExtendedTiling tiling)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckBuffers("Conv2dWeightGrad", (long)xOffset + (long)s.N * s.C * s.H * s.W, x.Length, (long)gyOffset + (long)s.N * s.O * s.P, gy.Length,
            (long)s.O * s.K, gw.Length);
        int chunks = BatchSums.ChunkCount(s.N); // fixed chunks, added as a tree: independent of threads and ranks
        if (chunks == 0)
        {
            Array.Clear(gw, 0, s.O * s.K);
            return;
        }
        var e = new ExtendedLayout(s, TileWidth<T>());
        int k = s.K, og = s.Og;
        bool along = tiling == ExtendedTiling.Auto ? WeightGradAlongPositions<T>(s, e) : tiling == ExtendedTiling.AlongPositions;
        int length = along ? s.O * k : s.Groups * k * ChannelWidth<T>(og);
        var targets = ArrayPool<T[]>.Shared.Rent(chunks); // only the first chunks entries are used
        int[] koff = ArrayPool<int>.Shared.Rent(k);
        try
        {
            for (int i = 0; i < chunks; i++)
            {
                targets[i] = ArrayPool<T>.Shared.Rent(length);
                Array.Clear(targets[i], 0, length);
            }
            fixed (T* px = x, pgy = gy)
            fixed (int* pk = koff)
            {
                e.TapOffsets(s, pk);
                Partitioner.For(chunks, 2 * Partitioner.MinimumWorkPerChunk,
                    new ExtendedWeightGradBody<T>(s, e, along, px + xOffset, pgy + gyOffset, pk, targets));
            }
            BatchSums.CombinePairwise(targets, chunks, length);
            var sum = targets[0];
            if (along)
                sum.AsSpan(0, length).CopyTo(gw);
            else
            {
                int width = ChannelWidth<T>(og);
                for (int g = 0; g < s.Groups; g++)
                for (int o = 0; o < og; o++)
                for (int j = 0; j < k; j++)
                    gw[(g * og + o) * k + j] = sum[(g * k + j) * width + o];
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(koff);
            for (int i = 0; i < chunks; i++)
                if (targets[i] is not null)
                    ArrayPool<T>.Shared.Return(targets[i]);
            ArrayPool<T[]>.Shared.Return(targets, clearArray: true);
        }
    }

    /// <summary>
    /// Whether the weight gradient runs along positions: estimated cycles per image of both tilings (measured: about
    /// 7 per step of twelve FMAs along positions and 6 transposed, 40 per tile for the sums across, 2.5 per element
    /// of the transpose).
    /// </summary>
    private static bool WeightGradAlongPositions<T>(Conv2dShape s, in ExtendedLayout e)
    {
        int v = Vector256<T>.Count, width = ChannelWidth<T>(s.Og);
        long along = (long)((s.Og + 3) / 4) * ((s.K + 2) / 3) * (e.QPad / v * 7 + 40);
        long steps = width == v ? s.P / 2 : (long)s.P * (width / (2 * v));
        long transposed = (long)((s.K + TileTaps - 1) / TileTaps) * steps * 6 + 5L * s.Og * s.P / 2;
        return along <= transposed;
    }

    /// <summary>The output channels of a group rounded up to the channel-vector tiles: one vector, or a multiple of two.</summary>
    private static int ChannelWidth<T>(int og)
    {
        int v = Vector256<T>.Count;
        return og <= v ? v : RoundUp(og, 2 * v);
    }

    private readonly struct ExtendedWeightGradBody<T>(Conv2dShape s, ExtendedLayout e, bool along, T* x, T* gy, int* koff, T[][] targets)
        : IPartitionBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int og = s.Og, qPad = e.QPad;
            int gyLength = along ? RoundUp(og, TileRows) * qPad : s.P * ChannelWidth<T>(og);
            T[] xpadArray = ArrayPool<T>.Shared.Rent(e.Length);
            T[] gyArray = ArrayPool<T>.Shared.Rent(gyLength);
            try
            {
                fixed (T* xpad = xpadArray, gyBuffer = gyArray)
                {
                    // Padding, extra columns and missing channels stay zero: only real values are written below.
                    ZeroShort(xpad, e.Length);
                    ZeroShort(gyBuffer, gyLength);
                    for (int chunk = start; chunk < end; chunk++)
                    {
                        var (first, last) = BatchSums.Chunk(s.N, chunk);
                        fixed (T* target = targets[chunk])
                        {
                            for (int n = first; n < last; n++)
                            for (int g = 0; g < s.Groups; g++)
                            {
                                CopyPlanes(s, e, x + (long)(n * s.C + g * s.Cg) * s.H * s.W, xpad);
                                T* gyg = gy + (long)(n * s.O + g * og) * s.P;
                                if (along)
                                    AlongImage(gyg, xpad, gyBuffer, target + g * og * s.K);
                                else
                                    TransposedImage(gyg, xpad, gyBuffer, target + g * s.K * ChannelWidth<T>(og));
                            }
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(xpadArray);
                ArrayPool<T>.Shared.Return(gyArray);
            }
        }

        /// <summary>One image and group along positions: target [o, k] += the 4×3 tiles' sums.</summary>
        private void AlongImage(T* gyg, T* xpad, T* gywide, T* target)
        {
            int k = s.K, og = s.Og;
            int* offsets = stackalloc int[3];
            SpreadRows(s, e, gyg, gywide, og);
            for (int o0 = 0; o0 < og; o0 += TileRows)
            for (int k0 = 0; k0 < k; k0 += 3)
            {
                // A partial tile reads valid rows again in place of the missing ones and drops their sums; missing
                // channels read gywide's zero rows.
                for (int r = 0; r < 3; r++)
                    offsets[r] = koff[Math.Min(k0 + r, k - 1)];
                WeightGradAlongTile(e.QPad, gywide + o0 * e.QPad, e.QPad, xpad, offsets, target + o0 * k + k0, k,
                    Math.Min(TileRows, og - o0), Math.Min(3, k - k0));
            }
        }

        /// <summary>
        /// One image and group transposed: target [k, o] += the (2 or 1 vectors)×6 tiles. gy is transposed to
        /// [p, o] with only the real positions, which the tiles walk row by row, skipping the extra columns.
        /// </summary>
        private void TransposedImage(T* gyg, T* xpad, T* gyT, T* target)
        {
            int k = s.K, og = s.Og, v = Vector256<T>.Count, width = ChannelWidth<T>(og);
            int* offsets = stackalloc int[TileTaps];
            for (int o = 0; o < og; o++)
            {
                T* src = gyg + o * s.P;
                T* dst = gyT + o;
                for (int p = 0; p < s.P; p++, dst += width)
                    *dst = src[p];
            }
            for (int o0 = 0; o0 < width; o0 += width == v ? v : 2 * v)
            for (int k0 = 0; k0 < k; k0 += TileTaps)
            {
                // A partial tile reads a valid row again in place of the missing ones and drops the result.
                for (int r = 0; r < TileTaps; r++)
                    offsets[r] = koff[Math.Min(k0 + r, k - 1)];
                int taps = Math.Min(TileTaps, k - k0);
                if (width == v)
                    WeightGradTile1(s.OH, s.OW, e.Wp, gyT, width, xpad, offsets, target + k0 * width, width, taps);
                else
                    WeightGradTile2(s.OH, s.OW, e.Wp, gyT + o0, width, xpad, offsets, target + k0 * width + o0, width, taps);
            }
        }
    }

    /// <summary>
    /// dst[i·ldd + r] += Σ_q g[i·ldg + q] · x[offsets[r] + q] for the first <paramref name="rows"/> i &lt; 4 and the
    /// first <paramref name="taps"/> r &lt; 3: four output channels' gradient rows against three taps' input rows,
    /// each of the twelve sums kept as a vector along q and summed across once at the end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGradAlongTile<T>(int qn, T* g, nint ldg, T* x, int* offsets, T* dst, nint ldd, int rows, int taps)
        where T : unmanaged, INumber<T>
    {
        nint w = Vector256<T>.Count;
        T* x0 = x + offsets[0], x1 = x + offsets[1], x2 = x + offsets[2];
        T* g0 = g, g1 = g + ldg, g2 = g + 2 * ldg, g3 = g + 3 * ldg;
        Vector256<T> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector256<T> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        for (nint q = 0; q < qn; q += w)
        {
            var a0 = Vector256.Load(x0 + q);
            var a1 = Vector256.Load(x1 + q);
            var a2 = Vector256.Load(x2 + q);
            var gv = Vector256.Load(g0 + q); c00 = Mad(gv, a0, c00); c01 = Mad(gv, a1, c01); c02 = Mad(gv, a2, c02);
            gv = Vector256.Load(g1 + q); c10 = Mad(gv, a0, c10); c11 = Mad(gv, a1, c11); c12 = Mad(gv, a2, c12);
            gv = Vector256.Load(g2 + q); c20 = Mad(gv, a0, c20); c21 = Mad(gv, a1, c21); c22 = Mad(gv, a2, c22);
            gv = Vector256.Load(g3 + q); c30 = Mad(gv, a0, c30); c31 = Mad(gv, a1, c31); c32 = Mad(gv, a2, c32);
        }
        AddSums(dst, c00, c01, c02, taps);
        if (rows > 1) AddSums(dst + ldd, c10, c11, c12, taps);
        if (rows > 2) AddSums(dst + 2 * ldd, c20, c21, c22, taps);
        if (rows > 3) AddSums(dst + 3 * ldd, c30, c31, c32, taps);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddSums<T>(T* d, Vector256<T> v0, Vector256<T> v1, Vector256<T> v2, int taps) where T : unmanaged, INumber<T>
    {
        d[0] += Vector256.Sum(v0);
        if (taps > 1) d[1] += Vector256.Sum(v1);
        if (taps > 2) d[2] += Vector256.Sum(v2);
    }

    /// <summary>
    /// c[i·ldc + j] = Σ_p a[p·4 + i] · b[koff[p] + j] for i &lt; 4 and j &lt; 3 vectors: four output channels' extended
    /// rows, twelve accumulators, each tap's three vectors of input read in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardTile<T>(int k, T* a, int* koff, T* b, T* c, nint ldc) where T : unmanaged
    {
        nint w = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector256<T> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        for (int p = 0; p < k; p++, a += TileRows)
        {
            T* bp = b + koff[p];
            var b0 = Vector256.Load(bp);
            var b1 = Vector256.Load(bp + w);
            var b2 = Vector256.Load(bp + 2 * w);
            var ai = Vector256.Create(a[0]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01); c02 = Mad(ai, b2, c02);
            ai = Vector256.Create(a[1]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11); c12 = Mad(ai, b2, c12);
            ai = Vector256.Create(a[2]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21); c22 = Mad(ai, b2, c22);
            ai = Vector256.Create(a[3]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31); c32 = Mad(ai, b2, c32);
        }
        Vector256.Store(c00, c); Vector256.Store(c01, c + w); Vector256.Store(c02, c + 2 * w);
        c += ldc;
        Vector256.Store(c10, c); Vector256.Store(c11, c + w); Vector256.Store(c12, c + 2 * w);
        c += ldc;
        Vector256.Store(c20, c); Vector256.Store(c21, c + w); Vector256.Store(c22, c + 2 * w);
        c += ldc;
        Vector256.Store(c30, c); Vector256.Store(c31, c + w); Vector256.Store(c32, c + 2 * w);
    }

    /// <summary>
    /// tile[j·2v + i] = Σ_p w[p·ldw + i] · x[q[j] + koff[p]] for j &lt; 6 positions and i &lt; 2 vectors of output
    /// channels: six real positions' outputs, each tap's weights loaded as vectors and its inputs broadcast.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardChannelsTile<T>(int k, T* w, nint ldw, int* koff, T* x, int* q, T* tile) where T : unmanaged
    {
        nint v = Vector256<T>.Count;
        T* x0 = x + q[0], x1 = x + q[1], x2 = x + q[2], x3 = x + q[3], x4 = x + q[4], x5 = x + q[5];
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k; p++, w += ldw)
        {
            nint off = koff[p];
            var w0 = Vector256.Load(w);
            var w1 = Vector256.Load(w + v);
            var xv = Vector256.Create(x0[off]); c00 = Mad(w0, xv, c00); c01 = Mad(w1, xv, c01);
            xv = Vector256.Create(x1[off]); c10 = Mad(w0, xv, c10); c11 = Mad(w1, xv, c11);
            xv = Vector256.Create(x2[off]); c20 = Mad(w0, xv, c20); c21 = Mad(w1, xv, c21);
            xv = Vector256.Create(x3[off]); c30 = Mad(w0, xv, c30); c31 = Mad(w1, xv, c31);
            xv = Vector256.Create(x4[off]); c40 = Mad(w0, xv, c40); c41 = Mad(w1, xv, c41);
            xv = Vector256.Create(x5[off]); c50 = Mad(w0, xv, c50); c51 = Mad(w1, xv, c51);
        }
        Vector256.Store(c00, tile); Vector256.Store(c01, tile + v);
        Vector256.Store(c10, tile + 2 * v); Vector256.Store(c11, tile + 3 * v);
        Vector256.Store(c20, tile + 4 * v); Vector256.Store(c21, tile + 5 * v);
        Vector256.Store(c30, tile + 6 * v); Vector256.Store(c31, tile + 7 * v);
        Vector256.Store(c40, tile + 8 * v); Vector256.Store(c41, tile + 9 * v);
        Vector256.Store(c50, tile + 10 * v); Vector256.Store(c51, tile + 11 * v);
    }

    /// <summary>
    /// gx[rowOffsets[i] + j] += Σ_o a[o·4 + i] · b[o·ldb + j] for the first <paramref name="rows"/> i &lt; 4 and
    /// j &lt; 3 vectors: four taps' contributions to three vectors of positions, added into the padded gradient.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputGradTile<T>(int k, T* a, T* b, nint ldb, T* gx, int* rowOffsets, int rows) where T : unmanaged
    {
        nint w = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector256<T> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        for (int p = 0; p < k; p++, a += TileRows, b += ldb)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + w);
            var b2 = Vector256.Load(b + 2 * w);
            var ai = Vector256.Create(a[0]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01); c02 = Mad(ai, b2, c02);
            ai = Vector256.Create(a[1]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11); c12 = Mad(ai, b2, c12);
            ai = Vector256.Create(a[2]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21); c22 = Mad(ai, b2, c22);
            ai = Vector256.Create(a[3]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31); c32 = Mad(ai, b2, c32);
        }
        AddRow(gx + rowOffsets[0], c00, c01, c02);
        if (rows > 1) AddRow(gx + rowOffsets[1], c10, c11, c12);
        if (rows > 2) AddRow(gx + rowOffsets[2], c20, c21, c22);
        if (rows > 3) AddRow(gx + rowOffsets[3], c30, c31, c32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow<T>(T* d, Vector256<T> v0, Vector256<T> v1, Vector256<T> v2) where T : unmanaged
    {
        nint w = Vector256<T>.Count;
        Vector256.Store(Vector256.Load(d) + v0, d);
        Vector256.Store(Vector256.Load(d + w) + v1, d + w);
        Vector256.Store(Vector256.Load(d + 2 * w) + v2, d + 2 * w);
    }

    /// <summary>
    /// dst[r·ldd + i] += Σ_p g[p·ldg + i] · x[offsets[r] + q(p)] for the first <paramref name="taps"/> r &lt; 6 and
    /// i &lt; 2 vectors of output channels: six taps' weight gradients, summed over the real positions p = (oh, ow),
    /// q(p) = oh·wp + ow in the extended numbering.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGradTile2<T>(int rows, int cols, int wp, T* g, nint ldg, T* x, int* offsets, T* dst, nint ldd, int taps)
        where T : unmanaged
    {
        nint w = Vector256<T>.Count;
        T* x0 = x + offsets[0], x1 = x + offsets[1], x2 = x + offsets[2], x3 = x + offsets[3], x4 = x + offsets[4], x5 = x + offsets[5];
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int oh = 0; oh < rows; oh++, x0 += wp, x1 += wp, x2 += wp, x3 += wp, x4 += wp, x5 += wp)
        {
            for (nint q = 0; q < cols; q++, g += ldg)
            {
                var g0 = Vector256.Load(g);
                var g1 = Vector256.Load(g + w);
                var xv = Vector256.Create(x0[q]); c00 = Mad(g0, xv, c00); c01 = Mad(g1, xv, c01);
                xv = Vector256.Create(x1[q]); c10 = Mad(g0, xv, c10); c11 = Mad(g1, xv, c11);
                xv = Vector256.Create(x2[q]); c20 = Mad(g0, xv, c20); c21 = Mad(g1, xv, c21);
                xv = Vector256.Create(x3[q]); c30 = Mad(g0, xv, c30); c31 = Mad(g1, xv, c31);
                xv = Vector256.Create(x4[q]); c40 = Mad(g0, xv, c40); c41 = Mad(g1, xv, c41);
                xv = Vector256.Create(x5[q]); c50 = Mad(g0, xv, c50); c51 = Mad(g1, xv, c51);
            }
        }
        AddPair(dst, c00, c01);
        if (taps > 1) AddPair(dst + ldd, c10, c11);
        if (taps > 2) AddPair(dst + 2 * ldd, c20, c21);
        if (taps > 3) AddPair(dst + 3 * ldd, c30, c31);
        if (taps > 4) AddPair(dst + 4 * ldd, c40, c41);
        if (taps > 5) AddPair(dst + 5 * ldd, c50, c51);
    }

    /// <summary>
    /// <see cref="WeightGradTile2{T}"/> for one vector of output channels: two positions per step, each with its
    /// own six accumulators, so that twelve independent sums keep the FMA units busy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGradTile1<T>(int rows, int cols, int wp, T* g, nint ldg, T* x, int* offsets, T* dst, nint ldd, int taps)
        where T : unmanaged
    {
        T* x0 = x + offsets[0], x1 = x + offsets[1], x2 = x + offsets[2], x3 = x + offsets[3], x4 = x + offsets[4], x5 = x + offsets[5];
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int oh = 0; oh < rows; oh++, x0 += wp, x1 += wp, x2 += wp, x3 += wp, x4 += wp, x5 += wp)
        {
            nint q = 0;
            for (; q < cols - 1; q += 2, g += 2 * ldg)
            {
                var g0 = Vector256.Load(g);
                var g1 = Vector256.Load(g + ldg);
                c00 = Mad(g0, Vector256.Create(x0[q]), c00); c01 = Mad(g1, Vector256.Create(x0[q + 1]), c01);
                c10 = Mad(g0, Vector256.Create(x1[q]), c10); c11 = Mad(g1, Vector256.Create(x1[q + 1]), c11);
                c20 = Mad(g0, Vector256.Create(x2[q]), c20); c21 = Mad(g1, Vector256.Create(x2[q + 1]), c21);
                c30 = Mad(g0, Vector256.Create(x3[q]), c30); c31 = Mad(g1, Vector256.Create(x3[q + 1]), c31);
                c40 = Mad(g0, Vector256.Create(x4[q]), c40); c41 = Mad(g1, Vector256.Create(x4[q + 1]), c41);
                c50 = Mad(g0, Vector256.Create(x5[q]), c50); c51 = Mad(g1, Vector256.Create(x5[q + 1]), c51);
            }
            if (q < cols)
            {
                // An odd row's last position.
                var g0 = Vector256.Load(g);
                c00 = Mad(g0, Vector256.Create(x0[q]), c00);
                c10 = Mad(g0, Vector256.Create(x1[q]), c10);
                c20 = Mad(g0, Vector256.Create(x2[q]), c20);
                c30 = Mad(g0, Vector256.Create(x3[q]), c30);
                c40 = Mad(g0, Vector256.Create(x4[q]), c40);
                c50 = Mad(g0, Vector256.Create(x5[q]), c50);
                g += ldg;
            }
        }
        Vector256.Store(Vector256.Load(dst) + (c00 + c01), dst);
        if (taps > 1) Vector256.Store(Vector256.Load(dst + ldd) + (c10 + c11), dst + ldd);
        if (taps > 2) Vector256.Store(Vector256.Load(dst + 2 * ldd) + (c20 + c21), dst + 2 * ldd);
        if (taps > 3) Vector256.Store(Vector256.Load(dst + 3 * ldd) + (c30 + c31), dst + 3 * ldd);
        if (taps > 4) Vector256.Store(Vector256.Load(dst + 4 * ldd) + (c40 + c41), dst + 4 * ldd);
        if (taps > 5) Vector256.Store(Vector256.Load(dst + 5 * ldd) + (c50 + c51), dst + 5 * ldd);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddPair<T>(T* d, Vector256<T> v0, Vector256<T> v1) where T : unmanaged
    {
        nint w = Vector256<T>.Count;
        Vector256.Store(Vector256.Load(d) + v0, d);
        Vector256.Store(Vector256.Load(d + w) + v1, d + w);
    }
}
