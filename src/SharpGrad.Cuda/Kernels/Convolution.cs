using ILGPU;
using ILGPU.Runtime;

namespace SharpGrad.Cuda.Kernels;

/// <summary>
/// The sizes of one convolution's unfolding, as the kernels receive them (plain fields, no methods): C channels
/// of H×W, kernel KH×KW, stride, padding before, dilation, output OH×OW. XBase is the element where the first image starts.
/// </summary>
internal struct UnfoldArgs
{
    public int C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW;
    public int XBase;
}

/// <summary>
/// im2col and its adjoint col2im for a batch of images in one launch each. Each image's column matrix has a row per
/// (channel, kernel row, kernel column) and a column per output position, as SharpGrad's CPU convolution lays it out,
/// and the images' matrices follow each other. Both kernels are gathers, each
/// element they write computed by one thread, so each result is written once and summed in a fixed order: no
/// atomics, and the same bits on every run. On a GPU there is a thread per element, on gpu-sim a run of elements per
/// thread (see <see cref="ThreadRange"/>).
/// </summary>
internal static class Convolution
{
    /// <summary>
    /// columns[row, p] = x[c, ih, iw] for row (c, ki, kj) and output position p = (oh, ow), 0 in the padding;
    /// each thread fills a run of the <paramref name="total"/> entries (one on a GPU, see <see cref="ThreadRange"/>).
    /// </summary>
    public static void Im2Col<T>(Index1D thread, ArrayView1D<T, Stride1D.Dense> x, ArrayView1D<T, Stride1D.Dense> columns, UnfoldArgs s, int total, int threads)
        where T : unmanaged
    {
        ThreadRange.Of(thread, threads, total, out int start, out int end);
        for (int index = start; index < end; index++)
            Im2ColAt(index, x, columns, s);
    }

    private static void Im2ColAt<T>(int index, ArrayView1D<T, Stride1D.Dense> x, ArrayView1D<T, Stride1D.Dense> columns, UnfoldArgs s)
        where T : unmanaged
    {
        int positions = s.OH * s.OW;
        int perImage = s.C * s.KH * s.KW * positions;
        int image = index / perImage, local = index - image * perImage;
        int row = local / positions, p = local - row * positions;
        int kernel = s.KH * s.KW;
        int c = row / kernel, tap = row - c * kernel;
        int ki = tap / s.KW, kj = tap - ki * s.KW;
        int oh = p / s.OW, ow = p - oh * s.OW;
        int ih = oh * s.SH - s.PH + ki * s.DH, iw = ow * s.SW - s.PW + kj * s.DW;
        columns[index] = ih >= 0 && ih < s.H && iw >= 0 && iw < s.W ? x[s.XBase + ((image * s.C + c) * s.H + ih) * s.W + iw] : default;
    }

    /// <summary>
    /// gx[c, ih, iw] += every column entry read from that pixel, in the order of the rows (ki, kj): one thread per
    /// pixel (or run of pixels, see <see cref="ThreadRange"/>), which finds the output positions whose window put
    /// it at each tap.
    /// </summary>
    public static void Col2Im<T, TOps>(Index1D thread, ArrayView1D<T, Stride1D.Dense> columns, ArrayView1D<T, Stride1D.Dense> gx, UnfoldArgs s, int total, int threads)
        where T : unmanaged
        where TOps : struct, IElementMath<T>
    {
        ThreadRange.Of(thread, threads, total, out int start, out int end);
        for (int index = start; index < end; index++)
            Col2ImAt<T, TOps>(index, columns, gx, s);
    }

    private static void Col2ImAt<T, TOps>(int index, ArrayView1D<T, Stride1D.Dense> columns, ArrayView1D<T, Stride1D.Dense> gx, UnfoldArgs s)
        where T : unmanaged
        where TOps : struct, IElementMath<T>
    {
        var ops = default(TOps);
        int plane = s.H * s.W;
        int image = index / (s.C * plane), local = index - image * s.C * plane;
        int c = local / plane, pixel = local - c * plane;
        int ih = pixel / s.W, iw = pixel - ih * s.W;
        int positions = s.OH * s.OW;
        int columnsBase = image * s.C * s.KH * s.KW * positions;
        int at = s.XBase + index;
        T sum = gx[at];
        for (int ki = 0; ki < s.KH; ki++)
        {
            // ih = oh·SH − PH + ki·DH for a whole oh in [0, OH).
            int th = ih + s.PH - ki * s.DH;
            if (th < 0 || th % s.SH != 0)
                continue;
            int oh = th / s.SH;
            if (oh >= s.OH)
                continue;
            for (int kj = 0; kj < s.KW; kj++)
            {
                int tw = iw + s.PW - kj * s.DW;
                if (tw < 0 || tw % s.SW != 0)
                    continue;
                int ow = tw / s.SW;
                if (ow >= s.OW)
                    continue;
                sum = ops.Add(sum, columns[columnsBase + ((c * s.KH + ki) * s.KW + kj) * positions + oh * s.OW + ow]);
            }
        }
        gx[at] = sum;
    }
}
