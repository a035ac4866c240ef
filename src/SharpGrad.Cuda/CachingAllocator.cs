using System.Collections.Concurrent;
using ILGPU;
using ILGPU.Runtime;

namespace SharpGrad.Cuda;

/// <summary>
/// Device memory as PyTorch's CUDA caching allocator hands it out: freed blocks are kept in buckets by rounded size
/// and given to the next request of that size, so a training loop, whose every step asks for the same sizes, stops
/// allocating device memory after its first step. Sizes are rounded up to 512 bytes below 1 MiB and to 2 MiB above.
/// When the device runs out, the cache is emptied and the request tried once more.
/// </summary>
internal sealed class CachingAllocator
{
    private const long SmallRound = 512, LargeRound = 2 << 20, LargeFrom = 1 << 20;

    private readonly Accelerator accelerator;
    private readonly Lock sync = new();
    private readonly Dictionary<long, Stack<MemoryBuffer1D<byte, Stride1D.Dense>>> free = [];
    private readonly ConcurrentQueue<MemoryBuffer1D<byte, Stride1D.Dense>> finalized = new();

    // Blocks held by buffers. ILGPU memory buffers free their memory in their own finalizers, so a block reachable
    // only from an abandoned CudaBuffer could be freed in the same collection that queues it for reuse; holding
    // every handed-out block here keeps it alive until it is back in the cache.
    private readonly HashSet<MemoryBuffer1D<byte, Stride1D.Dense>> live = new(ReferenceEqualityComparer.Instance);

    public CachingAllocator(Accelerator accelerator, Device device)
    {
        this.accelerator = accelerator;
        Device = device;
    }

    public Device Device { get; }

    /// <summary>Bytes in blocks that tensors hold now.</summary>
    public long AllocatedBytes { get; private set; }

    /// <summary>Bytes taken from the device: held by tensors or cached for reuse.</summary>
    public long ReservedBytes { get; private set; }

    /// <summary>How many times memory was taken from the device (not from the cache).</summary>
    public long DeviceAllocations { get; private set; }

    public CudaBuffer Allocate(DType dtype, int length)
    {
        long bytes = Round(Math.Max(1L, (long)length * dtype.ElementSize()));
        lock (sync)
        {
            DrainFinalized();
            MemoryBuffer1D<byte, Stride1D.Dense> block;
            if (free.TryGetValue(bytes, out var stack) && stack.Count > 0)
                block = stack.Pop();
            else
            {
                block = AllocateOnDevice(bytes);
                DeviceAllocations++;
                ReservedBytes += bytes;
            }
            AllocatedBytes += bytes;
            live.Add(block);
            return new CudaBuffer(this, block, dtype, length);
        }
    }

    public void Return(MemoryBuffer1D<byte, Stride1D.Dense> block)
    {
        lock (sync)
        {
            live.Remove(block);
            AllocatedBytes -= block.Length;
            if (!free.TryGetValue(block.Length, out var stack))
                free[block.Length] = stack = new Stack<MemoryBuffer1D<byte, Stride1D.Dense>>();
            stack.Push(block);
        }
    }

    /// <summary>Called by a buffer's finalizer: the block is queued and returned by the next allocation.</summary>
    public void ReturnFromFinalizer(MemoryBuffer1D<byte, Stride1D.Dense> block) => finalized.Enqueue(block);

    /// <summary>Gives every cached block back to the device.</summary>
    public void EmptyCache()
    {
        lock (sync)
        {
            DrainFinalized();
            foreach (var stack in free.Values)
                while (stack.Count > 0)
                {
                    var block = stack.Pop();
                    ReservedBytes -= block.Length;
                    block.Dispose();
                }
        }
    }

    private MemoryBuffer1D<byte, Stride1D.Dense> AllocateOnDevice(long bytes)
    {
        try
        {
            return accelerator.Allocate1D<byte>(bytes);
        }
        catch (Exception e) when (e is OutOfMemoryException or AcceleratorException)
        {
            EmptyCache();
            try
            {
                return accelerator.Allocate1D<byte>(bytes);
            }
            catch (Exception again) when (again is OutOfMemoryException or AcceleratorException)
            {
                throw new InvalidOperationException(
                    $"{Device} is out of memory: {bytes:N0} bytes were asked for with {AllocatedBytes:N0} held by tensors. Use a smaller batch or model.", again);
            }
        }
    }

    private void DrainFinalized()
    {
        while (finalized.TryDequeue(out var block))
        {
            live.Remove(block);
            AllocatedBytes -= block.Length;
            if (!free.TryGetValue(block.Length, out var stack))
                free[block.Length] = stack = new Stack<MemoryBuffer1D<byte, Stride1D.Dense>>();
            stack.Push(block);
        }
    }

    private static long Round(long bytes) => bytes < LargeFrom
        ? (bytes + SmallRound - 1) / SmallRound * SmallRound
        : (bytes + LargeRound - 1) / LargeRound * LargeRound;
}
