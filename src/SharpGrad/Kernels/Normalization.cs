using System.Numerics;

namespace SharpGrad.Kernels;

// Batch normalisation over contiguous [N, C, S] data, S the product of the sizes after the channel dimension
// (1 for [N, C], L for [N, C, L], H·W for [N, C, H, W]). Statistics are per channel c over its M = N·S values.
//
//   mean_c = Σ x / M,  var_c = Σ (x − mean_c)² / M  (biased, two passes for accuracy),  invstd_c = 1/√(var_c + ε)
//   x̂ = (x − mean_c)·invstd_c,   y = γ_c·x̂ + β_c
//
// Backward (training mode, the statistics being functions of x), with g = ∂E/∂y:
//   ∂E/∂x = γ_c·invstd_c·(g − mean(g) − x̂·mean(g·x̂)),   ∂E/∂γ_c = Σ g·x̂,   ∂E/∂β_c = Σ g
//
// Each kernel handles whole channels, so channels are split across cores through the Partitioner and no two
// threads ever write the same value. Sums are accumulated in double whatever T is: a channel of a large batch of
// images has hundreds of thousands of values, more than a float accumulator sums well.

/// <summary>Fused per-channel batch-normalisation kernels: statistics, normalise-and-scale, and the backward pass.</summary>
internal static class Normalization
{
    /// <summary>
    /// mean[c] and the biased variance var[c] of channel c of x ([n, c, s] at <paramref name="xOffset"/>), both in double.
    /// </summary>
    public static void Statistics<T>(T[] x, int xOffset, int n, int c, int s, double[] mean, double[] variance)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Partitioner.For(c, 2L * n * s, new StatisticsBody<T>(x, xOffset, n, c, s, mean, variance));

    /// <summary>
    /// y = (x − mean[c])·invstd[c]·γ[c] + β[c] (γ = 1 and β = 0 when null); y is [n, c, s] from index 0.
    /// </summary>
    public static void Normalize<T>(T[] x, int xOffset, int n, int c, int s, double[] mean, double[] invstd,
        T[]? gamma, int gammaOffset, T[]? beta, int betaOffset, T[] y)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Partitioner.For(c, (long)n * s, new NormalizeBody<T>(x, xOffset, n, c, s, mean, invstd, gamma, gammaOffset, beta, betaOffset, y));

    /// <summary>
    /// The training-mode backward pass: gx (if not null, [n, c, s] from index 0) = γ·invstd·(g − mean(g) − x̂·mean(g·x̂)),
    /// dGamma[c] = Σ g·x̂ and dBeta[c] = Σ g (each may be null), with x̂ recomputed from x, mean and invstd.
    /// </summary>
    public static void Backward<T>(T[] x, int xOffset, T[] gy, int gyOffset, int n, int c, int s, double[] mean, double[] invstd,
        T[]? gamma, int gammaOffset, T[]? gx, T[]? dGamma, T[]? dBeta)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Partitioner.For(c, 3L * n * s, new BackwardBody<T>(x, xOffset, gy, gyOffset, n, c, s, mean, invstd, gamma, gammaOffset, gx, dGamma, dBeta));

    private readonly struct StatisticsBody<T>(T[] x, int xOffset, int n, int c, int s, double[] mean, double[] variance) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            double count = (double)n * s;
            for (int ch = start; ch < end; ch++)
            {
                double sum = 0;
                for (int b = 0; b < n; b++)
                {
                    int row = xOffset + (b * c + ch) * s;
                    for (int i = 0; i < s; i++) sum += double.CreateTruncating(x[row + i]);
                }
                double mu = sum / count, squares = 0;
                for (int b = 0; b < n; b++)
                {
                    int row = xOffset + (b * c + ch) * s;
                    for (int i = 0; i < s; i++)
                    {
                        double d = double.CreateTruncating(x[row + i]) - mu;
                        squares += d * d;
                    }
                }
                mean[ch] = mu;
                variance[ch] = squares / count;
            }
        }
    }

    private readonly struct NormalizeBody<T>(T[] x, int xOffset, int n, int c, int s, double[] mean, double[] invstd,
        T[]? gamma, int gammaOffset, T[]? beta, int betaOffset, T[] y) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            for (int ch = start; ch < end; ch++)
            {
                // y = (x − mean)·scale + β, with scale = invstd·γ folded once per channel. The mean is subtracted
                // before scaling so that a large mean does not cancel the digits of a small spread in float32.
                double scale = invstd[ch] * (gamma is null ? 1 : double.CreateTruncating(gamma[gammaOffset + ch]));
                T mu = T.CreateTruncating(mean[ch]), sc = T.CreateTruncating(scale);
                T sh = beta is null ? T.Zero : beta[betaOffset + ch];
                for (int b = 0; b < n; b++)
                {
                    int row = (b * c + ch) * s;
                    for (int i = 0; i < s; i++) y[row + i] = (x[xOffset + row + i] - mu) * sc + sh;
                }
            }
        }
    }

    private readonly struct BackwardBody<T>(T[] x, int xOffset, T[] gy, int gyOffset, int n, int c, int s, double[] mean, double[] invstd,
        T[]? gamma, int gammaOffset, T[]? gx, T[]? dGamma, T[]? dBeta) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            double count = (double)n * s;
            for (int ch = start; ch < end; ch++)
            {
                double mu = mean[ch], inv = invstd[ch];
                double sumG = 0, sumGX = 0;
                for (int b = 0; b < n; b++)
                {
                    int row = (b * c + ch) * s;
                    for (int i = 0; i < s; i++)
                    {
                        double g = double.CreateTruncating(gy[gyOffset + row + i]);
                        sumG += g;
                        sumGX += g * (double.CreateTruncating(x[xOffset + row + i]) - mu) * inv;
                    }
                }
                if (dGamma is not null) dGamma[ch] = T.CreateTruncating(sumGX);
                if (dBeta is not null) dBeta[ch] = T.CreateTruncating(sumG);
                if (gx is null)
                    continue;
                // gx = k·(g − mean(g) − x̂·mean(g·x̂)) with k = γ·invstd, as g·a + (x − mean)·b + d per element.
                double k = inv * (gamma is null ? 1 : double.CreateTruncating(gamma[gammaOffset + ch]));
                double meanG = sumG / count, meanGX = sumGX / count;
                T a = T.CreateTruncating(k), bx = T.CreateTruncating(-k * meanGX * inv), d = T.CreateTruncating(-k * meanG);
                T muT = T.CreateTruncating(mu);
                for (int b = 0; b < n; b++)
                {
                    int row = (b * c + ch) * s;
                    for (int i = 0; i < s; i++)
                        gx[row + i] = gy[gyOffset + row + i] * a + (x[xOffset + row + i] - muT) * bx + d;
                }
            }
        }
    }
}
