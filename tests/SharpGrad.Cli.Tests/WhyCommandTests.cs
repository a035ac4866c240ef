namespace SharpGrad.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public class WhyCommandTests
{
    [Fact]
    public void Why_E9_W1()
    {
        var (code, stdout, stderr) = CliRunner.Run("why", CliRunner.Example("e9.grad"), "--wrt", "W1");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("∂J/∂W1 = [[−18], [0]]", stdout);
        Assert.Contains("relu(a1) at line 8: a1[2] = −3 ≤ 0, so ∂h1[2]/∂a1[2] = 0", stdout);
    }

    [Fact]
    public void Why_Set_ChangesTheAnswer()
    {
        var (code, stdout, _) = CliRunner.Run("why", CliRunner.Example("e9.grad"), "--wrt", "W1", "--set", "x=-3");
        Assert.Equal(0, code);
        Assert.Contains("a1[1] = −3 ≤ 0", stdout);
    }

    [Fact]
    public void Why_MissingWrt_IsExit2()
    {
        var (code, _, _) = CliRunner.Run("why", CliRunner.Example("e9.grad"));
        Assert.Equal(2, code);
    }

    [Fact]
    public void Why_Json_CountsComponentsFromOne()
    {
        var (code, stdout, _) = CliRunner.Run("why", CliRunner.Example("e9.grad"), "--wrt", "W1", "--json");
        Assert.Equal(0, code);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        // ∂J/∂W1 = [[−18], [0]]: the second row is zero because a1's second component is −3 ≤ 0.
        Assert.Equal("[[-18], [0]]", root.GetProperty("gradient").GetRawText());
        Assert.True(root.GetProperty("hasPath").GetBoolean());
        var group = Assert.Single(root.GetProperty("zeroComponents").EnumerateArray());
        Assert.Equal("W1[2, 1]", group.GetProperty("components")[0].GetString());
    }
}
