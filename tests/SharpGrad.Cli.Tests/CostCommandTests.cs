namespace SharpGrad.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public class CostCommandTests
{
    [Fact]
    public void Cost_E1()
    {
        var (code, stdout, stderr) = CliRunner.Run("cost", CliRunner.Example("e1.grad"));
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("Path by path:   43 multiplications (20 paths; a path of k factors costs k − 1).", stdout);
        Assert.Contains("Backward sweep: 23 multiplications", stdout);
    }

    [Fact]
    public void Cost_E12Example()
    {
        var (code, stdout, _) = CliRunner.Run("cost", CliRunner.Example("e12.grad"));
        Assert.Equal(0, code);
        Assert.Contains("Backward sweep:", stdout);
    }

    [Fact]
    public void Cost_UnknownObjective_IsExit2()
    {
        var (code, _, stderr) = CliRunner.Run("cost", CliRunner.Example("e1.grad"), "--of", "nope");
        Assert.Equal(2, code);
        Assert.Contains("nope", stderr);
    }
}
