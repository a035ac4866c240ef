using static SharpGrad.Cuda.Tests.Kernels.KernelTestBuffers;

namespace SharpGrad.Cuda.Tests.Kernels;

/// <summary>Switching TF32 on changes how every float32 product is computed, so these tests run alone.</summary>
[CollectionDefinition(nameof(Tf32Tests), DisableParallelization = true)]
public class Tf32Collection;

[Collection(nameof(Tf32Tests))]
public class Tf32Tests
{
    [Fact]
    public void AllowTf32_IsOffByDefault() => Assert.False(CudaSettings.AllowTf32);

    /// <summary>
    /// With TF32 allowed a float32 product stays within TF32's precision (inputs rounded to 11 significant bits);
    /// without cuBLAS the switch changes nothing and the product is exact to float32.
    /// </summary>
    [Fact]
    public void AllowTf32_KeepsProductsWithinTf32Precision()
    {
        const int size = 64;
        var a = Random<float>(size * size, 1);
        var b = Random<float>(size * size, 2);
        var expected = new double[size * size];
        for (int i = 0; i < size; i++)
        for (int j = 0; j < size; j++)
        for (int q = 0; q < size; q++)
            expected[i * size + j] += (double)a[i * size + q] * b[q * size + j];

        using var ga = Upload(a);
        using var gb = Upload(b);
        using var gc = Backend.Allocate(DType.Float32, size * size, zeroed: false);
        CudaSettings.AllowTf32 = true;
        try
        {
            Backend.Gemm(1, size, size, size, ga, 0, 0, size, 1, gb, 0, 0, size, 1, gc, 0, 0, size, false);
        }
        finally
        {
            CudaSettings.AllowTf32 = false;
        }
        var c = Download<float>(gc);
        // Each of the 64 terms (|term| < 1) may be off by about 2·2⁻¹¹ relative.
        double tolerance = ((CudaBackend)Backend).UsesCuBlas ? size * 2e-3 : 1e-4;
        for (int i = 0; i < c.Length; i++)
            Assert.True(Math.Abs(expected[i] - c[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {c[i]}");
    }
}
