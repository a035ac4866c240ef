namespace SharpGrad.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public class ExplainCommandTests
{
    [Fact]
    public void Explain_E2_Factored()
    {
        var (code, stdout, stderr) = CliRunner.Run("explain", CliRunner.Example("e2.grad"), "--wrt", "n1");
        Assert.Equal(0, code);
        Assert.Contains("∂E/∂n1 = (∂E/∂n6 · ∂n6/∂n3 + ∂E/∂n8 · ∂n8/∂n3) · ∂n3/∂n1 + ∂E/∂n7 · ∂n7/∂n5 · ∂n5/∂n1", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void Explain_UnknownWrt_IsExit2()
    {
        var (code, _, stderr) = CliRunner.Run("explain", CliRunner.Example("e2.grad"), "--wrt", "nope");
        Assert.Equal(2, code);
        Assert.Contains("nope", stderr);
    }

    [Fact]
    public void Explain_TooManyPaths_IsRefusedWithExit2()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fc-{Guid.NewGuid():N}.grad");
        var sb = new System.Text.StringBuilder("input x = 0.5\n");
        for (int j = 1; j <= 12; j++) sb.Append($"n_1_{j} = g(x)\n");
        for (int l = 2; l <= 12; l++)
            for (int j = 1; j <= 12; j++)
                sb.Append($"n_{l}_{j} = g(").Append(string.Join(" + ", Enumerable.Range(1, 12).Select(k => $"n_{l - 1}_{k}"))).Append(")\n");
        sb.Append("E = ").Append(string.Join(" + ", Enumerable.Range(1, 12).Select(k => $"n_12_{k}"))).Append('\n');
        File.WriteAllText(path, sb.ToString());
        try
        {
            var (code, _, stderr) = CliRunner.Run("explain", path, "--wrt", "n_1_1", "--form", "paths");
            Assert.Equal(2, code);
            Assert.Contains("743008370688 paths", stderr);
        }
        finally { File.Delete(path); }
    }
}
