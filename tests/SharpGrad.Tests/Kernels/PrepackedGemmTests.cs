using SharpGrad.Kernels;

namespace SharpGrad.Tests.Kernels;

/// <summary>
/// Gemm.MultiplyPrepacked: B packed once (Gemm.Pack) gives the same product as Gemm.Multiply bit for bit, at both
/// vector widths; its fused bias and ReLU give what writing the bias first and applying max(·, 0) after give.
/// </summary>
public class PrepackedGemmTests
{
    internal static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < data.Length; i++)
            data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }

    [Theory]
    [InlineData(64, 256, 784, 512)]
    [InlineData(64, 256, 784, 256)]
    [InlineData(7, 10, 256, 512)]
    [InlineData(64, 10, 256, 512)]
    [InlineData(64, 10, 256, 256)]
    [InlineData(13, 47, 300, 256)]
    [InlineData(200, 33, 17, 512)]
    [InlineData(300, 70, 40, 256)]
    public void EqualsMultiply_WithBiasAndRelu(int m, int n, int k, int bits)
    {
        using var width = VectorWidth.Force(bits);
        Assert.True(Gemm.UsesPackedPath(m, n, k));
        var a = Random(m * k, 1);
        var w = Random(n * k, 2);   // a Linear weight [n, k]; B = Wᵀ
        var bias = Random(n, 3);

        var packed = Gemm.Pack(k, n, w, 1, k);
        Assert.Equal(bits == 512 && n > 16, packed.Wide);

        var expected = new float[m * n];
        Gemm.Multiply<float>(m, n, k, a, k, 1, w, 1, k, expected, n, 1, accumulate: false);
        var plain = new float[m * n];
        Gemm.MultiplyPrepacked(m, packed, a, k, 1, plain, n, accumulate: false);
        Assert.Equal(expected, plain);

        // With the bias: what Linear did before, the bias written into C and the product accumulated onto it.
        var withBias = new float[m * n];
        for (int i = 0; i < m; i++)
            bias.CopyTo(withBias, i * n);
        Gemm.Multiply<float>(m, n, k, a, k, 1, w, 1, k, withBias, n, 1, accumulate: true);
        var fused = new float[m * n];
        Gemm.MultiplyPrepacked(m, packed, a, k, 1, fused, n, accumulate: false, bias);
        Assert.Equal(withBias, fused);

        var fusedRelu = new float[m * n];
        Gemm.MultiplyPrepacked(m, packed, a, k, 1, fusedRelu, n, accumulate: false, bias, relu: true);
        Assert.Equal(withBias.Select(v => Math.Max(v, 0f)), fusedRelu);
        Assert.Contains(fusedRelu, v => v == 0);
        Assert.Contains(fusedRelu, v => v > 0);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    public void FusedRelu_KeepsNaN_AndClampsAZeroRowsBias(int bits)
    {
        // What max(x, 0) of the ReLU op does, which the 512-bit kernels apply as they store: a NaN in row 3 of A makes
        // that row of C NaN, and row 5 of A all zeros leaves max(bias, 0) there.
        using var width = VectorWidth.Force(bits);
        int m = 16, n = 40, k = 64;
        var a = Random(m * k, 7);
        a[3 * k + 10] = float.NaN;
        Array.Clear(a, 5 * k, k);
        var bias = Random(n, 8);
        var packed = Gemm.Pack(k, n, Random(k * n, 9), n, 1);
        var c = new float[m * n];
        Gemm.MultiplyPrepacked(m, packed, a, k, 1, c, n, accumulate: false, bias, relu: true);
        Assert.All(c.AsSpan(3 * n, n).ToArray(), v => Assert.True(float.IsNaN(v)));
        Assert.Equal(bias.Select(v => Math.Max(v, 0f)), c.AsSpan(5 * n, n).ToArray());
        Assert.Contains(bias, v => v < 0);
    }

    [Fact]
    public void Accumulate_AddsOntoC_AndAStridedAIsRead()
    {
        int m = 20, n = 40, k = 30;
        var a = Random(k * m, 4);   // A read as the transpose of a [k, m] matrix
        var b = Random(k * n, 5);   // row-major [k, n]
        var packed = Gemm.Pack(k, n, b, n, 1);
        var expected = Random(m * n, 6);
        var actual = (float[])expected.Clone();
        Gemm.MultiplyNaive<float>(m, n, k, a, 1, m, b, n, 1, expected, n, 1, accumulate: true);
        Gemm.MultiplyPrepacked(m, packed, a, 1, m, actual, n, accumulate: true);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i], 1e-4f);
    }

    [Fact]
    public void BadOperands_AreNamed()
    {
        var packed = Gemm.Pack(8, 4, new float[32], 4, 1);
        Assert.Contains("operand a", Assert.Throws<ArgumentException>(() => Gemm.MultiplyPrepacked(3, packed, new float[10], 8, 1, new float[12], 4, false)).Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("bias", Assert.Throws<ArgumentException>(() => Gemm.MultiplyPrepacked(3, packed, new float[24], 8, 1, new float[12], 4, false, new float[3])).Message);
        Assert.Contains("operand b", Assert.Throws<ArgumentException>(() => Gemm.Pack(8, 4, new float[31], 4, 1)).Message, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>
/// Gemm.MultiplyPrepacked at several thread counts: when a few rows meet many panels, the panels are handed out
/// spread over the row of panels in groups, one group per thread; every panel must still be computed exactly once,
/// also when the panels do not divide evenly into the groups.
/// </summary>
[Collection(PartitionerSettingsCollection.Name)]
public class PrepackedGemmThreadTests
{
    [Theory]
    [InlineData(2, 219)]   // 7 panels of 32 (or 14 of 16) in 2 groups
    [InlineData(3, 219)]
    [InlineData(4, 250)]   // 8 panels in 4 groups
    [InlineData(5, 300)]   // 10 panels in 5 groups
    [InlineData(8, 70)]    // fewer panels than threads
    public void EveryPanelOnce_AtAnyThreadCount(int threads, int n)
    {
        int m = 40, k = 300;
        var a = PrepackedGemmTests.Random(m * k, threads);
        var b = PrepackedGemmTests.Random(k * n, n);
        var bias = PrepackedGemmTests.Random(n, n + 1);
        var packed = Gemm.Pack(k, n, b, n, 1);

        // The reference is the textbook triple loop in double, so it shares no blocking with the kernel.
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = bias[j];
                for (int p = 0; p < k; p++)
                    sum += (double)a[i * k + p] * b[p * n + j];
                expected[i * n + j] = Math.Max(sum, 0);
            }

        int saved = Parallelism.MaxDegreeOfParallelism;
        try
        {
            Parallelism.MaxDegreeOfParallelism = threads;
            var actual = new float[m * n];
            Array.Fill(actual, float.NaN);   // a panel left out stays NaN
            Gemm.MultiplyPrepacked(m, packed, a, k, 1, actual, n, accumulate: false, bias, relu: true);
            for (int i = 0; i < actual.Length; i++)
                Assert.True(Math.Abs(actual[i] - expected[i]) < 1e-3, $"C[{i / n}, {i % n}] = {actual[i]}, expected {expected[i]}");
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = saved;
        }
    }
}
