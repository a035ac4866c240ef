using ILGPU;
using ILGPU.Runtime;

namespace SharpGrad.Cuda.Kernels;

/// <summary>The sizes of one max pooling as the kernel receives them: H×W planes, window, stride, padding before, dilation, OH×OW output; XOffset where x starts.</summary>
internal struct PoolArgs
{
    public int H, W, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW;
    public int XOffset;
}

/// <summary>
/// Max pooling and the scatter of its gradient. Both write each element from one thread, in a fixed order, so
/// results are the same on every run and equal to the CPU kernels' (no atomics).
/// </summary>
internal static class Pooling
{
    /// <summary>
    /// One thread per output (or run of outputs, see <see cref="ThreadRange"/>): the largest element of its window
    /// and its flat index in the plane (the first one in row-major window order; a NaN wins; positions in the
    /// padding are skipped; −∞ and −1 for a window that lies wholly in the padding).
    /// </summary>
    public static void MaxPool2d<T, TOps>(Index1D thread, ArrayView1D<T, Stride1D.Dense> x, ArrayView1D<T, Stride1D.Dense> y,
        ArrayView1D<int, Stride1D.Dense> argmax, PoolArgs s, int total, int threads)
        where T : unmanaged
        where TOps : struct, IElementMath<T>
    {
        ThreadRange.Of(thread, threads, total, out int start, out int end);
        for (int index = start; index < end; index++)
            MaxAt<T, TOps>(index, x, y, argmax, s);
    }

    private static void MaxAt<T, TOps>(int index, ArrayView1D<T, Stride1D.Dense> x, ArrayView1D<T, Stride1D.Dense> y,
        ArrayView1D<int, Stride1D.Dense> argmax, PoolArgs s)
        where T : unmanaged
        where TOps : struct, IElementMath<T>
    {
        var ops = default(TOps);
        int outPlane = s.OH * s.OW;
        int plane = index / outPlane, o = index - plane * outPlane;
        int oh = o / s.OW, ow = o - oh * s.OW;
        int xp = s.XOffset + plane * (s.H * s.W);
        T best = ops.NegativeInfinity;
        int at = -1;
        for (int ki = 0; ki < s.KH; ki++)
        {
            int ih = oh * s.SH - s.PH + ki * s.DH;
            if (ih < 0 || ih >= s.H)
                continue;
            for (int kj = 0; kj < s.KW; kj++)
            {
                int iw = ow * s.SW - s.PW + kj * s.DW;
                if (iw < 0 || iw >= s.W)
                    continue;
                int pos = ih * s.W + iw;
                T v = x[xp + pos];
                if (at < 0 || ops.Greater(v, best) || (ops.IsNaN(v) && !ops.IsNaN(best)))
                {
                    best = v;
                    at = pos;
                }
            }
        }
        y[index] = best;
        argmax[index] = at;
    }

    /// <summary>
    /// gx[plane, argmax[plane, o]] += gy[plane, o], gathered: <paramref name="lanes"/> threads per plane, lane l
    /// owning the input positions ≡ l (mod lanes). Each scans the plane's outputs in order and adds those that chose
    /// one of its positions, so every element receives its terms in output order, as on the CPU. The lanes of a plane
    /// are neighbours and read the same argmax and gy words at each step (one broadcast load on a GPU).
    /// Indices outside the plane (−1 from a window wholly in the padding) add nothing.
    /// </summary>
    public static void ScatterArgmax<T, TOps>(Index1D index, ArrayView1D<T, Stride1D.Dense> gy, ArrayView1D<int, Stride1D.Dense> argmax,
        ArrayView1D<T, Stride1D.Dense> gx, int inPlane, int outPlane, int gyOffset, int lanes)
        where T : unmanaged
        where TOps : struct, IElementMath<T>
    {
        var ops = default(TOps);
        int plane = index / lanes, lane = index - plane * lanes;
        int yp = plane * outPlane, xp = plane * inPlane;
        for (int o = 0; o < outPlane; o++)
        {
            int a = argmax[yp + o];
            if (a >= 0 && a < inPlane && a % lanes == lane)
                gx[xp + a] = ops.Add(gx[xp + a], gy[gyOffset + yp + o]);
        }
    }
}
