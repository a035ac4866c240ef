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
    private static readonly string[] Keys = ["name", "threads", "sharpgrad", "reference", "referenceName", "ratio", "unit"];

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
    public void Json_AllocAndScalar_OneObjectPerRowWithExactlyTheSevenKeys()
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
}
