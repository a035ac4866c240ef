using System.Globalization;
using SharpGrad.IO;
using SharpGrad.Cli.Commands;

namespace SharpGrad.Cli.Tests;

/// <summary>train, eval, summary and demo end to end on the bundled digits, and their error handling.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class TrainCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sharpgrad-train-").FullName;

    private static string Data => Path.Combine(CliRunner.RepoRoot, "data");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Train_Mlp_WritesMetricsCurvesAndWeights_ThenEvalAgrees_AndAFinishedRunCannotBeResumed()
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

        // The run is finished: resuming it has nothing left to do, and it cannot be lengthened.
        (code, _, error) = CliRunner.Run("train", "--data", Data, "--out", dir, "--resume");
        Assert.Equal(2, code);
        Assert.Contains("already finished all 2 epochs", error);
        (code, _, error) = CliRunner.Run("train", "--epochs", "3", "--data", Data, "--out", dir, "--resume");
        Assert.Equal(2, code);
        Assert.Contains("--epochs 3 differs from the 2 of the run in", error);
        Assert.DoesNotContain('\n', error.Trim());
    }

    [Fact]
    public void Resume_FromACheckpointOfAnInterruptedRun_EndsWhereTheUninterruptedRunEnds()
    {
        // The uninterrupted run; its checkpoint after epoch 1 is copied away while epoch 2 trains,
        // which is what a run killed during epoch 2 leaves behind.
        string full = Path.Combine(dir, "full"), resumed = Path.Combine(dir, "resumed");
        Directory.CreateDirectory(resumed);
        string abandoned = Path.Combine(resumed, ".checkpoint.safetensors.0123456789abcdef0123456789abcdef.tmp");
        File.WriteAllBytes(abandoned, [8, 0, 0]); // and the temporary file of a checkpoint save it interrupted
        string fullCheckpoint = Path.Combine(full, "checkpoint.safetensors"), copy = Path.Combine(resumed, "checkpoint.safetensors");
        TrainCommand.CheckpointSaved = (path, epoch) => { if (epoch == 1) File.Copy(path, copy, overwrite: true); };
        int code;
        string error;
        try
        {
            (code, _, error) = CliRunner.Run("train", "--model", "mlp", "--epochs", "2", "--batch-size", "128", "--data", Data, "--out", full);
        }
        finally
        {
            TrainCommand.CheckpointSaved = null;
        }
        Assert.True(code == 0, error);
        Assert.Equal(1, Checkpoint.ReadInfo(copy).Epoch);
        Assert.Equal(2, Checkpoint.ReadInfo(fullCheckpoint).Epoch);

        // Only --resume and the folder: everything else comes from the checkpoint.
        (code, var output, error) = CliRunner.Run("train", "--resume", "--data", Data, "--out", resumed);
        Assert.True(code == 0, error);
        Assert.Contains("Resuming after epoch 1 of 2", output);
        Assert.False(File.Exists(abandoned));
        var expected = SafeTensors.Load(Path.Combine(full, "model.safetensors")).Tensors;
        var actual = SafeTensors.Load(Path.Combine(resumed, "model.safetensors")).Tensors;
        foreach (var (name, t) in expected)
            Assert.True(t.ToArray<float>().SequenceEqual(actual[name].ToArray<float>()), $"{name} differs from the uninterrupted run");
        var expectedRows = File.ReadAllLines(Path.Combine(full, "metrics.csv"));
        var actualRows = File.ReadAllLines(Path.Combine(resumed, "metrics.csv"));
        Assert.Equal(3, actualRows.Length);
        for (int i = 1; i < 3; i++) Assert.Equal(expectedRows[i].Split(',')[..5], actualRows[i].Split(',')[..5]);

    }

    [Theory]
    [InlineData("--lr", "0.01", "--lr 0.01 differs from the 0.002 of the run in")]
    [InlineData("--optimizer", "sgd", "--optimizer sgd differs from the adam of the run in")]
    [InlineData("--model", "cnn", "--model cnn differs from the mlp of the run in")]
    [InlineData("--batch-size", "64", "--batch-size 64 differs from the 128 of the run in")]
    public void Resume_WithAnotherRunDefiningOption_IsRefusedInOneLine(string option, string value, string message)
    {
        WriteCheckpoint(done: 1, epochs: 3);
        var (code, _, error) = CliRunner.Run("train", option, value, "--data", Data, "--out", dir, "--resume");
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.DoesNotContain('\n', error.Trim());
    }

    [Theory]
    [InlineData(5, 3, "says 5 epochs are done, more than the 3")]
    [InlineData(3, 3, "already finished all 3 epochs")]
    public void Resume_OfACheckpointBeyondOrAtItsLastEpoch_IsAClearError(int done, int epochs, string message)
    {
        WriteCheckpoint(done, epochs);
        var (code, _, error) = CliRunner.Run("train", "--data", Data, "--out", dir, "--resume");
        Assert.Equal(2, code);
        Assert.Contains(message, error);
    }

    [Fact]
    public void Resume_OfACheckpointOfAnotherModel_NamesTheFile()
    {
        WriteCheckpoint(done: 1, epochs: 3, tensorsOf: "cnn");
        var (code, _, error) = CliRunner.Run("train", "--data", Data, "--out", dir, "--resume");
        Assert.Equal(2, code);
        Assert.Contains(Path.Combine(dir, "checkpoint.safetensors"), error);
        Assert.Contains("does not fit", error);
    }

    [Fact]
    public void Resume_OfADamagedCheckpoint_IsALocatedErrorWithExitCode2AtEveryOffset()
    {
        WriteCheckpoint(done: 1, epochs: 3);
        string path = Path.Combine(dir, "checkpoint.safetensors");
        var bytes = File.ReadAllBytes(path);
        // Damage to the header (the 8-byte length and the JSON, with the metadata) or truncation anywhere.
        long headerEnd = 8 + BitConverter.ToInt64(bytes, 0);
        for (int offset = 0; offset < headerEnd; offset += 37)
        {
            foreach (var damaged in new[] { bytes[..offset], Flip(bytes, offset) })
            {
                File.WriteAllBytes(path, damaged);
                var (code, _, error) = CliRunner.Run("train", "--data", Data, "--out", dir, "--resume");
                Assert.True(code == 2, $"offset {offset}: exit {code}: {error}");
                Assert.Contains(path, error);
                Assert.DoesNotContain('\n', error.Trim());
            }
        }

        static byte[] Flip(byte[] bytes, int offset)
        {
            var copy = (byte[])bytes.Clone();
            copy[offset] ^= 0xA5;
            return copy;
        }
    }

    [Fact]
    public void Train_WhenTheLossDiverges_StopsWithExitCode2AndKeepsTheEarlierFiles()
    {
        WriteCheckpoint(done: 1, epochs: 3);
        string checkpoint = Path.Combine(dir, "checkpoint.safetensors");
        var before = File.ReadAllBytes(checkpoint);
        var (code, output, error) = CliRunner.Run("train", "--model", "mlp", "--epochs", "2", "--lr", "1e6", "--data", Data, "--out", dir);
        Assert.Equal(2, code);
        Assert.StartsWith("error: epoch 1: Training diverged after 352 samples of the epoch", error);
        Assert.Contains("no model weights were written", error);
        Assert.DoesNotContain('\n', error.Trim());
        Assert.Equal(before, File.ReadAllBytes(checkpoint));
        Assert.False(File.Exists(Path.Combine(dir, "model.safetensors")));
        Assert.DoesNotContain("epoch  1/2  train loss", output);
    }

    /// <summary>
    /// A checkpoint as an interrupted mlp run of <paramref name="epochs"/> epochs (adam, lr 0.002, batch 128,
    /// seed 1) would leave after <paramref name="done"/>, its tensors those of <paramref name="tensorsOf"/>.
    /// </summary>
    private void WriteCheckpoint(int done, int epochs, string tensorsOf = "mlp")
    {
        var model = SharpGrad.NN.MnistModels.Create(tensorsOf, new Generator(1));
        var optimizer = new SharpGrad.Optim.Adam(model.Parameters(), 0.002);
        var schedule = new SharpGrad.Optim.CosineAnnealingLR(optimizer, epochs);
        for (int i = 0; i < done; i++) schedule.Step();
        var history = string.Join(";", Enumerable.Range(1, done).Select(e => $"{e},0.5,0.9,0.4,0.9,1,8000"));
        Checkpoint.Save(Path.Combine(dir, "checkpoint.safetensors"), model, optimizer, done, new Generator(2),
            new Dictionary<string, string>
            {
                ["model"] = "mlp", ["optimizer"] = "adam", ["lr"] = "0.002", ["epochs"] = epochs.ToString(CultureInfo.InvariantCulture),
                ["batch_size"] = "128", ["seed"] = "1", ["history"] = history,
            }, schedule);
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
    // Digits alone, too many for the option: its range, not "expects a whole number".
    [InlineData("train", "--epochs", "99999999999", "--epochs expects a whole number from -2147483648 to 2147483647, got '99999999999'.")]
    [InlineData("train", "--seed", "99999999999999999999999", "--seed expects a whole number from 0 to 18446744073709551615")]
    public void BadInput_IsOneLineOnStderrWithExitCode2(params string[] argsAndMessage)
    {
        var args = argsAndMessage[..^1];
        var (code, _, error) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(argsAndMessage[^1], error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void AFileOfAnotherKindThatTrainWrites_IsNamedAsSuch_ByEvalExportAndResume()
    {
        // A names-task model, as train --task names writes it (its own tensor names), and a digits checkpoint (the model under "model.").
        var names = Path.Combine(dir, "names.safetensors");
        SafeTensors.Save(names, new Dictionary<string, Tensor> { ["embedding.weight"] = Tensor.Ones(3, 2) },
            new Dictionary<string, string> { ["task"] = "names", ["model"] = "bigram", ["vocabulary"] = "ab" });
        var checkpoint = Path.Combine(dir, "checkpoint.safetensors");
        SafeTensors.Save(checkpoint, new Dictionary<string, Tensor> { ["model.1.weight"] = Tensor.Ones(2, 2) },
            new Dictionary<string, string> { ["format"] = "sharpgrad-checkpoint/1", ["epoch"] = "1", ["rng_state"] = "1,2,3,4", ["model"] = "mlp" });
        foreach (var args in new[] { new[] { "eval", "--weights", names, "--data", Data }, ["export", names, "--onnx", Path.Combine(dir, "m.onnx")] })
        {
            var (code, _, error) = CliRunner.Run(args);
            Assert.Equal(2, code);
            Assert.Equal($"error: {names} holds a language model of names (bigram), not a digits model; it is for `sharpgrad sample`, and this command needs weights from `sharpgrad train` (the digits task).\n", error);
        }
        foreach (var args in new[] { new[] { "eval", "--weights", checkpoint, "--data", Data }, ["export", checkpoint, "--onnx", Path.Combine(dir, "m.onnx")] })
        {
            var (code, _, error) = CliRunner.Run(args);
            Assert.Equal(2, code);
            Assert.Equal($"error: {checkpoint} is a training checkpoint, not a model file; give the model.safetensors that train writes beside it.\n", error);
        }
        // A names run's checkpoint is not resumed as a digits run.
        SafeTensors.Save(checkpoint, new Dictionary<string, Tensor> { ["model.embedding.weight"] = Tensor.Ones(3, 2) },
            new Dictionary<string, string> { ["format"] = "sharpgrad-checkpoint/1", ["epoch"] = "1", ["task"] = "names", ["model"] = "mlp" });
        var (rc, _, stderr) = CliRunner.Run("train", "--epochs", "2", "--data", Data, "--out", dir, "--resume");
        Assert.Equal(2, rc);
        Assert.StartsWith($"error: {checkpoint}: the checkpoint is of a names run (--task names), which cannot be resumed", stderr);
        Assert.False(File.Exists(Path.Combine(dir, "m.onnx")));
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
