using SharpGrad.Cuda.Native;

namespace SharpGrad.Cuda.Tests.Native;

public class CuBlasGemmPlanTests
{
    private const CuBlasOperation N = CuBlasOperation.None, T = CuBlasOperation.Transpose;

    // Hand-worked: row-major C (m×n) = A·B is column-major Cᵀ (n×m) = Bᵀ·Aᵀ. A plain row-major operand with row
    // stride ld is the column-major storage of its transpose with leading dimension ld (op N); a transposed one
    // (row stride 1) is column-major as it is, so cuBLAS transposes it (op T, ld = its column stride).
    [Theory]
    // Plain A [2×3] (strides 3, 1) and B [3×4] (strides 4, 1), C ldc 4.
    [InlineData(2, 4, 3, 3, 1, 4, 1, 4, 'N', 'N', 4, 3, 4)]
    // A transposed: stored 3×2, element (i, j) at i + 2j; B plain.
    [InlineData(2, 4, 3, 1, 2, 4, 1, 4, 'N', 'T', 4, 2, 4)]
    // B transposed: stored 4×3, element (i, j) at i + 3j; A plain; C rows padded to 6.
    [InlineData(2, 4, 3, 3, 1, 1, 3, 6, 'T', 'N', 3, 3, 6)]
    // Both transposed, and both with leading dimensions wider than needed (views of larger matrices).
    [InlineData(2, 4, 3, 1, 5, 1, 7, 4, 'T', 'T', 7, 5, 4)]
    // A single row of A (m = 1): its row stride is irrelevant and ldc too.
    [InlineData(1, 4, 3, 0, 1, 4, 1, 0, 'N', 'N', 4, 3, 4)]
    // A single column of B (n = 1) with a meaningless column stride.
    [InlineData(2, 1, 3, 3, 1, 1, 9, 1, 'N', 'N', 1, 3, 1)]
    public void From_MapsStridesToCuBlasOperationsAndLeadingDimensions(int m, int n, int k, int aRow, int aCol, int bRow, int bCol, int ldc,
        char transA, char transB, int lda, int ldb, int ldcExpected)
    {
        var plan = CuBlasGemmPlan.From(m, n, k, aRow, aCol, bRow, bCol, ldc);
        Assert.Equal(new CuBlasGemmPlan(Op(transA), Op(transB), n, m, k, lda, ldb, ldcExpected), plan);
    }

    [Theory]
    [InlineData(0, 4, 3, 3, 1, 4, 1, 4)]  // empty
    [InlineData(2, 4, 0, 0, 1, 4, 1, 4)]  // no depth: C must be zeroed, which the own kernel does
    [InlineData(2, 4, 3, 0, 1, 4, 1, 4)]  // A broadcast over rows (row stride 0)
    [InlineData(2, 4, 3, 3, 1, 0, 1, 4)]  // B broadcast over rows
    [InlineData(2, 4, 3, 3, 1, 4, 1, 2)]  // rows of C overlap
    [InlineData(2, 4, 3, 3, 2, 4, 1, 4)]  // no unit stride in A
    public void From_IsNullWhereCuBlasCannotExpressTheProduct(int m, int n, int k, int aRow, int aCol, int bRow, int bCol, int ldc)
        => Assert.Null(CuBlasGemmPlan.From(m, n, k, aRow, aCol, bRow, bCol, ldc));

    /// <summary>
    /// Every layout of small shapes: the plan run through the BLAS definition of gemm (column-major, op applied to
    /// each operand) gives the row-major product computed directly.
    /// </summary>
    [Fact]
    public void From_ThroughTheBlasDefinition_GivesTheRowMajorProduct()
    {
        var random = new Random(3);
        foreach (var (m, n, k) in new[] { (1, 1, 1), (2, 3, 4), (4, 1, 3), (1, 5, 2), (3, 3, 1), (5, 4, 6) })
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
        {
            int extra = random.Next(0, 3);
            int aRow = ta ? 1 : k + extra, aCol = ta ? m + extra : 1;
            int bRow = tb ? 1 : n + extra, bCol = tb ? k + extra : 1;
            int ldc = n + extra;
            var a = Values(random, (m + extra) * (k + extra));
            var b = Values(random, (k + extra) * (n + extra));
            var plan = CuBlasGemmPlan.From(m, n, k, aRow, aCol, bRow, bCol, ldc) ?? throw new Xunit.Sdk.XunitException($"no plan for {m}×{n}×{k}");

            var c = new double[m * ldc];
            // gemm: C(r, s) = Σ_q op(X)(r, q)·op(Y)(q, s), X = cuBLAS's A (our B), Y = cuBLAS's B (our A), all column-major.
            for (int r = 0; r < plan.M; r++)
            for (int s = 0; s < plan.N; s++)
            {
                double sum = 0;
                for (int q = 0; q < plan.K; q++)
                {
                    double x = plan.TransA == N ? b[r + q * plan.Lda] : b[q + r * plan.Lda];
                    double y = plan.TransB == N ? a[q + s * plan.Ldb] : a[s + q * plan.Ldb];
                    sum += x * y;
                }
                c[r + s * plan.Ldc] = sum;
            }

            for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double expected = 0;
                for (int q = 0; q < k; q++)
                    expected += a[i * aRow + q * aCol] * b[q * bRow + j * bCol];
                Assert.Equal(expected, c[i * ldc + j], 12);
            }
        }
    }

    private static CuBlasOperation Op(char name) => name == 'T' ? T : N;

    private static double[] Values(Random random, int length)
    {
        var values = new double[length];
        for (int i = 0; i < length; i++)
            values[i] = random.Next(-9, 10);
        return values;
    }
}
