namespace SharpGrad.Cli.Bench;

/// <summary>The engine a benchmark row compares SharpGrad with.</summary>
internal enum ReferenceEngine
{
    None,
    OpenBlas,
    OnnxRuntime,
    PyTorch,
}

/// <summary>What a row runs; <see cref="BenchRow.Size"/> and <see cref="BenchRow.Model"/> say on what.</summary>
internal enum Workload
{
    Sgemm,
    Inference,
    TrainStep,
    ScalarGraph,
    AllocPerStep,
}

/// <summary>
/// One line of <c>sharpgrad bench</c>'s output. <see cref="Name"/> is a stable identifier that scripts and
/// bench/torch_reference.py key on. Rows that measure overhead rather than parallel speed run at one thread
/// only (<see cref="SingleThread"/>).
/// </summary>
internal sealed record BenchRow(string Name, Workload Workload, string Unit, bool HigherIsBetter, ReferenceEngine Reference,
    bool SingleThread = false, int Size = 0, string Model = "")
{
    /// <summary>The reference engine's display name, or null for rows without one.</summary>
    public string? ReferenceName => Reference switch
    {
        ReferenceEngine.OpenBlas => "OpenBLAS",
        ReferenceEngine.OnnxRuntime => "ONNX Runtime",
        ReferenceEngine.PyTorch => "PyTorch",
        _ => null,
    };

    /// <summary>Every row, in output order. <c>--quick</c> drops SGEMM 2048 and shortens the scalar chain to 10⁵ nodes.</summary>
    public static IReadOnlyList<BenchRow> All(bool quick)
    {
        var rows = new List<BenchRow>();
        int[] sizes = quick ? [256, 512, 1024] : [256, 512, 1024, 2048];
        foreach (int n in sizes)
            rows.Add(new($"sgemm_{n}", Workload.Sgemm, "GFLOP/s", true, ReferenceEngine.OpenBlas, Size: n));
        rows.Add(new("mlp_inference_b64", Workload.Inference, "us", false, ReferenceEngine.OnnxRuntime, Model: "mlp"));
        rows.Add(new("mlp_train_step_b64", Workload.TrainStep, "us", false, ReferenceEngine.PyTorch, Model: "mlp"));
        rows.Add(new("cnn_train_step_b64", Workload.TrainStep, "us", false, ReferenceEngine.PyTorch, Model: "cnn"));
        rows.Add(new("transformer_train_step_b32", Workload.TrainStep, "us", false, ReferenceEngine.PyTorch, Model: "transformer"));
        rows.Add(quick
            ? new("scalar_graph_1e5", Workload.ScalarGraph, "nodes/s", true, ReferenceEngine.PyTorch, SingleThread: true, Size: 100_000)
            : new("scalar_graph_1e6", Workload.ScalarGraph, "nodes/s", true, ReferenceEngine.PyTorch, SingleThread: true, Size: 1_000_000));
        rows.Add(new("mlp_alloc_per_step", Workload.AllocPerStep, "B/step", false, ReferenceEngine.None, SingleThread: true, Model: "mlp"));
        rows.Add(new("cnn_alloc_per_step", Workload.AllocPerStep, "B/step", false, ReferenceEngine.None, SingleThread: true, Model: "cnn"));
        return rows;
    }
}

/// <summary>
/// One measured row at one thread count. <see cref="Reference"/> is null when the row has no reference or the
/// reference engine is missing; <see cref="Ratio"/> is then null too.
/// </summary>
internal sealed record BenchResult(BenchRow Row, int Threads, double SharpGrad, double? Reference)
{
    /// <summary>The reference engine's name when there is a reference value.</summary>
    public string? ReferenceName => Reference is null ? null : Row.ReferenceName;

    /// <summary>
    /// Above 1 when SharpGrad is faster: reference/SharpGrad for times, SharpGrad/reference for rates.
    /// </summary>
    public double? Ratio => Reference is not { } reference || reference <= 0 || SharpGrad <= 0 ? null
        : Row.HigherIsBetter ? SharpGrad / reference : reference / SharpGrad;

    /// <summary>
    /// SharpGrad's speed-up over the same row at the fewest threads measured (above 1 when the added threads help,
    /// below 1 when they slow it down); null when the row was measured at one thread count only.
    /// </summary>
    public double? Scaling { get; init; }
}
