using ILGPU;
using ILGPU.Algorithms;

namespace SharpGrad.Cuda.Kernels;

/// <summary>
/// Softmax cross-entropy of logit rows against class indices, one thread group per row (the row's maximum and
/// sum of exponentials are combined in shared memory), in double whatever the element type, as the CPU's
/// Classification kernel does.
/// </summary>
internal static class Losses
{
    /// <summary>
    /// losses[i] = lseᵢ − x[i, tᵢ] with lseᵢ = mᵢ + log Σ exp(x[i, c] − mᵢ) (lseᵢ = mᵢ when the maximum is −∞ or NaN),
    /// and, when <paramref name="withGradient"/> ≠ 0, gradient[i, c] = scale·exp(x[i, c] − lseᵢ) − scale·[c = tᵢ]
    /// rounded to the element type before the subtraction, as on the CPU.
    /// </summary>
    public static void CrossEntropy<T, TMath>(ArrayView<T> x, int xOffset, int c, ArrayView<int> target, int targetOffset,
        ArrayView<T> losses, int withGradient, ArrayView<T> gradient, double scale)
        where T : unmanaged where TMath : struct, IElementMath<T>
    {
        var m = default(TMath);
        var shared = SharedMemory.Allocate<double>(Reductions.MaxGroupSize);
        int row = Grid.IdxX, t = Group.IdxX, n = Group.DimX;
        int start = xOffset + row * c;
        double localMax = double.NegativeInfinity;
        for (int k = t; k < c; k += n)
            localMax = ScalarMath.Maximum(localMax, m.ToDouble(x[start + k]));
        double rowMax = Reductions.GroupAllReduce(shared, localMax, max: true);
        bool degenerate = XMath.IsNaN(rowMax) || rowMax == double.NegativeInfinity;
        double localSum = 0.0;
        if (!degenerate)
            for (int k = t; k < c; k += n)
                localSum += DeviceMath.Exp(m.ToDouble(x[start + k]) - rowMax);
        double sum = Reductions.GroupAllReduce(shared, localSum, max: false);
        double lse = degenerate ? rowMax : rowMax + DeviceMath.Log(sum);
        int label = target[targetOffset + row];
        if (t == 0)
            losses[row] = m.FromDouble(lse - m.ToDouble(x[start + label]));
        if (withGradient != 0)
        {
            double scaleT = m.ToDouble(m.FromDouble(scale));
            for (int k = t; k < c; k += n)
            {
                double g = m.ToDouble(m.FromDouble(scale * DeviceMath.Exp(m.ToDouble(x[start + k]) - lse)));
                if (k == label) g -= scaleT;
                gradient[row * c + k] = m.FromDouble(g);
            }
        }
    }
}
