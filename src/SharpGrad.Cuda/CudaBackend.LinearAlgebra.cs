using ILGPU;
using ILGPU.Runtime;
using CudaAccelerator = ILGPU.Runtime.Cuda.CudaAccelerator;
using CudaStream = ILGPU.Runtime.Cuda.CudaStream;
using SharpGrad.Cuda.Kernels;
using SharpGrad.Cuda.Native;

namespace SharpGrad.Cuda;

// Matrix products: cuBLAS on a CUDA device where the library is installed, SharpGrad's tiled ILGPU kernel on a GPU
// without it, and a per-element ILGPU kernel on gpu-sim.
internal sealed partial class CudaBackend
{
    /// <summary>The most batches one launch covers: CUDA's limit on the grid's second dimension.</summary>
    private const int MaxBatchesPerLaunch = 65535;

    private static int cuBlasNoteWritten;

    private readonly object cuBlasLock = new();
    private CuBlas? cuBlas;
    private IntPtr cuBlasHandle;
    private int cuBlasMathMode = -1;
    private int gemmGroupSide;
    private Action<KernelConfig, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, GemmArgs>? gemmFloat32;
    private Action<KernelConfig, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<double, Stride1D.Dense>, GemmArgs>? gemmFloat64;
    private Action<Index1D, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, GemmArgs, int, int>? gemmPerElementFloat32;
    private Action<Index1D, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<double, Stride1D.Dense>, GemmArgs, int, int>? gemmPerElementFloat64;

    /// <summary>Whether matrix products on this device go through cuBLAS.</summary>
    internal bool UsesCuBlas => cuBlasHandle != IntPtr.Zero;

    /// <summary>
    /// Runs every product through the tiled ILGPU kernel, even where cuBLAS is loaded or (on gpu-sim) the
    /// per-element kernel is faster, so that tests cover every implementation on every device.
    /// </summary>
    internal bool ForceTiledGemmKernel { get; set; }

    /// <summary>
    /// Picks the matrix-product implementation when the device is created: a cuBLAS handle on the accelerator's
    /// stream on a CUDA device where the library loads, otherwise the ILGPU kernel (with a one-time note on stderr
    /// on CUDA, where the difference in speed is large; gpu-sim is expected to use the kernel).
    /// </summary>
    private void InitializeMatrixProducts()
    {
        gemmGroupSide = Kernels.Gemm.GroupSide(accelerator.MaxNumThreadsPerGroup);
        if (accelerator is CudaAccelerator && accelerator.DefaultStream is CudaStream stream)
        {
            var library = CuBlas.Instance;
            string? problem = library is null ? "was not found" : null;
            if (library is not null)
            {
                try
                {
                    accelerator.Bind();
                    cuBlasHandle = library.Create(stream.StreamPtr);
                    cuBlas = library;
                }
                catch (InvalidOperationException e)
                {
                    problem = $"could not be initialised ({e.Message.TrimEnd('.')})";
                }
            }
            if (problem is not null && Interlocked.Exchange(ref cuBlasNoteWritten, 1) == 0)
                Console.Error.WriteLine($"SharpGrad.Cuda: cuBLAS (libcublas.so.13 or .12) {problem}; matrix products use SharpGrad's own GPU kernel, which is much slower. Install the CUDA toolkit's cuBLAS to get full speed.");
        }
        CudaSettings.GemmBackend = UsesCuBlas ? "cublas" : "ilgpu";
    }

    /// <inheritdoc/>
    public void Gemm(int batch, int m, int n, int k,
        DeviceBuffer a, int aOffset, int aBatchStride, int aRowStride, int aColStride,
        DeviceBuffer b, int bOffset, int bBatchStride, int bRowStride, int bColStride,
        DeviceBuffer c, int cOffset, int cBatchStride, int ldc, bool accumulate)
    {
        var ba = (CudaBuffer)a;
        var bb = (CudaBuffer)b;
        var bc = (CudaBuffer)c;
        if (ba.DType != bc.DType || bb.DType != bc.DType || bc.DType is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"Gemm on {Device}: the operands must be float32 or float64 and of one dtype (A {ba.DType}, B {bb.DType}, C {bc.DType}).");
        if (batch <= 0 || m <= 0 || n <= 0)
            return;
        bool float64 = bc.DType == DType.Float64;

        if (cuBlas is { } library && !ForceTiledGemmKernel
            && CuBlasGemmPlan.From(m, n, k, aRowStride, aColStride, bRowStride, bColStride, ldc) is { } plan)
        {
            long size = bc.DType.ElementSize();
            lock (cuBlasLock)
            {
                accelerator.Bind();
                int mode = !float64 && CudaSettings.AllowTf32 ? CuBlas.Tf32TensorOpMath : CuBlas.DefaultMath;
                if (mode != cuBlasMathMode)
                {
                    library.SetMathMode(cuBlasHandle, mode);
                    cuBlasMathMode = mode;
                }
                library.Gemm(cuBlasHandle, float64, plan, batch, accumulate,
                    ba.Raw.NativePtr + (nint)(aOffset * size), aBatchStride,
                    bb.Raw.NativePtr + (nint)(bOffset * size), bBatchStride,
                    bc.Raw.NativePtr + (nint)(cOffset * size), cBatchStride);
            }
            return;
        }

        bool perElement = IsSimulated && !ForceTiledGemmKernel;
        int side = gemmGroupSide, tile = Kernels.Gemm.Block * side;
        long tilesM = (m + tile - 1) / tile, tilesN = (n + tile - 1) / tile;
        if (tilesM * tilesN > int.MaxValue || (perElement && (long)m * n > int.MaxValue))
            throw new ArgumentException($"Gemm on {Device}: a {m}×{n} product has too many elements for one launch.");
        var args = new GemmArgs
        {
            M = m, N = n, K = k,
            AOffset = aOffset, ABatchStride = aBatchStride, ARowStride = aRowStride, AColStride = aColStride,
            BOffset = bOffset, BBatchStride = bBatchStride, BRowStride = bRowStride, BColStride = bColStride,
            COffset = cOffset, CBatchStride = cBatchStride, Ldc = ldc,
            Accumulate = accumulate ? 1 : 0,
            TilesN = (int)tilesN,
        };
        // Whole batches per launch: at most CUDA's grid limit for the tiled kernel, and as many as keep the element
        // count within an int for the per-element one.
        int batchesPerLaunch = perElement ? (int)Math.Min(batch, int.MaxValue / ((long)m * n)) : MaxBatchesPerLaunch;
        for (int first = 0, batches; first < batch; first += batches)
        {
            args.FirstBatch = first;
            batches = Math.Min(batchesPerLaunch, batch - first);
            if (perElement)
            {
                int total = batches * m * n, threads = LaunchThreads(total);
                if (float64)
                {
                    gemmPerElementFloat64 ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<double, Stride1D.Dense>, GemmArgs, int, int>(
                        Kernels.Gemm.PerElement<double, Float64Math>);
                    gemmPerElementFloat64(threads, ba.View<double>(), bb.View<double>(), bc.View<double>(), args, total, threads);
                }
                else
                {
                    gemmPerElementFloat32 ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, GemmArgs, int, int>(
                        Kernels.Gemm.PerElement<float, Float32Math>);
                    gemmPerElementFloat32(threads, ba.View<float>(), bb.View<float>(), bc.View<float>(), args, total, threads);
                }
                continue;
            }
            var config = new KernelConfig(new Index2D((int)(tilesM * tilesN), batches), new Index2D(side, side));
            if (float64)
            {
                gemmFloat64 ??= accelerator.LoadStreamKernel<ArrayView1D<double, Stride1D.Dense>, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<double, Stride1D.Dense>, GemmArgs>(
                    Kernels.Gemm.Tiled<double, Float64Math>);
                gemmFloat64(config, ba.View<double>(), bb.View<double>(), bc.View<double>(), args);
            }
            else
            {
                gemmFloat32 ??= accelerator.LoadStreamKernel<ArrayView1D<float, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, GemmArgs>(
                    Kernels.Gemm.Tiled<float, Float32Math>);
                gemmFloat32(config, ba.View<float>(), bb.View<float>(), bc.View<float>(), args);
            }
        }
    }
}
