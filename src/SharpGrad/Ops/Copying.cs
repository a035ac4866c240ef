using SharpGrad.Kernels;

namespace SharpGrad;

public sealed partial class Tensor
{
    /// <summary>A tensor sharing this one's storage but cut from the graph: a leaf that does not require gradients.</summary>
    public Tensor Detach() => AsStrided(ShapeArray, StrideArray, Offset);

    /// <summary>A contiguous copy with its own storage. ∂/∂x = 1.</summary>
    public Tensor Clone() => Autograd.Record(Dispatch.Copy(this), OpCode.Clone, [this]);

    /// <summary>This tensor if its elements are already contiguous, otherwise a contiguous copy. ∂/∂x = 1.</summary>
    public Tensor Contiguous() =>
        IsContiguous ? this : Autograd.Record(Dispatch.Copy(this), OpCode.Contiguous, [this], g => [g]);

    /// <summary>This tensor converted to <paramref name="dtype"/> (itself when it already has it). Gradients are converted back.</summary>
    public Tensor To(DType dtype)
    {
        if (dtype == DType) return this;
        var source = DType;
        var result = Dispatch.Cast(this, dtype);
        return dtype.IsFloatingPoint() ? Autograd.Record(result, OpCode.Cast, [this], g => [g.To(source)]) : result;
    }

    /// <summary>
    /// This tensor on <paramref name="device"/> (itself when it is already there): a contiguous copy in the other
    /// device's memory, as PyTorch's <c>tensor.to(device)</c>. Gradients are copied back to this tensor's device.
    /// </summary>
    /// <exception cref="InvalidOperationException">The device cannot be used (no SharpGrad.Cuda, no driver, no such GPU).</exception>
    public Tensor To(Device device)
    {
        if (device == Device) return this;
        var source = Device;
        var result = Dispatch.ToDevice(this, device);
        return DType.IsFloatingPoint() ? Autograd.Record(result, OpCode.ToDevice, [this], g => [g.To(source)]) : result;
    }

    /// <summary>A contiguous copy outside the graph.</summary>
    internal Tensor DetachedCopy() => Dispatch.Copy(this);

    /// <summary>Adds <paramref name="alpha"/>·<paramref name="other"/> (broadcast to this shape) into this tensor.</summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1)
    {
        CheckInPlace("AddInPlace");
        // One number into another (the gradient sums of a scalar graph): no layout or kernel call, which would
        // cost more than the addition.
        if (alpha == 1 && Rank == 0 && other.Rank == 0 && other.DType == DType && Device.IsCpu && other.Device.IsCpu && !ReferenceEquals(other.Storage, Storage))
        {
            switch (DType)
            {
                case DType.Float32: Data<float>()[Offset] += other.Data<float>()[other.Offset]; break;
                case DType.Float64: Data<double>()[Offset] += other.Data<double>()[other.Offset]; break;
                default: Data<int>()[Offset] += other.Data<int>()[other.Offset]; break;
            }
            Storage.BumpVersion();
            return this;
        }
        var src = alpha == 1 ? other : other.Mul(alpha);
        if (src.DType != DType) src = src.To(DType);
        // Reading a view of this very storage while writing it (x.AddInPlace(x.T)) must see the old values.
        if (ReferenceEquals(src.Storage, Storage)) src = Dispatch.Copy(src);
        var srcStrides = BroadcastSourceStrides(src, "AddInPlace");
        if (!Device.IsCpu || !src.Device.IsCpu)
        {
            Dispatch.CopyInto(Dispatch.Binary<AddOp<float>, AddOp<double>, AddOp<int>>(this, src, "AddInPlace"), this);
            Storage.BumpVersion();
            return this;
        }
        var layout = Count > 0 && IsContiguous && Dispatch.IsFlatOperand(src, Count)
            ? StridedLayout.BinaryRow(Count, Count > 1, src.Count == Count && Count > 1)
            : StridedLayout.Create(ShapeArray, StrideArray, srcStrides, StrideArray);
        switch (DType)
        {
            case DType.Float32: Elementwise.Binary(default(AddOp<float>), layout, Data<float>(), Offset, src.Data<float>(), src.Offset, Data<float>(), Offset); break;
            case DType.Float64: Elementwise.Binary(default(AddOp<double>), layout, Data<double>(), Offset, src.Data<double>(), src.Offset, Data<double>(), Offset); break;
            default: Elementwise.Binary(default(AddOp<int>), layout, Data<int>(), Offset, src.Data<int>(), src.Offset, Data<int>(), Offset); break;
        }
        Storage.BumpVersion();
        return this;
    }

    /// <summary>Multiplies this tensor by a constant in place.</summary>
    public Tensor MulInPlace(double factor)
    {
        CheckInPlace("MulInPlace");
        // An int32 tensor times a fractional factor is computed in float64 and truncated back, as
        // AddInPlace does; a Scalar(factor, Int32) would have truncated the factor itself (0.5 → 0).
        var scaled = DType == DType.Int32 && factor != Math.Floor(factor)
            ? Dispatch.Binary<MulOp<float>, MulOp<double>, MulOp<int>>(Dispatch.Cast(this, DType.Float64), Scalar(factor, DType.Float64), "MulInPlace")
            : Dispatch.Binary<MulOp<float>, MulOp<double>, MulOp<int>>(this, Scalar(factor, DType), "MulInPlace");
        Dispatch.CopyInto(scaled, this);
        Storage.BumpVersion();
        return this;
    }

    /// <summary>Copies <paramref name="source"/> (broadcast to this shape, converted to this dtype) into this tensor.</summary>
    public Tensor CopyFrom(Tensor source)
    {
        CheckInPlace("CopyFrom");
        BroadcastSourceStrides(source, "CopyFrom");
        // An overlapping view of this storage (x[1..] = x[..^1]) is copied first, so every read sees the old values.
        if (ReferenceEquals(source.Storage, Storage)) source = Dispatch.Copy(source);
        Dispatch.CopyInto(source, this);
        Storage.BumpVersion();
        return this;
    }

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public Tensor Fill(double value)
    {
        CheckInPlace("Fill");
        Dispatch.CopyInto(Scalar(value, DType), this);
        Storage.BumpVersion();
        return this;
    }

    /// <summary>Sets every element to zero.</summary>
    public Tensor Zero() => Fill(0);

    /// <summary>
    /// In-place writes are not recorded, so they are refused on tensors that take part in
    /// gradient computation unless gradients are off (as in an optimiser step).
    /// </summary>
    private void CheckInPlace(string op)
    {
        if (requiresGrad && Autograd.IsGradEnabled)
            throw new InvalidOperationException(
                $"{op}: a tensor that requires gradients cannot be modified in place while gradients are recorded" +
                (IsLeaf ? "; wrap the update in `using (Autograd.NoGrad())` (as optimisers do)." : $" (it was produced by {GradFn!.Name}); use the out-of-place op instead."));
    }

    private int[] BroadcastSourceStrides(Tensor src, string op)
    {
        var shape = ShapeMath.Broadcast(ShapeArray, src.ShapeArray, op);
        if (!ShapeMath.SameShape(shape, ShapeArray))
            throw new ArgumentException($"{op}: a tensor of shape {ShapeMath.Format(src.ShapeArray)} cannot be written into one of shape {ShapeMath.Format(ShapeArray)}.");
        return ShapeMath.BroadcastStrides(src.ShapeArray, src.StrideArray, ShapeArray);
    }
}
