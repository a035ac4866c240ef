namespace SharpGrad.Cuda.Native;

/// <summary>cuBLAS's cublasOperation_t: whether a column-major operand is used as stored or transposed.</summary>
internal enum CuBlasOperation
{
    /// <summary>CUBLAS_OP_N.</summary>
    None = 0,

    /// <summary>CUBLAS_OP_T.</summary>
    Transpose = 1,
}

/// <summary>
/// The arguments of one cuBLAS gemm call that computes SharpGrad's row-major C[m×n] = A[m×k]·B[k×n] from strided
/// operands. cuBLAS is column-major, and a row-major matrix with row stride ld is the column-major storage of its
/// transpose with leading dimension ld, so the call computes Cᵀ (n×m) = Bᵀ·Aᵀ: cuBLAS's first operand is our B,
/// its second our A, and its m and n are our n and m. Each operand is either read as stored (its column stride is
/// 1: it is the column-major storage of its own transpose) or transposed (its row stride is 1).
/// </summary>
/// <param name="TransA">The operation on cuBLAS's first operand, our B.</param>
/// <param name="TransB">The operation on cuBLAS's second operand, our A.</param>
/// <param name="M">cuBLAS's m: our n, the columns of C.</param>
/// <param name="N">cuBLAS's n: our m, the rows of C.</param>
/// <param name="K">The inner dimension.</param>
/// <param name="Lda">The leading dimension of our B as cuBLAS reads it.</param>
/// <param name="Ldb">The leading dimension of our A as cuBLAS reads it.</param>
/// <param name="Ldc">The leading dimension of C: our row stride.</param>
internal readonly record struct CuBlasGemmPlan(
    CuBlasOperation TransA, CuBlasOperation TransB, int M, int N, int K, int Lda, int Ldb, int Ldc)
{
    /// <summary>
    /// The call for C[m×n] = A·B with A's element (i, j) at i·aRowStride + j·aColStride and B's at
    /// i·bRowStride + j·bColStride, C row-major with row stride ldc; null where cuBLAS cannot express it
    /// (an empty product, or strides that are not a matrix layout cuBLAS accepts, such as a broadcast row stride of 0):
    /// the caller then uses its own kernel. Strides of a dimension of size 1 do not matter and are replaced by
    /// the smallest leading dimension cuBLAS accepts.
    /// </summary>
    public static CuBlasGemmPlan? From(int m, int n, int k, int aRowStride, int aColStride, int bRowStride, int bColStride, int ldc)
    {
        if (m <= 0 || n <= 0 || k <= 0)
            return null;
        if (Layout(k, n, bRowStride, bColStride) is not { } first || Layout(m, k, aRowStride, aColStride) is not { } second)
            return null;
        int ldcOk = m == 1 ? Math.Max(ldc, n) : ldc;
        if (ldcOk < n)
            return null; // rows of C would overlap
        return new CuBlasGemmPlan(first.Op, second.Op, n, m, k, first.Ld, second.Ld, ldcOk);
    }

    /// <summary>
    /// How cuBLAS reads the transpose Xᵀ (cols×rows, column-major) of a rows×cols operand X with the given strides:
    /// as stored with leading dimension rowStride when its column stride is 1, or as the transpose of a column-major
    /// rows×cols matrix with leading dimension colStride when its row stride is 1; null when neither is a valid layout.
    /// </summary>
    private static (CuBlasOperation Op, int Ld)? Layout(int rows, int cols, int rowStride, int colStride)
    {
        // Xᵀ stored column-major: element (j, i) at j + i·ld, so the column stride is 1 and ld ≥ cols.
        if (cols == 1 || colStride == 1)
        {
            int ld = rows == 1 ? Math.Max(1, cols) : rowStride;
            if (ld >= Math.Max(1, cols))
                return (CuBlasOperation.None, ld);
        }
        // X stored column-major: element (i, j) at i + j·ld, so the row stride is 1 and ld ≥ rows.
        if (rows == 1 || rowStride == 1)
        {
            int ld = cols == 1 ? Math.Max(1, rows) : colStride;
            if (ld >= Math.Max(1, rows))
                return (CuBlasOperation.Transpose, ld);
        }
        return null;
    }
}
