namespace SharpGrad;

/// <summary>
/// The flat array behind one or more tensors. Views (reshape, transpose, slices, expand)
/// share a storage and differ only in shape, strides and offset. The version counter is
/// bumped by every in-place write so that autograd can tell when a value it saved for the
/// backward pass has been overwritten. A storage allocated inside a <see cref="MemoryScope"/>
/// borrows its array from the scope's pool and gives it back when the scope ends, unless it
/// was kept; after that every access fails loudly instead of reading reused memory. The
/// elements of a tensor on a GPU live in a <see cref="DeviceBuffer"/> instead of an array.
/// </summary>
internal sealed class Storage
{
    // The CPU array or the device buffer, in one field: a scalar graph allocates a storage per op.
    private object? memory;

    public Storage(Array data, DType dtype)
    {
        memory = data;
        DType = dtype;
    }

    public Storage(DeviceBuffer buffer)
    {
        memory = buffer;
        DType = buffer.DType;
        Device = buffer.Device;
    }

    /// <summary>Where the elements are.</summary>
    public Device Device { get; } = Device.Cpu;

    public Array Data => memory as Array ?? (Device.IsCpu ? throw Released() : throw OnDevice());

    /// <summary>The device memory of a storage that is not on the CPU.</summary>
    public DeviceBuffer Buffer => memory as DeviceBuffer ?? throw (Device.IsCpu ? OnCpu() : Released());

    public DType DType { get; }

    public int Length => Device.IsCpu ? Data.Length : Buffer.Length;

    public int Version { get; private set; }

    /// <summary>True when the array was borrowed from a scope's pool (and so goes back when the scope ends).</summary>
    public bool IsPooled { get; init; }

    /// <summary>Set by <see cref="MemoryScope.Keep"/>: the array outlives its scope and is not returned.</summary>
    public bool IsKept { get; set; }

    public void BumpVersion() => Version++;

    public T[] As<T>() => (T[])Data;

    /// <summary>
    /// A storage of <paramref name="length"/> elements: borrowed from the current memory scope's
    /// pool when one is active, fresh otherwise. Zero-filled when <paramref name="zeroed"/>; kernels
    /// that overwrite every element ask for uninitialised memory and skip the clearing pass.
    /// </summary>
    public static Storage Allocate(DType dtype, int length, bool zeroed = true) => Allocate(dtype, length, zeroed, Device.Cpu);

    /// <summary>As <see cref="Allocate(DType, int, bool)"/> on <paramref name="device"/>; device memory comes from its backend's cache.</summary>
    public static Storage Allocate(DType dtype, int length, bool zeroed, Device device)
    {
        if (!device.IsCpu)
        {
            var storage = new Storage(DeviceBackends.For(device).Allocate(dtype, length, zeroed));
            MemoryScope.Current?.Track(storage);
            return storage;
        }
        if (length > 0 && MemoryScope.Current?.TryAllocate(dtype, length, zeroed) is { } pooled)
            return pooled;
        return dtype switch
        {
            DType.Float32 => new Storage(zeroed ? new float[length] : GC.AllocateUninitializedArray<float>(length), dtype),
            DType.Float64 => new Storage(zeroed ? new double[length] : GC.AllocateUninitializedArray<double>(length), dtype),
            _ => new Storage(zeroed ? new int[length] : GC.AllocateUninitializedArray<int>(length), dtype),
        };
    }

    /// <summary>Takes the array away (for the pool); later accesses throw.</summary>
    internal Array? TakeArray()
    {
        var array = memory as Array;
        memory = null;
        return array;
    }

    /// <summary>Gives device memory back to its backend's cache (when a scope ends); later accesses throw.</summary>
    internal void ReleaseBuffer()
    {
        var b = memory as DeviceBuffer;
        memory = null;
        b?.Dispose();
    }

    private InvalidOperationException OnDevice() => new(
        $"This operation reads tensor elements in main memory, but the tensor is on {Device} and the operation has no {Device} kernel. " +
        "Move it with To(Device.Cpu) first.");

    private static InvalidOperationException OnCpu() => new("A CPU tensor has no device buffer.");

    private static ObjectDisposedException Released() => new(nameof(Tensor),
        "This tensor's memory went back to the pool when the MemoryScope it was created in ended. " +
        "Read what you need inside the scope, or call MemoryScope.Keep(tensor) there to keep it.");
}
