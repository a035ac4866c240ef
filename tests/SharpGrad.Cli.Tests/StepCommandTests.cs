namespace SharpGrad.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public class StepCommandTests
{
    // The same golden files as the library test (tests/SharpGrad.Tests/Explain/Golden), checked by
    // hand against spec E9: 1.18 in W3[0,1], W2[1,0] and W1[0,0], every other weight unchanged.
    [Theory]
    [InlineData(null, "e9-step.txt")]
    [InlineData("text", "e9-step.txt")]
    [InlineData("markdown", "e9-step.md")]
    [InlineData("latex", "e9-step.tex")]
    public void E9_PrintsTheGoldenWorkedExample(string? format, string golden)
    {
        string[] args = ["step", CliRunner.Example("e9.grad"), "--lr", "0.01"];
        if (format is not null) args = [.. args, "--format", format];
        var (code, stdout, stderr) = CliRunner.Run(args);
        Assert.Equal("", stderr);
        Assert.Equal(0, code);
        Assert.Equal(File.ReadAllText(CliRunner.Golden(golden)).ReplaceLineEndings("\n"), stdout.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void E9_UpdateTableHas118InTheThreeUpdatedWeights()
    {
        var (_, stdout, _) = CliRunner.Run("step", CliRunner.Example("e9.grad"), "--lr", "0.01");
        Assert.Contains("│ W1    │ [[1], [−1]]        │ [[−18], [0]]       │ [[1.18], [−1]]        │", stdout);
        Assert.Contains("│ W2    │ [[−1, 1], [1, −1]] │ [[0, 0], [−18, 0]] │ [[−1, 1], [1.18, −1]] │", stdout);
        Assert.Contains("│ W3    │ [[−1, 1]]          │ [[0, −18]]         │ [[−1, 1.18]]          │", stdout);
    }

    [Fact]
    public void LearningRate_ChangesTheUpdate()
    {
        var (code, stdout, _) = CliRunner.Run("step", CliRunner.Example("e9.grad"), "--lr", "0.1");
        Assert.Equal(0, code);
        Assert.Contains("[[2.8], [−1]]", stdout);
    }
}
