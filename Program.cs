using SharpGrad;
using System.Diagnostics;
int nodes = args.Length > 0 ? int.Parse(args[0]) : 1_000_000;
for (int r = 0; r < 6; r++)
{
    int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
    var sw = Stopwatch.StartNew();
    var x = Tensor.Scalar(1.0).RequireGrad();
    var w = Tensor.Scalar(0.5).RequireGrad();
    var c = Tensor.Scalar(0.25);
    var y = x;
    for (int i = 0; i < nodes / 2; i++) y = y * w + c;
    var fw = sw.Elapsed.TotalMilliseconds;
    y.Backward();
    var t = sw.Elapsed.TotalSeconds;
    Console.WriteLine($"run {r}: fwd {fw:F0} ms total {t*1000:F0} ms  {nodes / t / 1e6:F2} M nodes/s  gc {GC.CollectionCount(0)-g0}/{GC.CollectionCount(1)-g1}/{GC.CollectionCount(2)-g2}");
}
