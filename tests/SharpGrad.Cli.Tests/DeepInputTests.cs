using System.Text;

namespace SharpGrad.Cli.Tests;

/// <summary>
/// Very deep and very long programs and --expr expressions end in a located error or a result,
/// never in a stack overflow that kills the process.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class DeepInputTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sharpgrad-deep-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Repeat(string s, int n) => new StringBuilder(s.Length * n).Insert(0, s, n).ToString();

    private string Write(string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData("grad")]
    [InlineData("explain")]
    [InlineData("check")]
    public void NestedParentheses_AreALocatedError(string command)
    {
        var path = Write("parens.grad", "param x = 1\ny = " + Repeat("(", 6000) + "x" + Repeat(")", 6000) + "\n");
        string[] args = command switch
        {
            "explain" => [command, path, "--wrt", "x"],
            "check" => [command, path, "--wrt", "x", "--expr", "1"],
            _ => [command, path],
        };
        var (code, stdout, stderr) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal($"{path}:2:105: expression nested deeper than 100 levels; split it into named steps\n", stderr);
    }

    [Fact]
    public void Check_NestedExpression_IsALocatedError()
    {
        var (code, _, stderr) = CliRunner.Run("check", CliRunner.Example("e9.grad"), "--wrt", "x", "--expr", Repeat("relu(", 11_600) + "x" + Repeat(")", 11_600));
        Assert.Equal(2, code);
        // "relu(" is 5 characters: call k starts at column 1 + 5(k − 1), so call 101 is at column 501.
        Assert.Equal("error: --expr column 501: expression nested deeper than 100 levels\n", stderr);
    }

    [Fact]
    public void FlatSumOf15000Terms_WorksInGradExplainAndCheck()
    {
        var path = Write("sum.grad", "param x = 1.5\nparam w = 2\ny = " + string.Join(" + ", Enumerable.Repeat("x*w", 15_000)) + "\n");
        var (code, stdout, stderr) = CliRunner.Run("grad", path, "--json");
        Assert.True(code == 0, stderr);
        // y = 15 000·1.5·2 = 45 000; ∂y/∂x = 15 000·w = 30 000; ∂y/∂w = 15 000·x = 22 500.
        Assert.Contains("\"y\": 45000", stdout);
        Assert.Contains("\"x\": 30000", stdout);
        Assert.Contains("\"w\": 22500", stdout);

        (code, stdout, stderr) = CliRunner.Run("explain", path, "--wrt", "x");
        Assert.True(code == 0, stderr);
        Assert.Contains("∂y/∂x", stdout);

        (code, stdout, stderr) = CliRunner.Run("check", path, "--wrt", "x", "--expr", string.Join(" + ", Enumerable.Repeat("w", 15_000)));
        Assert.True(code == 0, stderr + stdout);
        Assert.StartsWith("correct:", stdout);
    }
}
