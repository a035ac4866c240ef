using BenchmarkDotNet.Attributes;
using SharpGrad.Cli.Bench;

namespace SharpGrad.Bench;

/// <summary>
/// SharpGrad's SGEMM 1024³ against OpenBLAS <c>cblas_sgemm</c> (the baseline; Ratio &lt; 1 means SharpGrad is
/// faster), with both engines held to the same thread count: 1 and every core. Skipped, with a one-line note,
/// when OpenBLAS is not installed (see <see cref="Program"/>).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GemmConfig))]
public class OpenBlasGemmBenchmarks
{
    private float[] a = [], b = [], c = [];

    [Params(1024)]
    public int N { get; set; }

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    public static IEnumerable<int> ThreadCounts() => new[] { 1, Environment.ProcessorCount }.Distinct();

    [GlobalSetup]
    public void Setup()
    {
        if (!OpenBlas.Available)
            throw new InvalidOperationException(OpenBlas.InstallHint);
        if (!OpenBlas.SetThreads(Threads))
            Console.WriteLine("// openblas_set_num_threads is not exported; OpenBLAS uses OPENBLAS_NUM_THREADS or all cores");
        Parallelism.MaxDegreeOfParallelism = Threads;
        a = Workloads.RandomFloats(N * N, 1);
        b = Workloads.RandomFloats(N * N, 2);
        c = new float[N * N];
    }

    [GlobalCleanup]
    public void Cleanup() => Parallelism.MaxDegreeOfParallelism = Environment.ProcessorCount;

    [Benchmark(Baseline = true)]
    public float OpenBLAS()
    {
        OpenBlas.Sgemm(N, N, N, a, b, c);
        return c[0];
    }

    [Benchmark]
    public float SharpGrad()
    {
        Workloads.Sgemm(N, a, b, c);
        return c[0];
    }
}
