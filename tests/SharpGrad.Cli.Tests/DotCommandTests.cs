using SharpGrad.Cli.Commands;

namespace SharpGrad.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public class DotCommandTests
{
    [Fact]
    public void NonFiniteObjective_IsWarnedAboutOnStderr()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sharpgrad-dot-{Guid.NewGuid():N}.grad");
        File.WriteAllText(path, "param x = -4\ny = sqrt(x)\n");
        try
        {
            var (code, stdout, stderr) = CliRunner.Run("dot", path);
            Assert.Equal(0, code);
            Assert.Contains("digraph", stdout);
            Assert.Contains("warning: the objective y = NaN is not a finite number", stderr);
        }
        finally
        {
            File.Delete(path);
        }
    }

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
    public void Dot_Png_OverTheProgram_IsRefused()
    {
        var program = Path.Combine(Path.GetTempPath(), $"sg-{Guid.NewGuid():N}.grad");
        File.Copy(CliRunner.Example("e9.grad"), program);
        try
        {
            var (code, _, stderr) = CliRunner.Run("dot", program, "--png", program);
            Assert.Equal(2, code);
            Assert.Equal($"error: --png: '{program}' is the program; the picture would overwrite it. Give another name.\n", stderr);
            Assert.Equal(File.ReadAllText(CliRunner.Example("e9.grad")), File.ReadAllText(program));
        }
        finally { File.Delete(program); }
    }

    [Fact]
    public void Dot_Png_GraphvizMissing_IsExit2WithInstallHint()
    {
        var png = Path.Combine(Path.GetTempPath(), $"sg-{Guid.NewGuid():N}.png");
        Environment.SetEnvironmentVariable("SHARPGRAD_DOT", "/nonexistent/graphviz/dot");
        try
        {
            // A SHARPGRAD_DOT that names nothing runnable is that setting's mistake.
            var (code, _, stderr) = CliRunner.Run("dot", CliRunner.Example("e9.grad"), "--png", png);
            Assert.Equal(2, code);
            Assert.Equal("error: SHARPGRAD_DOT names '/nonexistent/graphviz/dot', which cannot be run (no such executable file); fix or unset SHARPGRAD_DOT\n", stderr);
            Assert.False(File.Exists(png));
            // A file that is there but cannot be executed is said to be so.
            var plain = Path.Combine(Path.GetTempPath(), $"sg-{Guid.NewGuid():N}.sh");
            File.WriteAllText(plain, "#!/bin/sh\n");
            Environment.SetEnvironmentVariable("SHARPGRAD_DOT", plain);
            try
            {
                (code, _, stderr) = CliRunner.Run("dot", CliRunner.Example("e9.grad"), "--png", png);
                Assert.Equal(2, code);
                Assert.Equal($"error: SHARPGRAD_DOT names '{plain}', which cannot be run (the file is not executable; chmod +x it); fix or unset SHARPGRAD_DOT\n", stderr);
            }
            finally { File.Delete(plain); }
            // Without it, and without Graphviz on the PATH, the hint says how to install it.
            Environment.SetEnvironmentVariable("SHARPGRAD_DOT", null);
            bool installed = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "dot")));
            if (!installed)
            {
                (code, _, stderr) = CliRunner.Run("dot", CliRunner.Example("e9.grad"), "--png", png);
                Assert.Equal(2, code);
                Assert.Equal("Graphviz's `dot` was not found; install it with `apt-get install graphviz` (Debian/Ubuntu) or from https://graphviz.org, or run without --png to get the DOT text\n", stderr);
                Assert.False(File.Exists(png));
            }
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
            Assert.Equal(2, failed);
            Assert.Equal("error: dot failed with exit code 3: syntax error in line 1\n", stderr);
            Assert.False(File.Exists(png));
            Assert.DoesNotContain(Directory.GetFiles(dir), f => f.EndsWith(".tmp", StringComparison.Ordinal));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SHARPGRAD_DOT", null);
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Runs <c>dot --png</c> with a fake <c>dot</c> made of <paramref name="script"/>; returns the result and whether any file was left.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static (int Code, string Out, string Error, string[] Left) RunFakeDot(string script)
    {
        var dir = Directory.CreateTempSubdirectory("sg-dot-").FullName;
        var fake = Path.Combine(dir, "fakedot");
        File.WriteAllText(fake, "#!/bin/sh\n" + script);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var png = Path.Combine(dir, "out.png");
        try
        {
            Environment.SetEnvironmentVariable("SHARPGRAD_DOT", fake);
            var (code, stdout, stderr) = CliRunner.Run("dot", CliRunner.Example("e9.grad"), "--png", png);
            return (code, stdout, stderr, Directory.GetFiles(dir).Where(f => f != fake).Select(f => Path.GetFileName(f)).ToArray());
        }
        finally
        {
            Environment.SetEnvironmentVariable("SHARPGRAD_DOT", null);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("exit 1\n", "error: dot failed with exit code 1\n")]
    [InlineData("echo 'Error: <stdin>: syntax error in line 1' >&2\nexit 1\n", "error: dot failed with exit code 1: Error: <stdin>: syntax error in line 1\n")]
    [InlineData("cat > /dev/null\nexit 0\n", "error: dot failed to write the PNG: it exited with code 0 but wrote nothing\n")]
    [InlineData("cat > /dev/null\n: > \"$3\"\n", "error: dot failed to write the PNG: it exited with code 0 but wrote nothing\n")]
    public void Dot_Png_DotFails_IsOneLineExit2_AndLeavesNoFile(string script, string expected)
    {
        if (OperatingSystem.IsWindows()) return;
        var (code, stdout, stderr, left) = RunFakeDot(script);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal(expected, stderr);
        Assert.Empty(left);
    }

    [Fact]
    public void Dot_Png_DotNotReadingItsInput_SaysDotFailed()
    {
        if (OperatingSystem.IsWindows()) return;
        // Closes its input at once and exits 0 (after a moment, so that the graph is written into a closed pipe).
        var (code, _, stderr, left) = RunFakeDot("exec 0<&-\nsleep 0.2\nexit 0\n");
        Assert.Equal(2, code);
        Assert.StartsWith("error: dot failed ", stderr);
        Assert.DoesNotContain("Broken pipe", stderr);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Empty(left);
    }

    [Fact]
    public void Dot_Png_DotHangs_IsStoppedAfterTheTimeout()
    {
        if (OperatingSystem.IsWindows()) return;
        var saved = DotCommand.Timeout;
        DotCommand.Timeout = TimeSpan.FromSeconds(1);
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (code, _, stderr, left) = RunFakeDot("printf half > \"$3\"\nsleep 300\n");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
            Assert.Equal(2, code);
            Assert.Equal("error: dot failed to finish within 1 s and was stopped\n", stderr);
            Assert.Empty(left);
        }
        finally { DotCommand.Timeout = saved; }
    }

    [Fact]
    public void Dot_Png_IntoAFolderThatTakesNoFiles_IsRefusedBeforeDotStarts()
    {
        if (!Directory.Exists("/proc/self")) return;   // Linux: no regular file can be created in /proc
        Environment.SetEnvironmentVariable("SHARPGRAD_DOT", "/nonexistent/graphviz/dot");
        try
        {
            var (code, stdout, stderr) = CliRunner.Run("dot", CliRunner.Example("e9.grad"), "--png", "/proc/out.png");
            Assert.Equal(2, code);
            Assert.Equal("", stdout);
            // Refused up front: the message is about the folder, not about the missing Graphviz.
            Assert.Equal("error: --png: cannot write '/proc/out.png': no file can be created in the folder '/proc'.\n", stderr);
        }
        finally { Environment.SetEnvironmentVariable("SHARPGRAD_DOT", null); }
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
