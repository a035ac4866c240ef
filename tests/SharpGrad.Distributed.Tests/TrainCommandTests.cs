using System.Globalization;
using SharpGrad.IO;

namespace SharpGrad.Distributed.Tests;

/// <summary>
/// <c>mpirun -np 2 sharpgrad train --batch-size 16</c> against <c>sharpgrad train --batch-size 32</c>
/// in one process: the same per-epoch training loss (float32 rounding, 1e-4 relative) and test
/// accuracy, because the ranks' batches together are the one-process batch, their augmentation
/// is the one process's, and their averaged gradients are its gradients. Also: resuming across
/// ranks, refusing ranks with different arguments, and a failing rank ending the job at once.
/// </summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sharpgrad-mpi-").FullName;

    private static string Cli => Path.Combine(MpiRun.BinFolder, "SharpGrad.Cli.dll");

    private static string Data => Path.Combine(MpiRun.RepoRoot, "data");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [OpenMpiFact]
    public async Task Mlp_TwoRanksOfSixteen_EqualOneProcessOfThirtyTwo_AndResumeAcrossRanks()
    {
        var single = Train(1, tcp: false, "one", "--model", "mlp", "--epochs", "2", "--batch-size", "32", "--seed", "3");

        // The two-rank run; its checkpoint after epoch 1 is copied away while epoch 2 trains, which is
        // what a job stopped during epoch 2 leaves behind.
        string checkpoint = Path.Combine(dir, "two", "checkpoint.safetensors"), copy = Path.Combine(dir, "resumed", "checkpoint.safetensors");
        Directory.CreateDirectory(Path.Combine(dir, "resumed"));
        // On a loaded machine the watcher can miss the window of epoch 2; then the run is repeated.
        string[][] ranks;
        for (int attempt = 0; ; attempt++)
        {
            if (Directory.Exists(Path.Combine(dir, "two"))) Directory.Delete(Path.Combine(dir, "two"), recursive: true);
            var run = Task.Run(() => Train(2, tcp: false, "two", "--model", "mlp", "--epochs", "2", "--batch-size", "16", "--seed", "3"));
            while (!File.Exists(checkpoint) && !run.IsCompleted) await Task.Delay(5);
            File.Copy(checkpoint, copy, overwrite: true);
            ranks = await run;
            if (Checkpoint.ReadInfo(copy).Epoch == 1) break;
            Assert.True(attempt < 3, "never caught the checkpoint of epoch 1 while epoch 2 trained");
        }
        AssertSameEpochs(single, ranks, lossTolerance: 1e-4, accuracyTolerance: 0);
        Assert.Contains("batch 16 per rank × 2 ranks = 32", lastOutput);

        // Resumed on two ranks over TCP, with only --resume: rank 0 reads the checkpoint and sends it to
        // rank 1, and the second epoch is the uninterrupted run's.
        var resumed = Train(2, tcp: true, "resumed", "--resume");
        AssertSameEpochs(ranks, resumed, lossTolerance: 0, accuracyTolerance: 0);
    }

    [OpenMpiFact]
    public void Cnn_TwoRanksOfSixteen_EqualOneProcessOfThirtyTwo_OverSharedMemoryAndTcp()
    {
        var single = Train(1, tcp: false, "one", "--model", "cnn", "--epochs", "2", "--batch-size", "32", "--seed", "3");
        // The batch sums of the weight and bias gradients are grouped in fixed chunks of 16 samples (BatchSums),
        // so each step's averaged gradient is the one process's bit for bit, and so is every weight after it:
        // the two epochs agree to the printed digits, not only to the 1e-4 the loss is allowed.
        var shm = Train(2, tcp: false, "shm", "--model", "cnn", "--epochs", "2", "--batch-size", "16", "--seed", "3");
        AssertSameEpochs(single, shm, lossTolerance: 1e-4, accuracyTolerance: 0);
        var tcp = Train(2, tcp: true, "tcp", "--model", "cnn", "--epochs", "2", "--batch-size", "16", "--seed", "3");
        AssertSameEpochs(single, tcp, lossTolerance: 1e-4, accuracyTolerance: 0);
    }

    [OpenMpiFact]
    public void RanksWithDifferentArguments_AreRefused()
    {
        var run = MpiRun.Run(MpiRun.OpenMpi!, ["--oversubscribe", "--allow-run-as-root",
            "-np", "1", "dotnet", Cli, "train", "--model", "mlp", "--epochs", "1", "--lr", "0.002", "--data", Data, "--out", dir, ":",
            "-np", "1", "dotnet", Cli, "train", "--model", "mlp", "--epochs", "1", "--lr", "0.001", "--data", Data, "--out", dir]);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("rank 1 of 2 was started with --lr 0.001 but rank 0 with --lr 0.002; every rank must run the same command.", run.Error);
        Assert.False(File.Exists(Path.Combine(dir, "metrics.csv")));
    }

    [OpenMpiFact]
    public void FailingRank_EndsEveryRankLongBeforeTheTimeout()
    {
        var run = MpiRun.Run(MpiRun.OpenMpi!, ["--oversubscribe", "--allow-run-as-root",
            "-np", "1", "dotnet", Cli, "train", "--model", "mlp", "--epochs", "1", "--data", Data, "--out", dir, "--dist-timeout", "600", ":",
            "-np", "1", "dotnet", Cli, "train", "--model", "mlp", "--epochs", "1", "--data", Path.Combine(dir, "missing"), "--out", dir, "--dist-timeout", "600"]);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("error: rank 1 of 2: ", run.Error);
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(60), $"took {run.Elapsed}");
    }

    private string lastOutput = "";

    private string[][] Train(int ranks, bool tcp, string output, params string[] args)
    {
        string outDir = Path.Combine(dir, output);
        string[] full = ["train", .. args, "--data", Data, "--out", outDir];
        var run = ranks == 1
            ? MpiRun.Run("dotnet", [Cli, .. full])
            : MpiRun.OpenMpiRun(ranks, tcp, Cli, full);
        Assert.True(run.ExitCode == 0, run.Error + run.Out);
        lastOutput = string.Join(" ", run.Out.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
        return [.. File.ReadAllLines(Path.Combine(outDir, "metrics.csv")).Skip(1).Select(l => l.Split(','))];
    }

    private static void AssertSameEpochs(string[][] expected, string[][] actual, double lossTolerance, double accuracyTolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int e = 0; e < expected.Length; e++)
        {
            double D(string[][] rows, int column) => double.Parse(rows[e][column], CultureInfo.InvariantCulture);
            double loss = D(expected, 1), otherLoss = D(actual, 1);
            Assert.True(Math.Abs(loss - otherLoss) <= lossTolerance * loss, $"epoch {e + 1}: train loss {otherLoss} instead of {loss}");
            Assert.True(Math.Abs(D(expected, 4) - D(actual, 4)) <= accuracyTolerance, $"epoch {e + 1}: test accuracy {D(actual, 4)} instead of {D(expected, 4)}");
        }
    }
}
