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

    [Fact]
    public void Cost_Json_GivesBothTotals()
    {
        var (code, stdout, _) = CliRunner.Run("cost", CliRunner.Example("e12.grad"), "--json");
        Assert.Equal(0, code);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        // Spec E12: 426 multiplications path by path against 39 for one backward sweep.
        Assert.Equal(426, root.GetProperty("pathMultiplications").GetInt32());
        Assert.Equal(39, root.GetProperty("sweepMultiplications").GetInt32());
        Assert.Equal(27, root.GetProperty("parameters")[0].GetProperty("paths").GetInt32());
    }
}
