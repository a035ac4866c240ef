using System.Text.Json;

namespace SharpGrad.Cli.Tests;

/// <summary>
/// <c>sharpgrad bench</c>: the JSON Lines contract, the PyTorch subprocess driven through a fake Python, and
/// argument mistakes. Only the fast rows run (allocations, the 1e5-node scalar chain), PyTorch is replaced or
/// made unreachable, and nothing asserts a timing, so these pass on any machine, with or without the references.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class BenchCommandTests : IDisposable
{
    private static readonly string[] Keys = ["name", "threads", "sharpgrad", "reference", "referenceName", "ratio", "scaling", "unit"];

    private readonly string dir = Directory.CreateTempSubdirectory("sharpgrad-bench-test-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static List<JsonElement> ParseLines(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    private string FakePython(string body)
    {
        string path = Path.Combine(dir, "fake-python");
        File.WriteAllText(path, "#!/bin/sh\n" + body);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Fact]
    public void Json_AllocAndScalar_OneObjectPerRowWithExactlyTheEightKeys()
    {
        string python = Path.Combine(dir, "no-python-here");
        var (code, stdout, stderr) = CliRunner.Run("bench", "--quick", "--only", "alloc,scalar", "--threads", "1", "--json", "--python", python);

        Assert.Equal(0, code);
        var rows = ParseLines(stdout);
        Assert.Equal(["scalar_graph_1e5", "mlp_alloc_per_step", "cnn_alloc_per_step"], rows.Select(r => r.GetProperty("name").GetString()));
        foreach (var row in rows)
        {
            Assert.Equal(Keys, row.EnumerateObject().Select(p => p.Name));
            Assert.Equal(1, row.GetProperty("threads").GetInt32());
            Assert.True(row.GetProperty("sharpgrad").GetDouble() > 0);
            // No Python: no row has a reference, so none has a ratio.
            Assert.Equal(JsonValueKind.Null, row.GetProperty("reference").ValueKind);
            Assert.Equal(JsonValueKind.Null, row.GetProperty("referenceName").ValueKind);
            Assert.Equal(JsonValueKind.Null, row.GetProperty("ratio").ValueKind);
            // One thread count only: nothing to scale against.
            Assert.Equal(JsonValueKind.Null, row.GetProperty("scaling").ValueKind);
        }
        Assert.Equal(["nodes/s", "B/step", "B/step"], rows.Select(r => r.GetProperty("unit").GetString()));
        Assert.Contains($"PyTorch not found: apt-get install python3-torch (runs with /usr/bin/python3); {python} could not be started\n", stderr);
        Assert.Contains("run at 1 thread only", stderr);
    }

    [Fact]
    public void Json_PyTorchValuesFromTheScript_BecomeTheReferenceAndTheRatio()
    {
        if (OperatingSystem.IsWindows()) return;
        string argsFile = Path.Combine(dir, "args.txt");
        // Stands in for torch_reference.py: checks that the embedded script was written out, records how it was
        // called, and answers like the script does.
        string python = FakePython(
            "grep -q 'def median_seconds' \"$1\" || exit 3\n" +
            $"echo \"$@ OMP=$OMP_NUM_THREADS OPENBLAS=$OPENBLAS_NUM_THREADS\" > '{argsFile}'\n" +
            "echo 'torch_reference: PyTorch 9.9 from /fake/torch' >&2\n" +
            "echo '{\"name\": \"scalar_graph_1e5\", \"threads\": 1, \"value\": 1000.0, \"unit\": \"nodes/s\"}'\n");

        var (code, stdout, stderr) = CliRunner.Run("bench", "--quick", "--only", "scalar", "--threads", "1", "--json", "--python", python);

        Assert.Equal(0, code);
        var row = Assert.Single(ParseLines(stdout));
        Assert.Equal("scalar_graph_1e5", row.GetProperty("name").GetString());
        Assert.Equal(1000.0, row.GetProperty("reference").GetDouble());
        Assert.Equal("PyTorch", row.GetProperty("referenceName").GetString());
        // A rate: the ratio is SharpGrad / reference.
        double sharpGrad = row.GetProperty("sharpgrad").GetDouble();
        Assert.Equal(sharpGrad / 1000.0, row.GetProperty("ratio").GetDouble(), 0.01);
        Assert.Contains($"PyTorch 9.9 from /fake/torch (run by {python})\n", stderr);
        Assert.EndsWith(" --threads 1 --quick --only scalar_graph_1e5 OMP=1 OPENBLAS=1\n", File.ReadAllText(argsFile));
    }

    [Fact]
    public void PythonWithoutTorch_IsANoteNotAnError()
    {
        if (OperatingSystem.IsWindows()) return;
        string python = FakePython("echo 'PyTorch not found: apt-get install python3-torch (runs with /usr/bin/python3)' >&2\nexit 2\n");

        var (code, stdout, stderr) = CliRunner.Run("bench", "--quick", "--only", "scalar", "--threads", "1", "--json", "--python", python);

        Assert.Equal(0, code);
        var row = Assert.Single(ParseLines(stdout));
        Assert.Equal(JsonValueKind.Null, row.GetProperty("reference").ValueKind);
        Assert.Contains("PyTorch not found: apt-get install python3-torch (runs with /usr/bin/python3)\n", stderr);
    }

    [Fact]
    public void Table_ShowsTheRowsAndTheRatioLegend()
    {
        var (code, stdout, stderr) = CliRunner.Run("bench", "--quick", "--only", "mlp_alloc", "--threads", "1");

        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("mlp_alloc_per_step", stdout);
        Assert.Contains("B/step", stdout);
        Assert.Contains("ratio > 1: SharpGrad is faster", stdout);
        Assert.DoesNotContain("cnn_alloc_per_step │", stdout);
    }

    [Fact]
    public void UnknownOnlyPrefix_Exits2NamingIt()
    {
        var (code, stdout, stderr) = CliRunner.Run("bench", "--only", "sgemm,nonsense");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: --only: no benchmark row matches 'nonsense'", stderr);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("x")]
    [InlineData("1,,2")]
    [InlineData("-1")]
    public void BadThreads_Exits2(string threads)
    {
        var (code, stdout, stderr) = CliRunner.Run("bench", "--threads", threads, "--only", "mlp_alloc");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: --threads", stderr);
    }

    [Fact]
    public void MoreThreadsThanCores_Exits2NamingTheCount()
    {
        int over = Environment.ProcessorCount + 1;
        var (code, stdout, stderr) = CliRunner.Run("bench", "--threads", $"1,{over}", "--only", "mlp_alloc");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith($"error: --threads: {over} threads is more than this machine's {Environment.ProcessorCount} cores", stderr);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData("1,4,16", 16, new[] { 1, 4, 16 })]
    [InlineData("16,1,4,4", 16, new[] { 1, 4, 16 })]
    [InlineData("2", 2, new[] { 2 })]
    [InlineData(null, 8, new[] { 1, 8 })]
    [InlineData(null, 1, new[] { 1 })]
    public void ParseThreads_AnyListUpToTheCoreCount(string? text, int cores, int[] expected) =>
        Assert.Equal(expected, Commands.BenchCommand.ParseThreads(text, cores));

    [Fact]
    public void ParseThreads_AboveTheCoreCount_IsAnError()
    {
        var e = Assert.Throws<ArgumentException>(() => Commands.BenchCommand.ParseThreads("1,4,16", 4));
        Assert.Contains("16 threads is more than this machine's 4 cores", e.Message);
    }

    [Fact]
    public void Scaling_IsTheSpeedUpOverTheFewestThreads()
    {
        var time = new Bench.BenchRow("t", Bench.Workload.TrainStep, "us", false, Bench.ReferenceEngine.None);
        var rate = new Bench.BenchRow("r", Bench.Workload.Sgemm, "GFLOP/s", true, Bench.ReferenceEngine.None);
        var single = new Bench.BenchRow("s", Bench.Workload.ScalarGraph, "nodes/s", true, Bench.ReferenceEngine.None, SingleThread: true);
        var scaled = Bench.BenchRunner.WithScaling(
        [
            new(time, 1, 800, null), new(time, 2, 500, null), new(time, 4, 1000, null),
            new(rate, 2, 50, null), new(rate, 4, 90, null),
            new(single, 1, 1e6, null),
        ]);
        // Times: fewest-thread time ÷ this time; rates: this rate ÷ fewest-thread rate.
        Assert.Equal([1.0, 1.6, 0.8, 1.0, 1.8], scaled.Take(5).Select(r => Math.Round(r.Scaling!.Value, 6)));
        Assert.Null(scaled[5].Scaling);
    }
}
