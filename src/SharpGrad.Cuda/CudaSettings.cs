namespace SharpGrad.Cuda;

/// <summary>
/// Process-wide switches of the GPU backend and what it chose, in the spirit of <c>torch.backends.cuda</c>:
/// whether float32 matrix products may use TF32 tensor cores, and which implementation computes matrix products
/// on the most recently created device (for benchmark reports and the command line's banner).
/// </summary>
public static class CudaSettings
{
    private static volatile bool allowTf32;
    private static volatile string gemmBackend = "none";

    /// <summary>
    /// Whether float32 matrix products on a CUDA device may round their inputs to TF32 (10-bit mantissa) to run on
    /// tensor cores: several times faster on Ampere and later GPUs, with about 3 significant digits per product
    /// term. False by default, as <c>torch.backends.cuda.matmul.allow_tf32</c>; float64 products are never affected.
    /// Read at each product, so it can be switched at any time. Applies to cuBLAS only: SharpGrad's own kernel
    /// (gpu-sim, or CUDA without cuBLAS) always computes in full float32.
    /// </summary>
    public static bool AllowTf32
    {
        get => allowTf32;
        set => allowTf32 = value;
    }

    /// <summary>
    /// What computes matrix products on the device created last: <c>"cublas"</c> (NVIDIA's library, found at run
    /// time), <c>"ilgpu"</c> (SharpGrad's own tiled kernel, on gpu-sim or where cuBLAS is missing), or
    /// <c>"none"</c> before any device is created.
    /// </summary>
    public static string GemmBackend
    {
        get => gemmBackend;
        internal set => gemmBackend = value;
    }
}
