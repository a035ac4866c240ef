namespace SharpGrad.Cli.Tests;

/// <summary>
/// Output to a file or pipe is not wrapped: Spectre.Console would assume 80 columns there and break
/// table rows and long paths across lines. The runner's console writes to a string, like a pipe.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class RedirectedOutputTests : IDisposable
{
    // 110 characters: a table row holding it twice is far wider than 80 (or 200) columns.
    private const string LongName = "activation_of_the_first_hidden_layer_before_the_nonlinearity_is_applied_to_every_one_of_its_units_elementwise";

    private readonly string dir = Directory.CreateTempSubdirectory("sharpgrad-redirected-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void GradTable_ToAPipe_KeepsEachRowOnOneLine()
    {
        string path = Path.Combine(dir, "long.grad");
        File.WriteAllText(path, $"input {LongName} = 2\nloss = {LongName} * {LongName}\n");
        var (code, output, error) = CliRunner.Run("grad", path);
        Assert.True(code == 0, error);
        var lines = output.Split('\n');
        // The objective's row: its name, then its definition, which names the input twice.
        Assert.Contains(lines, l => l.Contains("│ loss ") && l.Split(LongName).Length == 3);
        // The input's row: its name, its declaration and its gradient ∂loss/∂x = 2x = 4, all on one line.
        Assert.Contains(lines, l => l.Contains(LongName) && l.Contains("input") && l.Contains(" 4 "));
    }

    [Fact]
    public void LongMarkupLine_ToAPipe_IsWrittenWhole()
    {
        string outDir = Path.Combine(dir, string.Concat(Enumerable.Repeat("a-rather-long-folder-name-", 6)) + "end");
        var (code, output, error) = CliRunner.Run("train", "--model", "mlp", "--epochs", "1", "--batch-size", "256",
            "--data", Path.Combine(CliRunner.RepoRoot, "data"), "--out", outDir);
        Assert.True(code == 0, error);
        Assert.Contains(output.Split('\n'), l => l.StartsWith("Wrote metrics.csv", StringComparison.Ordinal) && l.Contains(outDir));
    }
}
