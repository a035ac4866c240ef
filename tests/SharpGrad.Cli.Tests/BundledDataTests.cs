namespace SharpGrad.Cli.Tests;

/// <summary>
/// The digits travel with the tool: train and eval find them beside the assembly, whatever the
/// working directory, and <c>--data</c> still points elsewhere.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class BundledDataTests : IDisposable
{
    private static readonly string[] DigitFiles =
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    private readonly string dir = Directory.CreateTempSubdirectory("sharpgrad-bundled-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void BuildOutput_HoldsTheRepositorysDigitsAndTheirLicence()
    {
        foreach (var name in DigitFiles.Append("README.md"))
        {
            var bundled = Path.Combine(AppContext.BaseDirectory, "data", name);
            Assert.True(File.Exists(bundled), $"{name} is not beside the assembly");
            Assert.Equal(File.ReadAllBytes(Path.Combine(CliRunner.RepoRoot, "data", name)), File.ReadAllBytes(bundled));
        }
    }

    [Fact]
    public void Train_FromAFolderWithoutData_UsesTheBundledDigits()
    {
        string original = Environment.CurrentDirectory;
        Environment.CurrentDirectory = dir;
        try
        {
            var (code, output, error) = CliRunner.Run("train", "--model", "mlp", "--epochs", "1", "--batch-size", "256", "--out", "run");
            Assert.True(code == 0, error);
            Assert.Contains("8,000 digits", output);   // the bundled training split (data/README.md)
            Assert.True(File.Exists(Path.Combine(dir, "run", "model.safetensors")));
        }
        finally
        {
            Environment.CurrentDirectory = original;
        }
    }

    [Fact]
    public void Data_StillOverridesTheBundledDigits()
    {
        var (code, _, error) = CliRunner.Run("eval", "--weights", Path.Combine(dir, "none.safetensors"), "--data", Path.Combine(dir, "digits"));
        Assert.Equal(2, code);
        Assert.Contains(Path.Combine(dir, "none.safetensors"), error);
        (code, _, error) = CliRunner.Run("train", "--epochs", "1", "--data", Path.Combine(dir, "digits"), "--out", Path.Combine(dir, "run"));
        Assert.Equal(2, code);
        Assert.Contains(Path.Combine(dir, "digits"), error);
        // A run refused before it starts leaves no output folder behind, for missing data or a missing checkpoint alike.
        Assert.False(Directory.Exists(Path.Combine(dir, "run")));
        (code, _, error) = CliRunner.Run("train", "--epochs", "1", "--resume", "--out", Path.Combine(dir, "resumed"));
        Assert.Equal(2, code);
        Assert.Contains("no checkpoint", error);
        Assert.False(Directory.Exists(Path.Combine(dir, "resumed")));
    }

    [Fact]
    public void DataHelp_NamesTheBundledDigitsRatherThanAPath()
    {
        foreach (var command in new[] { "train", "eval" })
        {
            var (code, output, _) = CliRunner.Run(command, "--help");
            Assert.Equal(0, code);
            Assert.Contains("default: the bundled 8 000/2 000 digits", output);
            Assert.DoesNotContain("[default: data]", output);
        }
    }
}
