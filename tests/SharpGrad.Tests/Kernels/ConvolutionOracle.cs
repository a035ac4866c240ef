using System.Numerics;
using System.Runtime.Intrinsics;
using SharpGrad.Kernels;

namespace SharpGrad.Tests.Kernels;

/// <summary>
/// What the convolution kernel tests share: seeded random operands, an element-wise closeness check scaled by the
/// size of each value, and the comparison of every kernel (forward, input gradient, weight gradient) with the
/// seven-loop oracles.
/// </summary>
internal static class ConvolutionOracle
{
    /// <summary>
    /// Runs the forward pass and both gradients of <paramref name="algorithm"/> (every tiling it has) on seeded random
    /// data at 1 thread, the default and 4, against the seven-loop oracles, within <paramref name="tolerance"/> times
    /// the number of products each result sums.
    /// </summary>
    public static void CheckAll<T>(Conv2dShape s, T tolerance, ConvolutionAlgorithm algorithm = ConvolutionAlgorithm.Auto) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (algorithm == ConvolutionAlgorithm.ExtendedRows && !Vector256.IsHardwareAccelerated)
            return;
        var rng = new Random(s.N * 1000 + s.C * 100 + s.KH * 10 + s.Groups);
        int xLen = s.N * s.C * s.H * s.W, wLen = s.O * s.K, yLen = s.N * s.O * s.P;
        var x = Random<T>(rng, xLen);
        var w = Random<T>(rng, wLen);
        var bias = Random<T>(rng, s.O);
        var gy = Random<T>(rng, yLen);
        var y = new T[yLen];
        var gx = new T[xLen];
        var gw = new T[wLen];
        Convolution.Conv2dNaive(s, x, 0, w, 0, bias, 0, y);
        Convolution.Conv2dInputGradNaive(s, gy, 0, w, 0, gx);
        Convolution.Conv2dWeightGradNaive(s, x, 0, gy, 0, gw);
        // Each result is a sum of this many products of values in [−1, 1]; the rounding grows with it.
        T forwardTerms = T.CreateChecked(s.K + 1), inputTerms = T.CreateChecked(s.Og * s.KH * s.KW + 1), weightTerms = T.CreateChecked(s.N * s.P + 1);
        var tilings = algorithm == ConvolutionAlgorithm.ExtendedRows
            ? new[] { ExtendedTiling.AlongPositions, ExtendedTiling.AlongChannels }
            : new[] { ExtendedTiling.Auto };

        int saved = Partitioner.MaxDegreeOfParallelism;
        try
        {
            foreach (int degree in new[] { 1, saved, 4 })
            {
                Partitioner.MaxDegreeOfParallelism = degree;
                foreach (var tiling in tilings)
                {
                    var actualY = new T[yLen];
                    Convolution.Conv2d(s, x, 0, w, 0, bias, 0, actualY, algorithm, tiling);
                    AssertClose(y, actualY, tolerance * forwardTerms);
                }
                var actualGx = new T[xLen];
                Convolution.Conv2dInputGrad(s, gy, 0, w, 0, actualGx, algorithm);
                AssertClose(gx, actualGx, tolerance * inputTerms);
                foreach (var tiling in tilings)
                {
                    var actualGw = new T[wLen];
                    Convolution.Conv2dWeightGrad(s, x, 0, gy, 0, actualGw, algorithm, tiling);
                    AssertClose(gw, actualGw, tolerance * weightTerms);
                }
            }
        }
        finally
        {
            Partitioner.MaxDegreeOfParallelism = saved;
        }
    }

    /// <summary>Uniform values in [−1, 1) from <paramref name="rng"/>.</summary>
    public static T[] Random<T>(Random rng, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = new T[length];
        for (int i = 0; i < length; i++) a[i] = T.CreateChecked(rng.NextDouble() * 2 - 1);
        return a;
    }

    /// <summary>|expected − actual| ≤ tolerance·(1 + |expected|) for every element.</summary>
    public static void AssertClose<T>(T[] expected, T[] actual, T tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            T err = T.Abs(expected[i] - actual[i]);
            Assert.True(err <= tolerance * (T.One + T.Abs(expected[i])),
                $"element {i}: expected {expected[i]}, got {actual[i]} (|error| {err}, tolerance {tolerance})");
        }
    }
}
