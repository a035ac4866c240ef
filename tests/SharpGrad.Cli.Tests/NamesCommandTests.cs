using System.Globalization;
using SharpGrad.IO;

namespace SharpGrad.Cli.Tests;

/// <summary>train --task names and sample end to end on a small word list, and their error handling.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class NamesCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sharpgrad-names-").FullName;

    public NamesCommandTests()
    {
        Directory.CreateDirectory(Data);
        File.WriteAllLines(Path.Combine(Data, "train.txt"), ["anna", "bob", "emma", "ada", "otto", "eve", "hannah", "nan", "abba", "elle", "ava", "pip", "anne-marie"]);
        File.WriteAllLines(Path.Combine(Data, "val.txt"), ["ana", "ebbe"]);
        File.WriteAllLines(Path.Combine(Data, "test.txt"), ["bab", "otto", "pipa"]);
    }

    private string Data => Path.Combine(dir, "data");

    private string Out => Path.Combine(dir, "out");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private (int Code, string Output, string Error) Train(string model, params string[] more) =>
        CliRunner.Run(["train", "--task", "names", "--model", model, "--epochs", "2", "--batch-size", "4",
            "--data", Data, "--out", Out, .. model == "bigram" ? more : ["--embed", "8", "--hidden", "8", "--context", "12", .. more]]);

    [Theory]
    [InlineData("bigram")]
    [InlineData("mlp")]
    [InlineData("lstm")]
    [InlineData("transformer")]
    public void Train_WritesMetricsCurvesWeightsAndCheckpoint_AndReportsTestLossPerCharacter(string model)
    {
        var (code, output, error) = Train(model, model == "transformer" ? ["--heads", "2", "--layers", "1"] : []);
        Assert.True(code == 0, error);
        Assert.Contains("epoch  2/2", output);
        Assert.Contains("nats per character", output);
        var rows = File.ReadAllLines(Path.Combine(Out, "metrics.csv"));
        Assert.Equal("epoch,train_loss,val_loss,seconds,characters_per_second", rows[0]);
        Assert.Equal(3, rows.Length);
        Assert.Equal(0x89, File.ReadAllBytes(Path.Combine(Out, "curves.png"))[0]);
        Assert.True(File.Exists(Path.Combine(Out, "checkpoint.safetensors")));
        var weights = SafeTensors.Load(Path.Combine(Out, "model.safetensors"));
        Assert.Equal("names", weights.Metadata["task"]);
        Assert.Equal(model, weights.Metadata["model"]);
        Assert.Equal(".-abdehilmnoprtv", weights.Metadata["vocabulary"]);
        // After two epochs on 13 words the loss is still near ln 16 = 2.77 nats (uniform), between 0.5 and 4.
        double test = double.Parse(weights.Metadata["test_loss"], CultureInfo.InvariantCulture);
        Assert.InRange(test, 0.5, 4);
    }

    [Fact]
    public void Sample_PrintsCountNames_TheSameForASeed_AndOthersForAnother()
    {
        Assert.Equal(0, Train("mlp").Code);
        string weights = Path.Combine(Out, "model.safetensors");
        var (code, first, error) = CliRunner.Run("sample", "--weights", weights, "--count", "12", "--seed", "4", "--temperature", "1.2");
        Assert.True(code == 0, error);
        var names = first.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(12, names.Length);
        Assert.All(names, n => Assert.Matches("^[-abdehilmnoprtv]*$", n));
        Assert.Equal(first, CliRunner.Run("sample", "--weights", weights, "--count", "12", "--seed", "4", "--temperature", "1.2").Out);
        Assert.NotEqual(first, CliRunner.Run("sample", "--weights", weights, "--count", "12", "--seed", "5", "--temperature", "1.2").Out);
    }

    [Theory]
    [InlineData("--count", "0", "--count must be positive, got 0")]
    [InlineData("--count", "-3", "--count must be positive, got -3")]
    [InlineData("--temperature", "0", "--temperature must be a positive number, got 0")]
    [InlineData("--temperature", "-1", "--temperature must be a positive number")]
    public void Sample_WithABadCountOrTemperature_IsOneLineWithExitCode2(string option, string value, string message)
    {
        Assert.Equal(0, Train("bigram").Code);
        var (code, output, error) = CliRunner.Run("sample", "--weights", Path.Combine(Out, "model.safetensors"), option, value);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains(message, error);
        Assert.DoesNotContain('\n', error.Trim());
    }

    [Fact]
    public void Sample_OfAMissingDamagedOrDigitsFile_NamesTheFile()
    {
        string missing = Path.Combine(dir, "none.safetensors");
        var (code, _, error) = CliRunner.Run("sample", "--weights", missing);
        Assert.Equal(2, code);
        Assert.Contains("No model file at " + missing, error);

        string damaged = Path.Combine(dir, "damaged.safetensors");
        File.WriteAllBytes(damaged, [8, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'"']);
        (code, _, error) = CliRunner.Run("sample", "--weights", damaged);
        Assert.Equal(2, code);
        Assert.Contains(damaged, error);
        Assert.DoesNotContain("   at ", error);

        string digits = Path.Combine(dir, "digits.safetensors");
        SafeTensors.Save(digits, SharpGrad.NN.MnistModels.Create("mlp").StateDict(), new Dictionary<string, string> { ["model"] = "mlp" });
        (code, _, error) = CliRunner.Run("sample", "--weights", digits);
        Assert.Equal(2, code);
        Assert.Contains("holds a digits model (mlp), not a language model", error);
    }

    [Theory]
    [InlineData("--model", "cnn", "--model cnn is a digits model")]
    [InlineData("--optimizer", "sgd", "--optimizer applies to --task digits")]
    // A size the model has no use for is refused, not ignored.
    [InlineData("--model", "bigram", "--embed does not apply to the bigram model, which has no embedding.", "--embed", "8")]
    [InlineData("--model", "mlp", "--layers does not apply to the mlp model, which has no stack of layers.", "--layers", "2")]
    [InlineData("--epochs", "0", "--epochs must be positive, got 0")]
    [InlineData("--dropout", "1", "--dropout must be in [0, 1)")]
    [InlineData("--heads", "3", "--embed (64) must be a multiple of --heads (3)")]
    public void Train_Names_WithBadOptions_IsOneLineWithExitCode2(string option, string value, string message, params string[] more)
    {
        var (code, _, error) = CliRunner.Run(["train", "--task", "names", option, value, .. more, "--data", Data, "--out", Out]);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.DoesNotContain('\n', error.Trim());
    }

    [Fact]
    public void Train_Digits_RefusesNamesOnlyOptionsAndModels()
    {
        var (code, _, error) = CliRunner.Run("train", "--embed", "8", "--out", Out);
        Assert.Equal(2, code);
        Assert.Contains("--embed applies to --task names only", error);
        (code, _, error) = CliRunner.Run("train", "--model", "lstm", "--out", Out);
        Assert.Equal(2, code);
        Assert.Contains("--model lstm is a names model", error);
    }

    [Fact]
    public void Train_Names_WithAWordOutsideTheTrainingCharacters_NamesTheFile()
    {
        File.WriteAllLines(Path.Combine(Data, "test.txt"), ["zoe"]);
        var (code, _, error) = Train("bigram");
        Assert.Equal(2, code);
        Assert.Contains(Path.Combine(Data, "test.txt"), error);
        Assert.Contains("'z'", error);
    }

    [Fact]
    public void Help_DescribesTheNamesTaskAndSample()
    {
        var (_, train, _) = CliRunner.Run("train", "--help");
        Assert.Contains("--task", train);
        Assert.Contains("bigram, mlp, lstm or transformer", train);
        var (code, sample, _) = CliRunner.Run("sample", "--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--weights", "--count", "--seed", "--temperature" }) Assert.Contains(option, sample);
    }
}
