namespace SharpGrad.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public class ShapesCommandTests
{
    [Fact]
    public void Shapes_E6Vector()
    {
        var (code, stdout, stderr) = CliRunner.Run("shapes", CliRunner.Example("e6-vector.grad"), "--wrt", "f0");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("│ ∂f3/∂h3            │ D3×Df         │", stdout);
        Assert.Contains("│ ∂loss/∂f0 (result) │ D1×1          │", stdout);
        Assert.Contains("denominator", stdout);
    }

    [Theory]
    [InlineData("e3.grad")]
    [InlineData("e4.grad")]
    [InlineData("e10.grad")]
    [InlineData("e11.grad")]
    [InlineData("e12.grad")]
    public void NewExamples_Evaluate(string example)
    {
        var (code, _, stderr) = CliRunner.Run("grad", CliRunner.Example(example));
        Assert.True(code == 0, stderr);
    }
}
