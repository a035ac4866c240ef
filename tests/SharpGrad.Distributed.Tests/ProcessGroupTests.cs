namespace SharpGrad.Distributed.Tests;

/// <summary>
/// Broadcast, all-reduce and barrier between real processes under mpirun, over shared memory and
/// over TCP on loopback (how two machines talk), with Open MPI and with MPICH; and what happens
/// when a rank hangs or dies. The expected values are worked out by hand for two ranks: rank r
/// contributes [r + 1, 10(r + 1), −r], so the sum is [3, 30, −1].
/// </summary>
public sealed class ProcessGroupTests
{
    [OpenMpiFact]
    public void Collectives_OpenMpi_SharedMemory() => CheckCollectives(MpiRun.OpenMpiRun(2, tcp: false, MpiRun.Worker, "collectives", "60"), "OpenMpi");

    [OpenMpiFact]
    public void Collectives_OpenMpi_TcpLoopback() => CheckCollectives(MpiRun.OpenMpiRun(2, tcp: true, MpiRun.Worker, "collectives", "60"), "OpenMpi");

    [MpichFact]
    public void Collectives_Mpich() => CheckCollectives(MpiRun.MpichRun(2, MpiRun.Worker, "collectives", "60"), "Mpich");

    [OpenMpiFact]
    public void HangingRank_OthersStopWithAClearErrorAfterTheTimeout()
    {
        var run = MpiRun.OpenMpiRun(2, tcp: false, MpiRun.Worker, "hang", "2");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("rank 0 of 2: the barrier did not complete within 2 s; another rank has stopped or hangs", run.Error);
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(40), $"took {run.Elapsed}");
    }

    [OpenMpiFact]
    public void DeadRank_EndsTheJobWithAnError()
    {
        var run = MpiRun.OpenMpiRun(2, tcp: false, MpiRun.Worker, "die", "20");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("Exit code:    5", run.Error + run.Out);
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(40), $"took {run.Elapsed}");
    }

    [Fact]
    public void SingleProcessGroup_CollectivesLeaveTheDataAsItIs()
    {
        using var group = new SingleProcessGroup();
        var t = Tensor.FromArray([1f, -2f], 2);
        group.AllReduce(t, ReduceOp.Average);
        group.Broadcast(t);
        group.Barrier();
        Assert.Equal([1f, -2f], t.ToFloatArray());
        Assert.Equal("abc", group.Broadcast("abc"));
    }

    [Fact]
    public void MissingLibrary_IsAClearError()
    {
        string? saved = Environment.GetEnvironmentVariable(Mpi.MpiLibrary.LibraryVariable);
        try
        {
            Environment.SetEnvironmentVariable(Mpi.MpiLibrary.LibraryVariable, "/nonexistent/libmpi.so");
            var e = Assert.Throws<DistributedException>(() => Mpi.MpiLibrary.Load());
            Assert.StartsWith("No MPI library could be loaded (tried /nonexistent/libmpi.so). Install Open MPI or MPICH", e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Mpi.MpiLibrary.LibraryVariable, saved);
        }
    }

    [Fact]
    public void Environment_OpenMpiAndMpichLaunchersAreRecognised()
    {
        var ompi = MpiEnvironment.Detect(name => name switch { "OMPI_COMM_WORLD_SIZE" => "4", "OMPI_COMM_WORLD_RANK" => "3", _ => null });
        Assert.Equal(new MpiEnvironment(3, 4, Mpi.MpiFlavor.OpenMpi, "OMPI_COMM_WORLD_SIZE"), ompi);
        var hydra = MpiEnvironment.Detect(name => name switch { "PMI_SIZE" => "2", "PMI_RANK" => "1", _ => null });
        Assert.Equal(new MpiEnvironment(1, 2, Mpi.MpiFlavor.Mpich, "PMI_SIZE"), hydra);
        Assert.Null(MpiEnvironment.Detect(_ => null));
        Assert.Null(MpiEnvironment.Detect(name => name == "PMI_SIZE" ? "two" : null));
    }

    private static void CheckCollectives(MpiRun.Result run, string flavor)
    {
        Assert.True(run.ExitCode == 0, run.Error + run.Out);
        for (int rank = 0; rank < 2; rank++)
        {
            Assert.Equal("2", run.Value(rank, "size"));
            Assert.Equal(flavor, run.Value(rank, "transport"));
            Assert.Equal([3, 30, -1], run.Numbers(rank, "sum"));
            Assert.Equal([1.5, 15], run.Numbers(rank, "average"));
            Assert.Equal([1, 0], run.Numbers(rank, "max"));
            // [[r, 2, 3], [4, 5, 6]] summed over r = 0, 1, written back through the transposed view.
            Assert.Equal([1, 4, 6, 8, 10, 12], run.Numbers(rank, "transposed"));
            Assert.Equal([101, 102], run.Numbers(rank, "broadcast"));
            Assert.Equal("hello from rank 1 ✓", run.Value(rank, "string"));
            Assert.Equal([0.5], run.Numbers(rank, "parameter"));
            Assert.Equal("passed", run.Value(rank, "barrier"));
            Assert.StartsWith("MPI_Ibcast failed: ", run.Value(rank, "bad root"));
            Assert.Contains("(MPI error ", run.Value(rank, "bad root"));
        }
    }
}
