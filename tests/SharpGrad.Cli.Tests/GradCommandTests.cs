using System.Text.Json;

namespace SharpGrad.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public class GradCommandTests
{
    private static JsonElement Json(string file, params string[] extra)
    {
        var (code, stdout, stderr) = CliRunner.Run(["grad", CliRunner.Example(file), "--json", .. extra]);
        Assert.Equal("", stderr);
        Assert.Equal(0, code);
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    private static double[] Numbers(JsonElement e) => e.ValueKind == JsonValueKind.Number
        ? [e.GetDouble()]
        : e.EnumerateArray().SelectMany(Numbers).ToArray();

    private static void AssertClose(double[] expected, JsonElement actual, double tolerance)
    {
        var a = Numbers(actual);
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(expected[i] - a[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {a[i]}");
    }

    [Fact]
    public void Json_E9_MatchesTheSpec()
    {
        var root = Json("e9.grad");
        Assert.Equal("J", root.GetProperty("objective").GetString());
        var v = root.GetProperty("values");
        var g = root.GetProperty("gradients");
        Assert.Equal(9, v.GetProperty("J").GetDouble());
        Assert.Equal(3, v.GetProperty("yhat").GetDouble());
        Assert.Equal(-6, g.GetProperty("yhat").GetDouble());
        Assert.Equal("[[0, -18]]", g.GetProperty("W3").GetRawText());
        Assert.Equal("[[0, 0], [-18, 0]]", g.GetProperty("W2").GetRawText());
        Assert.Equal("[[-18], [0]]", g.GetProperty("W1").GetRawText());
        Assert.Equal("[0, -6]", g.GetProperty("a2").GetRawText());
        Assert.Equal("[-6, 0]", g.GetProperty("a1").GetRawText());
        Assert.Equal(1, g.GetProperty("J").GetDouble());
        Assert.Equal(["x", "y", "W1", "W2", "W3", "a1", "h1", "a2", "h2", "yhat", "J"], g.EnumerateObject().Select(p => p.Name));
        Assert.Equal("[2, 1]", root.GetProperty("shapes").GetProperty("W1").GetRawText());
    }

    [Fact]
    public void Json_E5_MatchesTheSpec()
    {
        var root = Json("e5.grad");
        var g = root.GetProperty("gradients");
        Assert.Equal("y", root.GetProperty("objective").GetString());
        AssertClose([0.778], root.GetProperty("values").GetProperty("y"), 1e-12);
        AssertClose([1, 0.69, 0.51], Array(g, "phi0", "phi1", "phi2"), 1e-12);
        AssertClose([1.5, 1.2, 0.45, -0.7, -0.56, -0.21], Array(g, "psi01", "psi11", "psi21", "psi02", "psi12", "psi22"), 1e-12);
        AssertClose([0.78, 0.78, -1.52, -1.52], Array(g, "theta01", "theta11", "theta02", "theta12"), 1e-12);
    }

    [Fact]
    public void Json_E6_MatchesTheSpec()
    {
        var root = Json("e6.grad");
        var g = root.GetProperty("gradients");
        AssertClose([0.704069], root.GetProperty("values").GetProperty("loss"), 5e-7);
        AssertClose([-0.537387, -1.238476, 1.311015, 1.678176], Array(g, "beta0", "beta1", "beta2", "beta3"), 5e-7);
        AssertClose([-0.322432, -0.615374, 1.376084, 1.341364], Array(g, "omega0", "omega1", "omega2", "omega3"), 5e-7);
    }

    [Fact]
    public void Json_OfAndSet_ChooseTheObjectiveAndReplaceValues()
    {
        var root = Json("e9.grad", "--of", "yhat", "--set", "x=1", "--set", "W3=[[2, 1]]");
        Assert.Equal("yhat", root.GetProperty("objective").GetString());
        Assert.Equal(1, root.GetProperty("values").GetProperty("yhat").GetDouble());     // h2 = (0, 1)
        Assert.Equal("[[0, 1]]", root.GetProperty("gradients").GetProperty("W3").GetRawText());
        Assert.Equal(0, root.GetProperty("gradients").GetProperty("J").GetDouble());     // J comes after yhat
    }

    [Fact]
    public void Text_ShowsEveryNodeWithValueAndGradient()
    {
        var (code, stdout, stderr) = CliRunner.Run("grad", CliRunner.Example("e9.grad"));
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("Values and gradients of the objective J = 9", stdout);
        foreach (var line in new[] { "│ W2   │ param", "[[0, 0], [−18, 0]]", "│ a2   │ W2 @ h1", "(0, −6)", "│ J    │ (y − yhat)^2" })
            Assert.Contains(line, stdout);
    }

    private static JsonElement Array(JsonElement gradients, params string[] names)
    {
        var json = "[" + string.Join(", ", names.Select(n => gradients.GetProperty(n).GetRawText())) + "]";
        return JsonDocument.Parse(json).RootElement.Clone();
    }
}
