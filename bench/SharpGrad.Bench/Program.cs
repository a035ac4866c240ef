using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Running;
using SharpGrad.Cli.Bench;

namespace SharpGrad.Bench;

/// <summary>Entry point: <c>dotnet run -c Release --project bench/SharpGrad.Bench -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        // References that are not installed are skipped with one line saying how to install them.
        var config = DefaultConfig.Instance;
        if (!OpenBlas.Available)
        {
            Console.WriteLine(OpenBlas.Note);
            config = config.AddFilter(new SimpleFilter(b => b.Descriptor.Type != typeof(OpenBlasGemmBenchmarks)));
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
