using System.Globalization;
using SharpGrad;
using SharpGrad.Distributed;
using SharpGrad.NN;

// Each scenario prints "key: values" lines that the tests compare with values worked out independently.
// Only rank 0 prints unless a line is tagged with the rank.
using var group = ProcessGroup.Create();
string scenario = args.Length > 0 ? args[0] : "collectives";
if (args.Length > 1)
    group.Timeout = TimeSpan.FromSeconds(double.Parse(args[1], CultureInfo.InvariantCulture));
try
{
    switch (scenario)
    {
        case "collectives": Collectives(group); break;
        case "hang": Hang(group); break;
        case "die": Die(group); break;
        case "ddp-batchnorm": DdpBatchNorm(group); break;
        case "ddp": Ddp(group, args.Length > 2 ? long.Parse(args[2], CultureInfo.InvariantCulture) : DistributedDataParallel.DefaultBucketBytes); break;
        default: Console.Error.WriteLine($"unknown scenario {scenario}"); return 2;
    }
    return 0;
}
catch (DistributedException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    group.Abort(3);
    return 3;
}

static string Format(Tensor t) => string.Join(" ", t.ToDoubleArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

// One write system call per line (Console's writer splits long lines into 256-byte writes), so that the
// ranks' lines never interleave in mpirun's merged output; a pipe keeps writes below 4 KB whole.
static void Print(ProcessGroup group, string key, string value)
{
    var bytes = System.Text.Encoding.UTF8.GetBytes($"rank {group.Rank} {key}: {value}\n");
    using var stdout = Console.OpenStandardOutput();
    stdout.Write(bytes, 0, bytes.Length);
    stdout.Flush();
}

static void Collectives(ProcessGroup group)
{
    int r = group.Rank;
    Print(group, "size", group.Size.ToString(CultureInfo.InvariantCulture));
    Print(group, "transport", group is MpiProcessGroup mpi ? mpi.Flavor.ToString() : "single");

    var sum = Tensor.FromArray([r + 1f, 10f * (r + 1), -r], 3);
    group.AllReduce(sum, ReduceOp.Sum);
    Print(group, "sum", Format(sum));

    var average = Tensor.FromArray([r + 1.0, 10.0 * (r + 1)], 2);
    group.AllReduce(average, ReduceOp.Average);
    Print(group, "average", Format(average));

    var max = Tensor.FromArray([r, -r], 2);
    group.AllReduce(max, ReduceOp.Max);
    Print(group, "max", Format(max));

    // A transposed (non-contiguous) view is reduced through a dense copy and written back.
    var matrix = Tensor.FromArray([1f * r, 2, 3, 4, 5, 6], 2, 3);
    group.AllReduce(matrix.T, ReduceOp.Sum);
    Print(group, "transposed", Format(matrix));

    int root = group.Size - 1;
    var data = Tensor.FromArray([100.0 * r + 1, 100.0 * r + 2], 2);
    group.Broadcast(data, root);
    Print(group, "broadcast", Format(data));

    string text = group.Broadcast($"hello from rank {r} ✓", root);
    Print(group, "string", text);

    var parameter = Tensor.FromArray([r + 0.5f], 1).RequireGrad();
    group.Broadcast(parameter, 0);
    Print(group, "parameter", Format(parameter));

    group.Barrier();
    Print(group, "barrier", "passed");

    // A call MPI itself rejects (a root outside the world) comes back as an error, not an abort.
    try
    {
        unsafe
        {
            int value = 0;
            group.StartBroadcast(&value, 1, root: 99, "broadcast from a rank that does not exist").Wait();
        }
        Print(group, "bad root", "accepted");
    }
    catch (DistributedException e)
    {
        Print(group, "bad root", e.Message);
    }
}

static void Hang(ProcessGroup group)
{
    if (group.Rank == 1)
        Thread.Sleep(TimeSpan.FromMinutes(10));
    group.Barrier();
}

static void Die(ProcessGroup group)
{
    if (group.Rank == 1)
        Environment.Exit(5);
    group.Barrier();
}

// A float64 model built from a different seed on every rank (so only the broadcast makes the
// replicas equal); rank r holds rows [r·n/N, (r+1)·n/N) of 8 fixed samples. The gradients after
// synchronisation must be those of rank 0's model on all 8 rows.
static void Ddp(ProcessGroup group, long bucketBytes)
{
    var model = Reference.Model(new Generator(7 + (ulong)group.Rank));
    using var ddp = new DistributedDataParallel(model, group, bucketBytes);
    Print(group, "buckets", ddp.Plan.Count.ToString(CultureInfo.InvariantCulture));
    var (x, y) = Reference.Data();
    int n = x.Size(0), lo = n * group.Rank / group.Size, hi = n * (group.Rank + 1) / group.Size;
    for (int step = 0; step < 2; step++)
    {
        model.ZeroGrad();
        Tensor loss;
        using (ddp.BeginStep(hi - lo))
            loss = Functional.MseLoss(model.Call(x[lo..hi]), y[lo..hi]);
        loss.Backward();
        ddp.SynchronizeGradients();
        foreach (var (name, p) in model.NamedParameters())
            Print(group, $"step {step} grad {name}", Format(p.Grad!));
        using (Autograd.NoGrad())
            foreach (var p in model.Parameters()) p.AddInPlace(p.Grad!, -0.1);
    }
}

// Batch norm: each rank normalises its own 4 of the 8 rows and updates its running statistics from
// them; after synchronisation every rank holds the average of those updates.
static void DdpBatchNorm(ProcessGroup group)
{
    var model = Reference.BatchNormModel(new Generator(7 + (ulong)group.Rank));
    using var ddp = new DistributedDataParallel(model, group);
    var (x, y) = Reference.Data();
    int lo = 4 * group.Rank;
    model.ZeroGrad();
    Tensor loss;
    using (ddp.BeginStep(4))
        loss = Functional.MseLoss(model.Call(x[lo..(lo + 4)]), y[lo..(lo + 4)]);
    loss.Backward();
    ddp.SynchronizeGradients();
    foreach (var (name, b) in model.NamedBuffers())
        Print(group, "buffer " + name, Format(b));
}
