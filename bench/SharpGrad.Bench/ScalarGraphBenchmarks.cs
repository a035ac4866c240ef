using BenchmarkDotNet.Attributes;

namespace SharpGrad.Bench;

/// <summary>
/// Per-op overhead on tiny tensors: a chain of <c>Nodes</c> scalar ops, y ← y·w + c (two nodes per link, w a
/// leaf that requires grad), built and then back-propagated. The Nodes/s column is the issue's "nodes per
/// second" (target ≥ 10⁷ at 10⁶ nodes).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(NodesConfig))]
public class ScalarGraphBenchmarks
{
    private Tensor x = null!, w = null!, c = null!;

    [Params(10_000, 100_000, 1_000_000)]
    public int Nodes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        x = Tensor.Scalar(1.0).RequireGrad();
        w = Tensor.Scalar(0.5).RequireGrad();
        c = Tensor.Scalar(0.25);
    }

    [Benchmark]
    public double ForwardBackward()
    {
        x.Grad = null;
        w.Grad = null;
        var y = x;
        for (int i = 0; i < Nodes / 2; i++)
            y = y * w + c;
        y.Backward();
        return x.Grad!.Item();
    }
}
