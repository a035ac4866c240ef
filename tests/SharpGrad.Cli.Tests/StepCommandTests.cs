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

    [Fact]
    public void Json_GivesEveryRowTermAndUpdate()
    {
        var (code, stdout, stderr) = CliRunner.Run("step", CliRunner.Example("e9.grad"), "--lr", "0.01", "--json");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(9, root.GetProperty("objectiveValue").GetDouble());
        Assert.Equal("gradient", root.GetProperty("layout").GetString());
        // Spec E9: ∂J/∂a2 = ∂J/∂h2 ⊙ I[a2 > 0] = (6, −6) ⊙ (0, 1) = (0, −6); W2[2,1] becomes 1 − 0.01·(−18) = 1.18.
        var a2 = root.GetProperty("backward").EnumerateArray().Single(r => r.GetProperty("node").GetString() == "a2");
        Assert.Equal("∂J/∂h2 ⊙ I[a2 > 0]", a2.GetProperty("terms")[0].GetProperty("expression").GetString());
        Assert.Equal("[0, -6]", a2.GetProperty("value").GetRawText());
        var w2 = root.GetProperty("updates").EnumerateArray().Single(u => u.GetProperty("param").GetString() == "W2");
        Assert.Equal("[[-1, 1], [1.18, -1]]", w2.GetProperty("new").GetRawText());
    }

    [Fact]
    public void Json_NamesEachRowAsTheProgramDoes_SoItsTermsCheckBack()
    {
        // n5 = w_3_5·n3 + …, E = ½(n5 − t)²: the row of w_3_5 is labelled w_{3,5} as the table prints it, and named w_3_5,
        // which check takes as --wrt; its term ∂E/∂n5 · n3 (by hand: ∂n5/∂w_3_5 = n3) checks as correct.
        var path = Path.Combine(Path.GetTempPath(), $"neurons-{Guid.NewGuid():N}.grad");
        File.WriteAllText(path, "input x = 0.5\nparam w_1_3 = 0.2\nparam w_3_5 = 0.6\ntarget t = 0.25\nn3 = sigmoid(w_1_3 * x)\nn5 = w_3_5 * n3\nE = 0.5 * (n5 - t)^2\n");
        try
        {
            var (code, stdout, _) = CliRunner.Run("step", path, "--lr", "0.1", "--json");
            Assert.Equal(0, code);
            using var doc = System.Text.Json.JsonDocument.Parse(stdout);
            var row = doc.RootElement.GetProperty("backward").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "w_3_5");
            Assert.Equal("w_{3,5}", row.GetProperty("node").GetString());
            var term = row.GetProperty("terms")[0];
            Assert.Equal("n5", term.GetProperty("consumerName").GetString());
            var (checkCode, verdict, _) = CliRunner.Run("check", path, "--wrt", row.GetProperty("name").GetString()!, "--expr", term.GetProperty("expression").GetString()!);
            Assert.Equal(0, checkCode);
            Assert.StartsWith("correct", verdict);
            // The label as printed names the same node wherever a name is asked for.
            var (labelCode, byLabel, _) = CliRunner.Run("check", path, "--wrt", "w_{3,5}", "--expr", term.GetProperty("expression").GetString()!);
            Assert.Equal(0, labelCode);
            Assert.Contains("∂E/∂w_3_5", byLabel);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void AllNodes_ShowsTheUnnamedDifference()
    {
        var (code, named, _) = CliRunner.Run("step", CliRunner.Example("e9.grad"), "--lr", "0.01");
        var (code2, all, _) = CliRunner.Run("step", CliRunner.Example("e9.grad"), "--lr", "0.01", "--all-nodes");
        Assert.Equal(0, code);
        Assert.Equal(0, code2);
        Assert.DoesNotContain("∂J/∂(y − yhat)", named);
        // ∂J/∂(y − ŷ) = 2(y − ŷ) = 6: J uses the part directly, so its chain is that local formula, not its own symbol again.
        Assert.Contains("│ ∂J/∂(y − yhat) │ 2·(y − yhat)", all);
        Assert.DoesNotContain("│ ∂J/∂(y − yhat) │ ∂J/∂(y − yhat)", all);
    }

    [Fact]
    public void DenominatorLayout_WritesTheLocalFactorFirst()
    {
        var (code, stdout, _) = CliRunner.Run("step", CliRunner.Example("e9.grad"), "--lr", "0.01", "--layout", "denominator");
        Assert.Equal(0, code);
        Assert.Contains("Layout: denominator", stdout);
        Assert.Contains("∂h2/∂a2 · ∂J/∂h2", stdout);
    }

    [Fact]
    public void Standalone_IsACompleteLatexDocument_AndNeedsLatex()
    {
        var (code, stdout, _) = CliRunner.Run("step", CliRunner.Example("e9.grad"), "--lr", "0.01", "--format", "latex", "--standalone");
        Assert.Equal(0, code);
        Assert.StartsWith("\\documentclass{article}", stdout);
        Assert.Contains("\\allowdisplaybreaks", stdout);
        Assert.EndsWith("\\end{document}\n", stdout.ReplaceLineEndings("\n"));
        var (bad, _, error) = CliRunner.Run("step", CliRunner.Example("e9.grad"), "--lr", "0.01", "--standalone");
        Assert.Equal(2, bad);
        Assert.Contains("--standalone", error);
    }

    [Fact]
    public void NonFiniteObjective_IsWarnedAboutOnStderr()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sharpgrad-step-{Guid.NewGuid():N}.grad");
        File.WriteAllText(path, "param x = -1\ny = log(x)\n");
        try
        {
            var (code, stdout, stderr) = CliRunner.Run("step", path, "--lr", "0.1");
            Assert.Equal(0, code);
            Assert.Contains("warning: the objective y = NaN is not a finite number", stderr);
            Assert.Contains("warning: the objective y = NaN", stdout);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AStepThatOverflows_IsWarnedAbout()
    {
        // e9's gradients are −18 (spec E9): η = 1e308 takes three weights past the largest double.
        var (code, _, stderr) = CliRunner.Run("step", CliRunner.Example("e9.grad"), "--lr", "1e308");
        Assert.Equal(0, code);
        Assert.Contains("warning: the step takes W1, W2, W3 beyond the finite numbers", stderr);
    }

    [Theory]
    [InlineData("step", "--lr", "1")]
    [InlineData("explain", "--wrt", "W1")]
    public void FormatBesideJson_IsRefused(string command, string option, string value)
    {
        var (code, stdout, _) = CliRunner.Run(command, CliRunner.Example("e9.grad"), option, value, "--format", "latex", "--json");
        Assert.Equal(2, code);
        Assert.Contains("--json and --format ask for two different outputs", stdout);
        // --json alone is as before.
        Assert.Equal(0, CliRunner.Run(command, CliRunner.Example("e9.grad"), option, value, "--json").ExitCode);
    }

    [Fact]
    public void UnknownLayout_IsExit2()
    {
        var (code, _, error) = CliRunner.Run("step", CliRunner.Example("e9.grad"), "--lr", "0.01", "--layout", "sideways");
        Assert.Equal(2, code);
        Assert.Contains("--layout", error);
    }
}
