using System.Diagnostics;
using System.Globalization;

namespace SharpGrad.Distributed;

/// <summary>
/// A collective operation that has been started and may still be running (MPI's request). It
/// completes only while something drives MPI's progress, which <see cref="Test"/> does;
/// <see cref="Wait"/> polls until completion or until the group's timeout, so that a peer that
/// died or hangs turns into an error naming the operation instead of a silent hang.
/// </summary>
public abstract class PendingCollective
{
    /// <summary>Creates the handle.</summary>
    protected PendingCollective(ProcessGroup group, string description)
    {
        Group = group;
        Description = description;
    }

    /// <summary>The group the operation runs in.</summary>
    public ProcessGroup Group { get; }

    /// <summary>What the operation is for ("all-reduce of gradient bucket 2"), for error messages.</summary>
    public string Description { get; }

    /// <summary>True once the operation has completed on this rank.</summary>
    public bool IsCompleted { get; private set; }

    /// <summary>Drives progress; true once the operation has completed.</summary>
    public bool Test()
    {
        if (!IsCompleted && Poll())
        {
            IsCompleted = true;
            OnCompleted();
        }
        return IsCompleted;
    }

    /// <summary>Waits for completion, at most <see cref="ProcessGroup.Timeout"/>.</summary>
    /// <exception cref="DistributedException">The operation failed or did not complete in time.</exception>
    public void Wait()
    {
        if (Test()) return;
        var clock = Stopwatch.StartNew();
        var timeout = Group.Timeout;
        var spinner = new SpinWait();
        while (!Test())
        {
            if (clock.Elapsed > timeout)
                throw new DistributedException(string.Create(CultureInfo.InvariantCulture,
                    $"rank {Group.Rank} of {Group.Size}: the {Description} did not complete within {timeout.TotalSeconds:0.###} s; another rank has stopped or hangs (raise the limit with --dist-timeout if a step is legitimately that slow)."));
            // Spinning answers fast collectives at once; past that, sleeping leaves the cores to the
            // other ranks, which matters when several share a machine.
            if (spinner.NextSpinWillYield && clock.ElapsedMilliseconds > 2) Thread.Sleep(1);
            else spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Asks the transport whether the operation has completed.</summary>
    protected abstract bool Poll();

    /// <summary>Runs once on completion (e.g. unpinning buffers).</summary>
    protected virtual void OnCompleted() { }
}
