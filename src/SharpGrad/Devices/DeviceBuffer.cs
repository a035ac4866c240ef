namespace SharpGrad;

/// <summary>
/// A block of device memory holding <see cref="Length"/> elements of one <see cref="DType"/>: the storage of a
/// tensor that does not live in main memory. A backend hands them out (usually from a cache of freed blocks, so
/// that a training step allocates nothing after the first) and takes them back on <see cref="Dispose"/>.
/// </summary>
internal abstract class DeviceBuffer : IDisposable
{
    /// <summary>Where the memory is.</summary>
    public abstract Device Device { get; }

    /// <summary>The element type.</summary>
    public abstract DType DType { get; }

    /// <summary>The number of elements.</summary>
    public abstract int Length { get; }

    /// <summary>Returns the memory to the backend's cache; later use is an error.</summary>
    public abstract void Dispose();
}
