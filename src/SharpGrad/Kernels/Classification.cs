using System.Numerics;

namespace SharpGrad.Kernels;

// Softmax cross-entropy over the rows of a contiguous [N, C] array of logits, in one pass per row, for the common
// case of unweighted, unsmoothed class targets. Sums run in double whatever T is, and the log-sum-exp is taken about
// the row's maximum, so logits of ±1e4 give exact, finite losses.
//
//   lseᵢ = mᵢ + log Σ_c exp(x[i, c] − mᵢ),   lossᵢ = lseᵢ − x[i, yᵢ]
//   ∂lossᵢ/∂x[i, c] = softmax(xᵢ)_c − [c = yᵢ] = exp(x[i, c] − lseᵢ) − [c = yᵢ]

/// <summary>Fused softmax cross-entropy: the summed loss of the kept rows, and its gradient.</summary>
internal static class Classification
{
    /// <summary>Σ over rows with keep[i] ≠ 0 of lseᵢ − x[i, target[i]].</summary>
    public static double CrossEntropySum<T>(T[] x, int xOffset, int n, int c, int[] target, int targetOffset, T[] keep, int keepOffset)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            if (keep[keepOffset + i] == T.Zero)
                continue;
            int row = xOffset + i * c;
            total += LogSumExp(x, row, c) - double.CreateTruncating(x[row + target[targetOffset + i]]);
        }
        return total;
    }

    /// <summary>gx[i, :] = scale·(softmax(xᵢ) − onehot(target[i])) for kept rows, 0 for the others; gx is [n, c] from 0.</summary>
    public static void CrossEntropyGrad<T>(T[] x, int xOffset, int n, int c, int[] target, int targetOffset, T[] keep, int keepOffset, double scale, T[] gx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < n; i++)
        {
            int row = xOffset + i * c, outRow = i * c;
            if (keep[keepOffset + i] == T.Zero)
            {
                Array.Clear(gx, outRow, c);
                continue;
            }
            double lse = LogSumExp(x, row, c);
            for (int j = 0; j < c; j++)
                gx[outRow + j] = T.CreateTruncating(scale * Math.Exp(double.CreateTruncating(x[row + j]) - lse));
            gx[outRow + target[targetOffset + i]] -= T.CreateTruncating(scale);
        }
    }

    private static double LogSumExp<T>(T[] x, int row, int c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double max = double.NegativeInfinity;
        for (int j = 0; j < c; j++)
            max = Math.Max(max, double.CreateTruncating(x[row + j]));
        if (double.IsNegativeInfinity(max) || double.IsNaN(max))
            return max;
        double sum = 0;
        for (int j = 0; j < c; j++)
            sum += Math.Exp(double.CreateTruncating(x[row + j]) - max);
        return max + Math.Log(sum);
    }
}
