using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpGrad.Kernels;

// 2-D convolution (cross-correlation, as PyTorch computes it) on contiguous NCHW arrays, and its two adjoints.
//
// Letters: N batch, C input channels, H×W input size, O output channels, G groups, Cg = C/G and Og = O/G the
// channels of one group, KH×KW kernel, SH/SW stride, PH/PW padding before (top/left), DH/DW dilation, OH×OW output
// size. K = Cg·KH·KW is the length of one receptive field (a column of the im2col matrix) and P = OH·OW the
// number of output positions of one image.
//
// Layouts: x [N, C, H, W], w [O, Cg, KH, KW], y [N, O, OH, OW], all contiguous.
//
// Two algorithms compute the same three kernels (see ConvolutionAlgorithm): the unfolded one below handles every
// shape; the direct one on row-extended planes (its own section further down) handles stride 1, where it is
// several times faster on small images such as LeNet's, because it needs no column matrix at all.
//
// Unfolded: every convolution is one matrix product per image and group, after unfolding (im2col) that image's Cg
// channels into a K×P column matrix whose column p is the receptive field of output position p:
//
//   forward        y[n, g]  (Og×P)  = w[g] (Og×K) · cols (K×P)
//   weight grad    gw[g]    (Og×K) += gy[n, g] (Og×P) · colsᵀ (P×K)      summed over the batch
//   input grad     dcols    (K×P)   = w[g]ᵀ (K×Og) · gy[n, g] (Og×P);   gx[n, g] += col2im(dcols)
//
// col2im is the adjoint of im2col: it adds every column entry back into the pixel it was read from, so pixels
// shared by overlapping windows accumulate. Transposed operands are passed to GEMM as strides, never copied.
//
// Parallelism (both algorithms): the batch is split into at most as many chunks as the Partitioner would use, each
// chunk with its own scratch buffers (rented once per chunk, not per image). The Partitioner runs nested calls
// serially, so inside a chunk GEMM runs on one core; when there are fewer images than cores and each image's product
// is large, the batch runs serially instead, unfolded, and GEMM splits each product across every core. Only one level
// ever splits.
//
// The weight gradient sums over images, so each chunk accumulates into its own buffer and the buffers are added
// in chunk order afterwards: the result does not depend on thread timing.
//
// Padding may be asymmetric (PyTorch's padding="same" with an even kernel pads one more pixel after than before):
// the kernels only need the padding before, and the output size, which the caller computes from the total.

/// <summary>
/// The sizes of one 2-D convolution: input [N, C, H, W], weight [O, C/Groups, KH, KW], output [N, O, OH, OW];
/// stride (SH, SW), padding before the first row and column (PH, PW), dilation (DH, DW).
/// </summary>
internal readonly record struct Conv2dShape(
    int N, int C, int H, int W, int O, int KH, int KW,
    int SH, int SW, int PH, int PW, int DH, int DW, int Groups, int OH, int OW)
{
    /// <summary>Input channels per group.</summary>
    public int Cg => C / Groups;

    /// <summary>Output channels per group.</summary>
    public int Og => O / Groups;

    /// <summary>The length of one receptive field: Cg·KH·KW.</summary>
    public int K => Cg * KH * KW;

    /// <summary>Output positions per image: OH·OW.</summary>
    public int P => OH * OW;

    /// <summary>A 1×1 kernel at stride 1 without padding reads each pixel once: the image is its own column matrix.</summary>
    public bool IsPointwise => KH == 1 && KW == 1 && SH == 1 && SW == 1 && PH == 0 && PW == 0 && OH == H && OW == W;
}

/// <summary>
/// Which algorithm a convolution kernel uses: <see cref="Auto"/> picks per shape; the tests name the others to
/// compare each with the oracles on the same shapes.
/// </summary>
internal enum ConvolutionAlgorithm
{
    /// <summary>Row-extended direct convolution where it applies and pays (stride 1, small planes), otherwise unfolded.</summary>
    Auto,

    /// <summary>im2col + GEMM (col2im for the input gradient): any shape.</summary>
    Unfolded,

    /// <summary>Direct convolution on zero-padded, row-extended planes: stride 1 only, and hardware with 256-bit vectors.</summary>
    ExtendedRows,
}

/// <summary>
/// How the row-extended forward pass and weight gradient tile their sums (see the row-extended section):
/// <see cref="Auto"/> picks per shape; the tests name the others to cover both on every shape.
/// </summary>
internal enum ExtendedTiling
{
    /// <summary>Whichever is estimated to be faster.</summary>
    Auto,

    /// <summary>Vectors along the extended positions: 4 output channels × 3 vectors of positions (or × 3 taps).</summary>
    AlongPositions,

    /// <summary>Vectors of output channels × 6 real positions (or × 6 taps), the extra columns skipped.</summary>
    AlongChannels,
}

/// <summary>
/// Convolution kernels: im2col + GEMM and the row-extended direct convolution for the forward pass and both
/// adjoints, and the direct seven-loop convolutions the tests compare them with.
/// </summary>
internal static unsafe partial class Convolution
{
    /// <summary>
    /// Partitioner's work units are about one element of a memory-bound loop; GEMM gets through about this many
    /// multiply-adds in that time (the same calibration as <see cref="Gemm"/>).
    /// </summary>
    private const int MultiplyAddsPerWorkUnit = 8;

    /// <summary>
    /// y = conv(x, w) + bias: x at <paramref name="xOffset"/>, w at <paramref name="wOffset"/>, bias (O values, may be
    /// null) at <paramref name="biasOffset"/>; y is written from index 0 (every element).
    /// </summary>
    public static void Conv2d<T>(Conv2dShape s, T[] x, int xOffset, T[] w, int wOffset, T[]? bias, int biasOffset, T[] y,
        ConvolutionAlgorithm algorithm = ConvolutionAlgorithm.Auto, ExtendedTiling tiling = ExtendedTiling.Auto)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Choose<T>(s, algorithm))
        {
            ExtendedForward(s, x, xOffset, w, wOffset, bias, biasOffset, y, tiling);
            return;
        }
        int chunks = BatchChunks(s);
        Partitioner.For(chunks, 2 * Partitioner.MinimumWorkPerChunk,
            new ForwardBody<T>(s, chunks, x, xOffset, w, wOffset, bias, biasOffset, y));
    }

    /// <summary>
    /// gx = ∂⟨gy, conv(x, w)⟩/∂x, the transposed convolution of gy with w; gx ([N, C, H, W]) is written from index 0,
    /// every element, whatever it held on entry.
    /// </summary>
    public static void Conv2dInputGrad<T>(Conv2dShape s, T[] gy, int gyOffset, T[] w, int wOffset, T[] gx,
        ConvolutionAlgorithm algorithm = ConvolutionAlgorithm.Auto)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The extended rows' extra columns add 0·w into real pixels, which is NaN for an infinite weight.
        if (Choose<T>(s, algorithm) && (algorithm == ConvolutionAlgorithm.ExtendedRows || AllFinite<T>(w, wOffset, s.O * s.K)))
        {
            ExtendedInputGrad(s, gy, gyOffset, w, wOffset, gx);
            return;
        }
        int chunks = BatchChunks(s);
        Partitioner.For(chunks, 2 * Partitioner.MinimumWorkPerChunk,
            new InputGradBody<T>(s, chunks, gy, gyOffset, w, wOffset, gx));
    }

    /// <summary>
    /// gw = ∂⟨gy, conv(x, w)⟩/∂w = Σₙ gy[n]·colsₙᵀ; gw ([O, Cg, KH, KW]) is written from index 0, every element,
    /// whatever it held on entry.
    /// </summary>
    public static void Conv2dWeightGrad<T>(Conv2dShape s, T[] x, int xOffset, T[] gy, int gyOffset, T[] gw,
        ConvolutionAlgorithm algorithm = ConvolutionAlgorithm.Auto, ExtendedTiling tiling = ExtendedTiling.Auto)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int length = s.O * s.K;
        // The extended rows' extra columns multiply real input pixels by 0, which is NaN for an infinite pixel.
        if (Choose<T>(s, algorithm) && (algorithm == ConvolutionAlgorithm.ExtendedRows || AllFinite<T>(x, xOffset, s.N * s.C * s.H * s.W)))
        {
            ExtendedWeightGrad(s, x, xOffset, gy, gyOffset, gw, tiling);
            return;
        }
        // Fixed chunks of the batch, added as a tree, so the sum does not depend on threads or on data-parallel ranks.
        int chunks = BatchSums.ChunkCount(s.N);
        Array.Clear(gw, 0, length);
        if (chunks == 0)
            return; // an empty batch: gw stays zero
        // Chunk 0 accumulates straight into gw; the others into zeroed buffers of their own, added as a tree below.
        // The list of targets is rented too (only its first chunks entries are used), so a call allocates nothing.
        var targets = ArrayPool<T[]>.Shared.Rent(chunks);
        targets[0] = gw;
        for (int i = 1; i < chunks; i++)
        {
            targets[i] = ArrayPool<T>.Shared.Rent(length);
            Array.Clear(targets[i], 0, length);
        }
        try
        {
            Partitioner.For(chunks, 2 * Partitioner.MinimumWorkPerChunk,
                new WeightGradBody<T>(s, x, xOffset, gy, gyOffset, targets));
            BatchSums.CombinePairwise(targets, chunks, length);
        }
        finally
        {
            for (int i = 1; i < chunks; i++)
                ArrayPool<T>.Shared.Return(targets[i]);
            ArrayPool<T[]>.Shared.Return(targets, clearArray: true);
        }
    }

    /// <summary>gb[o] = Σ_{n, p} gy[n, o, p], the bias gradient; gb (O values) is written from index 0.</summary>
    public static void BiasGrad<T>(Conv2dShape s, T[] gy, int gyOffset, T[] gb) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if ((long)gyOffset + (long)s.N * s.O * s.P > gy.Length || gb.Length < s.O)
            throw new ArgumentException("Conv2dBiasGrad: buffer too small.");
        Partitioner.For(s.O, (long)s.N * s.P, new BiasGradBody<T>(s, gy, gyOffset, gb));
    }

    private readonly struct BiasGradBody<T>(Conv2dShape s, T[] gy, int gyOffset, T[] gb) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int p = s.P;
            int chunks = BatchSums.ChunkCount(s.N);
            Span<T> sums = chunks <= 64 ? stackalloc T[chunks] : new T[chunks];
            for (int o = start; o < end; o++)
            {
                // Vector sums per image, added up across the batch and summed across once at the end: a library
                // call per row would cost more than the adding on rows of a few vectors, and one running sum over
                // the whole batch would lose more precision.
                // Each fixed chunk of the batch is summed to one value and the chunks' values added as a tree
                // (BatchSums), so the result does not depend on how the batch is split across ranks.
                for (int chunk = 0; chunk < chunks; chunk++)
                {
                    var (first, last) = BatchSums.Chunk(s.N, chunk);
                    var total = Vector256<T>.Zero;
                    T tail = T.Zero;
                    for (int n = first; n < last; n++)
                    {
                        ref T row = ref gy[gyOffset + (n * s.O + o) * p];
                        var acc = Vector256<T>.Zero;
                        int i = 0;
                        if (Vector256.IsHardwareAccelerated)
                            for (; i <= p - Vector256<T>.Count; i += Vector256<T>.Count)
                                acc += Vector256.LoadUnsafe(ref row, (nuint)i);
                        total += acc;
                        for (; i < p; i++)
                            tail += Unsafe.Add(ref row, i);
                    }
                    sums[chunk] = Vector256.Sum(total) + tail;
                }
                gb[o] = BatchSums.CombinePairwise(sums);
            }
        }
    }

    /// <summary>
    /// Whether to run the row-extended algorithm: always when asked for by name (and possible), never when the
    /// unfolded one is named, and for <see cref="ConvolutionAlgorithm.Auto"/> when it applies and is expected to win.
    /// </summary>
    private static bool Choose<T>(Conv2dShape s, ConvolutionAlgorithm algorithm) where T : unmanaged
    {
        switch (algorithm)
        {
            case ConvolutionAlgorithm.Unfolded:
                return false;
            case ConvolutionAlgorithm.ExtendedRows:
                if (!ExtendedRowsApply<T>(s))
                    throw new ArgumentException($"The row-extended convolution needs stride 1 and 256-bit vectors, got stride {s.SH}×{s.SW}.");
                return true;
            default:
                return ExtendedRowsApply<T>(s) && ExtendedRowsPay<T>(s);
        }
    }

    /// <summary>The test oracle: the direct convolution, seven nested loops, each sum in T in order of (c, ki, kj).</summary>
    public static void Conv2dNaive<T>(Conv2dShape s, T[] x, int xOffset, T[] w, int wOffset, T[]? bias, int biasOffset, T[] y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int n = 0; n < s.N; n++)
        for (int o = 0; o < s.O; o++)
        {
            int g = o / s.Og;
            for (int oh = 0; oh < s.OH; oh++)
            for (int ow = 0; ow < s.OW; ow++)
            {
                T sum = bias is null ? T.Zero : bias[biasOffset + o];
                for (int c = 0; c < s.Cg; c++)
                for (int ki = 0; ki < s.KH; ki++)
                for (int kj = 0; kj < s.KW; kj++)
                {
                    int ih = oh * s.SH - s.PH + ki * s.DH, iw = ow * s.SW - s.PW + kj * s.DW;
                    if (ih < 0 || ih >= s.H || iw < 0 || iw >= s.W)
                        continue;
                    sum += x[xOffset + ((n * s.C + g * s.Cg + c) * s.H + ih) * s.W + iw]
                         * w[wOffset + ((o * s.Cg + c) * s.KH + ki) * s.KW + kj];
                }
                y[((n * s.O + o) * s.OH + oh) * s.OW + ow] = sum;
            }
        }
    }

    /// <summary>The test oracle for <see cref="Conv2dInputGrad{T}"/>: every product gy·w added to the pixel it came from.</summary>
    public static void Conv2dInputGradNaive<T>(Conv2dShape s, T[] gy, int gyOffset, T[] w, int wOffset, T[] gx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Array.Clear(gx, 0, s.N * s.C * s.H * s.W);
        ForEachTap(s, (n, o, oh, ow, xi, wi) =>
            gx[xi] += gy[gyOffset + ((n * s.O + o) * s.OH + oh) * s.OW + ow] * w[wOffset + wi]);
    }

    /// <summary>The test oracle for <see cref="Conv2dWeightGrad{T}"/>: every product gy·x added to the weight that met them.</summary>
    public static void Conv2dWeightGradNaive<T>(Conv2dShape s, T[] x, int xOffset, T[] gy, int gyOffset, T[] gw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Array.Clear(gw, 0, s.O * s.K);
        ForEachTap(s, (n, o, oh, ow, xi, wi) =>
            gw[wi] += gy[gyOffset + ((n * s.O + o) * s.OH + oh) * s.OW + ow] * x[xOffset + xi]);
    }

    /// <summary>Calls <paramref name="tap"/>(n, o, oh, ow, input index, weight index) for every in-bounds kernel tap.</summary>
    private static void ForEachTap(Conv2dShape s, Action<int, int, int, int, int, int> tap)
    {
        for (int n = 0; n < s.N; n++)
        for (int o = 0; o < s.O; o++)
        for (int oh = 0; oh < s.OH; oh++)
        for (int ow = 0; ow < s.OW; ow++)
        for (int c = 0; c < s.Cg; c++)
        for (int ki = 0; ki < s.KH; ki++)
        for (int kj = 0; kj < s.KW; kj++)
        {
            int ih = oh * s.SH - s.PH + ki * s.DH, iw = ow * s.SW - s.PW + kj * s.DW;
            if (ih >= 0 && ih < s.H && iw >= 0 && iw < s.W)
                tap(n, o, oh, ow, ((n * s.C + o / s.Og * s.Cg + c) * s.H + ih) * s.W + iw, ((o * s.Cg + c) * s.KH + ki) * s.KW + kj);
        }
    }

    /// <summary>
    /// How many chunks to cut the batch into: what the Partitioner would use for N images of this size, except 1
    /// when there are fewer images than cores and one image's product is big enough for GEMM to split it over
    /// every core by itself (splitting both levels is impossible: nested calls run serially).
    /// </summary>
    private static int BatchChunks(Conv2dShape s)
    {
        long macsPerGroup = (long)s.Og * s.K * s.P;
        long workPerImage = s.Groups * (macsPerGroup / MultiplyAddsPerWorkUnit + (long)s.K * s.P);
        int chunks = Partitioner.ChunkCount(s.N, workPerImage);
        int cores = Partitioner.MaxDegreeOfParallelism;
        if (chunks < cores && macsPerGroup / MultiplyAddsPerWorkUnit >= (long)cores * 2 * Partitioner.MinimumWorkPerChunk)
            return Math.Min(chunks, 1);
        return chunks;
    }

    /// <summary>The images [first, end) of chunk <paramref name="chunk"/> out of <paramref name="chunks"/>.</summary>
    private static (int First, int End) ChunkImages(int n, int chunk, int chunks) =>
        ((int)((long)n * chunk / chunks), (int)((long)n * (chunk + 1) / chunks));

    /// <summary>
    /// The output positions ow (a range [lo, hi) clamped to [0, outSize)) whose input column ow·stride + shift lies
    /// inside [0, size); the others read padding.
    /// </summary>
    private static (int Lo, int Hi) ValidRange(int outSize, int stride, int shift, int size)
    {
        int lo = shift >= 0 ? 0 : (-shift + stride - 1) / stride;
        int hi = size - shift <= 0 ? 0 : (size - shift + stride - 1) / stride;
        lo = Math.Min(lo, outSize);
        hi = Math.Clamp(hi, lo, outSize);
        return (lo, hi);
    }

    /// <summary>
    /// Unfolds the Cg channel planes at x[xOffset..] into cols (K×P, row-major): row (c, ki, kj), column (oh, ow)
    /// holds x[c, oh·SH − PH + ki·DH, ow·SW − PW + kj·DW], or 0 where that falls in the padding.
    /// </summary>
    /// <remarks>
    /// Rows of small images are short (8 values for LeNet's second layer), where per-row span slicing and copy calls
    /// cost as much as the copying: short rows are copied by a loop through refs, long ones by a vectorised copy
    /// (about 1.6× faster than spans alone on LeNet's layers). Every index stays in range because
    /// only output columns in [lo, hi) (<see cref="ValidRange"/>) and rows with 0 ≤ ih &lt; H read the input.
    /// </remarks>
    private static void Im2Col<T>(Conv2dShape s, T[] x, int xOffset, Span<T> cols) where T : unmanaged, INumber<T>
    {
        if (cols.Length < s.K * s.P || x.Length < xOffset + s.Cg * s.H * s.W)
            throw new ArgumentException("Im2Col: buffer too small.");
        ref T dst0 = ref MemoryMarshal.GetReference(cols);
        ref T src0 = ref MemoryMarshal.GetArrayDataReference(x);
        int plane = s.H * s.W, ow = s.OW, sw = s.SW;
        for (int c = 0; c < s.Cg; c++)
        for (int ki = 0; ki < s.KH; ki++)
        for (int kj = 0; kj < s.KW; kj++)
        {
            int row = ((c * s.KH + ki) * s.KW + kj) * s.P;
            int shift = kj * s.DW - s.PW;
            var (lo, hi) = ValidRange(ow, sw, shift, s.W);
            for (int oh = 0; oh < s.OH; oh++)
            {
                ref T dst = ref Unsafe.Add(ref dst0, row + oh * ow);
                int ih = oh * s.SH - s.PH + ki * s.DH;
                if ((uint)ih >= (uint)s.H)
                {
                    for (int j = 0; j < ow; j++) Unsafe.Add(ref dst, j) = T.Zero;
                    continue;
                }
                int src = xOffset + c * plane + ih * s.W + shift;
                int i = 0;
                for (; i < lo; i++) Unsafe.Add(ref dst, i) = T.Zero;
                if (sw == 1 && hi - i >= 8)
                {
                    // Long enough for a vectorised copy to beat the loop.
                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref src0, src + i), hi - i)
                        .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dst, i), hi - i));
                    i = hi;
                }
                else if (sw == 1)
                    for (; i < hi; i++) Unsafe.Add(ref dst, i) = Unsafe.Add(ref src0, src + i);
                else
                    for (; i < hi; i++) Unsafe.Add(ref dst, i) = Unsafe.Add(ref src0, src + i * sw);
                for (; i < ow; i++) Unsafe.Add(ref dst, i) = T.Zero;
            }
        }
    }

    /// <summary>The adjoint of <see cref="Im2Col{T}"/>: adds every in-bounds entry of cols into the pixel of gx it was read from.</summary>
    private static void Col2Im<T>(Conv2dShape s, ReadOnlySpan<T> cols, T[] gx, int gxOffset) where T : unmanaged, INumber<T>
    {
        if (cols.Length < s.K * s.P || gx.Length < gxOffset + s.Cg * s.H * s.W)
            throw new ArgumentException("Col2Im: buffer too small.");
        ref T src0 = ref MemoryMarshal.GetReference(cols);
        ref T dst0 = ref MemoryMarshal.GetArrayDataReference(gx);
        int plane = s.H * s.W, ow = s.OW, sw = s.SW;
        for (int c = 0; c < s.Cg; c++)
        for (int ki = 0; ki < s.KH; ki++)
        for (int kj = 0; kj < s.KW; kj++)
        {
            int row = ((c * s.KH + ki) * s.KW + kj) * s.P;
            int shift = kj * s.DW - s.PW;
            var (lo, hi) = ValidRange(ow, sw, shift, s.W);
            for (int oh = 0; oh < s.OH; oh++)
            {
                int ih = oh * s.SH - s.PH + ki * s.DH;
                if ((uint)ih >= (uint)s.H)
                    continue;
                ref T src = ref Unsafe.Add(ref src0, row + oh * ow);
                int dst = gxOffset + c * plane + ih * s.W + shift;
                if (sw == 1 && hi - lo >= 8)
                {
                    var target = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dst0, dst + lo), hi - lo);
                    TensorPrimitives.Add(target, MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref src, lo), hi - lo), target);
                }
                else if (sw == 1)
                    for (int i = lo; i < hi; i++) Unsafe.Add(ref dst0, dst + i) += Unsafe.Add(ref src, i);
                else
                    for (int i = lo; i < hi; i++) Unsafe.Add(ref dst0, dst + i * sw) += Unsafe.Add(ref src, i);
            }
        }
    }

    /// <summary>Rents a K×P column buffer unless the shape is pointwise (then the image is read in place).</summary>
    private static T[]? RentColumns<T>(Conv2dShape s) =>
        s.IsPointwise ? null : ArrayPool<T>.Shared.Rent(Math.Max(s.K * s.P, 1));

    private readonly struct ForwardBody<T>(Conv2dShape s, int chunks, T[] x, int xOffset, T[] w, int wOffset, T[]? bias, int biasOffset, T[] y)
        : IPartitionBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int k = s.K, p = s.P, og = s.Og;
            T[]? cols = RentColumns<T>(s);
            try
            {
                for (int chunk = start; chunk < end; chunk++)
                {
                    var (first, last) = ChunkImages(s.N, chunk, chunks);
                    for (int n = first; n < last; n++)
                    for (int g = 0; g < s.Groups; g++)
                    {
                        int xg = xOffset + (n * s.C + g * s.Cg) * s.H * s.W;
                        ReadOnlySpan<T> b;
                        if (cols is null)
                            b = x.AsSpan(xg, k * p);
                        else
                        {
                            Im2Col(s, x, xg, cols.AsSpan(0, k * p));
                            b = cols.AsSpan(0, k * p);
                        }
                        int yg = (n * s.O + g * og) * p;
                        // The bias is written first and the product added to it: one pass over y instead of two.
                        if (bias is not null)
                            for (int o = 0; o < og; o++)
                                y.AsSpan(yg + o * p, p).Fill(bias[biasOffset + g * og + o]);
                        Gemm.Multiply<T>(og, p, k, w.AsSpan(wOffset + g * og * k), k, 1, b, p, 1,
                            y.AsSpan(yg, og * p), p, 1, accumulate: bias is not null);
                    }
                }
            }
            finally
            {
                if (cols is not null)
                    ArrayPool<T>.Shared.Return(cols);
            }
        }
    }

    private readonly struct InputGradBody<T>(Conv2dShape s, int chunks, T[] gy, int gyOffset, T[] w, int wOffset, T[] gx)
        : IPartitionBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int k = s.K, p = s.P, og = s.Og;
            T[]? cols = RentColumns<T>(s);
            try
            {
                for (int chunk = start; chunk < end; chunk++)
                {
                    var (first, last) = ChunkImages(s.N, chunk, chunks);
                    for (int n = first; n < last; n++)
                    for (int g = 0; g < s.Groups; g++)
                    {
                        int xg = (n * s.C + g * s.Cg) * s.H * s.W;
                        var a = w.AsSpan(wOffset + g * og * k);          // w[g]ᵀ: element (k, o) at o·K + k
                        var b = gy.AsSpan(gyOffset + (n * s.O + g * og) * p);
                        if (cols is null)
                        {
                            // Each image's gradient is written by this chunk only, so the product can overwrite it.
                            Gemm.Multiply<T>(k, p, og, a, 1, k, b, p, 1, gx.AsSpan(xg, k * p), p, 1, accumulate: false);
                        }
                        else
                        {
                            Gemm.Multiply<T>(k, p, og, a, 1, k, b, p, 1, cols.AsSpan(0, k * p), p, 1, accumulate: false);
                            // col2im adds, and gx may hold anything on entry.
                            Array.Clear(gx, xg, s.Cg * s.H * s.W);
                            Col2Im<T>(s, cols.AsSpan(0, k * p), gx, xg);
                        }
                    }
                }
            }
            finally
            {
                if (cols is not null)
                    ArrayPool<T>.Shared.Return(cols);
            }
        }
    }

    private readonly struct WeightGradBody<T>(Conv2dShape s, T[] x, int xOffset, T[] gy, int gyOffset, T[][] targets)
        : IPartitionBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int k = s.K, p = s.P, og = s.Og;
            T[]? cols = RentColumns<T>(s);
            try
            {
                for (int chunk = start; chunk < end; chunk++)
                {
                    var target = targets[chunk];
                    var (first, last) = BatchSums.Chunk(s.N, chunk);
                    for (int n = first; n < last; n++)
                    for (int g = 0; g < s.Groups; g++)
                    {
                        int xg = xOffset + (n * s.C + g * s.Cg) * s.H * s.W;
                        ReadOnlySpan<T> colsT;                             // colsᵀ: element (p, k) at k·P + p
                        if (cols is null)
                            colsT = x.AsSpan(xg, k * p);
                        else
                        {
                            Im2Col(s, x, xg, cols.AsSpan(0, k * p));
                            colsT = cols.AsSpan(0, k * p);
                        }
                        Gemm.Multiply<T>(og, k, p, gy.AsSpan(gyOffset + (n * s.O + g * og) * p), p, 1, colsT, 1, p,
                            target.AsSpan(g * og * k, og * k), k, 1, accumulate: true);
                    }
                }
            }
            finally
            {
                if (cols is not null)
                    ArrayPool<T>.Shared.Return(cols);
            }
        }
    }
}
