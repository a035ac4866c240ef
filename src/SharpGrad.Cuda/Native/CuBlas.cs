using System.Runtime.InteropServices;

namespace SharpGrad.Cuda.Native;

/// <summary>
/// cuBLAS, loaded at run time: the handful of entry points SharpGrad calls, as unmanaged function pointers found
/// by name in whichever of the CUDA 13 or 12 libraries is installed. Nothing links against cuBLAS, so the package
/// loads (and falls back to its own kernels) on machines without the CUDA toolkit.
/// </summary>
internal sealed unsafe class CuBlas
{
    /// <summary>The file names tried, newest first.</summary>
    internal static readonly string[] LibraryNames = OperatingSystem.IsWindows()
        ? ["cublas64_13.dll", "cublas64_12.dll"]
        : ["libcublas.so.13", "libcublas.so.12", "libcublas.so"];

    /// <summary>CUBLAS_DEFAULT_MATH: float32 products in float32.</summary>
    public const int DefaultMath = 0;

    /// <summary>CUBLAS_TF32_TENSOR_OP_MATH: float32 products may round their inputs to TF32 on tensor cores.</summary>
    public const int Tf32TensorOpMath = 3;

    private static readonly Lazy<CuBlas?> Loaded = new(Load);

    private readonly delegate* unmanaged<IntPtr*, int> create;
    private readonly delegate* unmanaged<IntPtr, int> destroy;
    private readonly delegate* unmanaged<IntPtr, IntPtr, int> setStream;
    private readonly delegate* unmanaged<IntPtr, int, int> setMathMode;
    private readonly delegate* unmanaged<IntPtr, int, int, int, int, int, float*, IntPtr, int, IntPtr, int, float*, IntPtr, int, int> sgemm;
    private readonly delegate* unmanaged<IntPtr, int, int, int, int, int, double*, IntPtr, int, IntPtr, int, double*, IntPtr, int, int> dgemm;
    private readonly delegate* unmanaged<IntPtr, int, int, int, int, int, float*, IntPtr, int, long, IntPtr, int, long, float*, IntPtr, int, long, int, int> sgemmBatched;
    private readonly delegate* unmanaged<IntPtr, int, int, int, int, int, double*, IntPtr, int, long, IntPtr, int, long, double*, IntPtr, int, long, int, int> dgemmBatched;

    private CuBlas(string name, IntPtr library)
    {
        Name = name;
        create = (delegate* unmanaged<IntPtr*, int>)Export(library, "cublasCreate_v2");
        destroy = (delegate* unmanaged<IntPtr, int>)Export(library, "cublasDestroy_v2");
        setStream = (delegate* unmanaged<IntPtr, IntPtr, int>)Export(library, "cublasSetStream_v2");
        setMathMode = (delegate* unmanaged<IntPtr, int, int>)Export(library, "cublasSetMathMode");
        sgemm = (delegate* unmanaged<IntPtr, int, int, int, int, int, float*, IntPtr, int, IntPtr, int, float*, IntPtr, int, int>)Export(library, "cublasSgemm_v2");
        dgemm = (delegate* unmanaged<IntPtr, int, int, int, int, int, double*, IntPtr, int, IntPtr, int, double*, IntPtr, int, int>)Export(library, "cublasDgemm_v2");
        sgemmBatched = (delegate* unmanaged<IntPtr, int, int, int, int, int, float*, IntPtr, int, long, IntPtr, int, long, float*, IntPtr, int, long, int, int>)Export(library, "cublasSgemmStridedBatched");
        dgemmBatched = (delegate* unmanaged<IntPtr, int, int, int, int, int, double*, IntPtr, int, long, IntPtr, int, long, double*, IntPtr, int, long, int, int>)Export(library, "cublasDgemmStridedBatched");
    }

    /// <summary>The file that was loaded.</summary>
    public string Name { get; }

    /// <summary>The library, loaded on first use; null when none of <see cref="LibraryNames"/> loads or one lacks an entry point.</summary>
    public static CuBlas? Instance => Loaded.Value;

    private static CuBlas? Load()
    {
        foreach (var name in LibraryNames)
        {
            if (!NativeLibrary.TryLoad(name, typeof(CuBlas).Assembly, null, out var library))
                continue;
            try
            {
                return new CuBlas(name, library);
            }
            catch (EntryPointNotFoundException)
            {
                NativeLibrary.Free(library);
            }
        }
        return null;
    }

    private static IntPtr Export(IntPtr library, string name) => NativeLibrary.GetExport(library, name);

    /// <summary>A new handle whose work is queued on <paramref name="stream"/> (a CUstream); the CUDA context must be current.</summary>
    public IntPtr Create(IntPtr stream)
    {
        IntPtr handle;
        Check(create(&handle), "cublasCreate_v2");
        int status = setStream(handle, stream);
        if (status != 0)
        {
            destroy(handle);
            Check(status, "cublasSetStream_v2");
        }
        return handle;
    }

    /// <summary>Frees a handle.</summary>
    public void Destroy(IntPtr handle) => destroy(handle);

    /// <summary>cublasSetMathMode: <see cref="DefaultMath"/> or <see cref="Tf32TensorOpMath"/>.</summary>
    public void SetMathMode(IntPtr handle, int mode) => Check(setMathMode(handle, mode), "cublasSetMathMode");

    /// <summary>
    /// C = A·B (or C += A·B) for <paramref name="batch"/> products as <paramref name="plan"/> maps them onto cuBLAS;
    /// pointers are device addresses of the first element, strides between products in elements.
    /// </summary>
    public void Gemm(IntPtr handle, bool float64, in CuBlasGemmPlan plan, int batch, bool accumulate,
        IntPtr a, long aBatchStride, IntPtr b, long bBatchStride, IntPtr c, long cBatchStride)
    {
        // cuBLAS's first operand is our B and its second our A (see CuBlasGemmPlan).
        int ta = (int)plan.TransA, tb = (int)plan.TransB;
        if (float64)
        {
            double one = 1, beta = accumulate ? 1 : 0;
            if (batch == 1)
                Check(dgemm(handle, ta, tb, plan.M, plan.N, plan.K, &one, b, plan.Lda, a, plan.Ldb, &beta, c, plan.Ldc), "cublasDgemm_v2");
            else
                Check(dgemmBatched(handle, ta, tb, plan.M, plan.N, plan.K, &one, b, plan.Lda, bBatchStride, a, plan.Ldb, aBatchStride,
                    &beta, c, plan.Ldc, cBatchStride, batch), "cublasDgemmStridedBatched");
        }
        else
        {
            float one = 1, beta = accumulate ? 1 : 0;
            if (batch == 1)
                Check(sgemm(handle, ta, tb, plan.M, plan.N, plan.K, &one, b, plan.Lda, a, plan.Ldb, &beta, c, plan.Ldc), "cublasSgemm_v2");
            else
                Check(sgemmBatched(handle, ta, tb, plan.M, plan.N, plan.K, &one, b, plan.Lda, bBatchStride, a, plan.Ldb, aBatchStride,
                    &beta, c, plan.Ldc, cBatchStride, batch), "cublasSgemmStridedBatched");
        }
    }

    private static void Check(int status, string function)
    {
        if (status != 0)
            throw new InvalidOperationException($"{function} failed with cuBLAS status {status} ({StatusName(status)}).");
    }

    /// <summary>The name of a cublasStatus_t value.</summary>
    internal static string StatusName(int status) => status switch
    {
        0 => "CUBLAS_STATUS_SUCCESS",
        1 => "CUBLAS_STATUS_NOT_INITIALIZED",
        3 => "CUBLAS_STATUS_ALLOC_FAILED",
        7 => "CUBLAS_STATUS_INVALID_VALUE",
        8 => "CUBLAS_STATUS_ARCH_MISMATCH",
        11 => "CUBLAS_STATUS_MAPPING_ERROR",
        13 => "CUBLAS_STATUS_EXECUTION_FAILED",
        14 => "CUBLAS_STATUS_INTERNAL_ERROR",
        15 => "CUBLAS_STATUS_NOT_SUPPORTED",
        16 => "CUBLAS_STATUS_LICENSE_ERROR",
        _ => "unknown status",
    };
}
