using BenchmarkDotNet.Attributes;
using SharpGrad.Cli.Bench;

namespace SharpGrad.Bench;

/// <summary>
/// Per-op overhead on tiny tensors: a chain of <c>Nodes</c> scalar ops, y ← y·w + c (two nodes per link, w a
/// leaf that requires grad), built and then back-propagated. The Nodes/s column is the "nodes per
/// second" (target ≥ 2·10⁶ at 10⁶ nodes).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(NodesConfig))]
public class ScalarGraphBenchmarks
{
    [Params(10_000, 100_000, 1_000_000)]
    public int Nodes { get; set; }

    [Benchmark]
    public double ForwardBackward() => Workloads.ScalarChain(Nodes);
}
