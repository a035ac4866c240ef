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

    [Fact]
    public void Shapes_E4_ListsTheThreeConvLayers()
    {
        var (code, stdout, stderr) = CliRunner.Run("shapes", CliRunner.Example("e4.grad"));
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("f²·d·c + c = 64²·2·96 + 96 = 786432 + 96 = 786528", stdout);
        Assert.Contains("f²·d·c + c = 6²·2·96 + 96 = 6912 + 96 = 7008", stdout);
        Assert.Contains("f²·d·c + c = 1²·2·96 + 96 = 192 + 96 = 288", stdout);
        Assert.Contains("│ conv64 │ 786528     │", stdout);
        Assert.DoesNotContain("Jacobian", stdout);
    }

    [Fact]
    public void Shapes_E10_OutputSizes()
    {
        var (code, stdout, stderr) = CliRunner.Run("shapes", CliRunner.Example("e10.grad"));
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("output height: ⌊(4 + 2·0 − 2)/1⌋ + 1 = 3", stdout);
        Assert.Contains("output: 1×4×4 → 2×3×3", stdout);
        Assert.Contains("output height: ⌊(4 + 2·0 − 2)/2⌋ + 1 = 2", stdout);
        Assert.Contains("output: 1×4×4 → 2×2×2", stdout);
        Assert.Contains("│ stride1 │ 10         │ 2×3×3  │", stdout);
        Assert.Contains("│ stride2 │ 10         │ 2×2×2  │", stdout);
    }

    [Fact]
    public void Shapes_E10_WithWrt_AlsoListsTheJacobians()
    {
        var (code, stdout, _) = CliRunner.Run("shapes", CliRunner.Example("e10.grad"), "--wrt", "o_1_1");
        Assert.Equal(0, code);
        Assert.Contains("2×2×2", stdout);
        Assert.Contains("denominator", stdout);
    }

    [Fact]
    public void Shapes_WrtNotUsedByTheObjective_SaysSoWithExitZero()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sharpgrad-unused-{Guid.NewGuid():N}.grad");
        File.WriteAllText(path, "param w = 1\nparam u = 2\nJ = w * w\n");
        try
        {
            var (code, stdout, stderr) = CliRunner.Run("shapes", path, "--wrt", "u");
            Assert.Equal(0, code);
            Assert.Equal("", stderr);
            Assert.Contains("J is not computed from u, so ∂J/∂u has no factors.\n", stdout);
            Assert.Contains("│ ∂J/∂u (result) │ 1×1           │", stdout);
            var (jsonCode, json, _) = CliRunner.Run("shapes", path, "--wrt", "u", "--json");
            Assert.Equal(0, jsonCode);
            Assert.Contains("\"dependsOnWrt\": false", json);
            Assert.Contains("\"factors\": []", json);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Shapes_MalformedConv_ReportsLineAndColumn()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sharpgrad-conv-{Guid.NewGuid():N}.grad");
        File.WriteAllText(path, "input x = 1\nconv c1: in 2, out 3, kernal 4\ny = x\n");
        try
        {
            var (code, stdout, stderr) = CliRunner.Run("shapes", path);
            Assert.Equal(2, code);
            Assert.Equal("", stdout);
            Assert.Contains($"{path}:2:23: expected one of in, out, kernel, stride, padding, input", stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // The same golden files as the library's SeedExerciseGoldenTests (checked by hand against spec E4 and E10).
    [Fact]
    public void Shapes_E4_MatchesTheGoldenFile()
    {
        var (code, stdout, _) = CliRunner.Run("shapes", CliRunner.Example("e4.grad"));
        Assert.Equal(0, code);
        Assert.Equal(File.ReadAllText(CliRunner.Golden("seed-e4-shapes.txt")).ReplaceLineEndings("\n"), stdout.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Shapes_E10_StartsWithTheGoldenConvLayers()
    {
        var (code, stdout, _) = CliRunner.Run("shapes", CliRunner.Example("e10.grad"));
        Assert.Equal(0, code);
        var golden = File.ReadAllText(CliRunner.Golden("seed-e10.txt")).ReplaceLineEndings("\n");
        Assert.Equal(golden[..golden.IndexOf("\n$ grad", StringComparison.Ordinal)], stdout.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Shapes_Layout_NumeratorTransposesTheSizes()
    {
        var (code, stdout, _) = CliRunner.Run("shapes", CliRunner.Example("e6-vector.grad"), "--wrt", "f0", "--layout", "numerator");
        Assert.Equal(0, code);
        Assert.Contains("∂loss/∂f0 = ∂loss/∂f3 · ∂f3/∂h3 · ∂h3/∂f2 · ∂f2/∂h2 · ∂h2/∂f1 · ∂f1/∂h1 · ∂h1/∂f0", stdout);
        Assert.Contains("│ ∂loss/∂f0 (result) │ 1×D1", stdout);
    }

    [Fact]
    public void Shapes_Json_GivesFactorsAndLayout()
    {
        var (code, stdout, _) = CliRunner.Run("shapes", CliRunner.Example("e6-vector.grad"), "--wrt", "f0", "--json");
        Assert.Equal(0, code);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var jacobian = doc.RootElement.GetProperty("jacobian");
        // Spec E6, denominator layout: D1×D1, D1×D2, D2×D2, D2×D3, D3×D3, D3×Df, Df×1 and the result D1×1.
        Assert.Equal("denominator", jacobian.GetProperty("layout").GetString());
        Assert.Equal(["D1×D1", "D1×D2", "D2×D2", "D2×D3", "D3×D3", "D3×Df", "Df×1"],
            jacobian.GetProperty("factors").EnumerateArray().Select(f => f.GetProperty("size").GetString()));
        Assert.Equal("D1×1", jacobian.GetProperty("result").GetString());
    }
}
