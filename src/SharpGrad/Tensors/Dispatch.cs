using System.Numerics;
using SharpGrad.Kernels;

namespace SharpGrad;

/// <summary>
/// The bridge from tensors to kernels: picks the kernel instantiation for the element type,
/// allocates the result and passes arrays, offsets and strides down. Nothing here records a
/// graph; the ops in <c>Ops/</c> do that around these calls.
/// </summary>
internal static class Dispatch
{
    /// <summary>An op on two tensors of the same dtype, broadcast; int32 allowed.</summary>
    public static Tensor Binary<TF, TD, TI>(Tensor a, Tensor b, string op)
        where TF : struct, IBinaryOp<float> where TD : struct, IBinaryOp<double> where TI : struct, IBinaryOp<int>
    {
        if (!a.Device.IsCpu || !b.Device.IsCpu)
            return DeviceBinary(TF.Kind, a, b, op);
        if (a.Rank == 0 && b.Rank == 0 && a.DType == b.DType)
            return a.DType switch
            {
                DType.Float32 => ScalarBinary<float, TF>(default, a, b),
                DType.Float64 => ScalarBinary<double, TD>(default, a, b),
                _ => ScalarBinary<int, TI>(default, a, b),
            };
        var (result, layout) = PrepareBinary(a, b, op);
        switch (result.DType)
        {
            case DType.Float32: Elementwise.Binary(default(TF), layout, a.Data<float>(), a.Offset, b.Data<float>(), b.Offset, result.Data<float>(), 0); break;
            case DType.Float64: Elementwise.Binary(default(TD), layout, a.Data<double>(), a.Offset, b.Data<double>(), b.Offset, result.Data<double>(), 0); break;
            default: Elementwise.Binary(default(TI), layout, a.Data<int>(), a.Offset, b.Data<int>(), b.Offset, result.Data<int>(), 0); break;
        }
        return result;
    }

    /// <summary>An op on two floating-point tensors of the same dtype, broadcast.</summary>
    public static Tensor BinaryFloat<TF, TD>(Tensor a, Tensor b, string op)
        where TF : struct, IBinaryOp<float> where TD : struct, IBinaryOp<double>
    {
        RequireFloat(a, op);
        if (!a.Device.IsCpu || !b.Device.IsCpu)
            return DeviceBinary(TF.Kind, a, b, op);
        if (a.Rank == 0 && b.Rank == 0 && a.DType == b.DType)
            return a.DType == DType.Float32 ? ScalarBinary<float, TF>(default, a, b) : ScalarBinary<double, TD>(default, a, b);
        var (result, layout) = PrepareBinary(a, b, op);
        if (result.DType == DType.Float32)
            Elementwise.Binary(default(TF), layout, a.Data<float>(), a.Offset, b.Data<float>(), b.Offset, result.Data<float>(), 0);
        else
            Elementwise.Binary(default(TD), layout, a.Data<double>(), a.Offset, b.Data<double>(), b.Offset, result.Data<double>(), 0);
        return result;
    }

    // Two 0-d operands, the whole of a scalar graph (micrograd-style code): no broadcast shape, layout
    // or kernel call to work out, which would cost more than the arithmetic.
    private static Tensor ScalarBinary<T, TOp>(TOp op, Tensor a, Tensor b)
        where T : unmanaged where TOp : struct, IBinaryOp<T>
    {
        var result = Tensor.Uninitialized([], a.DType);
        result.Data<T>()[0] = op.Invoke(a.Data<T>()[a.Offset], b.Data<T>()[b.Offset]);
        return result;
    }

    /// <summary>A unary op on a floating-point tensor; the result is contiguous with the input's shape.</summary>
    public static Tensor Unary<TF, TD>(Tensor x, TF f, TD d, string op)
        where TF : struct, IUnaryOp<float> where TD : struct, IUnaryOp<double>
    {
        RequireFloat(x, op);
        var src = Contiguous(x);
        if (!x.Device.IsCpu)
        {
            var onDevice = Tensor.Uninitialized((int[])x.ShapeArray.Clone(), x.DType, x.Device);
            var (p0, p1) = x.DType == DType.Float32 ? f.Parameters : d.Parameters;
            if (x.Count > 0)
                DeviceBackends.For(x.Device).Unary(TF.Kind, p0, p1, src.Buffer, src.Offset, onDevice.Buffer, x.Count);
            return onDevice;
        }
        var result = Tensor.Uninitialized((int[])x.ShapeArray.Clone(), x.DType);
        if (x.DType == DType.Float32)
            Elementwise.Unary(f, src.Data<float>(), src.Offset, result.Data<float>(), 0, x.Count);
        else
            Elementwise.Unary(d, src.Data<double>(), src.Offset, result.Data<double>(), 0, x.Count);
        return result;
    }

    /// <summary>A contiguous copy of <paramref name="x"/> in <paramref name="device"/>'s memory (not recorded).</summary>
    public static Tensor ToDevice(Tensor x, Device device)
    {
        if (x.Device.IsCpu)
        {
            var src = Contiguous(x);
            var result = Tensor.Uninitialized((int[])x.ShapeArray.Clone(), x.DType, device);
            DeviceBackends.For(device).Upload(src.Storage.Data, src.Offset, result.Buffer, 0, x.Count);
            return result;
        }
        if (device.IsCpu)
        {
            var src = Contiguous(x);
            var result = Tensor.Uninitialized((int[])x.ShapeArray.Clone(), x.DType);
            DeviceBackends.For(x.Device).Download(src.Buffer, src.Offset, result.Storage.Data, 0, x.Count);
            return result;
        }
        return ToDevice(ToDevice(x, Device.Cpu), device);
    }

    /// <summary><paramref name="x"/> itself when contiguous, otherwise a contiguous copy (not recorded).</summary>
    public static Tensor Contiguous(Tensor x) => x.IsContiguous ? x : Copy(x);

    /// <summary>A contiguous copy with a fresh storage (not recorded).</summary>
    public static Tensor Copy(Tensor x)
    {
        var result = Tensor.Uninitialized((int[])x.ShapeArray.Clone(), x.DType, x.Device);
        CopyInto(x, result);
        return result;
    }

    /// <summary>Writes <paramref name="src"/>, broadcast to the shape of <paramref name="dst"/>, into dst's elements (any strides).</summary>
    public static void CopyInto(Tensor src, Tensor dst)
    {
        // A copy is the one op that moves elements between devices on purpose (PyTorch's copy_).
        if (src.Device != dst.Device)
            src = ToDevice(src, dst.Device);
        if (!dst.Device.IsCpu)
        {
            // The one copy kernel of a device converts dtypes and follows any strides on both sides.
            if (dst.Count > 0)
                DeviceBackends.For(dst.Device).Copy(src.Buffer, src.Offset, ShapeMath.BroadcastStrides(src.ShapeArray, src.StrideArray, dst.ShapeArray),
                    dst.Buffer, dst.Offset, dst.StrideArray, dst.ShapeArray);
            return;
        }
        if (src.DType != dst.DType)
            src = Cast(src, dst.DType);
        if (dst.IsContiguous && (src.Count == 1 || (src.Count == dst.Count && src.IsContiguous)))
        {
            // Same order on both sides (see PrepareBinary), or one value to repeat.
            switch (dst.DType)
            {
                case DType.Float32: Elementwise.CopyContiguous(src.Data<float>(), src.Offset, src.Count, dst.Data<float>(), dst.Offset, dst.Count); break;
                case DType.Float64: Elementwise.CopyContiguous(src.Data<double>(), src.Offset, src.Count, dst.Data<double>(), dst.Offset, dst.Count); break;
                default: Elementwise.CopyContiguous(src.Data<int>(), src.Offset, src.Count, dst.Data<int>(), dst.Offset, dst.Count); break;
            }
            return;
        }
        var srcStrides = ShapeMath.BroadcastStrides(src.ShapeArray, src.StrideArray, dst.ShapeArray);
        var layout = StridedLayout.Create(dst.ShapeArray, srcStrides, dst.StrideArray);
        switch (dst.DType)
        {
            case DType.Float32: Elementwise.Copy(layout, src.Data<float>(), src.Offset, dst.Data<float>(), dst.Offset); break;
            case DType.Float64: Elementwise.Copy(layout, src.Data<double>(), src.Offset, dst.Data<double>(), dst.Offset); break;
            default: Elementwise.Copy(layout, src.Data<int>(), src.Offset, dst.Data<int>(), dst.Offset); break;
        }
    }

    /// <summary>A contiguous copy converted to <paramref name="dtype"/> (not recorded).</summary>
    public static Tensor Cast(Tensor x, DType dtype)
    {
        if (x.DType == dtype)
            return Copy(x);
        if (!x.Device.IsCpu)
        {
            var converted = Tensor.Uninitialized((int[])x.ShapeArray.Clone(), dtype, x.Device);
            CopyInto(x, converted);
            return converted;
        }
        var src = Contiguous(x);
        var result = Tensor.Uninitialized((int[])x.ShapeArray.Clone(), dtype);
        switch (x.DType, dtype)
        {
            case (DType.Float32, DType.Float64): Elementwise.Convert<float, double>(src.Span<float>(), result.Span<double>()); break;
            case (DType.Float64, DType.Float32): Elementwise.Convert<double, float>(src.Span<double>(), result.Span<float>()); break;
            case (DType.Int32, DType.Float32): Elementwise.Convert<int, float>(src.Span<int>(), result.Span<float>()); break;
            case (DType.Int32, DType.Float64): Elementwise.Convert<int, double>(src.Span<int>(), result.Span<double>()); break;
            case (DType.Float32, DType.Int32): Elementwise.Convert<float, int>(src.Span<float>(), result.Span<int>()); break;
            case (DType.Float64, DType.Int32): Elementwise.Convert<double, int>(src.Span<double>(), result.Span<int>()); break;
            default: src.Span<int>().CopyTo(result.Span<int>()); break;
        }
        return result;
    }

    /// <summary>cond ≠ 0 ? a : b with broadcasting over all three (a and b share a dtype).</summary>
    public static Tensor Where(Tensor cond, Tensor a, Tensor b)
    {
        var shape = ShapeMath.Broadcast(ShapeMath.Broadcast(cond.ShapeArray, a.ShapeArray, "Where"), b.ShapeArray, "Where");
        if (!cond.Device.IsCpu || !a.Device.IsCpu || !b.Device.IsCpu)
        {
            var device = !a.Device.IsCpu ? a.Device : !b.Device.IsCpu ? b.Device : cond.Device;
            cond = OnDevice(cond, device, "Where");
            a = OnDevice(a, device, "Where");
            b = OnDevice(b, device, "Where");
            var onDevice = Tensor.Uninitialized(shape, a.DType, device);
            if (onDevice.Count > 0)
                DeviceBackends.For(device).Where(shape, cond.Buffer, cond.Offset, ShapeMath.BroadcastStrides(cond.ShapeArray, cond.StrideArray, shape),
                    a.Buffer, a.Offset, ShapeMath.BroadcastStrides(a.ShapeArray, a.StrideArray, shape),
                    b.Buffer, b.Offset, ShapeMath.BroadcastStrides(b.ShapeArray, b.StrideArray, shape), onDevice.Buffer);
            return onDevice;
        }
        var result = Tensor.Uninitialized(shape, a.DType);
        var layout = StridedLayout.Create(shape,
            ShapeMath.BroadcastStrides(cond.ShapeArray, cond.StrideArray, shape),
            ShapeMath.BroadcastStrides(a.ShapeArray, a.StrideArray, shape),
            ShapeMath.BroadcastStrides(b.ShapeArray, b.StrideArray, shape),
            result.StrideArray);
        switch (cond.DType)
        {
            case DType.Float32: WhereTyped(layout, cond.Data<float>(), cond.Offset, a, b, result); break;
            case DType.Float64: WhereTyped(layout, cond.Data<double>(), cond.Offset, a, b, result); break;
            default: WhereTyped(layout, cond.Data<int>(), cond.Offset, a, b, result); break;
        }
        return result;
    }

    public static void RequireFloat(Tensor x, string op)
    {
        if (!x.DType.IsFloatingPoint())
            throw new NotSupportedException($"{op} needs a floating-point tensor; this one is {x.DType.Name()}. Convert it with To(DType.Float32) first.");
    }

    private static void WhereTyped<TC>(StridedLayout layout, TC[] cond, int cOffset, Tensor a, Tensor b, Tensor result) where TC : unmanaged, INumber<TC>
    {
        switch (a.DType)
        {
            case DType.Float32: Elementwise.Where(layout, cond, cOffset, a.Data<float>(), a.Offset, b.Data<float>(), b.Offset, result.Data<float>(), 0); break;
            case DType.Float64: Elementwise.Where(layout, cond, cOffset, a.Data<double>(), a.Offset, b.Data<double>(), b.Offset, result.Data<double>(), 0); break;
            default: Elementwise.Where(layout, cond, cOffset, a.Data<int>(), a.Offset, b.Data<int>(), b.Offset, result.Data<int>(), 0); break;
        }
    }

    private static (Tensor Result, StridedLayout Layout) PrepareBinary(Tensor a, Tensor b, string op)
    {
        if (a.DType != b.DType)
            throw new InvalidOperationException($"{op}: operands have different dtypes ({a.DType.Name()} and {b.DType.Name()}).");
        var shape = ShapeMath.Broadcast(a.ShapeArray, b.ShapeArray, op);
        var result = Tensor.Uninitialized(shape, a.DType);
        int n = result.Count;
        // An operand with as many elements as the result (and broadcastable to it) has its shape
        // up to leading 1s, so when contiguous it reads in the result's order; a single element
        // is broadcast. Both together are the common case, and need no dimension merging.
        if (n > 0 && IsFlatOperand(a, n) && IsFlatOperand(b, n))
            return (result, StridedLayout.BinaryRow(n, a.Count == n && n > 1, b.Count == n && n > 1));
        var layout = StridedLayout.Create(shape,
            ShapeMath.BroadcastStrides(a.ShapeArray, a.StrideArray, shape),
            ShapeMath.BroadcastStrides(b.ShapeArray, b.StrideArray, shape),
            result.StrideArray);
        return (result, layout);
    }

    // ---- Devices ----------------------------------------------------------------------------------

    /// <summary>a op b on the operands' device (a 0-d CPU operand, a constant, is copied there as PyTorch allows).</summary>
    private static Tensor DeviceBinary(ElementwiseOp kind, Tensor a, Tensor b, string op)
    {
        if (a.DType != b.DType)
            throw new InvalidOperationException($"{op}: operands have different dtypes ({a.DType.Name()} and {b.DType.Name()}).");
        var device = a.Device.IsCpu ? b.Device : a.Device;
        a = OnDevice(a, device, op);
        b = OnDevice(b, device, op);
        var shape = ShapeMath.Broadcast(a.ShapeArray, b.ShapeArray, op);
        var result = Tensor.Uninitialized(shape, a.DType, device);
        if (result.Count > 0)
            DeviceBackends.For(device).Binary(kind, shape, a.Buffer, a.Offset, ShapeMath.BroadcastStrides(a.ShapeArray, a.StrideArray, shape),
                b.Buffer, b.Offset, ShapeMath.BroadcastStrides(b.ShapeArray, b.StrideArray, shape), result.Buffer);
        return result;
    }

    /// <summary>
    /// <paramref name="x"/> on <paramref name="device"/>: itself when it is there, a copy when it is a 0-d CPU tensor (a
    /// constant), and otherwise an error naming both devices, since a silent copy of a whole tensor would hide a slow program.
    /// </summary>
    public static Tensor OnDevice(Tensor x, Device device, string op)
    {
        if (x.Device == device)
            return x;
        if (x.Rank == 0 && x.Device.IsCpu)
            return DeviceConstant(x, device);
        throw new InvalidOperationException(
            $"{op}: expected all tensors on the same device, but found tensors on {device} and {x.Device}; move them with To(Device) first.");
    }

    /// <summary>
    /// <paramref name="x"/> itself when each of its matrices (the last two dimensions) has a unit row or column stride,
    /// as BLAS-style matrix kernels need, otherwise a contiguous copy.
    /// </summary>
    public static Tensor UnitStrideMatrices(Tensor x) =>
        x.StrideArray[^1] == 1 || x.StrideArray[^2] == 1 ? x : Copy(x);

    // Constants copied to devices, by value: the backward rules multiply by the same few constants (0, 1, −1, a scale)
    // at every step, and an upload is a synchronous copy, so each is uploaded once. Bounded, since a program that
    // creates a constant per step (a learning rate decayed by hand) would otherwise grow it without end.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(Device, DType, long), Tensor> deviceConstants = new();
    private const int MaxDeviceConstants = 4096;

    private static Tensor DeviceConstant(Tensor x, Device device)
    {
        long bits = x.DType switch
        {
            DType.Float32 => BitConverter.SingleToInt32Bits(x.Data<float>()[x.Offset]),
            DType.Float64 => BitConverter.DoubleToInt64Bits(x.Data<double>()[x.Offset]),
            _ => x.Data<int>()[x.Offset],
        };
        var key = (device, x.DType, bits);
        if (deviceConstants.TryGetValue(key, out var cached))
            return cached;
        var uploaded = MemoryScope.Keep(ToDevice(x, device));
        if (deviceConstants.Count < MaxDeviceConstants)
            deviceConstants.TryAdd(key, uploaded);
        return uploaded;
    }


    /// <summary>Whether <paramref name="x"/> reads as one row against a contiguous result of <paramref name="n"/> elements (see PrepareBinary).</summary>
    public static bool IsFlatOperand(Tensor x, int n) => x.Count == 1 || (x.Count == n && x.IsContiguous);

    /// <summary>
    /// Reduces over <paramref name="dims"/> (sorted, distinct, already wrapped). The data is
    /// brought to a [kept, reduced] layout: read in place when the strides already have it,
    /// summed down columns when the reduced dimensions lead a contiguous tensor, copied otherwise.
    /// </summary>
    public static Tensor Reduce(Tensor x, int[] dims, bool keepDim, ReduceKind kind, string op)
    {
        var (permuted, outShape, rows, length) = ReductionLayout(x, dims, keepDim);
        if (length == 0 && kind != ReduceKind.Sum)
            throw new ArgumentException($"{op}: cannot reduce over an empty dimension (shape {ShapeMath.Format(x.ShapeArray)}).");
        if (!x.Device.IsCpu)
        {
            var reduced = Tensor.ZerosOn(outShape, x.DType, x.Device);
            if (length > 0 && rows > 0)
            {
                var contiguous = Contiguous(permuted);
                DeviceBackends.For(x.Device).Reduce(kind, contiguous.Buffer, contiguous.Offset, rows, length, 1, reduced.Buffer);
            }
            return reduced;
        }
        // An empty reduction is a tensor of zeros; otherwise every element is written.
        var result = length == 0 ? new Tensor(outShape, x.DType) : Tensor.Uninitialized(outShape, x.DType);
        if (length == 0 || rows == 0)
            return result;
        bool leading = kind == ReduceKind.Sum && dims.Length > 0 && x.IsContiguous && dims[^1] == dims.Length - 1 && !permuted.IsContiguous;
        var src = leading ? x : Contiguous(permuted);
        switch (x.DType)
        {
            case DType.Float32: ReduceTyped(src, rows, length, kind, leading, result.Data<float>()); break;
            case DType.Float64: ReduceTyped(src, rows, length, kind, leading, result.Data<double>()); break;
            default: ReduceTyped(src, rows, length, kind, leading, result.Data<int>()); break;
        }
        return result;
    }

    /// <summary>Index of the first maximum (or minimum) along one dimension, as int32.</summary>
    public static Tensor ArgReduce(Tensor x, int dim, bool keepDim, bool max, string op)
    {
        var (permuted, outShape, rows, length) = ReductionLayout(x, [dim], keepDim);
        if (length == 0)
            throw new ArgumentException($"{op}: cannot reduce over an empty dimension (shape {ShapeMath.Format(x.ShapeArray)}).");
        var src = Contiguous(permuted);
        if (!x.Device.IsCpu)
        {
            var indices = Tensor.Uninitialized(outShape, DType.Int32, x.Device);
            if (rows > 0)
                DeviceBackends.For(x.Device).ArgReduce(max, src.Buffer, src.Offset, rows, length, 1, indices.Buffer);
            return indices;
        }
        var result = Tensor.Uninitialized(outShape, DType.Int32);
        switch (x.DType)
        {
            case DType.Float32: Reduction.ArgRows(src.Data<float>(), src.Offset, rows, length, result.Data<int>(), 0, max); break;
            case DType.Float64: Reduction.ArgRows(src.Data<double>(), src.Offset, rows, length, result.Data<int>(), 0, max); break;
            default: Reduction.ArgRows(src.Data<int>(), src.Offset, rows, length, result.Data<int>(), 0, max); break;
        }
        return result;
    }

    private static (Tensor Permuted, int[] OutShape, int Rows, int Length) ReductionLayout(Tensor x, int[] dims, bool keepDim)
    {
        int rank = x.Rank;
        var reduced = new bool[rank];
        foreach (int d in dims) reduced[d] = true;
        var perm = new int[rank];
        var outShape = new List<int>();
        int k = 0, rows = 1, length = 1;
        for (int i = 0; i < rank; i++)
        {
            if (reduced[i])
            {
                if (keepDim) outShape.Add(1);
                continue;
            }
            perm[k++] = i;
            outShape.Add(x.ShapeArray[i]);
            rows *= x.ShapeArray[i];
        }
        foreach (int d in dims)
        {
            perm[k++] = d;
            length *= x.ShapeArray[d];
        }
        var shape = new int[rank];
        var strides = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            shape[i] = x.ShapeArray[perm[i]];
            strides[i] = x.StrideArray[perm[i]];
        }
        return (x.AsStrided(shape, strides, x.Offset), [.. outShape], rows, length);
    }

    private static void ReduceTyped<T>(Tensor src, int rows, int length, ReduceKind kind, bool leading, T[] dst)
        where T : unmanaged, System.Numerics.INumber<T>
    {
        var data = src.Data<T>();
        if (leading)
        {
            Reduction.SumColumns(data, src.Offset, length, rows, dst, 0);
            return;
        }
        switch (kind)
        {
            case ReduceKind.Sum: Reduction.Rows(default(SumReduce<T>), data, src.Offset, rows, length, dst, 0); break;
            case ReduceKind.Max: Reduction.Rows(default(MaxReduce<T>), data, src.Offset, rows, length, dst, 0); break;
            default: Reduction.Rows(default(MinReduce<T>), data, src.Offset, rows, length, dst, 0); break;
        }
    }
}

/// <summary>The reductions the kernel layer provides directly.</summary>
internal enum ReduceKind
{
    Sum,
    Max,
    Min,
}
