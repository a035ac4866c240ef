using System.Runtime.ExceptionServices;

namespace SharpGrad.Kernels;

/// <summary>
/// A range of work items that a kernel processes; <see cref="Invoke"/> handles items [start, end).
/// Implemented by structs so that <see cref="Partitioner.For{TBody}"/> is specialised per kernel and the
/// per-item loop stays inside the kernel, with no delegate call or allocation per item.
/// </summary>
internal interface IPartitionBody
{
    /// <summary>Processes items [<paramref name="start"/>, <paramref name="end"/>).</summary>
    void Invoke(int start, int end);
}

/// <summary>
/// The one place the library spreads work across cores. Work is cut into at most
/// <see cref="MaxDegreeOfParallelism"/> contiguous chunks of items (contiguous so each core streams through its
/// own part of memory), and small jobs stay on the calling thread, where a thread hand-off would cost more
/// than it saves.
/// </summary>
internal static class Partitioner
{
    /// <summary>
    /// The least work (in the caller's units, roughly flops or elements) worth giving to a thread: a hand-off to the
    /// thread pool costs a few microseconds, which is about this much arithmetic. Jobs below twice this run serially.
    /// </summary>
    public const long MinimumWorkPerChunk = 32_768;

    private static int maxDegreeOfParallelism = Environment.ProcessorCount;

    // Set while a thread runs a chunk, so that a kernel called from inside another kernel's body runs serially:
    // the outer level already keeps every core busy, and nesting would only add hand-offs and oversubscription.
    [ThreadStatic]
    private static bool insideChunk;

    /// <summary>
    /// How many chunks (and so threads) one call may use at most. Defaults to <see cref="Environment.ProcessorCount"/>;
    /// 1 makes every kernel run serially on the calling thread.
    /// </summary>
    public static int MaxDegreeOfParallelism
    {
        get => Volatile.Read(ref maxDegreeOfParallelism);
        set
        {
            if (value < 1)
                throw new ArgumentOutOfRangeException(nameof(value), value,
                    "MaxDegreeOfParallelism must be at least 1 (1 runs every kernel serially on the calling thread).");
            Volatile.Write(ref maxDegreeOfParallelism, value);
        }
    }

    /// <summary>
    /// How many chunks a job of <paramref name="count"/> items of <paramref name="workPerItem"/> units each would be
    /// cut into right now (1 = serial on the calling thread). Kernels use this to shape their work items so that the
    /// chunks come out even.
    /// </summary>
    public static int ChunkCount(int count, long workPerItem)
    {
        if (count <= 1 || insideChunk)
            return count < 1 ? 0 : 1;
        int dop = MaxDegreeOfParallelism;
        if (dop <= 1)
            return 1;
        long total = SaturatingMultiply(count, Math.Max(workPerItem, 1));
        long byWork = total / MinimumWorkPerChunk;
        return (int)Math.Min(Math.Min(dop, count), Math.Max(byWork, 1));
    }

    /// <summary>
    /// Runs <paramref name="body"/> over items [0, <paramref name="count"/>), in contiguous chunks that may run
    /// concurrently. <paramref name="workPerItem"/> is a rough cost estimate per item (flops or elements); it only
    /// decides whether and how far splitting pays. Returns when every item is done; an exception from the body is
    /// rethrown as itself when only one chunk failed.
    /// </summary>
    public static void For<TBody>(int count, long workPerItem, TBody body) where TBody : struct, IPartitionBody
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(workPerItem);

        int chunks = ChunkCount(count, workPerItem);
        if (chunks == 0)
            return;
        if (chunks == 1)
        {
            body.Invoke(0, count);
            return;
        }

        // Chunk i covers [i*count/chunks, (i+1)*count/chunks): sizes differ by at most one item, so no core idles
        // long at the end while another finishes an oversized remainder.
        var job = new Job<TBody>(body, count, chunks);
        try
        {
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, job.Run);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            // Callers see the kernel's own exception (say an ArgumentException), not a wrapper.
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    private static long SaturatingMultiply(long a, long b)
        => b != 0 && a > long.MaxValue / b ? long.MaxValue : a * b;

    // One allocation per For call (this and the delegate over its Run method), none per item or chunk.
    private sealed class Job<TBody>(TBody body, int count, int chunks) where TBody : struct, IPartitionBody
    {
        public void Run(int chunk)
        {
            int start = (int)((long)count * chunk / chunks);
            int end = (int)((long)count * (chunk + 1) / chunks);
            if (start == end)
                return;
            bool outer = insideChunk;
            insideChunk = true;
            try
            {
                // Each chunk gets its own copy of the struct, so bodies may keep per-chunk state in fields.
                TBody local = body;
                local.Invoke(start, end);
            }
            finally
            {
                insideChunk = outer;
            }
        }
    }
}
