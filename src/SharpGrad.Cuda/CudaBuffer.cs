using ILGPU;
using ILGPU.Runtime;

namespace SharpGrad.Cuda;

/// <summary>
/// A tensor's device memory: <see cref="Length"/> elements at the start of a cached block of raw bytes, which may be
/// longer (the allocator rounds sizes up so that blocks are reused across steps). Disposing gives the block back to
/// the cache; a buffer that is never disposed gives it back from its finalizer, through a queue the allocator drains
/// on its own thread, since ILGPU memory must not be touched from the finalizer thread.
/// </summary>
internal sealed class CudaBuffer : DeviceBuffer
{
    private readonly CachingAllocator owner;
    private MemoryBuffer1D<byte, Stride1D.Dense>? raw;

    public CudaBuffer(CachingAllocator owner, MemoryBuffer1D<byte, Stride1D.Dense> raw, DType dtype, int length)
    {
        this.owner = owner;
        this.raw = raw;
        DType = dtype;
        Length = length;
    }

    ~CudaBuffer()
    {
        if (raw is { } block)
            owner.ReturnFromFinalizer(block);
    }

    /// <inheritdoc/>
    public override Device Device => owner.Device;

    /// <inheritdoc/>
    public override DType DType { get; }

    /// <inheritdoc/>
    public override int Length { get; }

    /// <summary>The bytes the elements occupy.</summary>
    public long ByteLength => (long)Length * DType.ElementSize();

    /// <summary>The cached block.</summary>
    public MemoryBuffer1D<byte, Stride1D.Dense> Raw => raw ?? throw new ObjectDisposedException(nameof(CudaBuffer), "This device buffer went back to the cache.");

    /// <summary>The elements as a typed view (<typeparamref name="T"/> must match <see cref="DType"/>).</summary>
    public ArrayView1D<T, Stride1D.Dense> View<T>() where T : unmanaged =>
        Raw.View.SubView(0, ByteLength).AsContiguous().Cast<T>();

    /// <inheritdoc/>
    public override void Dispose()
    {
        var block = raw;
        raw = null;
        if (block is not null)
        {
            owner.Return(block);
            GC.SuppressFinalize(this);
        }
    }
}
