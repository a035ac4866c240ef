using System.Collections.Concurrent;
using SharpGrad.Kernels;
using Partitioner = SharpGrad.Kernels.Partitioner;

namespace SharpGrad.Tests.Kernels;

/// <summary>
/// Tests that read or set Partitioner.MaxDegreeOfParallelism, a process-wide setting, run in this collection,
/// alone, so that no other test changes it underneath them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PartitionerSettingsCollection
{
    public const string Name = "Partitioner settings";
}

[Collection(PartitionerSettingsCollection.Name)]
public class PartitionerTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    [InlineData(100000)]
    public void For_ProcessesEveryItemExactlyOnce(int count)
    {
        foreach (long workPerItem in new long[] { 1, 100, 1_000_000 })
        {
            var recorder = new Recorder(count);
            Partitioner.For(count, workPerItem, new RecordingBody(recorder));
            for (int i = 0; i < count; i++)
                Assert.Equal(1, recorder.Hits[i]);
            Assert.All(recorder.Ranges, r => Assert.True(r.Start < r.End, $"empty or reversed chunk [{r.Start}, {r.End})"));
        }
    }

    [Fact]
    public void For_TinyWork_RunsSeriallyOnCallingThread()
    {
        var recorder = new Recorder(10);
        Partitioner.For(10, 100, new RecordingBody(recorder));
        var range = Assert.Single(recorder.Ranges);
        Assert.Equal((0, 10, Environment.CurrentManagedThreadId), range);
    }

    [Fact]
    public void For_LargeWork_UsesContiguousChunksUpToMaxDegree()
    {
        int saved = Partitioner.MaxDegreeOfParallelism;
        try
        {
            Partitioner.MaxDegreeOfParallelism = 4;
            var recorder = new Recorder(1000);
            Partitioner.For(1000, 1_000_000, new RecordingBody(recorder));
            Assert.Equal(4, recorder.Ranges.Count);
            var sorted = recorder.Ranges.OrderBy(r => r.Start).ToArray();
            int expectedStart = 0;
            foreach (var r in sorted)
            {
                Assert.Equal(expectedStart, r.Start);
                Assert.InRange(r.End - r.Start, 249, 251);
                expectedStart = r.End;
            }
            Assert.Equal(1000, expectedStart);
        }
        finally
        {
            Partitioner.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void For_FewerItemsThanCores_NeverSplitsAnItem()
    {
        int saved = Partitioner.MaxDegreeOfParallelism;
        try
        {
            Partitioner.MaxDegreeOfParallelism = 8;
            var recorder = new Recorder(3);
            Partitioner.For(3, 10_000_000, new RecordingBody(recorder));
            Assert.Equal(3, recorder.Ranges.Count);
            Assert.All(recorder.Ranges, r => Assert.Equal(1, r.End - r.Start));
        }
        finally
        {
            Partitioner.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void For_MaxDegreeOne_RunsSeriallyOnCallingThread()
    {
        int saved = Partitioner.MaxDegreeOfParallelism;
        try
        {
            Partitioner.MaxDegreeOfParallelism = 1;
            var recorder = new Recorder(100000);
            Partitioner.For(100000, 1_000_000, new RecordingBody(recorder));
            Assert.Equal((0, 100000, Environment.CurrentManagedThreadId), Assert.Single(recorder.Ranges));
            Assert.Equal(1, Partitioner.ChunkCount(100000, 1_000_000));
        }
        finally
        {
            Partitioner.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void For_NestedCall_RunsInnerSerially()
    {
        int saved = Partitioner.MaxDegreeOfParallelism;
        try
        {
            Partitioner.MaxDegreeOfParallelism = 2;
            var innerChunkCounts = new ConcurrentBag<int>();
            Partitioner.For(2, 1_000_000, new NestingBody(innerChunkCounts));
            Assert.Equal(2, innerChunkCounts.Count);
            Assert.All(innerChunkCounts, n => Assert.Equal(1, n));
        }
        finally
        {
            Partitioner.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void For_BodyThrows_RethrowsTheOriginalException()
    {
        int saved = Partitioner.MaxDegreeOfParallelism;
        try
        {
            Partitioner.MaxDegreeOfParallelism = 2;
            // Only the chunk holding item 0 throws, so exactly one exception surfaces, unwrapped.
            var ex = Assert.Throws<InvalidOperationException>(() => Partitioner.For(2, 1_000_000, new ThrowingBody()));
            Assert.Equal("item 0", ex.Message);
        }
        finally
        {
            Partitioner.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void For_ConcurrentCallers_EachGetEveryItemOnce_OverManyJobs()
    {
        // Callers race for the worker pool; the loser of each race runs on the thread pool. Many short jobs in a row
        // also exercise the workers' spin-then-sleep handshake.
        var failures = new ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 3).Select(t => new Thread(() =>
        {
            for (int job = 0; job < 300; job++)
            {
                int count = 50 + (job * 7 + t) % 200;
                var recorder = new Recorder(count);
                Partitioner.For(count, 1_000_000, new RecordingBody(recorder));
                if (recorder.Hits.Any(h => h != 1))
                    failures.Add($"thread {t}, job {job}");
                if (job % 50 == 0)
                    Thread.Sleep(2); // long enough for idle workers to go to sleep
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(failures);
    }

    [Fact]
    public void For_SeveralChunksThrow_AllAreReported()
    {
        int saved = Partitioner.MaxDegreeOfParallelism;
        try
        {
            Partitioner.MaxDegreeOfParallelism = 4;
            var ex = Assert.Throws<AggregateException>(() => Partitioner.For(4, 1_000_000, new ThrowingEverywhereBody()));
            Assert.Equal(4, ex.InnerExceptions.Count);
        }
        finally
        {
            Partitioner.MaxDegreeOfParallelism = saved;
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void MaxDegreeOfParallelism_BelowOne_Throws(int value)
    {
        int saved = Partitioner.MaxDegreeOfParallelism;
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Partitioner.MaxDegreeOfParallelism = value);
        Assert.Contains("MaxDegreeOfParallelism", ex.Message);
        Assert.Equal(saved, Partitioner.MaxDegreeOfParallelism);
    }

    [Fact]
    public void MaxDegreeOfParallelism_DefaultsToProcessorCount()
    {
        // Every test that changes it restores it, so the default is still in place here.
        Assert.Equal(Environment.ProcessorCount, Partitioner.MaxDegreeOfParallelism);
    }

    [Fact]
    public void For_NegativeArguments_Throw()
    {
        var recorder = new Recorder(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => Partitioner.For(-1, 1, new RecordingBody(recorder)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Partitioner.For(1, -1, new RecordingBody(recorder)));
        Assert.Empty(recorder.Ranges);
    }

    private sealed class Recorder(int count)
    {
        public readonly int[] Hits = new int[count];
        public readonly ConcurrentBag<(int Start, int End, int Thread)> Ranges = [];
    }

    private readonly struct RecordingBody(Recorder recorder) : IPartitionBody
    {
        public void Invoke(int start, int end)
        {
            recorder.Ranges.Add((start, end, Environment.CurrentManagedThreadId));
            for (int i = start; i < end; i++)
                Interlocked.Increment(ref recorder.Hits[i]);
        }
    }

    private readonly struct NestingBody(ConcurrentBag<int> innerChunkCounts) : IPartitionBody
    {
        public void Invoke(int start, int end)
        {
            var inner = new Recorder(1000);
            Partitioner.For(1000, 1_000_000, new RecordingBody(inner));
            innerChunkCounts.Add(inner.Ranges.Count);
        }
    }

    private readonly struct ThrowingEverywhereBody : IPartitionBody
    {
        public void Invoke(int start, int end) => throw new InvalidOperationException($"items {start}..{end}");
    }

    private readonly struct ThrowingBody : IPartitionBody
    {
        public void Invoke(int start, int end)
        {
            if (start == 0)
                throw new InvalidOperationException("item 0");
        }
    }
}
