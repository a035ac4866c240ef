using System.Diagnostics;

namespace SharpGrad.Cli.Bench;

/// <summary>
/// How long to warm a workload up and how many timed runs to take. Both phases stop at whichever comes
/// later, a number of runs or a time, so a fast workload gets many runs and a slow one a few, and a library
/// that gets faster is measured more often in the same time. bench/torch_reference.py uses the same numbers.
/// </summary>
internal sealed record TimingBudget(int MinWarmups, double WarmupSeconds, int MinRepeats, double TimedSeconds, int MaxRepeats)
{
    /// <summary>The default run: enough warm-up for the JIT's tiering, about a second of timed runs.</summary>
    public static TimingBudget Full { get; } = new(2, 1.0, 5, 1.0, 200);

    /// <summary><c>--quick</c>: a rough number in a quarter of the time.</summary>
    public static TimingBudget Quick { get; } = new(1, 1.0, 3, 0.25, 100);

    /// <summary>One warm-up and one timed run, for workloads that take seconds each (the scalar chain).</summary>
    public static TimingBudget Once { get; } = new(1, 0, 1, 0, 1);

    /// <summary>The budget of a run with or without <c>--quick</c>.</summary>
    public static TimingBudget For(bool quick) => quick ? Quick : Full;
}

/// <summary>Stopwatch medians and allocation counts of one workload at a time.</summary>
internal static class Timing
{
    /// <summary>The median seconds of one call of <paramref name="body"/>, after warm-up.</summary>
    public static double MedianSeconds(Action body, TimingBudget budget)
    {
        Collect();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < budget.MinWarmups || clock.Elapsed.TotalSeconds < budget.WarmupSeconds; i++)
            body();
        var times = new List<double>();
        double total = 0;
        while (times.Count < budget.MaxRepeats && (times.Count < budget.MinRepeats || total < budget.TimedSeconds))
        {
            long start = Stopwatch.GetTimestamp();
            body();
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            times.Add(seconds);
            total += seconds;
        }
        times.Sort();
        int mid = times.Count / 2;
        return times.Count % 2 == 1 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
    }

    /// <summary>
    /// Managed bytes allocated by this thread per call of <paramref name="body"/>, over <paramref name="calls"/>
    /// calls after <paramref name="warmups"/>. Only this thread's allocations are counted, so the caller must keep
    /// the work on it (SharpGrad at one thread).
    /// </summary>
    public static double AllocatedBytesPerCall(Action body, int warmups, int calls)
    {
        Collect();
        for (int i = 0; i < warmups; i++)
            body();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++)
            body();
        return (double)(GC.GetAllocatedBytesForCurrentThread() - before) / calls;
    }

    /// <summary>
    /// Starts a workload on a clean heap, so it does not pay for the previous one's garbage, and on idle cores:
    /// the previous engine's worker threads (OpenBLAS's, the thread pool's) spin for a while after their last job,
    /// and on a machine with few cores that spinning would be charged to the next workload.
    /// </summary>
    public static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Thread.Sleep(SettleMilliseconds);
    }

    // OpenBLAS's workers spin for 2^28 cycles (about 0.1 s) before they sleep.
    private const int SettleMilliseconds = 150;
}
