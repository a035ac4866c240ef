using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpGrad.Kernels;

// 2-D pooling on contiguous stacks of planes.
//
// Letters: Planes = N·C (pooling never mixes channels or images, so the kernels see one stack of H×W planes),
// H×W input size, KH×KW window, SH/SW stride, PH/PW padding, DH/DW dilation, OH×OW output size.
// Layouts: x [Planes, H, W], y [Planes, OH, OW], contiguous.
//
// Max pooling records, per output, the position (ih·W + iw, within its plane) of the first largest element of the
// window; the backward pass scatters the gradient to those positions, and gathering through the same positions is
// in turn the backward of that scatter, so max pooling is differentiable to any order.
//
// Average pooling and adaptive average pooling are the same computation: every output is the sum of a rectangle
// of its plane divided by a count. The rectangles and counts factor into one table per axis (AxisWindows), so a
// single pair of kernels (the average and its adjoint) serves both; only the tables differ.
//
// The average kernels are themselves the plain loops, so the tests check them against values worked out by hand.
// Max pooling has a plain loop too (MaxPool2dNaive, the oracle) and a fast one: the general window loop with every
// index hoisted and bounds checks gone, plus the 2×2 window at stride 2 (LeNet's, VGG's) unrolled, and
// for float vectorised eight outputs at a time; every path picks the same winner, NaNs and ties included.

/// <summary>
/// The windows of a pooling along one axis: output i covers input positions [Start[i], End[i]) (already clipped
/// to the input) and contributes the factor Count[i] to the divisor (the divisor of a 2-D window is the product of
/// its row and column factors).
/// </summary>
internal sealed record AxisWindows(int[] Start, int[] End, int[] Count)
{
    /// <summary>The number of outputs along the axis.</summary>
    public int Length => Start.Length;

    /// <summary>
    /// PyTorch's average-pooling windows: output i starts at i·stride − padding; the divisor counts the padding
    /// (up to size + padding, as PyTorch does in ceil mode) when <paramref name="countIncludePad"/>, otherwise only
    /// the positions inside the input.
    /// </summary>
    public static AxisWindows Average(int size, int kernel, int stride, int padding, int outSize, bool countIncludePad)
    {
        var start = new int[outSize];
        var end = new int[outSize];
        var count = new int[outSize];
        for (int i = 0; i < outSize; i++)
        {
            int s = i * stride - padding;
            int e = Math.Min(s + kernel, size + padding);
            int padded = e - s;
            s = Math.Max(s, 0);
            e = Math.Min(e, size);
            (start[i], end[i]) = (s, Math.Max(e, s));
            count[i] = countIncludePad ? padded : end[i] - start[i];
        }
        return new AxisWindows(start, end, count);
    }

    /// <summary>PyTorch's adaptive windows: output i covers [⌊i·size/out⌋, ⌈(i + 1)·size/out⌉).</summary>
    public static AxisWindows Adaptive(int size, int outSize)
    {
        var start = new int[outSize];
        var end = new int[outSize];
        var count = new int[outSize];
        for (int i = 0; i < outSize; i++)
        {
            start[i] = (int)((long)i * size / outSize);
            end[i] = (int)(((long)(i + 1) * size + outSize - 1) / outSize);
            count[i] = end[i] - start[i];
        }
        return new AxisWindows(start, end, count);
    }
}

/// <summary>The sizes of one max pooling: Planes stacked H×W planes, window KH×KW, stride, padding, dilation and output OH×OW.</summary>
internal readonly record struct MaxPool2dShape(int Planes, int H, int W, int KH, int KW, int SH, int SW, int PH, int PW, int DH, int DW, int OH, int OW);

/// <summary>Max and average pooling kernels, their adjoints, and the output-size rule they share.</summary>
internal static class Pooling
{
    /// <summary>
    /// PyTorch's pooling output size: ⌊(size + 2p − d(k − 1) − 1)/s⌋ + 1, rounded up instead in ceil mode, where a
    /// last window that would start beyond the input and its left padding is dropped. May be ≤ 0 (the caller reports it).
    /// </summary>
    public static int OutputSize(int size, int kernel, int stride, int padding, int dilation, bool ceilMode)
    {
        long span = size + 2L * padding - (long)dilation * (kernel - 1) - 1;
        long rounded = ceilMode ? span + stride - 1 : span;
        long result = (long)Math.Floor((double)rounded / stride) + 1;
        if (ceilMode && (result - 1) * stride >= size + padding)
            result--;
        return (int)result;
    }

    /// <summary>
    /// y = the largest element of each window, and <paramref name="argmax"/> = its position in its plane (the first
    /// one in row-major window order when several are equal; a NaN counts as the largest). Positions in the padding
    /// never win, as if they held −∞.
    /// </summary>
    public static void MaxPool2d<T>(MaxPool2dShape s, T[] x, int xOffset, T[] y, int[] argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Partitioner.For(s.Planes, (long)s.OH * s.OW * s.KH * s.KW, new MaxBody<T>(s, x, xOffset, y, argmax));

    /// <summary>gx[plane, argmax[i]] += gy[i] for every output i: gx (zero on entry) is [Planes, inPlane], gy [Planes, outPlane].</summary>
    public static void ScatterArgmax<T>(int planes, int inPlane, int outPlane, T[] gy, int gyOffset, int[] argmax, T[] gx)
        where T : unmanaged, INumber<T>
        => Partitioner.For(planes, outPlane, new ScatterBody<T>(inPlane, outPlane, gy, gyOffset, argmax, gx));

    /// <summary>
    /// <see cref="ScatterArgmax{T}"/> for 2×2 windows at stride 2 that tile each plane exactly (planes of 2·OH × 2·OW):
    /// each window's four positions get gy at its argmax and 0 elsewhere, so every element of gx is written and it
    /// need not be zeroed first. The values are those the scatter adds into a zeroed gx.
    /// </summary>
    public static void ScatterArgmaxPairs<T>(int planes, int oh, int ow, T[] gy, int gyOffset, int[] argmax, T[] gx)
        where T : unmanaged, INumber<T>
    {
        long outputs = (long)planes * oh * ow;
        if (gyOffset < 0 || gy.Length - gyOffset < outputs || argmax.Length < outputs || gx.Length < 4 * outputs)
            throw new ArgumentException("ScatterArgmaxPairs: buffer too small.");
        Partitioner.For(planes, 4L * oh * ow, new ScatterPairsBody<T>(oh, ow, gy, gyOffset, argmax, gx));
    }

    /// <summary>y[i] = x[plane, argmax[i]] for every output i: the adjoint of <see cref="ScatterArgmax{T}"/>.</summary>
    public static void GatherArgmax<T>(int planes, int inPlane, int outPlane, T[] x, int xOffset, int[] argmax, T[] y)
        where T : unmanaged, INumber<T>
        => Partitioner.For(planes, outPlane, new GatherBody<T>(inPlane, outPlane, x, xOffset, argmax, y));

    /// <summary>y[plane, i, j] = Σ over the window (rows[i] × cols[j]) of x / (rows.Count[i]·cols.Count[j]).</summary>
    public static void Average<T>(int planes, int h, int w, AxisWindows rows, AxisWindows cols, T[] x, int xOffset, T[] y)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Partitioner.For(planes, (long)h * w + rows.Length * cols.Length, new AverageBody<T>(h, w, rows, cols, x, xOffset, y));

    /// <summary>
    /// The adjoint of <see cref="Average{T}"/>: every input position receives gy/divisor from each window that
    /// covers it. gx (zero on entry) is [planes, h, w].
    /// </summary>
    public static void AverageBackward<T>(int planes, int h, int w, AxisWindows rows, AxisWindows cols, T[] gy, int gyOffset, T[] gx)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Partitioner.For(planes, (long)h * w + rows.Length * cols.Length, new AverageBackwardBody<T>(h, w, rows, cols, gy, gyOffset, gx));

    /// <summary>The test oracle for <see cref="MaxPool2d{T}"/>: the window loop with every check spelled out.</summary>
    public static void MaxPool2dNaive<T>(MaxPool2dShape s, T[] x, int xOffset, T[] y, int[] argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inPlane = s.H * s.W, outPlane = s.OH * s.OW;
        for (int plane = 0; plane < s.Planes; plane++)
        {
            int xp = xOffset + plane * inPlane, yp = plane * outPlane;
            for (int oh = 0; oh < s.OH; oh++)
            for (int ow = 0; ow < s.OW; ow++)
            {
                T best = T.NegativeInfinity;
                int at = -1;
                for (int ki = 0; ki < s.KH; ki++)
                for (int kj = 0; kj < s.KW; kj++)
                {
                    int ih = oh * s.SH - s.PH + ki * s.DH, iw = ow * s.SW - s.PW + kj * s.DW;
                    if (ih < 0 || ih >= s.H || iw < 0 || iw >= s.W)
                        continue;
                    T v = x[xp + ih * s.W + iw];
                    if (at < 0 || v > best || (T.IsNaN(v) && !T.IsNaN(best)))
                    {
                        best = v;
                        at = ih * s.W + iw;
                    }
                }
                y[yp + oh * s.OW + ow] = best;
                argmax[yp + oh * s.OW + ow] = at;
            }
        }
    }

    /// <summary>Whether v replaces best as a window's maximum: strictly greater, or the first NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Wins<T>(T v, T best) where T : unmanaged, IFloatingPointIeee754<T>
        => v > best || (T.IsNaN(v) && !T.IsNaN(best));

    private readonly struct MaxBody<T>(MaxPool2dShape s, T[] x, int xOffset, T[] y, int[] argmax) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            if (end <= start)
                return;
            int inPlane = s.H * s.W, outPlane = s.OH * s.OW;
            // Every index below is checked here once instead of per element.
            if (xOffset < 0 || x.Length - xOffset < (long)end * inPlane || y.Length < (long)end * outPlane || argmax.Length < (long)end * outPlane)
                throw new ArgumentException("MaxPool2d: buffer too small.");
            // Ceil mode may add a last window that hangs over the edge; the pair loop assumes none does.
            bool pairs = s.KH == 2 && s.KW == 2 && s.SH == 2 && s.SW == 2 && s.PH == 0 && s.PW == 0 && s.DH == 1 && s.DW == 1
                && 2 * s.OH <= s.H && 2 * s.OW <= s.W;
            for (int plane = start; plane < end; plane++)
            {
                if (pairs)
                    MaxPairs(plane * outPlane, xOffset + plane * inPlane);
                else
                    MaxGeneral(plane * outPlane, xOffset + plane * inPlane);
            }
        }

        /// <summary>Any window: each output scans the rows and columns of its window that fall inside the plane.</summary>
        private void MaxGeneral(int yp, int xp)
        {
            ref T x0 = ref MemoryMarshal.GetArrayDataReference(x);
            ref T y0 = ref MemoryMarshal.GetArrayDataReference(y);
            ref int a0 = ref MemoryMarshal.GetArrayDataReference(argmax);
            int h = s.H, w = s.W, kh = s.KH, kw = s.KW, dh = s.DH, dw = s.DW;
            for (int oh = 0; oh < s.OH; oh++)
            {
                int hs = oh * s.SH - s.PH;
                // The window rows (and below, columns) inside the plane: padding never wins, so it is skipped.
                int kiLo = hs >= 0 ? 0 : (-hs + dh - 1) / dh, kiHi = Math.Min(kh, h - hs <= 0 ? 0 : (h - hs + dh - 1) / dh);
                for (int ow = 0; ow < s.OW; ow++)
                {
                    int ws = ow * s.SW - s.PW;
                    int kjLo = ws >= 0 ? 0 : (-ws + dw - 1) / dw, kjHi = Math.Min(kw, w - ws <= 0 ? 0 : (w - ws + dw - 1) / dw);
                    T best = T.NegativeInfinity;
                    int at = -1;
                    for (int ki = kiLo; ki < kiHi; ki++)
                    {
                        int row = (hs + ki * dh) * w;
                        for (int kj = kjLo; kj < kjHi; kj++)
                        {
                            int pos = row + ws + kj * dw;
                            T v = Unsafe.Add(ref x0, xp + pos);
                            // The first position is taken even at −∞, so an all −∞ window still has a valid index.
                            if (at < 0 || Wins(v, best))
                            {
                                best = v;
                                at = pos;
                            }
                        }
                    }
                    Unsafe.Add(ref y0, yp + oh * s.OW + ow) = best;
                    Unsafe.Add(ref a0, yp + oh * s.OW + ow) = at;
                }
            }
        }

        /// <summary>2×2 windows at stride 2 without padding: every window lies inside the plane, at (2·oh, 2·ow).</summary>
        private void MaxPairs(int yp, int xp)
        {
            ref T x0 = ref MemoryMarshal.GetArrayDataReference(x);
            ref T y0 = ref MemoryMarshal.GetArrayDataReference(y);
            ref int a0 = ref MemoryMarshal.GetArrayDataReference(argmax);
            int w = s.W, ow = s.OW;
            // Random data makes the scalar comparisons below mispredict about every other time, so float rows of
            // four or more outputs go through the branch-free vector versions instead.
            int width = typeof(T) == typeof(float) && Avx2.IsSupported ? (ow >= 8 ? 8 : ow >= 4 ? 4 : 0) : 0;
            for (int oh = 0; oh < s.OH; oh++)
            {
                int top = 2 * oh * w;
                int j = 0;
                if (width > 0)
                {
                    // The last group is moved back to end at the row's end and overlaps the one before:
                    // recomputing an output writes the same values, so no scalar tail is needed.
                    for (; ; j += width)
                    {
                        if (j > ow - width)
                            j = ow - width;
                        ref float src = ref Unsafe.As<T, float>(ref Unsafe.Add(ref x0, xp + top + 2 * j));
                        ref float dst = ref Unsafe.As<T, float>(ref Unsafe.Add(ref y0, yp + oh * ow + j));
                        if (width == 8)
                            MaxPairs8(ref src, top + 2 * j, w, ref dst, ref Unsafe.Add(ref a0, yp + oh * ow + j));
                        else
                            MaxPairs4(ref src, top + 2 * j, w, ref dst, ref Unsafe.Add(ref a0, yp + oh * ow + j));
                        if (j == ow - width)
                            break;
                    }
                    continue;
                }
                for (; j < ow; j++)
                {
                    // Row-major window order: (0, 0), (0, 1), (1, 0), (1, 1).
                    int pos = top + 2 * j;
                    ref T p = ref Unsafe.Add(ref x0, xp + pos);
                    T best = p;
                    int at = pos;
                    T v = Unsafe.Add(ref p, 1);
                    if (Wins(v, best)) { best = v; at = pos + 1; }
                    v = Unsafe.Add(ref p, w);
                    if (Wins(v, best)) { best = v; at = pos + w; }
                    v = Unsafe.Add(ref p, w + 1);
                    if (Wins(v, best)) { best = v; at = pos + w + 1; }
                    Unsafe.Add(ref y0, yp + oh * ow + j) = best;
                    Unsafe.Add(ref a0, yp + oh * ow + j) = at;
                }
            }
        }
    }

    /// <summary>
    /// Eight 2×2 windows side by side: <paramref name="src"/> is the top-left of the first (plane position
    /// <paramref name="pos"/>), rows <paramref name="w"/> apart. The same comparisons as the scalar loop, lane-wise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaxPairs8(ref float src, int pos, int w, ref float dst, ref int at)
    {
        // vshufps splits sixteen values into the even and odd columns, but within each 128-bit half, so the lanes
        // hold outputs 0, 1, 4, 5, 2, 3, 6, 7; the positions are built in the same order and both are put back
        // in order by one 64-bit permute at the end.
        var top0 = Vector256.LoadUnsafe(ref src);
        var top1 = Vector256.LoadUnsafe(ref src, 8);
        var bottom0 = Vector256.LoadUnsafe(ref src, (nuint)w);
        var bottom1 = Vector256.LoadUnsafe(ref src, (nuint)w + 8);
        var a = Avx.Shuffle(top0, top1, 0b10_00_10_00);
        var b = Avx.Shuffle(top0, top1, 0b11_01_11_01);
        var c = Avx.Shuffle(bottom0, bottom1, 0b10_00_10_00);
        var d = Avx.Shuffle(bottom0, bottom1, 0b11_01_11_01);
        var index = Vector256.Create(pos) + Vector256.Create(0, 2, 8, 10, 4, 6, 12, 14);
        var best = a;
        var bestAt = index;
        Take(b, index + Vector256.Create(1), ref best, ref bestAt);
        Take(c, index + Vector256.Create(w), ref best, ref bestAt);
        Take(d, index + Vector256.Create(w + 1), ref best, ref bestAt);
        Avx2.Permute4x64(best.AsDouble(), 0b11_01_10_00).AsSingle().StoreUnsafe(ref dst);
        Avx2.Permute4x64(bestAt.AsInt64(), 0b11_01_10_00).AsInt32().StoreUnsafe(ref at);
    }

    /// <summary><see cref="MaxPairs8"/> for four windows, for rows of four to seven outputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaxPairs4(ref float src, int pos, int w, ref float dst, ref int at)
    {
        // Within 128 bits shufps splits the columns in order.
        var top0 = Vector128.LoadUnsafe(ref src);
        var top1 = Vector128.LoadUnsafe(ref src, 4);
        var bottom0 = Vector128.LoadUnsafe(ref src, (nuint)w);
        var bottom1 = Vector128.LoadUnsafe(ref src, (nuint)w + 4);
        var index = Vector128.Create(pos) + Vector128.Create(0, 2, 4, 6);
        var best = Sse.Shuffle(top0, top1, 0b10_00_10_00);
        var bestAt = index;
        Take(Sse.Shuffle(top0, top1, 0b11_01_11_01), index + Vector128.Create(1), ref best, ref bestAt);
        Take(Sse.Shuffle(bottom0, bottom1, 0b10_00_10_00), index + Vector128.Create(w), ref best, ref bestAt);
        Take(Sse.Shuffle(bottom0, bottom1, 0b11_01_11_01), index + Vector128.Create(w + 1), ref best, ref bestAt);
        best.StoreUnsafe(ref dst);
        bestAt.StoreUnsafe(ref at);
    }

    /// <summary>Lane-wise <see cref="Wins{T}"/>: v replaces best where it is greater, or NaN while best is not.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take(Vector128<float> v, Vector128<int> vAt, ref Vector128<float> best, ref Vector128<int> bestAt)
    {
        var wins = Vector128.GreaterThan(v, best) | Vector128.AndNot(Vector128.Equals(best, best), Vector128.Equals(v, v));
        best = Vector128.ConditionalSelect(wins, v, best);
        bestAt = Vector128.ConditionalSelect(wins.AsInt32(), vAt, bestAt);
    }

    /// <summary>Lane-wise <see cref="Wins{T}"/>: v replaces best where it is greater, or NaN while best is not.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take(Vector256<float> v, Vector256<int> vAt, ref Vector256<float> best, ref Vector256<int> bestAt)
    {
        var wins = Vector256.GreaterThan(v, best) | Vector256.AndNot(Vector256.Equals(best, best), Vector256.Equals(v, v));
        best = Vector256.ConditionalSelect(wins, v, best);
        bestAt = Vector256.ConditionalSelect(wins.AsInt32(), vAt, bestAt);
    }

    private readonly struct ScatterBody<T>(int inPlane, int outPlane, T[] gy, int gyOffset, int[] argmax, T[] gx) : IPartitionBody
        where T : unmanaged, INumber<T>
    {
        public void Invoke(int start, int end)
        {
            for (int plane = start; plane < end; plane++)
            {
                int xp = plane * inPlane, yp = plane * outPlane;
                for (int i = 0; i < outPlane; i++)
                    gx[xp + argmax[yp + i]] += gy[gyOffset + yp + i];
            }
        }
    }

    private readonly struct ScatterPairsBody<T>(int oh, int ow, T[] gy, int gyOffset, int[] argmax, T[] gx) : IPartitionBody
        where T : unmanaged, INumber<T>
    {
        public void Invoke(int start, int end)
        {
            int w = 2 * ow, outPlane = oh * ow;
            if (!(typeof(T) == typeof(float) && Avx2.IsSupported && ow >= 8))
            {
                // Short rows or double: clear the chunk's planes in one pass (a call per small plane costs more
                // than the clearing), then store each gradient at its argmax; the windows are disjoint, so no
                // position is written twice. Comparing every position with the argmax would mispredict on random data.
                gx.AsSpan(4 * start * outPlane, 4 * (end - start) * outPlane).Clear();
                for (int plane = start; plane < end; plane++)
                {
                    int yp = plane * outPlane, xp = 4 * plane * outPlane;
                    for (int i = 0; i < outPlane; i++)
                        gx[xp + argmax[yp + i]] = gy[gyOffset + yp + i];
                }
                return;
            }
            for (int plane = start; plane < end; plane++)
            {
                int yp = plane * outPlane, xp = 4 * plane * outPlane;
                ref T g0 = ref MemoryMarshal.GetArrayDataReference(gy);
                ref int a0 = ref MemoryMarshal.GetArrayDataReference(argmax);
                ref T x0 = ref MemoryMarshal.GetArrayDataReference(gx);
                for (int i = 0; i < oh; i++)
                {
                    // As in the forward pass, the last group of eight overlaps the one before and rewrites the same values.
                    int top = 2 * i * w;
                    for (int j = 0; ; j += 8)
                    {
                        if (j > ow - 8)
                            j = ow - 8;
                        UnpoolPairs8(ref Unsafe.As<T, float>(ref Unsafe.Add(ref g0, gyOffset + yp + i * ow + j)),
                            ref Unsafe.Add(ref a0, yp + i * ow + j), top + 2 * j, w,
                            ref Unsafe.As<T, float>(ref Unsafe.Add(ref x0, xp + top + 2 * j)));
                        if (j == ow - 8)
                            break;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Eight 2×2 windows side by side: each of the four positions of window j gets <paramref name="gy"/>[j] where it
    /// is the argmax and 0 elsewhere; <paramref name="dst"/> is the top-left of the first window (plane position
    /// <paramref name="pos"/>), rows <paramref name="w"/> apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UnpoolPairs8(ref float gy, ref int argmax, int pos, int w, ref float dst)
    {
        var g = Vector256.LoadUnsafe(ref gy);
        var at = Vector256.LoadUnsafe(ref argmax);
        var left = Vector256.Create(pos) + Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        var v00 = g & Vector256.Equals(at, left).AsSingle();
        var v01 = g & Vector256.Equals(at, left + Vector256.Create(1)).AsSingle();
        var v10 = g & Vector256.Equals(at, left + Vector256.Create(w)).AsSingle();
        var v11 = g & Vector256.Equals(at, left + Vector256.Create(w + 1)).AsSingle();
        // Interleave left and right columns: unpack works within 128-bit halves, the 128-bit permutes put them in order.
        var lo = Avx.UnpackLow(v00, v01);
        var hi = Avx.UnpackHigh(v00, v01);
        Avx.Permute2x128(lo, hi, 0x20).StoreUnsafe(ref dst);
        Avx.Permute2x128(lo, hi, 0x31).StoreUnsafe(ref dst, 8);
        lo = Avx.UnpackLow(v10, v11);
        hi = Avx.UnpackHigh(v10, v11);
        Avx.Permute2x128(lo, hi, 0x20).StoreUnsafe(ref dst, (nuint)w);
        Avx.Permute2x128(lo, hi, 0x31).StoreUnsafe(ref dst, (nuint)w + 8);
    }

    private readonly struct GatherBody<T>(int inPlane, int outPlane, T[] x, int xOffset, int[] argmax, T[] y) : IPartitionBody
        where T : unmanaged, INumber<T>
    {
        public void Invoke(int start, int end)
        {
            for (int plane = start; plane < end; plane++)
            {
                int xp = xOffset + plane * inPlane, yp = plane * outPlane;
                for (int i = 0; i < outPlane; i++)
                    y[yp + i] = x[xp + argmax[yp + i]];
            }
        }
    }

    private readonly struct AverageBody<T>(int h, int w, AxisWindows rows, AxisWindows cols, T[] x, int xOffset, T[] y) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int oh = rows.Length, ow = cols.Length;
            for (int plane = start; plane < end; plane++)
            {
                int xp = xOffset + plane * h * w, yp = plane * oh * ow;
                for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    T sum = T.Zero;
                    for (int ih = rows.Start[i]; ih < rows.End[i]; ih++)
                    for (int iw = cols.Start[j]; iw < cols.End[j]; iw++)
                        sum += x[xp + ih * w + iw];
                    y[yp + i * ow + j] = sum / T.CreateChecked(rows.Count[i] * cols.Count[j]);
                }
            }
        }
    }

    private readonly struct AverageBackwardBody<T>(int h, int w, AxisWindows rows, AxisWindows cols, T[] gy, int gyOffset, T[] gx) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int oh = rows.Length, ow = cols.Length;
            for (int plane = start; plane < end; plane++)
            {
                int xp = plane * h * w, yp = gyOffset + plane * oh * ow;
                for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    T share = gy[yp + i * ow + j] / T.CreateChecked(rows.Count[i] * cols.Count[j]);
                    for (int ih = rows.Start[i]; ih < rows.End[i]; ih++)
                    for (int iw = cols.Start[j]; iw < cols.End[j]; iw++)
                        gx[xp + ih * w + iw] += share;
                }
            }
        }
    }
}
