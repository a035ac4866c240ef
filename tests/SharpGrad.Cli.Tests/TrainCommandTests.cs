using System.Globalization;
using SharpGrad.IO;

namespace SharpGrad.Cli.Tests;

/// <summary>train, eval, summary and demo end to end on the bundled digits, and their error handling.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class TrainCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sharpgrad-train-").FullName;

    private static string Data => Path.Combine(CliRunner.RepoRoot, "data");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Train_Mlp_WritesMetricsCurvesAndWeights_ThenEvalAgreesAndResumeContinues()
    {
        var (code, output, error) = CliRunner.Run("train", "--model", "mlp", "--epochs", "2", "--batch-size", "64", "--data", Data, "--out", dir);
        Assert.True(code == 0, error);
        Assert.Contains("epoch  1/2", output);
        Assert.Contains("test accuracy", output);

        var rows = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        Assert.Equal("epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,samples_per_second", rows[0]);
        Assert.Equal(3, rows.Length);
        double testAccuracy = double.Parse(rows[2].Split(',')[4], CultureInfo.InvariantCulture);
        Assert.InRange(testAccuracy, 0.90, 1.0);
        Assert.Equal(0x89, File.ReadAllBytes(Path.Combine(dir, "curves.png"))[0]); // PNG signature
        var weights = SafeTensors.Load(Path.Combine(dir, "model.safetensors"));
        Assert.Equal("mlp", weights.Metadata["model"]);
        Assert.Equal([256, 784], weights.Tensors["1.weight"].Shape.ToArray());

        // eval recomputes the same test accuracy from the saved weights.
        (code, output, error) = CliRunner.Run("eval", "--weights", Path.Combine(dir, "model.safetensors"), "--data", Data);
        Assert.True(code == 0, error);
        Assert.Contains(testAccuracy.ToString("P2", CultureInfo.InvariantCulture), output);
        Assert.Contains("Confusion matrix", output);

        // --resume continues after epoch 2 and keeps the earlier rows.
        (code, output, error) = CliRunner.Run("train", "--model", "mlp", "--epochs", "3", "--batch-size", "64", "--data", Data, "--out", dir, "--resume");
        Assert.True(code == 0, error);
        Assert.Contains("Resuming after epoch 2", output);
        var resumed = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        Assert.Equal(4, resumed.Length);
        Assert.Equal(rows[1].Split(',')[..5], resumed[1].Split(',')[..5]);
        Assert.StartsWith("3,", resumed[3]);
    }

    [Fact]
    public void Summary_ListsTheCnnLayersAndTotal()
    {
        var (code, output, _) = CliRunner.Run("summary", "--model", "cnn");
        Assert.Equal(0, code);
        Assert.Contains("Conv2d", output);
        Assert.Contains("[1, 16, 5, 5]", output);
        Assert.Contains("52,754", output); // 208 + 3 216 + 48 120 + 1 210
    }

    [Fact]
    public void Demo_PrintsTheWorkedExampleNumbers()
    {
        var (code, output, _) = CliRunner.Run("demo");
        Assert.Equal(0, code);
        Assert.Contains("0, -18", output);
        Assert.Contains("1.18", output);
    }

    [Theory]
    [InlineData("train", "--data", "/nonexistent/digits", "does not exist")]
    [InlineData("train", "--epochs", "0", "--epochs must be positive")]
    [InlineData("train", "--model", "resnet", "resnet")]
    [InlineData("train", "--lr", "-1", "--lr must be a positive number")]
    [InlineData("eval", "--weights", "/nonexistent/model.safetensors", "No model file")]
    public void BadInput_IsOneLineOnStderrWithExitCode2(params string[] argsAndMessage)
    {
        var args = argsAndMessage[..^1];
        var (code, _, error) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(argsAndMessage[^1], error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void Eval_OfDamagedFile_IsAClearErrorWithExitCode2()
    {
        var path = Path.Combine(dir, "model.safetensors");
        File.WriteAllBytes(path, [8, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'"']);
        var (code, _, error) = CliRunner.Run("eval", "--weights", path, "--data", Data);
        Assert.Equal(2, code);
        Assert.Contains(path, error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void Resume_WithoutCheckpoint_SaysWhereItLooked()
    {
        var (code, _, error) = CliRunner.Run("train", "--model", "mlp", "--epochs", "1", "--data", Data, "--out", dir, "--resume");
        Assert.Equal(2, code);
        Assert.Contains(Path.Combine(dir, "checkpoint.safetensors"), error);
    }
}
