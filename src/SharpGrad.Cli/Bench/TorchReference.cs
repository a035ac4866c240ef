using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace SharpGrad.Cli.Bench;

/// <summary>
/// The PyTorch reference: bench/torch_reference.py, embedded in this assembly so that an installed
/// <c>sharpgrad</c> needs no repository, written to a temporary file and run by a Python in a subprocess for
/// one thread count at a time, while nothing else runs. The subprocess's BLAS and OpenMP runtimes are held to the
/// same count through the environment, because <c>torch.set_num_threads</c> alone does not reach the BLAS that
/// <c>torch.mm</c> calls. A missing Python or torch costs a note, never the run.
/// </summary>
internal static class TorchReference
{
    public const string NotFound = "PyTorch not found: apt-get install python3-torch (runs with /usr/bin/python3)";

    public const string DefaultPython = "/usr/bin/python3";

    private const string ResourceName = "SharpGrad.Cli.Bench.torch_reference.py";

    /// <summary>The prefix of the script's stderr line that names the torch it loaded.</summary>
    private const string InfoPrefix = "torch_reference: ";

    private static readonly string[] ThreadVariables = ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"];

    /// <summary>
    /// Runs the script with <paramref name="python"/> at <paramref name="threads"/> threads for
    /// <paramref name="rows"/> and returns its values by row name: only rows asked for, in the row's unit. Whatever
    /// goes wrong (no Python, no torch, a crash, a timeout) becomes a note and leaves those rows without a reference.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Run(string python, int threads, bool quick, IReadOnlyList<BenchRow> rows, BenchNotes notes, string device = "cpu")
    {
        var values = new Dictionary<string, double>();
        if (rows.Count == 0)
            return values;
        var dir = Directory.CreateTempSubdirectory("sharpgrad-bench-");
        try
        {
            string script = Path.Combine(dir.FullName, "torch_reference.py");
            WriteScript(script);
            var info = new ProcessStartInfo(python)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(script);
            info.ArgumentList.Add("--threads");
            info.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
            if (quick)
                info.ArgumentList.Add("--quick");
            if (device != "cpu")
            {
                info.ArgumentList.Add("--device");
                info.ArgumentList.Add(device);
            }
            info.ArgumentList.Add("--only");
            info.ArgumentList.Add(string.Join(",", rows.Select(r => r.Name)));
            foreach (var variable in ThreadVariables)
                info.Environment[variable] = threads.ToString(CultureInfo.InvariantCulture);

            var process = ExternalTools.TryStart(info);
            if (process is null)
            {
                notes.Add($"{NotFound}; {python} could not be started");
                return values;
            }

            using (process)
            {
                // Both pipes are drained concurrently: a child blocked on a full stderr pipe would never exit.
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                var timeout = TimeSpan.FromSeconds(quick ? 120 : 600);
                bool finished = process.WaitForExit(timeout);
                if (!finished)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit();
                    notes.Add($"PyTorch reference at {threads} threads timed out after {timeout.TotalSeconds:F0} s and was stopped");
                }
                // Rows printed before a failure or the timeout are still good measurements.
                Parse(stdout.Result, threads, rows, values, notes);
                Report(finished ? process.ExitCode : null, stderr.Result, python, notes);
            }
            return values;
        }
        finally
        {
            try
            {
                dir.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary script is not worth failing a finished benchmark for.
            }
        }
    }

    private static void WriteScript(string path)
    {
        using var resource = typeof(TorchReference).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from {typeof(TorchReference).Assembly.GetName().Name}.");
        using var file = File.Create(path);
        resource.CopyTo(file);
    }

    private static void Parse(string stdout, int threads, IReadOnlyList<BenchRow> rows, Dictionary<string, double> values, BenchNotes notes)
    {
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string? name;
            double value;
            string? unit;
            int reportedThreads;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                name = root.GetProperty("name").GetString();
                value = root.GetProperty("value").GetDouble();
                unit = root.GetProperty("unit").GetString();
                reportedThreads = root.GetProperty("threads").GetInt32();
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                notes.Add($"PyTorch reference: ignored an unreadable line: {Shorten(line)}");
                continue;
            }
            var row = rows.FirstOrDefault(r => r.Name == name);
            if (row is null)
                continue;
            if (unit != row.Unit)
            {
                notes.Add($"PyTorch reference: {name} came in {unit}, not {row.Unit}; ignored");
                continue;
            }
            if (reportedThreads != threads)
                notes.Add($"PyTorch ran {name} at {reportedThreads} threads, not {threads} (torch.get_num_threads)");
            if (double.IsFinite(value) && value > 0)
                values[row.Name] = value;
        }
    }

    /// <summary>Notes from the script's stderr and exit code; <paramref name="exitCode"/> is null after a timeout, which is noted already.</summary>
    private static void Report(int? exitCode, string stderr, string python, BenchNotes notes)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.FirstOrDefault(l => l.StartsWith(InfoPrefix, StringComparison.Ordinal)) is { } info)
            notes.Add($"{info[InfoPrefix.Length..]} (run by {python})");
        if (exitCode is null or 0)
            return;
        if (lines.Any(l => l.StartsWith("PyTorch not found", StringComparison.Ordinal) || l.Contains("No module named 'torch'", StringComparison.Ordinal)))
            notes.Add(NotFound);
        else if (exitCode == 3)
            notes.Add($"PyTorch reference: {Shorten(lines.LastOrDefault() ?? "no CUDA device")}");
        else
            notes.Add($"PyTorch reference failed (exit code {exitCode}): {Shorten(lines.LastOrDefault() ?? "no message")}");
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
