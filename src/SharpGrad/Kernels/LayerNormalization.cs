using System.Numerics;
using System.Numerics.Tensors;

namespace SharpGrad.Kernels;

// Layer normalisation over the last n values of each of `rows` contiguous rows.
//
//   mean = Σ x / n,  var = Σ (x − mean)² / n  (biased, two passes),  rstd = 1/√(var + ε)
//   x̂ = (x − mean)·rstd,   y = γ ⊙ x̂ + β
//
// Backward for the input, with g = ∂E/∂y and gy = γ ⊙ g (g when there is no γ):
//   ∂E/∂x = rstd·(gy − mean(gy) − x̂·mean(gy ⊙ x̂))
// Rows are independent, so they are split across cores; each row is a few SIMD passes over n values.

/// <summary>Fused row-wise layer-normalisation kernels: normalise-and-scale (keeping x̂ and rstd) and the input gradient.</summary>
internal static class LayerNormalization
{
    /// <summary>
    /// For each row of x (contiguous from <paramref name="xOffset"/>): x̂ into <paramref name="xhat"/>, 1/√(var + ε) into
    /// <paramref name="rstd"/>, and y = γ ⊙ x̂ + β into <paramref name="y"/> (γ, β of length n, each may be null).
    /// </summary>
    public static void Forward<T>(T[] x, int xOffset, int rows, int n, T[]? gamma, int gammaOffset, T[]? beta, int betaOffset,
        double eps, T[] xhat, T[] rstd, T[] y)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Partitioner.For(rows, 6L * n, new ForwardBody<T>(x, xOffset, n, gamma, gammaOffset, beta, betaOffset, eps, xhat, rstd, y));

    /// <summary>∂E/∂x into <paramref name="gx"/> from g (contiguous from <paramref name="gOffset"/>), x̂ and rstd of <see cref="Forward{T}"/>.</summary>
    public static void InputGrad<T>(T[] g, int gOffset, int rows, int n, T[]? gamma, int gammaOffset, T[] xhat, T[] rstd, T[] gx)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Partitioner.For(rows, 6L * n, new InputGradBody<T>(g, gOffset, n, gamma, gammaOffset, xhat, rstd, gx));

    private readonly struct ForwardBody<T>(T[] x, int xOffset, int n, T[]? gamma, int gammaOffset, T[]? beta, int betaOffset,
        double eps, T[] xhat, T[] rstd, T[] y) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            T count = T.CreateChecked(n);
            for (int r = start; r < end; r++)
            {
                var row = x.AsSpan(xOffset + r * n, n);
                var centered = xhat.AsSpan(r * n, n);
                T mean = TensorPrimitives.Sum<T>(row) / count;
                TensorPrimitives.Subtract(row, mean, centered);
                T variance = TensorPrimitives.SumOfSquares<T>(centered) / count;
                T scale = T.One / T.Sqrt(variance + T.CreateChecked(eps));
                rstd[r] = scale;
                TensorPrimitives.Multiply(centered, scale, centered);
                var output = y.AsSpan(r * n, n);
                if (gamma is not null) TensorPrimitives.Multiply(centered, gamma.AsSpan(gammaOffset, n), output);
                else centered.CopyTo(output);
                if (beta is not null) TensorPrimitives.Add(output, beta.AsSpan(betaOffset, n), output);
            }
        }
    }

    private readonly struct InputGradBody<T>(T[] g, int gOffset, int n, T[]? gamma, int gammaOffset, T[] xhat, T[] rstd, T[] gx) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            T count = T.CreateChecked(n);
            for (int r = start; r < end; r++)
            {
                var gy = gx.AsSpan(r * n, n);
                var gRow = g.AsSpan(gOffset + r * n, n);
                if (gamma is not null) TensorPrimitives.Multiply(gRow, gamma.AsSpan(gammaOffset, n), gy);
                else gRow.CopyTo(gy);
                var normalized = xhat.AsSpan(r * n, n);
                T meanGy = TensorPrimitives.Sum<T>(gy) / count;
                T meanGyXhat = TensorPrimitives.Dot<T>(gy, normalized) / count;
                TensorPrimitives.Subtract(gy, meanGy, gy);
                TensorPrimitives.MultiplyAdd(normalized, -meanGyXhat, gy, gy);
                TensorPrimitives.Multiply(gy, rstd[r], gy);
            }
        }
    }
}
