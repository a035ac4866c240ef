using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace SharpGrad.Bench;

/// <summary>
/// A summary column that turns the mean time of one invocation into a rate, from a benchmark parameter:
/// work(parameter value) units per invocation divided by the mean time, scaled (1e9 for "per second" from ns).
/// </summary>
internal sealed class RateColumn(string header, string parameter, Func<long, double> work, double scale, string legend) : IColumn
{
    public string Id => "Rate." + header;
    public string ColumnName => header;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        var stats = summary[benchmarkCase]?.ResultStatistics;
        var item = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == parameter);
        if (stats is null || item is null || stats.Mean <= 0)
            return "-";
        double rate = work(Convert.ToInt64(item.Value)) / stats.Mean * scale; // Mean is in nanoseconds
        return rate >= 1e6 ? rate.ToString("N0") : rate.ToString("F1");
    }

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
}

/// <summary>Adds a GFLOP/s column (2·N³ flops per invocation) to the square-SGEMM benchmarks.</summary>
internal sealed class GemmConfig : ManualConfig
{
    public GemmConfig() =>
        AddColumn(new RateColumn("GFLOP/s", "N", n => 2.0 * n * n * n, 1.0, "GFLOP/s: 2·N³ / mean time"));
}

/// <summary>Adds a nodes-per-second column (Nodes graph nodes per invocation) to the scalar-graph benchmark.</summary>
internal sealed class NodesConfig : ManualConfig
{
    public NodesConfig() =>
        AddColumn(new RateColumn("Nodes/s", "Nodes", n => n, 1e9, "Nodes/s: graph nodes built and back-propagated per second"));
}
