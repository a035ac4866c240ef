using System.CommandLine;
using System.Globalization;
using SharpGrad.Cli.Bench;
using Spectre.Console;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad bench [--threads 1,2] [--quick] [--json] [--only PREFIX,...] [--python PATH]</c>: times SharpGrad
/// and reference engines side by side in one run, on the same workloads and held to the same thread counts
/// (SGEMM vs OpenBLAS, MLP inference vs ONNX Runtime, training steps and the scalar chain vs PyTorch, plus the
/// managed bytes a training step allocates), and prints one table or JSON Lines. A missing reference is a note,
/// not an error. See bench/README.md.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var threads = new Option<string?>("--threads") { Description = "Comma-separated thread counts up to the number of cores, e.g. 1,4,16; every engine is held to each in turn (default: 1 and the number of cores)." };
        var quick = new Option<bool>("--quick") { Description = "Shorter timing, no sgemm_2048 and a scalar chain of 1e5 nodes: well under a minute." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per row (JSON Lines) instead of the table; notes go to stderr." };
        var only = new Option<string?>("--only") { Description = "Comma-separated row-name prefixes to run, e.g. sgemm,mlp_train; a prefix may also start at a part of the name after an underscore (alloc)." };
        var python = new Option<string>("--python") { Description = "The Python that runs the PyTorch reference.", DefaultValueFactory = _ => TorchReference.DefaultPython };
        var device = CliOptions.Device("cpu (the default rows), or cuda / cuda:N for the GPU rows against PyTorch CUDA; gpu-sim runs the GPU rows at the --quick sizes on the CPU, as a check.");
        var command = new Command("bench", "Time SharpGrad against OpenBLAS, ONNX Runtime and PyTorch on the same workloads and thread counts.")
        {
            threads, quick, json, only, python, device,
        };
        command.SetAction(parse => parse.GetValue(device) is { IsCpu: false } d
            ? RunOnDevice(d, parse.GetResult(threads) is { Implicit: false }, parse.GetValue(quick), parse.GetValue(json), parse.GetValue(only), parse.GetValue(python)!)
            : Run(parse.GetValue(threads), parse.GetValue(quick), parse.GetValue(json), parse.GetValue(only), parse.GetValue(python)!));
        return command;
    }

    private static int Run(string? threadList, bool quick, bool json, string? only, string python)
    {
        // Every argument is checked before anything is measured, so a typo costs no benchmark time.
        var threads = ParseThreads(threadList);
        var rows = SelectRows(BenchRow.All(quick), only);
        if (string.IsNullOrWhiteSpace(python))
            throw new ArgumentException("--python needs the path of a Python executable, e.g. /usr/bin/python3.");
        var settings = new BenchSettings(rows, threads, quick, python);
        var notes = new BenchNotes();

        IReadOnlyList<BenchResult> results = [];
        if (!json && AnsiConsole.Profile.Capabilities.Interactive)
            AnsiConsole.Status().Start("Benchmarking…", ctx => results = BenchRunner.Run(settings, notes, s => ctx.Status(Markup.Escape(s))));
        else
            results = BenchRunner.Run(settings, notes, _ => { });

        if (json)
            BenchReport.WriteJson(results, notes);
        else
            BenchReport.WriteTable(results, notes);
        return 0;
    }

    private static int RunOnDevice(Device device, bool threadsGiven, bool quick, bool json, string? only, string python)
    {
        if (threadsGiven)
            throw new ArgumentException($"--threads applies to the CPU rows; --device {device} runs the GPU rows.");
        var rows = SelectRows(GpuBench.Rows(small: quick || device.Type == DeviceType.GpuSim), only);
        if (string.IsNullOrWhiteSpace(python))
            throw new ArgumentException("--python needs the path of a Python executable, e.g. /usr/bin/python3.");
        var notes = new BenchNotes();
        IReadOnlyList<BenchResult> results = [];
        if (!json && AnsiConsole.Profile.Capabilities.Interactive)
            AnsiConsole.Status().Start("Benchmarking…", ctx => results = GpuBench.Run(device, rows, quick, python, notes, s => ctx.Status(Markup.Escape(s))));
        else
            results = GpuBench.Run(device, rows, quick, python, notes, _ => { });
        if (json)
            BenchReport.WriteJson(results, notes);
        else
            BenchReport.WriteTable(results, notes);
        return 0;
    }

    /// <summary>
    /// The thread counts of <c>--threads</c>, ascending and without repeats; by default 1 and every core. Any list of
    /// counts from 1 to the number of cores is accepted; more threads than cores would time the scheduler sharing a
    /// core between threads, not the engines, so it is refused.
    /// </summary>
    internal static IReadOnlyList<int> ParseThreads(string? text) => ParseThreads(text, Environment.ProcessorCount);

    /// <summary><see cref="ParseThreads(string?)"/> on a machine with <paramref name="cores"/> cores.</summary>
    internal static IReadOnlyList<int> ParseThreads(string? text, int cores)
    {
        if (text is null)
            return [.. new[] { 1, cores }.Distinct()];
        var counts = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1)
                throw new ArgumentException($"--threads takes comma-separated thread counts from 1 to {cores} (the number of cores), e.g. 1,{cores}; '{part}' is not one.");
            if (count > cores)
                throw new ArgumentException($"--threads: {count} threads is more than this machine's {cores} cores; the counts go from 1 to {cores}, so that no engine is timed with threads sharing a core.");
            counts.Add(count);
        }
        return [.. counts.Distinct().Order()];
    }

    /// <summary>
    /// The rows that one of the comma-separated prefixes of <c>--only</c> selects (every row when it is not given):
    /// a prefix selects a row when the name, or one of its underscore-separated parts onwards, starts with it, so
    /// <c>sgemm</c>, <c>mlp_train</c> and <c>alloc</c> (mlp_alloc_per_step, cnn_alloc_per_step) all work. A prefix
    /// that selects no row is a mistake, not an empty benchmark.
    /// </summary>
    internal static IReadOnlyList<BenchRow> SelectRows(IReadOnlyList<BenchRow> rows, string? only)
    {
        if (only is null)
            return rows;
        var prefixes = only.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (prefixes.Length == 0)
            throw new ArgumentException("--only needs at least one row-name prefix, e.g. --only sgemm,mlp_train.");
        foreach (var prefix in prefixes)
        {
            if (!rows.Any(r => Selects(prefix, r.Name)))
                throw new ArgumentException($"--only: no benchmark row matches '{prefix}'; the rows are {string.Join(", ", rows.Select(r => r.Name))}.");
        }
        return [.. rows.Where(r => prefixes.Any(p => Selects(p, r.Name)))];
    }

    private static bool Selects(string prefix, string name) =>
        name.StartsWith(prefix, StringComparison.Ordinal) || name.Contains("_" + prefix, StringComparison.Ordinal);
}
