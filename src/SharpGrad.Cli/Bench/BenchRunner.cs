using SharpGrad.NN;
using SharpGrad.Optim;

namespace SharpGrad.Cli.Bench;

/// <summary>What <c>sharpgrad bench</c> was asked to run: the selected rows, the thread counts, the timing mode and the Python for PyTorch.</summary>
internal sealed record BenchSettings(IReadOnlyList<BenchRow> Rows, IReadOnlyList<int> Threads, bool Quick, string Python);

/// <summary>
/// Runs the selected rows one thread count at a time: each row's SharpGrad workload, then its in-process
/// reference (OpenBLAS, ONNX Runtime), then, once the in-process work is done, the PyTorch subprocess for that
/// thread count, so that no two engines ever compete for the cores. Every engine is held to the same count:
/// SharpGrad through <see cref="Parallelism.MaxDegreeOfParallelism"/>, OpenBLAS through
/// <c>openblas_set_num_threads</c>, ONNX Runtime through its intra-op threads and PyTorch through
/// <c>torch.set_num_threads</c> and the BLAS environment; the process-wide settings are put back afterwards.
/// </summary>
internal static class BenchRunner
{
    private const int AllocWarmupSteps = 3;
    private const int AllocSteps = 20;

    /// <summary>Measures every row at its thread counts; results come back in row order, then by thread count.</summary>
    public static IReadOnlyList<BenchResult> Run(BenchSettings settings, BenchNotes notes, Action<string> progress)
    {
        var rows = settings.Rows;
        notes.Add($"SharpGrad on .NET {Environment.Version}, {Environment.ProcessorCount} logical cores");
        if (rows.Where(r => r.SingleThread).Select(r => r.Name).ToList() is { Count: > 0 } single)
            notes.Add($"{string.Join(", ", single)} {(single.Count == 1 ? "runs" : "run")} at 1 thread only: {(single.Count == 1 ? "it measures" : "they measure")} per-op overhead and allocations, not parallel speed");

        var passes = settings.Threads.Concat(rows.Any(r => r.SingleThread) ? [1] : []).Distinct().Order().ToList();
        var results = new List<BenchResult>();
        int previousDop = Parallelism.MaxDegreeOfParallelism;
        bool usesOpenBlas = rows.Any(r => r.Reference == ReferenceEngine.OpenBlas);
        int? previousBlasThreads = usesOpenBlas ? OpenBlas.Threads : null;
        try
        {
            foreach (int threads in passes)
            {
                var pass = rows.Where(r => r.SingleThread ? threads == 1 : settings.Threads.Contains(threads)).ToList();
                Parallelism.MaxDegreeOfParallelism = threads;
                var measured = new List<BenchResult>();
                foreach (var row in pass)
                {
                    progress($"{row.Name} at {threads} thread{(threads == 1 ? "" : "s")}");
                    measured.Add(Measure(row, threads, settings.Quick, notes));
                }

                var torchRows = pass.Where(r => r.Reference == ReferenceEngine.PyTorch).ToList();
                if (torchRows.Count > 0)
                {
                    progress($"PyTorch reference at {threads} thread{(threads == 1 ? "" : "s")}");
                    var torch = TorchReference.Run(settings.Python, threads, settings.Quick, torchRows, notes);
                    measured = [.. measured.Select(m => torch.TryGetValue(m.Row.Name, out var value) ? m with { Reference = value } : m)];
                }
                results.AddRange(measured);
            }
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = previousDop;
            if (previousBlasThreads is { } blasThreads)
                OpenBlas.SetThreads(blasThreads);
        }
        return WithScaling([.. results.OrderBy(r => IndexOf(rows, r.Row)).ThenBy(r => r.Threads)]);
    }

    /// <summary>
    /// Fills in each result's <see cref="BenchResult.Scaling"/>: SharpGrad's speed at that thread count over its speed at
    /// the fewest threads measured for the same row (1 for that row itself, null for rows measured at one count only).
    /// </summary>
    internal static IReadOnlyList<BenchResult> WithScaling(IReadOnlyList<BenchResult> results)
    {
        var scaled = new List<BenchResult>(results.Count);
        foreach (var result in results)
        {
            var sameRow = results.Where(r => ReferenceEquals(r.Row, result.Row)).ToList();
            var fewest = sameRow.MinBy(r => r.Threads)!;
            double? scaling = sameRow.Count < 2 || fewest.SharpGrad <= 0 || result.SharpGrad <= 0 ? null
                : result.Row.HigherIsBetter ? result.SharpGrad / fewest.SharpGrad : fewest.SharpGrad / result.SharpGrad;
            scaled.Add(result with { Scaling = scaling });
        }
        return scaled;
    }

    private static int IndexOf(IReadOnlyList<BenchRow> rows, BenchRow row)
    {
        for (int i = 0; i < rows.Count; i++)
            if (ReferenceEquals(rows[i], row))
                return i;
        return rows.Count;
    }

    /// <summary>One row at one thread count: SharpGrad, then its in-process reference (PyTorch's is filled in later).</summary>
    private static BenchResult Measure(BenchRow row, int threads, bool quick, BenchNotes notes)
    {
        var budget = TimingBudget.For(quick);
        switch (row.Workload)
        {
            case Workload.Sgemm:
            {
                int n = row.Size;
                var a = Workloads.RandomFloats(n * n, 1);
                var b = Workloads.RandomFloats(n * n, 2);
                var c = new float[n * n];
                double flops = 2.0 * n * n * n;
                double sharpGrad = flops / Timing.MedianSeconds(() => Workloads.Sgemm(n, a, b, c), budget) / 1e9;
                double? reference = null;
                if (!OpenBlas.Available)
                    notes.Add(OpenBlas.InstallHint);
                else
                {
                    if (!OpenBlas.SetThreads(threads))
                        notes.Add("OpenBLAS does not export openblas_set_num_threads: it ran at its own thread count (OPENBLAS_NUM_THREADS or every core)");
                    notes.Add($"{OpenBlas.Config ?? "OpenBLAS"} from {BenchNotes.LoadedFrom("libopenblas") ?? OpenBlas.LoadedFrom}");
                    reference = flops / Timing.MedianSeconds(() => OpenBlas.Sgemm(n, n, n, a, b, c), budget) / 1e9;
                }
                return new BenchResult(row, threads, sharpGrad, reference);
            }
            case Workload.Inference:
            {
                var model = Workloads.Model(row.Model);
                model.Eval();
                var images = Workloads.Images();
                var expected = new float[Workloads.Batch * Workloads.Classes];
                double sharpGrad = Timing.MedianSeconds(() => Workloads.Infer(model, images, expected), budget) * 1e6;
                double? reference = OnnxRuntimeReference.InferenceMicroseconds(model, images, expected, threads, budget, notes);
                return new BenchResult(row, threads, sharpGrad, reference);
            }
            case Workload.TrainStep when row.Model == "transformer":
            {
                var model = Workloads.TransformerModel();
                model.Train();
                var optimizer = Workloads.CreateSgd(model);
                var (tokens, targets) = (Workloads.Tokens(3), Workloads.Tokens(4));
                double sharpGrad = Timing.MedianSeconds(() => Workloads.TransformerTrainStep(model, optimizer, tokens, targets), budget) * 1e6;
                return new BenchResult(row, threads, sharpGrad, null);
            }
            case Workload.TrainStep:
            {
                var (model, optimizer, images, labels) = TrainingSetup(row.Model);
                double sharpGrad = Timing.MedianSeconds(() => Workloads.TrainStep(model, optimizer, images, labels), budget) * 1e6;
                return new BenchResult(row, threads, sharpGrad, null);
            }
            case Workload.ScalarGraph:
            {
                int nodes = row.Size;
                double sharpGrad = nodes / Timing.MedianSeconds(() => Workloads.ScalarChain(nodes), TimingBudget.Once);
                return new BenchResult(row, threads, sharpGrad, null);
            }
            case Workload.AllocPerStep:
            {
                var (model, optimizer, images, labels) = TrainingSetup(row.Model);
                double bytes = Timing.AllocatedBytesPerCall(() => Workloads.TrainStep(model, optimizer, images, labels), AllocWarmupSteps, AllocSteps);
                return new BenchResult(row, threads, bytes, null);
            }
            default:
                throw new InvalidOperationException($"Benchmark row {row.Name} has no workload.");
        }
    }

    private static (Sequential Model, Sgd Optimizer, Tensor Images, Tensor Labels) TrainingSetup(string name)
    {
        var model = Workloads.Model(name);
        model.Train();
        return (model, Workloads.CreateSgd(model), Workloads.Images(), Workloads.Labels());
    }
}
