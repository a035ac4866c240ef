using ILGPU;
using ILGPU.Runtime;
using SharpGrad.Cuda.Kernels;

namespace SharpGrad.Cuda;

// Sum, max and min along an axis, arg-max and arg-min, and log-softmax over rows: the kernels of Kernels/Reductions.cs.
internal sealed partial class CudaBackend
{
    /// <summary>
    /// Whether an axis reduction runs one thread group per output rather than one thread: when rows are contiguous
    /// (a thread per row would read with a stride of a whole row) or when there are too few outputs to fill the GPU.
    /// </summary>
    private static bool UseGroups(int outputs, int length, int inner) => length >= 64 && (inner == 1 || outputs < 2048);

    /// <summary>
    /// How many chunks each row is cut into when a few long rows would leave most of the GPU idle with one group per
    /// row: about one chunk per 16384 elements, at most 1024 groups in all; 1 means no chunking.
    /// </summary>
    private static int Chunks(int outputs, int length)
    {
        if (outputs >= 64 || length < 32768) return 1;
        return Math.Clamp(length / 16384, 2, Math.Max(2, 1024 / outputs));
    }

    /// <summary>A power-of-two group size for rows of <paramref name="length"/>: no more threads than elements, at most <see cref="Reductions.MaxGroupSize"/>.</summary>
    private int GroupSize(int length)
    {
        int limit = Math.Min(Reductions.MaxGroupSize, accelerator.MaxNumThreadsPerGroup);
        int size = 1;
        while (size * 2 <= limit && size < length) size *= 2;
        return size;
    }

    /// <inheritdoc/>
    public void Reduce(ReduceKind kind, DeviceBuffer x, int xOffset, int outer, int length, int inner, DeviceBuffer result)
    {
        if (outer * inner == 0) return;
        switch (x.DType)
        {
            case DType.Float32: ReduceOf<float, double, Float32Accumulator>(kind, x, xOffset, outer, length, inner, result); break;
            case DType.Float64: ReduceOf<double, double, Float64Accumulator>(kind, x, xOffset, outer, length, inner, result); break;
            case DType.Int32: ReduceOf<int, int, Int32Accumulator>(kind, x, xOffset, outer, length, inner, result); break;
            default: throw UnsupportedDType(kind.ToString(), x.DType);
        }
    }

    private void ReduceOf<T, TAcc, TA>(ReduceKind kind, DeviceBuffer x, int xOffset, int outer, int length, int inner, DeviceBuffer result)
        where T : unmanaged where TAcc : unmanaged where TA : struct, IAccumulator<T, TAcc>
    {
        int outputs = outer * inner;
        int chunks = Chunks(outputs, length);
        if (chunks > 1)
        {
            // Partials are accumulator values (double for float32); the buffer goes back to the cache at once, which is
            // safe because every later use of it is queued on the same stream after these two kernels.
            using var partials = allocator.Allocate(DTypeExtensions.Of<TAcc>(), outputs * chunks);
            CachedKernel("reduce-chunks", typeof(T), typeof(TAcc), static a => a.LoadStreamKernel<SpecializedValue<int>, ArrayView<T>, int, int, int, int, ArrayView<TAcc>>(
                Reductions.ReduceChunks<T, TAcc, TA>))(new KernelConfig(outputs * chunks, GroupSize(length / chunks)), SpecializedValue.New((int)kind),
                ViewOf<T>(x), xOffset, length, inner, chunks, partials.View<TAcc>());
            CachedKernel("reduce-partials", typeof(T), typeof(TAcc), static a => a.LoadStreamKernel<SpecializedValue<int>, ArrayView<TAcc>, int, ArrayView<T>>(
                Reductions.ReducePartials<T, TAcc, TA>))(new KernelConfig(outputs, GroupSize(chunks)), SpecializedValue.New((int)kind),
                partials.View<TAcc>(), chunks, ViewOf<T>(result));
        }
        else if (UseGroups(outputs, length, inner))
            CachedKernel("reduce-groups", typeof(T), typeof(TAcc), static a => a.LoadStreamKernel<SpecializedValue<int>, ArrayView<T>, int, int, int, ArrayView<T>>(
                Reductions.ReduceGroups<T, TAcc, TA>))(new KernelConfig(outputs, GroupSize(length)), SpecializedValue.New((int)kind), ViewOf<T>(x), xOffset, length, inner, ViewOf<T>(result));
        else
            CachedKernel("reduce-threads", typeof(T), typeof(TAcc), static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<int>, ArrayView<T>, int, int, int, ArrayView<T>>(
                Reductions.ReduceThreads<T, TAcc, TA>))(outputs, SpecializedValue.New((int)kind), ViewOf<T>(x), xOffset, length, inner, ViewOf<T>(result));
    }

    /// <inheritdoc/>
    public void ArgReduce(bool max, DeviceBuffer x, int xOffset, int outer, int length, int inner, DeviceBuffer result)
    {
        if (outer * inner == 0) return;
        switch (x.DType)
        {
            case DType.Float32: ArgReduceOf<float, Float32Math>(max, x, xOffset, outer, length, inner, result); break;
            case DType.Float64: ArgReduceOf<double, Float64Math>(max, x, xOffset, outer, length, inner, result); break;
            case DType.Int32: ArgReduceOf<int, Int32Math>(max, x, xOffset, outer, length, inner, result); break;
            default: throw UnsupportedDType(max ? "ArgMax" : "ArgMin", x.DType);
        }
    }

    private void ArgReduceOf<T, TMath>(bool max, DeviceBuffer x, int xOffset, int outer, int length, int inner, DeviceBuffer result)
        where T : unmanaged where TMath : struct, IElementMath<T>
    {
        int outputs = outer * inner;
        if (UseGroups(outputs, length, inner))
            CachedKernel("arg-groups", typeof(T), typeof(int), static a => a.LoadStreamKernel<int, ArrayView<T>, int, int, int, ArrayView<int>>(
                Reductions.ArgGroups<T, TMath>))(new KernelConfig(outputs, GroupSize(length)), max ? 1 : 0, ViewOf<T>(x), xOffset, length, inner, ViewOf<int>(result));
        else
            CachedKernel("arg-threads", typeof(T), typeof(int), static a => a.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<T>, int, int, int, ArrayView<int>>(
                Reductions.ArgThreads<T, TMath>))(outputs, max ? 1 : 0, ViewOf<T>(x), xOffset, length, inner, ViewOf<int>(result));
    }

    /// <inheritdoc/>
    public void LogSoftmaxRows(DeviceBuffer x, int xOffset, int rows, int length, DeviceBuffer result)
    {
        if (rows == 0 || length == 0) return;
        switch (x.DType)
        {
            case DType.Float32: LogSoftmaxOf<float, Float32Math>(x, xOffset, rows, length, result); break;
            case DType.Float64: LogSoftmaxOf<double, Float64Math>(x, xOffset, rows, length, result); break;
            default: throw UnsupportedDType("LogSoftmax", x.DType);
        }
    }

    private void LogSoftmaxOf<T, TMath>(DeviceBuffer x, int xOffset, int rows, int length, DeviceBuffer result)
        where T : unmanaged where TMath : struct, IElementMath<T> =>
        CachedKernel("log-softmax", typeof(T), typeof(T), static a => a.LoadStreamKernel<ArrayView<T>, int, int, ArrayView<T>>(
            Reductions.LogSoftmaxRows<T, TMath>))(new KernelConfig(rows, GroupSize(length)), ViewOf<T>(x), xOffset, length, ViewOf<T>(result));
}
