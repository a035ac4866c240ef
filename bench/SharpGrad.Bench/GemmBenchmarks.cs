using BenchmarkDotNet.Attributes;
using SharpGrad.Cli.Bench;
using SharpGrad.Kernels;

namespace SharpGrad.Bench;

/// <summary>Row-major square SGEMM, C = A·B (float), through SharpGrad's packed kernel, on all cores.</summary>
[MemoryDiagnoser]
[Config(typeof(GemmConfig))]
public class GemmBenchmarks
{
    private float[] a = [], b = [], c = [];

    [Params(256, 512, 1024)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        a = Workloads.RandomFloats(N * N, 1);
        b = Workloads.RandomFloats(N * N, 2);
        c = new float[N * N];
    }

    [Benchmark]
    public float SharpGrad()
    {
        Workloads.Sgemm(N, a, b, c);
        return c[0];
    }
}

/// <summary>
/// SharpGrad's SGEMM against the naive triple loop (the test oracle) as the in-process baseline, at a size
/// where the naive kernel is still cheap enough to measure.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GemmConfig))]
public class GemmVsNaiveBenchmarks
{
    private float[] a = [], b = [], c = [];

    [Params(256)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        a = Workloads.RandomFloats(N * N, 1);
        b = Workloads.RandomFloats(N * N, 2);
        c = new float[N * N];
    }

    [Benchmark(Baseline = true)]
    public float Naive()
    {
        Gemm.MultiplyNaive<float>(N, N, N, a, N, 1, b, N, 1, c, N, 1, accumulate: false);
        return c[0];
    }

    [Benchmark]
    public float SharpGrad()
    {
        Workloads.Sgemm(N, a, b, c);
        return c[0];
    }
}
