using System.Runtime.InteropServices;
using System.Text;

namespace SharpGrad.Distributed;

/// <summary>
/// The processes that train one model together, and the collective operations between them,
/// as PyTorch's <c>ProcessGroup</c> and Horovod's <c>allreduce</c>: training code asks for "the
/// average of these gradients over every rank", never for sockets. <see cref="Rank"/> numbers the
/// processes 0 … <see cref="Size"/> − 1; rank 0 is the one that writes files and logs. Every
/// collective must be called by every rank, in the same order, with the same sizes. Operations
/// wait at most <see cref="Timeout"/>, so a rank that dies or hangs becomes an error on the others.
/// <see cref="Create"/> returns an MPI group when the process was started by an MPI launcher and a
/// one-process group otherwise.
/// </summary>
public abstract class ProcessGroup : IDisposable
{
    /// <summary>The default of <see cref="Timeout"/>: long enough for any step of the models here, short enough to notice a hang.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary>This process's rank, 0 … <see cref="Size"/> − 1.</summary>
    public abstract int Rank { get; }

    /// <summary>The number of processes.</summary>
    public abstract int Size { get; }

    /// <summary>The transport, for logs ("Open MPI v4.1.4", "one process").</summary>
    public abstract string Transport { get; }

    /// <summary>How long a collective may wait for the other ranks before it fails.</summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>True on rank 0, the rank that writes checkpoints and logs.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>
    /// The group this process belongs to: MPI (initialised here) when an MPI launcher started it,
    /// otherwise a group of one process.
    /// </summary>
    /// <exception cref="DistributedException">An MPI launch was detected but MPI cannot be loaded or initialised.</exception>
    public static ProcessGroup Create() => MpiEnvironment.Detect() is { } launch ? MpiProcessGroup.Initialize(launch) : new SingleProcessGroup();

    /// <summary>Blocks until every rank has called it.</summary>
    public void Barrier() => StartBarrier("barrier").Wait();

    /// <summary>Starts a barrier.</summary>
    public abstract PendingCollective StartBarrier(string description);

    /// <summary>
    /// Starts an in-place all-reduce of <paramref name="buffer"/>, whose memory must stay where it is
    /// until the operation completes (a pinned array, native memory). <see cref="ReduceOp.Average"/> is
    /// done as a sum here; the caller divides by <see cref="Size"/>.
    /// </summary>
    public abstract unsafe PendingCollective StartAllReduce<T>(T* buffer, int count, ReduceOp op, string description) where T : unmanaged;

    /// <summary>Starts a broadcast of <paramref name="buffer"/> from <paramref name="root"/> (same pinning rule).</summary>
    public abstract unsafe PendingCollective StartBroadcast<T>(T* buffer, int count, int root, string description) where T : unmanaged;

    /// <summary>Ends every process of the job with <paramref name="exitCode"/> (MPI_Abort); used when one rank cannot go on.</summary>
    public abstract void Abort(int exitCode);

    /// <summary>Replaces <paramref name="data"/> on every rank by the element-wise reduction over all ranks.</summary>
    public unsafe void AllReduce<T>(Span<T> data, ReduceOp op, string description = "all-reduce") where T : unmanaged
    {
        if (op == ReduceOp.Average && typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new ArgumentException($"ReduceOp.Average needs floating-point data, not {typeof(T).Name}.", nameof(op));
        if (data.IsEmpty) return;
        fixed (T* p = data)
            StartAllReduce(p, data.Length, op, description).Wait();
        if (op == ReduceOp.Average) Scale(data, 1.0 / Size);
    }

    /// <summary>Copies <paramref name="data"/> from rank <paramref name="root"/> to every other rank.</summary>
    public unsafe void Broadcast<T>(Span<T> data, int root = 0, string description = "broadcast") where T : unmanaged
    {
        CheckRoot(root);
        if (data.IsEmpty) return;
        fixed (T* p = data)
            StartBroadcast(p, data.Length, root, description).Wait();
    }

    /// <summary>Replaces the tensor's values on every rank by the reduction over all ranks (float32, float64 or int32; written in place, not recorded).</summary>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum, string description = "all-reduce")
    {
        ArgumentNullException.ThrowIfNull(tensor);
        WithContiguousData(tensor, "AllReduce", description, static (group, t, what, op) =>
        {
            switch (t.DType)
            {
                case DType.Float32: group.AllReduce(t.Span<float>(), op, what); break;
                case DType.Float64: group.AllReduce(t.Span<double>(), op, what); break;
                default: group.AllReduce(t.Span<int>(), op, what); break;
            }
        }, op);
    }

    /// <summary>Copies the tensor's values from rank <paramref name="root"/> to every other rank (written in place, not recorded).</summary>
    public void Broadcast(Tensor tensor, int root = 0, string description = "broadcast")
    {
        ArgumentNullException.ThrowIfNull(tensor);
        CheckRoot(root);
        WithContiguousData(tensor, "Broadcast", description, (group, t, what, _) =>
        {
            switch (t.DType)
            {
                case DType.Float32: group.Broadcast(t.Span<float>(), root, what); break;
                case DType.Float64: group.Broadcast(t.Span<double>(), root, what); break;
                default: group.Broadcast(t.Span<int>(), root, what); break;
            }
        }, ReduceOp.Sum);
    }

    /// <summary>Rank <paramref name="root"/>'s string on every rank (<paramref name="value"/> is ignored elsewhere).</summary>
    public string Broadcast(string value, int root = 0, string description = "broadcast of a string")
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckRoot(root);
        var bytes = Rank == root ? Encoding.UTF8.GetBytes(value) : [];
        Span<long> length = [bytes.LongLength];
        Broadcast(length, root, description);
        if (Rank != root) bytes = new byte[checked((int)length[0])];
        Broadcast(bytes.AsSpan(), root, description);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Rank <paramref name="root"/>'s bytes on every rank (<paramref name="value"/> is ignored elsewhere).</summary>
    public byte[] Broadcast(byte[] value, int root = 0, string description = "broadcast of bytes")
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckRoot(root);
        Span<long> length = [value.LongLength];
        Broadcast(length, root, description);
        var bytes = Rank == root ? value : new byte[checked((int)length[0])];
        Broadcast(bytes.AsSpan(), root, description);
        return bytes;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the transport (MPI_Finalize).</summary>
    protected virtual void Dispose(bool disposing) { }

    private void CheckRoot(int root)
    {
        if (root < 0 || root >= Size)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"The root must be a rank of the group, 0 … {Size - 1}.");
    }

    private void WithContiguousData(Tensor tensor, string op, string description, Action<ProcessGroup, Tensor, string, ReduceOp> action, ReduceOp reduce)
    {
        if (tensor.RequiresGrad && Autograd.IsGradEnabled && !tensor.IsLeaf)
            throw new InvalidOperationException($"{op}: the tensor was produced by {tensor.GradFn!.Name}; only leaves and values without gradients can be written by a collective.");
        if (tensor.Count == 0) return;
        // A view that is not one dense block travels as a dense copy and is written back.
        var dense = tensor.IsContiguous ? tensor : Dispatch.Copy(tensor);
        action(this, dense, description, reduce);
        if (!ReferenceEquals(dense, tensor))
        {
            using (Autograd.NoGrad()) tensor.CopyFrom(dense);
        }
        else
        {
            tensor.Storage.BumpVersion();
        }
    }

    private static void Scale<T>(Span<T> data, double factor) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            System.Numerics.Tensors.TensorPrimitives.Multiply(MemoryMarshal.Cast<T, float>(data), (float)factor, MemoryMarshal.Cast<T, float>(data));
        else
            System.Numerics.Tensors.TensorPrimitives.Multiply(MemoryMarshal.Cast<T, double>(data), factor, MemoryMarshal.Cast<T, double>(data));
    }
}
