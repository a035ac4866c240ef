using System.Numerics;

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
// These kernels are themselves the plain loops, so the tests check them against values worked out by hand.

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

    private readonly struct MaxBody<T>(MaxPool2dShape s, T[] x, int xOffset, T[] y, int[] argmax) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int inPlane = s.H * s.W, outPlane = s.OH * s.OW;
            for (int plane = start; plane < end; plane++)
            {
                int xp = xOffset + plane * inPlane, yp = plane * outPlane;
                for (int oh = 0; oh < s.OH; oh++)
                for (int ow = 0; ow < s.OW; ow++)
                {
                    int hs = oh * s.SH - s.PH, ws = ow * s.SW - s.PW;
                    T best = T.NegativeInfinity;
                    int at = -1;
                    for (int ki = 0; ki < s.KH; ki++)
                    {
                        int ih = hs + ki * s.DH;
                        if ((uint)ih >= (uint)s.H)
                            continue;
                        for (int kj = 0; kj < s.KW; kj++)
                        {
                            int iw = ws + kj * s.DW;
                            if ((uint)iw >= (uint)s.W)
                                continue;
                            T v = x[xp + ih * s.W + iw];
                            // Strictly greater keeps the first of equal maxima; the first position taken even at −∞
                            // gives an all −∞ window a valid index.
                            if (at < 0 || v > best || (T.IsNaN(v) && !T.IsNaN(best)))
                            {
                                best = v;
                                at = ih * s.W + iw;
                            }
                        }
                    }
                    y[yp + oh * s.OW + ow] = best;
                    argmax[yp + oh * s.OW + ow] = at;
                }
            }
        }
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
