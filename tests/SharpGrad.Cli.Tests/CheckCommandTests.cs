namespace SharpGrad.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public class CheckCommandTests
{
    [Fact]
    public void Correct_IsExit0()
    {
        var (code, stdout, stderr) = CliRunner.Run("check", CliRunner.Example("e1.grad"), "--wrt", "n4", "--expr", "dE/dn6 * dn6/dn4");
        Assert.Equal(0, code);
        Assert.StartsWith("correct: dE/dn6 * dn6/dn4 equals ∂E/∂n4", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void Incorrect_IsExit1_WithCounterexampleAndDiagnostic()
    {
        var (code, stdout, _) = CliRunner.Run("check", CliRunner.Example("e2.grad"), "--wrt", "n1", "--expr",
            "(dE/dn6 * dn6/dn3 + dE/dn8 * dn8/dn3) * dn3/dn1");
        Assert.Equal(1, code);
        Assert.Contains("incorrect:", stdout);
        Assert.Contains("counterexample: x1 = (0.5, −1)", stdout);
        Assert.Contains("true ∂E/∂n1 = ", stdout);
        Assert.Contains("the path through n7, n5 is missing", stdout);
    }

    [Fact]
    public void Transposed_IsExit1()
    {
        var (code, stdout, _) = CliRunner.Run("check", CliRunner.Example("e9.grad"), "--wrt", "W2", "--expr", "h1 ⊗ dJ/da2");
        Assert.Equal(1, code);
        Assert.Contains("your expression = [[0, −18], [0, 0]]", stdout);
        Assert.Contains("true ∂J/∂W2 = [[0, 0], [−18, 0]]", stdout);
    }

    [Fact]
    public void Set_ChangesThePoint()
    {
        var (code, stdout, _) = CliRunner.Run("check", CliRunner.Example("e7.grad"), "--wrt", "x1", "--expr", "sigmoid'(x1)", "--set", "x1=0");
        Assert.Equal(0, code);
        Assert.Contains("your expression = 0.25", stdout);
    }

    [Fact]
    public void BadExpression_IsExit2WithColumn()
    {
        var (code, stdout, stderr) = CliRunner.Run("check", CliRunner.Example("e1.grad"), "--wrt", "n4", "--expr", "dE/dn6 +* 2");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("--expr column 9:", stderr);
    }

    [Fact]
    public void ProgramError_IsExit2WithFileLineColumn()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.grad");
        File.WriteAllText(path, "input x = 1\ny = x +\n");
        try
        {
            var (code, _, stderr) = CliRunner.Run("check", path, "--wrt", "x", "--expr", "1");
            Assert.Equal(2, code);
            Assert.Contains($"{path}:2:", stderr);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void UnknownWrt_IsExit2()
    {
        var (code, _, stderr) = CliRunner.Run("check", CliRunner.Example("e1.grad"), "--wrt", "nope", "--expr", "1");
        Assert.Equal(2, code);
        Assert.Contains("nope", stderr);
    }
}
