namespace SharpGrad;

/// <summary>
/// An n-dimensional array of float32, float64 or int32 elements that records the operations
/// applied to it so that gradients can be computed by reverse-mode differentiation. A tensor
/// is a view: a shape, strides and an offset into a shared <see cref="Storage"/>, so reshape,
/// transpose, slicing, expand and squeeze never copy. Set <see cref="RequiresGrad"/> on the
/// leaves you want gradients for, compute, call <see cref="Backward(bool?, bool)"/>, and read
/// <see cref="Grad"/>. Operations live in the <c>Ops</c> folder, each beside its backward rule.
/// A file that also imports <c>System.Numerics.Tensors</c> (for <c>TensorPrimitives</c>) sees two
/// types called <c>Tensor</c>; add <c>using Tensor = SharpGrad.Tensor;</c> there, which keeps
/// <c>Tensor&lt;T&gt;</c> and the rest of that namespace reachable.
/// </summary>
public sealed partial class Tensor
{
    private bool requiresGrad;
    private Tensor? grad;

    // The backward walk's stamp: which walk last ordered this tensor, and where (see BackwardEngine).
    // A number, not a reference to the walk: stamping a million old tensors with a young object would
    // mark their cards, and every collection during the pass would then scan the whole graph.
    internal long WalkId;
    internal int WalkPosition;

    internal Tensor(Storage storage, int[] shape, int[] strides, int offset)
    {
        Storage = storage;
        ShapeArray = shape;
        StrideArray = strides;
        Offset = offset;
        Count = ShapeMath.Count(shape);
    }

    /// <summary>A fresh contiguous tensor of the given shape, filled with zeros.</summary>
    internal Tensor(int[] shape, DType dtype)
        : this(Storage.Allocate(dtype, ShapeMath.Count(shape)), shape, ShapeMath.ContiguousStrides(shape), 0)
    {
    }

    /// <summary>
    /// A fresh contiguous tensor whose elements are garbage, for kernels that overwrite every
    /// element anyway (elementwise ops, copies, matrix products): it skips the clearing pass.
    /// </summary>
    internal static Tensor Uninitialized(int[] shape, DType dtype) =>
        new(Storage.Allocate(dtype, ShapeMath.Count(shape), zeroed: false), shape, ShapeMath.ContiguousStrides(shape), 0);

    /// <summary>As <see cref="Uninitialized(int[], DType)"/> on <paramref name="device"/>.</summary>
    internal static Tensor Uninitialized(int[] shape, DType dtype, Device device) =>
        new(Storage.Allocate(dtype, ShapeMath.Count(shape), zeroed: false, device), shape, ShapeMath.ContiguousStrides(shape), 0);

    /// <summary>A zero-filled contiguous tensor on <paramref name="device"/>.</summary>
    internal static Tensor ZerosOn(int[] shape, DType dtype, Device device) =>
        new(Storage.Allocate(dtype, ShapeMath.Count(shape), zeroed: true, device), shape, ShapeMath.ContiguousStrides(shape), 0);

    /// <summary>The device memory of a tensor that is not on the CPU.</summary>
    internal DeviceBuffer Buffer => Storage.Buffer;

    // Storage, strides and offset change only in ConvertInPlace; the shape never does.
    internal Storage Storage { get; private set; }

    internal int[] ShapeArray { get; }

    internal int[] StrideArray { get; private set; }

    /// <summary>The size of each dimension, printed as <c>[2, 3]</c>; a view of the tensor's own sizes, so reading it allocates nothing.</summary>
    public Shape Shape => new(ShapeArray);

    /// <summary>How many storage elements to step to move one index along each dimension.</summary>
    public ReadOnlySpan<int> Strides => StrideArray;

    /// <summary>The position of element [0, 0, ...] in the storage.</summary>
    public int Offset { get; private set; }

    /// <summary>The number of dimensions (0 for a scalar).</summary>
    public int Rank => ShapeArray.Length;

    /// <summary>The number of elements.</summary>
    public int Count { get; }

    /// <summary>The element type.</summary>
    public DType DType => Storage.DType;

    /// <summary>Where the elements live and the kernels run (<see cref="Device.Cpu"/> unless moved with <see cref="To(Device)"/>).</summary>
    public Device Device => Storage.Device;

    /// <summary>True when the elements lie in row-major order without gaps, so kernels can read them as one span.</summary>
    public bool IsContiguous => ShapeMath.IsContiguous(ShapeArray, StrideArray);

    /// <summary>The in-place modification counter of the underlying storage (shared by all views).</summary>
    public int Version => Storage.Version;

    /// <summary>An optional name, shown by the explain tools and in error messages.</summary>
    public string? Name
    {
        get => extras?.Name;
        set
        {
            if (value is not null || extras is not null)
                Extras.Name = value;
        }
    }

    /// <summary>The size of one dimension; negative indices count from the end.</summary>
    public int Size(int dim) => ShapeArray[ShapeMath.WrapDim(dim, Rank, nameof(Size))];

    /// <summary>
    /// Whether gradients are computed for this tensor. Only leaves (tensors created by the user,
    /// not by an op) can have it changed, and only floating-point tensors can require gradients.
    /// </summary>
    public bool RequiresGrad
    {
        get => requiresGrad;
        set
        {
            if (GradFn is not null)
                throw new InvalidOperationException(
                    $"RequiresGrad can only be changed on leaf tensors; this tensor was produced by {GradFn.Name}. Use Detach() to get a leaf.");
            if (value && !DType.IsFloatingPoint())
                throw new InvalidOperationException($"Only floating-point tensors can require gradients; this tensor is {DType.Name()}.");
            requiresGrad = value;
        }
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor, for fluent construction.</summary>
    public Tensor RequireGrad(bool value = true)
    {
        RequiresGrad = value;
        return this;
    }

    /// <summary>
    /// The accumulated gradient of the last backward passes with respect to this tensor; null
    /// until one reaches it. Leaves get it always; intermediates only after <see cref="RetainGrad"/>.
    /// </summary>
    public Tensor? Grad
    {
        get => grad;
        set
        {
            if (value is not null && (!ShapeMath.SameShape(value.ShapeArray, ShapeArray) || value.DType != DType))
                throw new ArgumentException(
                    $"A gradient must match its tensor: expected {DType.Name()} {ShapeMath.Format(ShapeArray)}, got {value.DType.Name()} {ShapeMath.Format(value.ShapeArray)}.");
            // A gradient outlives the step that computed it, so its memory must not go back to a pool.
            if (value is not null)
                value.Storage.IsKept = true;
            grad = value;
        }
    }

    /// <summary>The op that produced this tensor, or null for a leaf.</summary>
    public Node? GradFn { get; internal set; }

    /// <summary>True for tensors not produced by a recorded op (user-created tensors and results computed without gradients).</summary>
    public bool IsLeaf => GradFn is null;

    internal bool RetainsGrad => extras?.RetainsGrad ?? false;

    internal List<Func<Tensor, Tensor?>>? Hooks => extras?.Hooks;

    // What few tensors have (a name, hooks, a retained gradient) lives apart, so that the tensors a
    // scalar graph allocates per op stay small.
    private TensorExtras? extras;

    private TensorExtras Extras => extras ??= new();

    private sealed class TensorExtras
    {
        public string? Name;
        public List<Func<Tensor, Tensor?>>? Hooks;
        public bool RetainsGrad;
    }

    /// <summary>
    /// Computes the gradient of this scalar with respect to every leaf it depends on, adding it
    /// to their <see cref="Grad"/>. The graph is released afterwards unless
    /// <paramref name="retainGraph"/> (which defaults to <paramref name="createGraph"/>, because
    /// differentiable gradients still refer to the forward graph); with
    /// <paramref name="createGraph"/> the gradients are themselves differentiable.
    /// </summary>
    public void Backward(bool? retainGraph = null, bool createGraph = false) =>
        Autograd.Backward(this, null, retainGraph ?? createGraph, createGraph);

    /// <summary>
    /// Backpropagates <paramref name="gradient"/> (∂L/∂this, same shape as this tensor) from a
    /// tensor of any shape, computing vector-Jacobian products.
    /// </summary>
    public void Backward(Tensor gradient, bool? retainGraph = null, bool createGraph = false)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        Autograd.Backward(this, gradient, retainGraph ?? createGraph, createGraph);
    }

    /// <summary>Asks the backward pass to store this non-leaf tensor's gradient in <see cref="Grad"/>.</summary>
    public Tensor RetainGrad()
    {
        if (!requiresGrad)
            throw new InvalidOperationException("RetainGrad() was called on a tensor that does not require gradients.");
        Extras.RetainsGrad = true;
        return this;
    }

    /// <summary>
    /// Registers a function called with this tensor's gradient when the backward pass has summed
    /// it over every path. It may return a replacement gradient, or null to keep it unchanged.
    /// Dispose the returned handle to remove the hook.
    /// </summary>
    public IDisposable RegisterHook(Func<Tensor, Tensor?> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        if (!requiresGrad)
            throw new InvalidOperationException("Cannot register a hook on a tensor that does not require gradients.");
        (Extras.Hooks ??= []).Add(hook);
        return new HookHandle(this, hook);
    }

    internal void MarkRequiresGrad(Node node)
    {
        GradFn = node;
        requiresGrad = true;
    }

    /// <summary>
    /// Gives this tensor object new contiguous storage holding its elements converted to
    /// <paramref name="dtype"/> (and its gradient converted too), so that every holder of this
    /// object (a module's field, an optimiser's parameter list) sees the new dtype: what
    /// <c>Module.To</c> does to parameters and buffers, as PyTorch's <c>module.to</c> swaps
    /// <c>param.data</c>. Views taken earlier keep the old storage.
    /// </summary>
    internal void ConvertInPlace(DType dtype)
    {
        if (dtype == DType) return;
        Tensor converted;
        using (Autograd.NoGrad())
        {
            converted = MemoryScope.Keep(Dispatch.Cast(this, dtype).Contiguous());
            if (grad is not null) grad = MemoryScope.Keep(Dispatch.Cast(grad, dtype).Contiguous());
        }
        Storage = converted.Storage;
        StrideArray = converted.StrideArray;
        Offset = converted.Offset;
    }

    /// <summary>
    /// Gives this tensor object contiguous storage on <paramref name="device"/> holding its elements (and moves its
    /// gradient too): what <c>Module.To(Device)</c> does to parameters and buffers, like <see cref="ConvertInPlace"/>.
    /// </summary>
    internal void MoveInPlace(Device device)
    {
        if (device == Device) return;
        var moved = MemoryScope.Keep(Dispatch.ToDevice(this, device));
        if (grad is not null) grad = MemoryScope.Keep(Dispatch.ToDevice(grad, device));
        Storage = moved.Storage;
        StrideArray = moved.StrideArray;
        Offset = moved.Offset;
    }

    /// <summary>The storage array when the element type is <typeparamref name="T"/>.</summary>
    internal T[] Data<T>() => Storage.As<T>();

    /// <summary>The elements as one span; only valid when <see cref="IsContiguous"/>.</summary>
    internal Span<T> Span<T>() => Storage.As<T>().AsSpan(Offset, Count);

    /// <summary>The value of a one-element tensor.</summary>
    public double Item()
    {
        if (Count != 1)
            throw new InvalidOperationException($"Item() needs a tensor with exactly one element; this one has shape {ShapeMath.Format(ShapeArray)} ({Count} elements).");
        if (!Device.IsCpu)
            return Dispatch.ToDevice(this, Device.Cpu).Item();
        return DType switch
        {
            DType.Float32 => Data<float>()[Offset],
            DType.Float64 => Data<double>()[Offset],
            _ => Data<int>()[Offset],
        };
    }

    /// <summary>The elements in row-major order, converted to <typeparamref name="T"/> (float, double or int).</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        if (!Device.IsCpu)
            return Dispatch.ToDevice(this, Device.Cpu).ToArray<T>();
        var target = DTypeExtensions.Of<T>();
        using (Autograd.NoGrad())
        {
            var t = (target == DType ? this : To(target)).Contiguous();
            return t.Span<T>().ToArray();
        }
    }

    /// <summary>Shorthand for <c>ToArray&lt;double&gt;()</c>.</summary>
    public double[] ToDoubleArray() => ToArray<double>();

    /// <summary>Shorthand for <c>ToArray&lt;float&gt;()</c>.</summary>
    public float[] ToFloatArray() => ToArray<float>();

    /// <inheritdoc/>
    public override string ToString() => TensorFormatter.Format(this);

    private sealed class HookHandle(Tensor owner, Func<Tensor, Tensor?> hook) : IDisposable
    {
        public void Dispose() => owner.Hooks?.Remove(hook);
    }
}
