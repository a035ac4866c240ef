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
        // long at the end while another finishes an oversized remainder. Which thread runs a chunk never changes
        // its bounds, so results do not depend on the scheduling.
        var job = new Job<TBody>(body, count, chunks);
        if (!WorkerPool.Shared.TryRun(job))
        {
            // Another thread is using the workers (two models run side by side, say): the thread pool takes this one.
            try
            {
                Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, job.Run);
            }
            catch (AggregateException e)
            {
                job.Failed(e.InnerExceptions);
            }
        }
        job.Rethrow();
    }

    private static long SaturatingMultiply(long a, long b)
        => b != 0 && a > long.MaxValue / b ? long.MaxValue : a * b;

    /// <summary>A job the worker pool runs: chunks [0, <see cref="Chunks"/>) handed out one at a time to whoever asks.</summary>
    internal abstract class PoolJob
    {
        private int next;
        private int done;
        private List<Exception>? errors;

        protected PoolJob(int chunks) => Chunks = chunks;

        public int Chunks { get; }

        public bool Finished => Volatile.Read(ref done) == Chunks;

        /// <summary>Claims and runs chunks until none is left; any thread may call it, any number of times.</summary>
        public void Work()
        {
            int chunk;
            while ((chunk = Interlocked.Increment(ref next) - 1) < Chunks)
            {
                try
                {
                    Run(chunk);
                }
                catch (Exception e)
                {
                    lock (this)
                        (errors ??= []).Add(e);
                }
                finally
                {
                    Interlocked.Increment(ref done);
                }
            }
        }

        public abstract void Run(int chunk);

        public void Failed(IEnumerable<Exception> exceptions)
        {
            lock (this)
                (errors ??= []).AddRange(exceptions);
        }

        /// <summary>Callers see the kernel's own exception (say an ArgumentException), not a wrapper, when one chunk failed.</summary>
        public void Rethrow()
        {
            if (errors is null)
                return;
            if (errors.Count == 1)
                ExceptionDispatchInfo.Capture(errors[0]).Throw();
            throw new AggregateException(errors);
        }
    }

    // One allocation per For call (this and, on the thread-pool fallback, the delegate over its Run method), none per
    // item or chunk.
    private sealed class Job<TBody>(TBody body, int count, int chunks) : PoolJob(chunks) where TBody : struct, IPartitionBody
    {
        public override void Run(int chunk)
        {
            int start = (int)((long)count * chunk / Chunks);
            int end = (int)((long)count * (chunk + 1) / Chunks);
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

    /// <summary>
    /// The threads that run chunks beside the caller: one fewer than the cores, so that with the caller every core has
    /// one thread and none is oversubscribed. They are started on first use and kept warm: after a job each spins for
    /// a short while (<see cref="SpinTime"/>), so that the next kernel of a training step, microseconds later, starts
    /// on all cores at once instead of waiting for a thread to wake; only then does it sleep. One job at a time; a
    /// second caller meanwhile gets false and uses the thread pool.
    /// </summary>
    private sealed class WorkerPool
    {
        /// <summary>How long an idle worker spins before it sleeps: longer than the gaps between the kernels of a step.</summary>
        private static readonly long SpinTime = System.Diagnostics.Stopwatch.Frequency / 5000; // 200 µs

        public static readonly WorkerPool Shared = new(Environment.ProcessorCount - 1);

        private readonly int workers;
        private readonly object gate = new();
        private readonly SemaphoreSlim wake = new(0);
        private PoolJob? current;
        private int generation;
        private int sleepers;
        private bool started;

        private WorkerPool(int workers) => this.workers = workers;

        /// <summary>Runs every chunk of <paramref name="job"/> on the caller and the workers; false if the pool is busy.</summary>
        public bool TryRun(PoolJob job)
        {
            if (workers == 0 || !Monitor.TryEnter(gate))
                return false;
            try
            {
                if (!started)
                    Start();
                Volatile.Write(ref current, job);
                Interlocked.Increment(ref generation);
                // Wake as many sleepers as there are chunks beyond the caller's; the others stay counted as asleep.
                int asleep = Interlocked.Exchange(ref sleepers, 0);
                int woken = Math.Min(asleep, job.Chunks - 1);
                if (asleep > woken)
                    Interlocked.Add(ref sleepers, asleep - woken);
                if (woken > 0)
                    wake.Release(woken);
                job.Work();
                // The last chunks may still be running on workers; they are short, so spin rather than block.
                var spin = new SpinWait();
                while (!job.Finished)
                    spin.SpinOnce(sleep1Threshold: -1);
                Volatile.Write(ref current, null);
                return true;
            }
            finally
            {
                Monitor.Exit(gate);
            }
        }

        private void Start()
        {
            for (int i = 0; i < workers; i++)
                new Thread(Loop) { IsBackground = true, Name = $"SharpGrad worker {i + 1}" }.Start();
            started = true;
        }

        private void Loop()
        {
            int seen = Volatile.Read(ref generation);
            while (true)
            {
                long spinUntil = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTime;
                var spin = new SpinWait();
                int now;
                while ((now = Volatile.Read(ref generation)) == seen)
                {
                    if (System.Diagnostics.Stopwatch.GetTimestamp() < spinUntil)
                    {
                        spin.SpinOnce(sleep1Threshold: -1);
                        continue;
                    }
                    // Announce the sleep, then look once more: a job published in between either sees this sleeper
                    // and releases the semaphore, or is seen here. A release nobody needed only causes one extra
                    // look later.
                    Interlocked.Increment(ref sleepers);
                    if (Volatile.Read(ref generation) == seen)
                        wake.Wait();
                    spinUntil = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTime;
                }
                seen = now;
                Volatile.Read(ref current)?.Work();
            }
        }
    }
}
