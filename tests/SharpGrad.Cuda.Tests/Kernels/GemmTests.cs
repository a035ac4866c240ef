using static SharpGrad.Cuda.Tests.Kernels.KernelTestBuffers;

namespace SharpGrad.Cuda.Tests.Kernels;

public class GemmTests
{
    /// <summary>
    /// Runs one batched product on the device with A and B stored plainly or transposed (at an offset, with a gap
    /// between batches) and C with a wider row stride, and compares it with the product summed in float64 by loops.
    /// </summary>
    private static void Check<T>(int batch, int m, int n, int k, bool transposeA, bool transposeB, bool accumulate, int seed)
    {
        const int offset = 3, gap = 5, ldcExtra = 2;
        int aSize = m * k, bSize = k * n, ldc = n + ldcExtra, cSize = m * ldc;
        var a = Random<T>(offset + batch * (aSize + gap), seed);
        var b = Random<T>(offset + batch * (bSize + gap), seed + 1);
        var c = Random<T>(offset + batch * (cSize + gap), seed + 2);
        var ad = AsDoubles(a);
        var bd = AsDoubles(b);
        var expected = AsDoubles(c).ToArray();
        // A transposed is stored as k×m (its row stride is 1), likewise B as n×k.
        int aRow = transposeA ? 1 : k, aCol = transposeA ? m : 1;
        int bRow = transposeB ? 1 : n, bCol = transposeB ? k : 1;
        for (int p = 0; p < batch; p++)
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double sum = 0;
            for (int q = 0; q < k; q++)
                sum += ad[offset + p * (aSize + gap) + i * aRow + q * aCol] * bd[offset + p * (bSize + gap) + q * bRow + j * bCol];
            int at = offset + p * (cSize + gap) + i * ldc + j;
            expected[at] = accumulate ? expected[at] + sum : sum;
        }

        // The device's own choice (cuBLAS on a GPU that has it, the per-element kernel on gpu-sim) and the tiled kernel.
        var backend = (CudaBackend)Backend;
        foreach (bool tiled in new[] { false, true })
        {
            using var ga = Upload(a);
            using var gb = Upload(b);
            using var gc = Upload(c);
            backend.ForceTiledGemmKernel = tiled;
            try
            {
                Backend.Gemm(batch, m, n, k, ga, offset, aSize + gap, aRow, aCol, gb, offset, bSize + gap, bRow, bCol,
                    gc, offset, cSize + gap, ldc, accumulate);
            }
            finally
            {
                backend.ForceTiledGemmKernel = false;
            }
            var actual = AsDoubles(Download<T>(gc));

            double tolerance = typeof(T) == typeof(float) ? 1e-5 * Math.Max(1, k) : 1e-12 * Math.Max(1, k);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance,
                    $"element {i}: expected {expected[i]}, got {actual[i]} (batch {batch}, {m}×{n}×{k}, tA {transposeA}, tB {transposeB}, tiled {tiled})");
        }
    }

    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(1, 33, 17, 65)]
    [InlineData(2, 5, 70, 3)]
    [InlineData(3, 17, 1, 40)]
    [InlineData(1, 1, 33, 16)]
    [InlineData(2, 64, 64, 32)]
    public void MatchesLoops_AnyLayout_Float32(int batch, int m, int n, int k)
    {
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
            Check<float>(batch, m, n, k, ta, tb, accumulate: false, seed: m * 7 + n);
    }

    [Theory]
    [InlineData(1, 33, 17, 65)]
    [InlineData(2, 9, 20, 7)]
    public void MatchesLoops_AnyLayout_Float64(int batch, int m, int n, int k)
    {
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
            Check<double>(batch, m, n, k, ta, tb, accumulate: false, seed: m * 7 + n);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Accumulate_AddsOntoC(bool transposed)
    {
        Check<float>(2, 19, 23, 29, transposed, !transposed, accumulate: true, seed: 4);
        Check<double>(2, 19, 23, 29, transposed, transposed, accumulate: true, seed: 5);
    }

    [Fact]
    public void ZeroDepth_WritesZerosOrLeavesC()
    {
        Check<float>(2, 3, 4, 0, false, false, accumulate: false, seed: 1);
        Check<float>(2, 3, 4, 0, false, false, accumulate: true, seed: 1);
    }

    [Fact]
    public void EmptyProducts_TouchNothing()
    {
        var c = new float[] { 1, 2, 3 };
        var gc = Upload(c);
        var ga = Upload(new float[] { 5 });
        Backend.Gemm(0, 1, 1, 1, ga, 0, 0, 1, 1, ga, 0, 0, 1, 1, gc, 0, 0, 1, false);
        Backend.Gemm(1, 0, 3, 1, ga, 0, 0, 1, 1, ga, 0, 0, 1, 1, gc, 0, 0, 3, false);
        Backend.Gemm(1, 1, 0, 1, ga, 0, 0, 1, 1, ga, 0, 0, 1, 1, gc, 0, 0, 1, false);
        Assert.Equal(c, Download<float>(gc));
    }

    [Fact]
    public void BroadcastOperand_BatchStrideAndRowStrideZero()
    {
        // A is one row [1, 2] repeated over 3 rows (row stride 0) and over 2 batches (batch stride 0); B differs per batch.
        var ga = Upload(new double[] { 1, 2 });
        var gb = Upload(new double[] { 1, 0, 0, 1, /* batch 1 */ 2, 1, 3, 1 });
        var gc = Upload(new double[12]);
        Backend.Gemm(2, 3, 2, 2, ga, 0, 0, 0, 1, gb, 0, 4, 2, 1, gc, 0, 6, 2, false);
        // Batch 0: [1, 2]·I = [1, 2]; batch 1: [1, 2]·[[2, 1], [3, 1]] = [8, 3].
        Assert.Equal(new double[] { 1, 2, 1, 2, 1, 2, 8, 3, 8, 3, 8, 3 }, Download<double>(gc));
    }

    [Fact]
    public void NaN_InAnOperand_ReachesOnlyItsRowAndColumn()
    {
        // A = [[NaN, 0], [1, 1]], B = [[1, 2], [3, 4]]: NaN·x poisons row 0 only.
        var ga = Upload(new float[] { float.NaN, 0, 1, 1 });
        var gb = Upload(new float[] { 1, 2, 3, 4 });
        var gc = Upload(new float[] { float.NaN, float.NaN, float.NaN, float.NaN }); // overwritten, never read
        Backend.Gemm(1, 2, 2, 2, ga, 0, 0, 2, 1, gb, 0, 0, 2, 1, gc, 0, 0, 2, false);
        var c = Download<float>(gc);
        Assert.True(float.IsNaN(c[0]) && float.IsNaN(c[1]));
        Assert.Equal(new float[] { 4, 6 }, c[2..]);
    }

    [Fact]
    public void MixedDTypes_AreRejectedWithTheOperationNamed()
    {
        var ga = Upload(new float[] { 1 });
        var gb = Upload(new double[] { 1 });
        var e = Assert.Throws<ArgumentException>(() => Backend.Gemm(1, 1, 1, 1, ga, 0, 0, 1, 1, gb, 0, 0, 1, 1, ga, 0, 0, 1, false));
        Assert.Contains("Gemm", e.Message);
    }

    [Fact]
    public void Settings_NameTheImplementation()
    {
        var backend = (CudaBackend)Backend;
        Assert.Equal(backend.UsesCuBlas ? "cublas" : "ilgpu", CudaSettings.GemmBackend);
        if (TestDevice.Device.Type == DeviceType.GpuSim)
            Assert.False(backend.UsesCuBlas);
    }
}
