namespace SharpGrad.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public class DotCommandTests
{
    [Fact]
    public void Dot_E9_PrintsDigraph()
    {
        var (code, stdout, stderr) = CliRunner.Run("dot", CliRunner.Example("e9.grad"));
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.StartsWith("digraph sharpgrad {", stdout);
        Assert.Contains("{ W1 | data [[1], [−1]] | grad [[−18], [0]] }", stdout);
    }

    [Fact]
    public void Dot_Png_GraphvizMissing_IsExit2WithInstallHint()
    {
        var png = Path.Combine(Path.GetTempPath(), $"sg-{Guid.NewGuid():N}.png");
        Environment.SetEnvironmentVariable("SHARPGRAD_DOT", "/nonexistent/graphviz/dot");
        try
        {
            var (code, _, stderr) = CliRunner.Run("dot", CliRunner.Example("e9.grad"), "--png", png);
            Assert.Equal(2, code);
            Assert.Equal("Graphviz's `dot` was not found; install it with `apt-get install graphviz` (Debian/Ubuntu) or from https://graphviz.org, or run without --png to get the DOT text\n", stderr);
            Assert.False(File.Exists(png));
        }
        finally { Environment.SetEnvironmentVariable("SHARPGRAD_DOT", null); }
    }

    [Fact]
    public void Dot_Png_ThroughFakeDot_WritesFile_AndFailureLeavesNone()
    {
        if (OperatingSystem.IsWindows()) return;
        var dir = Directory.CreateTempSubdirectory("sg-dot-").FullName;
        var good = Path.Combine(dir, "gooddot");
        var bad = Path.Combine(dir, "baddot");
        File.WriteAllText(good, "#!/bin/sh\ncat > \"$3.dot\"\nprintf PNG > \"$3\"\n");
        File.WriteAllText(bad, "#!/bin/sh\ncat > /dev/null\nprintf 'half' > \"$3\"\necho 'syntax error in line 1' >&2\nexit 3\n");
        File.SetUnixFileMode(good, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(bad, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var png = Path.Combine(dir, "out.png");
        try
        {
            Environment.SetEnvironmentVariable("SHARPGRAD_DOT", good);
            var (code, stdout, _) = CliRunner.Run("dot", CliRunner.Example("e9.grad"), "--png", png);
            Assert.Equal(0, code);
            Assert.Equal("PNG", File.ReadAllText(png));
            Assert.Contains("wrote", stdout);
            File.Delete(png);

            Environment.SetEnvironmentVariable("SHARPGRAD_DOT", bad);
            var (failed, _, stderr) = CliRunner.Run("dot", CliRunner.Example("e9.grad"), "--png", png);
            Assert.Equal(70, failed);   // an internal error: dot refused the text we gave it
            Assert.Contains("dot failed with exit code 3: syntax error in line 1", stderr);
            Assert.False(File.Exists(png));
            Assert.DoesNotContain(Directory.GetFiles(dir), f => f.EndsWith(".tmp", StringComparison.Ordinal));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SHARPGRAD_DOT", null);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Dot_Json_GivesEveryNodeWithValueAndGradient()
    {
        var (code, stdout, _) = CliRunner.Run("dot", CliRunner.Example("e9.grad"), "--json");
        Assert.Equal(0, code);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var nodes = doc.RootElement.GetProperty("nodes").EnumerateArray().ToArray();
        // Spec E9: a2 = W2·h1 = (−3, 3) and ∂J/∂a2 = (0, −6).
        var a2 = nodes.Single(n => n.GetProperty("label").GetString() == "a2");
        Assert.Equal("matmul", a2.GetProperty("op").GetString());
        Assert.Equal("[-3, 3]", a2.GetProperty("value").GetRawText());
        Assert.Equal("[0, -6]", a2.GetProperty("gradient").GetRawText());
    }

    [Fact]
    public void Dot_JsonAndPng_IsExit2()
    {
        var (code, _, error) = CliRunner.Run("dot", CliRunner.Example("e9.grad"), "--json", "--png", Path.Combine(Path.GetTempPath(), "x.png"));
        Assert.Equal(2, code);
        Assert.Contains("--json", error);
    }
}
