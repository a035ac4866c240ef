using System.Collections.Concurrent;
using ILGPU;
using ILGPU.Runtime;
using SharpGrad.Cuda.Kernels;

namespace SharpGrad.Cuda;

// Copies, fills, binary and unary elementwise ops and where: the kernels of Kernels/Elementwise.cs, compiled on
// first use once per element type (and per op for the binary and unary kernels, whose op is specialised).
internal sealed partial class CudaBackend
{
    private readonly ConcurrentDictionary<(string Kernel, Type T, Type U), Delegate> cachedKernels = new();

    /// <summary>
    /// The kernel <paramref name="name"/> for element types <paramref name="t"/> and <paramref name="u"/>, compiled by
    /// <paramref name="load"/> the first time and kept: ILGPU compiles a kernel in tens of milliseconds, a launch
    /// takes microseconds.
    /// </summary>
    private TDelegate CachedKernel<TDelegate>(string name, Type t, Type u, Func<Accelerator, TDelegate> load) where TDelegate : Delegate =>
        (TDelegate)cachedKernels.GetOrAdd((name, t, u), static (_, s) => s.load(s.accelerator), (load, accelerator));

    private static ArrayView<T> ViewOf<T>(DeviceBuffer buffer) where T : unmanaged => ((CudaBuffer)buffer).View<T>();

    /// <inheritdoc/>
    public void Copy(DeviceBuffer source, int sourceOffset, int[] sourceStrides, DeviceBuffer destination, int destinationOffset, int[] destinationStrides, int[] shape)
    {
        var layout = StridedIndexer.Create(shape, out int count, sourceOffset, sourceStrides, destinationOffset, destinationStrides);
        if (count == 0) return;
        switch (source.DType, destination.DType)
        {
            case (DType.Float32, DType.Float32): CopySame<float>(layout, count, source, destination); break;
            case (DType.Float64, DType.Float64): CopySame<double>(layout, count, source, destination); break;
            case (DType.Int32, DType.Int32): CopySame<int>(layout, count, source, destination); break;
            case (DType.Float32, DType.Float64): Convert<float, double, Float32Math, Float64Math>(layout, count, source, destination); break;
            case (DType.Float32, DType.Int32): Convert<float, int, Float32Math, Int32Math>(layout, count, source, destination); break;
            case (DType.Float64, DType.Float32): Convert<double, float, Float64Math, Float32Math>(layout, count, source, destination); break;
            case (DType.Float64, DType.Int32): Convert<double, int, Float64Math, Int32Math>(layout, count, source, destination); break;
            case (DType.Int32, DType.Float32): Convert<int, float, Int32Math, Float32Math>(layout, count, source, destination); break;
            case (DType.Int32, DType.Float64): Convert<int, double, Int32Math, Float64Math>(layout, count, source, destination); break;
            default: throw UnsupportedDType("Copy", source.DType);
        }
    }

    private void CopySame<T>(StridedIndexer layout, int count, DeviceBuffer source, DeviceBuffer destination) where T : unmanaged
    {
        if (layout.Rank == 0 || layout.Rank == 1 && layout.A0 == 1 && layout.B0 == 1)
        {
            // Both sides contiguous after merging: a device-to-device memory copy, as fast as the memory allows.
            ViewOf<T>(source).SubView(layout.AOffset, count).CopyTo(accelerator.DefaultStream, ViewOf<T>(destination).SubView(layout.BOffset, count));
            return;
        }
        CachedKernel("copy", typeof(T), typeof(T), static a => a.LoadAutoGroupedStreamKernel<Index1D, StridedIndexer, ArrayView<T>, ArrayView<T>>(Elementwise.Copy))
            (count, layout, ViewOf<T>(source), ViewOf<T>(destination));
    }

    private void Convert<TFrom, TTo, TFromMath, TToMath>(StridedIndexer layout, int count, DeviceBuffer source, DeviceBuffer destination)
        where TFrom : unmanaged where TTo : unmanaged where TFromMath : struct, IElementMath<TFrom> where TToMath : struct, IElementMath<TTo> =>
        CachedKernel("convert", typeof(TFrom), typeof(TTo), static a => a.LoadAutoGroupedStreamKernel<Index1D, StridedIndexer, ArrayView<TFrom>, ArrayView<TTo>>(
            Elementwise.Convert<TFrom, TTo, TFromMath, TToMath>))(count, layout, ViewOf<TFrom>(source), ViewOf<TTo>(destination));

    /// <inheritdoc/>
    public void Fill(DeviceBuffer destination, int offset, int count, double value)
    {
        if (count == 0) return;
        if (BitConverter.DoubleToInt64Bits(value) == 0)
        {
            // +0 is all-zero bytes in every dtype: a memset, without a kernel.
            long size = destination.DType.ElementSize();
            ((CudaBuffer)destination).Raw.View.SubView(offset * size, count * size).MemSetToZero(accelerator.DefaultStream);
            return;
        }
        switch (destination.DType)
        {
            case DType.Float32: FillOf(destination, offset, count, (float)value); break;
            case DType.Float64: FillOf(destination, offset, count, value); break;
            case DType.Int32: FillOf(destination, offset, count, default(Int32Math).FromDouble(value)); break;
            default: throw UnsupportedDType("Fill", destination.DType);
        }
    }

    private void FillOf<T>(DeviceBuffer destination, int offset, int count, T value) where T : unmanaged =>
        CachedKernel("fill", typeof(T), typeof(T), static a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, int, T>(Elementwise.Fill))
            (count, ViewOf<T>(destination), offset, value);

    /// <inheritdoc/>
    public void Binary(ElementwiseOp op, int[] shape, DeviceBuffer a, int aOffset, int[] aStrides, DeviceBuffer b, int bOffset, int[] bStrides, DeviceBuffer result)
    {
        if (op > ElementwiseOp.Ge)
            throw new ArgumentException($"{op} is not a binary operation.", nameof(op));
        var layout = StridedIndexer.Create(shape, out int count, aOffset, aStrides, bOffset, bStrides);
        if (count == 0) return;
        switch (result.DType)
        {
            case DType.Float32: BinaryOf<float, Float32Math>(op, layout, count, a, b, result); break;
            case DType.Float64: BinaryOf<double, Float64Math>(op, layout, count, a, b, result); break;
            case DType.Int32 when op is ElementwiseOp.Div or ElementwiseOp.Pow:
                throw new ArgumentException($"{op} needs floating-point operands; it was given int32 tensors.", nameof(op));
            case DType.Int32: BinaryOf<int, Int32Math>(op, layout, count, a, b, result); break;
            default: throw UnsupportedDType(op.ToString(), result.DType);
        }
    }

    private void BinaryOf<T, TMath>(ElementwiseOp op, StridedIndexer layout, int count, DeviceBuffer a, DeviceBuffer b, DeviceBuffer result)
        where T : unmanaged where TMath : struct, IElementMath<T> =>
        CachedKernel("binary", typeof(T), typeof(T), static acc => acc.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<int>, StridedIndexer, ArrayView<T>, ArrayView<T>, ArrayView<T>>(
            Elementwise.Binary<T, TMath>))(count, SpecializedValue.New((int)op), layout, ViewOf<T>(a), ViewOf<T>(b), ViewOf<T>(result));

    /// <inheritdoc/>
    public void Unary(ElementwiseOp op, double p0, double p1, DeviceBuffer x, int xOffset, DeviceBuffer result, int count)
    {
        if (op < ElementwiseOp.Neg)
            throw new ArgumentException($"{op} is not a unary operation.", nameof(op));
        if (count == 0) return;
        switch (result.DType)
        {
            // The CPU rounds the parameters to float before using them; so does this.
            case DType.Float32: UnaryOf<float, Float32Math>(op, (float)p0, (float)p1, x, xOffset, result, count); break;
            case DType.Float64: UnaryOf<double, Float64Math>(op, p0, p1, x, xOffset, result, count); break;
            default: throw UnsupportedDType(op.ToString(), result.DType);
        }
    }

    private void UnaryOf<T, TMath>(ElementwiseOp op, double p0, double p1, DeviceBuffer x, int xOffset, DeviceBuffer result, int count)
        where T : unmanaged where TMath : struct, IElementMath<T> =>
        CachedKernel("unary", typeof(T), typeof(T), static acc => acc.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<int>, double, double, ArrayView<T>, int, ArrayView<T>>(
            Elementwise.Unary<T, TMath>))(count, SpecializedValue.New((int)op), p0, p1, ViewOf<T>(x), xOffset, ViewOf<T>(result));

    /// <inheritdoc/>
    public void Where(int[] shape, DeviceBuffer cond, int condOffset, int[] condStrides, DeviceBuffer a, int aOffset, int[] aStrides,
        DeviceBuffer b, int bOffset, int[] bStrides, DeviceBuffer result)
    {
        var layout = StridedIndexer.Create(shape, out int count, aOffset, aStrides, bOffset, bStrides, condOffset, condStrides);
        if (count == 0) return;
        switch (cond.DType)
        {
            case DType.Float32: WhereOf<float, Float32Math>(layout, count, cond, a, b, result); break;
            case DType.Float64: WhereOf<double, Float64Math>(layout, count, cond, a, b, result); break;
            case DType.Int32: WhereOf<int, Int32Math>(layout, count, cond, a, b, result); break;
            default: throw UnsupportedDType("Where", cond.DType);
        }
    }

    private void WhereOf<TCond, TCondMath>(StridedIndexer layout, int count, DeviceBuffer cond, DeviceBuffer a, DeviceBuffer b, DeviceBuffer result)
        where TCond : unmanaged where TCondMath : struct, IElementMath<TCond>
    {
        switch (result.DType)
        {
            case DType.Float32: WhereOf<TCond, float, TCondMath>(layout, count, cond, a, b, result); break;
            case DType.Float64: WhereOf<TCond, double, TCondMath>(layout, count, cond, a, b, result); break;
            case DType.Int32: WhereOf<TCond, int, TCondMath>(layout, count, cond, a, b, result); break;
            default: throw UnsupportedDType("Where", result.DType);
        }
    }

    private void WhereOf<TCond, T, TCondMath>(StridedIndexer layout, int count, DeviceBuffer cond, DeviceBuffer a, DeviceBuffer b, DeviceBuffer result)
        where TCond : unmanaged where T : unmanaged where TCondMath : struct, IElementMath<TCond> =>
        CachedKernel("where", typeof(TCond), typeof(T), static acc => acc.LoadAutoGroupedStreamKernel<Index1D, StridedIndexer, ArrayView<TCond>, ArrayView<T>, ArrayView<T>, ArrayView<T>>(
            Elementwise.Where<TCond, T, TCondMath>))(count, layout, ViewOf<TCond>(cond), ViewOf<T>(a), ViewOf<T>(b), ViewOf<T>(result));

    private static ArgumentException UnsupportedDType(string op, DType dtype) =>
        new($"{op} on the GPU does not take {dtype.ToString().ToLowerInvariant()} tensors.");
}
