using ILGPU;
using ILGPU.Runtime;
using SharpGrad.Cuda.Kernels;

namespace SharpGrad.Cuda;

// Fused softmax cross-entropy: the kernel of Kernels/Losses.cs.
internal sealed partial class CudaBackend
{
    /// <inheritdoc/>
    /// <remarks>The losses buffer has the logits' dtype.</remarks>
    public void CrossEntropy(DeviceBuffer x, int xOffset, int n, int c, DeviceBuffer target, int targetOffset, DeviceBuffer losses, DeviceBuffer? gradient, double scale)
    {
        if (target.DType != DType.Int32)
            throw new ArgumentException($"Cross-entropy targets must be int32 class indices, not {target.DType.ToString().ToLowerInvariant()}.", nameof(target));
        if (losses.DType != x.DType || gradient is not null && gradient.DType != x.DType)
            throw new ArgumentException("Cross-entropy losses and gradient must have the logits' dtype.", nameof(losses));
        if (n == 0) return;
        if (c == 0)
            throw new ArgumentException("Cross-entropy needs at least one class.", nameof(c));
        switch (x.DType)
        {
            case DType.Float32: CrossEntropyOf<float, Float32Math>(x, xOffset, n, c, target, targetOffset, losses, gradient, scale); break;
            case DType.Float64: CrossEntropyOf<double, Float64Math>(x, xOffset, n, c, target, targetOffset, losses, gradient, scale); break;
            default: throw UnsupportedDType("CrossEntropy", x.DType);
        }
    }

    private void CrossEntropyOf<T, TMath>(DeviceBuffer x, int xOffset, int n, int c, DeviceBuffer target, int targetOffset, DeviceBuffer losses, DeviceBuffer? gradient, double scale)
        where T : unmanaged where TMath : struct, IElementMath<T> =>
        CachedKernel("cross-entropy", typeof(T), typeof(T), static a => a.LoadStreamKernel<ArrayView<T>, int, int, ArrayView<int>, int, ArrayView<T>, int, ArrayView<T>, double>(
            Losses.CrossEntropy<T, TMath>))(new KernelConfig(n, GroupSize(c)), ViewOf<T>(x), xOffset, c, ViewOf<int>(target), targetOffset,
            ViewOf<T>(losses), gradient is null ? 0 : 1, ViewOf<T>(gradient ?? losses), scale);
}
