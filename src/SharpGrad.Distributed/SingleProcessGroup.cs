namespace SharpGrad.Distributed;

/// <summary>
/// The group of one process, for code that is written once for any number of ranks: every
/// collective completes at once and leaves the data as it is (the sum, mean, maximum or broadcast
/// over one rank is the rank's own value). No MPI is loaded.
/// </summary>
public sealed class SingleProcessGroup : ProcessGroup
{
    /// <inheritdoc/>
    public override int Rank => 0;

    /// <inheritdoc/>
    public override int Size => 1;

    /// <inheritdoc/>
    public override string Transport => "one process";

    /// <inheritdoc/>
    public override PendingCollective StartBarrier(string description) => new Done(this, description);

    /// <inheritdoc/>
    public override unsafe PendingCollective StartAllReduce<T>(T* buffer, int count, ReduceOp op, string description) => new Done(this, description);

    /// <inheritdoc/>
    public override unsafe PendingCollective StartBroadcast<T>(T* buffer, int count, int root, string description) => new Done(this, description);

    /// <inheritdoc/>
    public override void Abort(int exitCode) => Environment.Exit(exitCode);

    private sealed class Done(ProcessGroup group, string description) : PendingCollective(group, description)
    {
        protected override bool Poll() => true;
    }
}
