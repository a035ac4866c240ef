using SharpGrad.Distributed.Mpi;

namespace SharpGrad.Distributed;

/// <summary>
/// A <see cref="ProcessGroup"/> over MPI's world communicator, through whichever libmpi is
/// installed (Open MPI or an MPICH-family library, told apart at run time). MPI is initialised
/// once per process and finalised when the group is disposed. All operations are MPI-3
/// non-blocking collectives polled with MPI_Test, which is what lets every wait have a timeout.
/// </summary>
public sealed class MpiProcessGroup : ProcessGroup
{
    private static MpiProcessGroup? instance;

    private readonly MpiLibrary mpi;
    private bool disposed;

    private MpiProcessGroup(MpiLibrary mpi)
    {
        this.mpi = mpi;
        Rank = mpi.Rank();
        Size = mpi.Size();
        Transport = mpi.Version();
    }

    /// <inheritdoc/>
    public override int Rank { get; }

    /// <inheritdoc/>
    public override int Size { get; }

    /// <inheritdoc/>
    public override string Transport { get; }

    /// <summary>Which MPI ABI the loaded library follows.</summary>
    public MpiFlavor Flavor => mpi.Flavor;

    /// <summary>The library file that was loaded.</summary>
    public string LibraryPath => mpi.Path;

    /// <summary>
    /// Loads MPI, initialises it (once per process) and returns the world group. When the launcher's
    /// environment is given, the size MPI reports is checked against it: a library of the other MPI
    /// family than the launcher's starts every process as a world of its own.
    /// </summary>
    /// <exception cref="DistributedException">MPI is missing, fails to start, or disagrees with the launcher.</exception>
    public static MpiProcessGroup Initialize(MpiEnvironment? launch = null)
    {
        if (instance is { disposed: false })
            return instance;
        var mpi = MpiLibrary.Load();
        if (mpi.IsFinalized())
            throw new DistributedException("MPI was already finalised in this process and cannot be started again.");
        if (!mpi.IsInitialized())
            mpi.Init();
        var group = new MpiProcessGroup(mpi);
        if (launch is { Size: > 0 } && launch.Size != group.Size)
            throw new DistributedException(
                $"The launcher started {launch.Size} processes ({launch.Variable}) but {mpi.Path} ({mpi.Flavor}) sees a world of {group.Size}: " +
                $"the MPI library does not belong to this launcher; use the mpirun of the same MPI, or set {MpiLibrary.LibraryVariable}.");
        return instance = group;
    }

    /// <inheritdoc/>
    public override PendingCollective StartBarrier(string description)
    {
        ThrowIfDisposed();
        return new Request(this, mpi.StartBarrier(), description);
    }

    /// <inheritdoc/>
    public override unsafe PendingCollective StartAllReduce<T>(T* buffer, int count, ReduceOp op, string description)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        nint mpiOp = op switch
        {
            ReduceOp.Sum or ReduceOp.Average => mpi.OpSum,
            ReduceOp.Max => mpi.OpMax,
            ReduceOp.Min => mpi.OpMin,
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown reduction."),
        };
        return new Request(this, mpi.StartAllReduce(buffer, count, DataType<T>(), mpiOp), description);
    }

    /// <inheritdoc/>
    public override unsafe PendingCollective StartBroadcast<T>(T* buffer, int count, int root, string description)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new Request(this, mpi.StartBroadcast(buffer, count, DataType<T>(), root), description);
    }

    /// <inheritdoc/>
    public override void Abort(int exitCode) => mpi.Abort(exitCode);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposed) return;
        disposed = true;
        if (!mpi.IsFinalized())
            mpi.Shutdown();
    }

    private nint DataType<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? mpi.Float
        : typeof(T) == typeof(double) ? mpi.Double
        : typeof(T) == typeof(int) ? mpi.Int
        : typeof(T) == typeof(long) ? mpi.LongLong
        : typeof(T) == typeof(byte) ? mpi.Byte
        : throw new NotSupportedException($"Collectives carry float, double, int, long or byte elements, not {typeof(T).Name}.");

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    private sealed class Request(MpiProcessGroup group, nint handle, string description) : PendingCollective(group, description)
    {
        private nint handle = handle;

        protected override bool Poll() => group.mpi.Test(ref handle, "MPI_Test (" + Description + ")");
    }
}
