using System.Globalization;
using SharpGrad.Cli.Commands;
using SharpGrad.IO;

namespace SharpGrad.Cli.Tests;

/// <summary>
/// train, eval and bench on a device: gpu-sim (the GPU kernels on the CPU) gives the CPU run's results on a small
/// slice of the bundled digits, and a device that cannot be used, or is misspelt, is one clear line.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class DeviceCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sharpgrad-device-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>The first images of the bundled digits, few enough for gpu-sim: 128 to train on, 64 to test.</summary>
    private string SmallData()
    {
        string data = Path.Combine(CliRunner.RepoRoot, "data"), small = Path.Combine(dir, "data");
        Directory.CreateDirectory(small);
        foreach (var (prefix, count) in new[] { ("train", 128), ("t10k", 64) })
        {
            var images = Idx.Read(Path.Combine(data, $"{prefix}-images-idx3-ubyte.gz"));
            var labels = Idx.Read(Path.Combine(data, $"{prefix}-labels-idx1-ubyte.gz"));
            Idx.Write(Path.Combine(small, $"{prefix}-images-idx3-ubyte"), images.Narrow(0, 0, count).Contiguous(), IdxType.UnsignedByte);
            Idx.Write(Path.Combine(small, $"{prefix}-labels-idx1-ubyte"), labels.Narrow(0, 0, count).Contiguous(), IdxType.UnsignedByte);
        }
        return small;
    }

    private static string[] LastRow(string folder) => File.ReadAllLines(Path.Combine(folder, "metrics.csv"))[^1].Split(',');

    [Fact]
    public void TrainOnGpuSim_EndsWhereTheCpuRunEnds_AndEvalAgrees()
    {
        string data = SmallData(), cpu = Path.Combine(dir, "cpu"), sim = Path.Combine(dir, "sim");
        string[] run = ["train", "--model", "mlp", "--epochs", "2", "--batch-size", "32", "--data", data];
        var (code, _, error) = CliRunner.Run([.. run, "--out", cpu]);
        Assert.True(code == 0, error);
        // The checkpoint after epoch 1 is kept, as a run stopped during epoch 2 would leave it.
        string resumed = Path.Combine(dir, "resumed");
        Directory.CreateDirectory(resumed);
        TrainCommand.CheckpointSaved = (path, epoch) => { if (epoch == 1) File.Copy(path, Path.Combine(resumed, "checkpoint.safetensors")); };
        string output;
        try
        {
            (code, output, error) = CliRunner.Run([.. run, "--out", sim, "--device", "gpu-sim"]);
        }
        finally
        {
            TrainCommand.CheckpointSaved = null;
        }
        Assert.True(code == 0, error);
        Assert.Contains("on gpu-sim", output);
        var (expected, actual) = (LastRow(cpu), LastRow(sim));
        // Train and test loss to float32 rounding (the GPU sums in another order), accuracy to one digit of 64.
        for (int column = 1; column <= 4; column++)
        {
            double e = double.Parse(expected[column], CultureInfo.InvariantCulture), a = double.Parse(actual[column], CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(e - a) <= (column % 2 == 1 ? 1e-3 : 1.0 / 64 + 1e-9), $"metrics column {column}: cpu {e}, gpu-sim {a}");
        }

        // Resumed on the device from the checkpoint (weights and Adam's moments read into device memory), the second
        // epoch is the uninterrupted one.
        (code, output, error) = CliRunner.Run("train", "--resume", "--data", data, "--out", resumed, "--device", "gpu-sim");
        Assert.True(code == 0, error);
        Assert.Contains("Resuming after epoch 1 of 2", output);
        Assert.Equal(actual[..5], LastRow(resumed)[..5]);

        (code, output, error) = CliRunner.Run("eval", "--weights", Path.Combine(sim, "model.safetensors"), "--data", data, "--device", "gpu-sim");
        Assert.True(code == 0, error);
        Assert.Contains(double.Parse(actual[4], CultureInfo.InvariantCulture).ToString("P2", CultureInfo.InvariantCulture), output);
    }

    [Fact]
    public void UnusableOrMisspeltDevice_IsOneClearLine()
    {
        var (code, _, error) = CliRunner.Run("train", "--device", "tpu", "--epochs", "1");
        Assert.NotEqual(0, code);
        Assert.Contains("Unknown device \"tpu\"; use cpu, cuda, cuda:N (N = 0, 1, ...) or gpu-sim.", error);

        (code, _, error) = CliRunner.Run("train", "--task", "names", "--device", "cuda:7", "--out", Path.Combine(dir, "n"));
        Assert.NotEqual(0, code);
        Assert.Contains("cuda:7 is not available", error);
        Assert.False(Directory.Exists(Path.Combine(dir, "n")));

        // No machine that runs the tests has a GPU at cuda:7.
        (code, _, error) = CliRunner.Run("train", "--device", "cuda:7", "--epochs", "1", "--out", Path.Combine(dir, "x"));
        Assert.NotEqual(0, code);
        Assert.Contains("cuda:7 is not available", error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(File.Exists(Path.Combine(dir, "x", "metrics.csv")));
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("transformer")]
    public void NamesOnGpuSim_EndsWhereTheCpuRunEnds(string model)
    {
        // A few names, so that gpu-sim (the GPU kernels run on the CPU) takes seconds.
        string data = Path.Combine(dir, "names");
        Directory.CreateDirectory(data);
        File.WriteAllLines(Path.Combine(data, "train.txt"), ["anna", "emma", "olivia", "ava", "mia", "noah", "liam", "ella", "lucas", "mila", "leo", "nora", "tim", "ida", "tessa"]);
        File.WriteAllLines(Path.Combine(data, "val.txt"), ["lina", "otto", "lea"]);
        File.WriteAllLines(Path.Combine(data, "test.txt"), ["emil", "alma", "nils"]);
        string[] run = ["train", "--task", "names", "--model", model, "--epochs", "2", "--batch-size", "4", "--embed", "8", "--hidden", "16",
            "--context", "8", .. model == "transformer" ? ["--layers", "1", "--heads", "2"] : Array.Empty<string>(), "--data", data];
        var (code, output, error) = CliRunner.Run([.. run, "--out", Path.Combine(dir, "cpu")]);
        Assert.True(code == 0, error);
        (code, output, error) = CliRunner.Run([.. run, "--out", Path.Combine(dir, "sim"), "--device", "gpu-sim"]);
        Assert.True(code == 0, error);
        Assert.Contains("on gpu-sim", output);
        var (expected, actual) = (LastRow(Path.Combine(dir, "cpu")), LastRow(Path.Combine(dir, "sim")));
        for (int column = 1; column <= 2; column++)
        {
            double e = double.Parse(expected[column], CultureInfo.InvariantCulture), a = double.Parse(actual[column], CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(e - a) <= 1e-3, $"metrics column {column}: cpu {e}, gpu-sim {a}");
        }
    }

    [Fact]
    public void BenchOnGpuSim_RunsTheGpuRowsAsACheck()
    {
        var (code, output, error) = CliRunner.Run("bench", "--device", "gpu-sim", "--only", "gpu_sgemm_256", "--json");
        Assert.True(code == 0, error);
        Assert.Contains("\"gpu_sgemm_256_fp32\"", output);
        Assert.Contains("\"gpu_sgemm_256_tf32\"", output);
        Assert.Contains("not GPU speeds", error);
    }
}
