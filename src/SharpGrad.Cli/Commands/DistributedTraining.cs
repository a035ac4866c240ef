using System.Globalization;
using SharpGrad.Data;
using SharpGrad.Distributed;
using SharpGrad.NN;
using SharpGrad.Training;
using Spectre.Console;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// The parts of <c>sharpgrad train</c> that differ under <c>mpirun</c>: joining the MPI job the
/// environment describes, refusing ranks started with other arguments, silencing every rank but
/// 0, sharing a checkpoint that only rank 0 may be able to read, and combining the ranks'
/// epoch statistics and evaluations. Without an MPI launcher the group is a single process and
/// every step here is a no-op, so one code path trains both ways.
/// </summary>
internal static class DistributedTraining
{
    /// <summary>The process group this run belongs to, MPI only when a launcher started it.</summary>
    public static ProcessGroup Join(TimeSpan timeout)
    {
        var group = MpiEnvironment.Detect() is { } launch ? MpiProcessGroup.Initialize(launch) : (ProcessGroup)new SingleProcessGroup();
        group.Timeout = timeout;
        if (!group.IsRoot)
            AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) });
        return group;
    }

    /// <summary>
    /// Refuses to train when this rank's arguments differ from rank 0's: the ranks would build
    /// different models or take different steps, and their collectives would not match.
    /// </summary>
    public static void RequireSameArguments(ProcessGroup group, IReadOnlyList<KeyValuePair<string, string>> arguments)
    {
        if (group.Size == 1) return;
        string mine = string.Join("\n", arguments.Select(a => a.Key + "=" + a.Value));
        string root = group.Broadcast(mine, 0, "comparison of the arguments");
        // The lowest rank that differs explains the difference to all, so that whichever rank ends the
        // job first prints the same complete message.
        Span<int> first = [root == mine ? int.MaxValue : group.Rank];
        group.AllReduce(first, ReduceOp.Min, "comparison of the arguments");
        if (first[0] == int.MaxValue) return;
        string explanation = "";
        if (group.Rank == first[0])
        {
            var rootValues = root.Split('\n').Select(l => l.Split('=', 2)).ToDictionary(f => f[0], f => f.Length > 1 ? f[1] : "");
            var differing = arguments.First(a => !rootValues.TryGetValue(a.Key, out var v) || v != a.Value);
            explanation = $"rank {group.Rank} of {group.Size} was started with {differing.Key} {differing.Value} but rank 0 with {differing.Key} {rootValues.GetValueOrDefault(differing.Key, "(none)")}; every rank must run the same command.";
        }
        throw new DistributedException(group.Broadcast(explanation, first[0], "comparison of the arguments"));
    }

    /// <summary>
    /// Rank 0's checkpoint on every rank: rank 0 reads the file and sends its bytes, which each other
    /// rank writes to a temporary file (the output folder need not be shared). Returns the path to load
    /// and whether it is a temporary copy to delete, or null when rank 0 has no checkpoint.
    /// </summary>
    public static (string Path, bool Temporary)? ShareCheckpoint(ProcessGroup group, string path)
    {
        if (group.Size == 1)
            return File.Exists(path) ? (path, false) : null;
        Span<int> exists = [group.IsRoot && File.Exists(path) ? 1 : 0];
        group.Broadcast(exists, 0, "check for the checkpoint");
        if (exists[0] == 0) return null;
        var bytes = group.Broadcast(group.IsRoot ? File.ReadAllBytes(path) : [], 0, "broadcast of the checkpoint");
        if (group.IsRoot) return (path, false);
        string copy = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"sharpgrad-rank{group.Rank}-{Environment.ProcessId}.safetensors");
        File.WriteAllBytes(copy, bytes);
        return (copy, true);
    }

    /// <summary>The loader of this rank's share of each epoch (all of it in one process).</summary>
    public static DistributedSampler? Sampler(ProcessGroup group, bool evenSteps) =>
        group.Size == 1 ? null : new DistributedSampler(group.Rank, group.Size, evenSteps);

    /// <summary>
    /// The epoch's training loss and accuracy over all ranks and its slowest rank's time. Every rank
    /// saw the same number of samples, so the mean of their means is the mean over every sample.
    /// </summary>
    public static (double Loss, double Accuracy, double Seconds) Combine(ProcessGroup group, (double Loss, double Accuracy, double Seconds) local)
    {
        if (group.Size == 1) return local;
        Span<double> means = [local.Loss, local.Accuracy];
        group.AllReduce(means, ReduceOp.Average, "all-reduce of the epoch's training loss");
        Span<double> seconds = [local.Seconds];
        group.AllReduce(seconds, ReduceOp.Max, "all-reduce of the epoch's time");
        return (means[0], means[1], seconds[0]);
    }

    /// <summary>The evaluation of the whole test set from each rank's evaluation of its share.</summary>
    public static Evaluation Combine(ProcessGroup group, Evaluation local)
    {
        if (group.Size == 1) return local;
        int k = local.Classes;
        var counts = new long[k * k];
        for (int a = 0; a < k; a++)
            for (int p = 0; p < k; p++) counts[a * k + p] = local[a, p];
        group.AllReduce(counts.AsSpan(), ReduceOp.Sum, "all-reduce of the confusion matrix");
        Span<double> loss = [double.IsNaN(local.Loss) ? 0 : local.Loss * local.Count];
        group.AllReduce(loss, ReduceOp.Sum, "all-reduce of the test loss");
        var confusion = new long[k, k];
        long total = 0;
        for (int a = 0; a < k; a++)
            for (int p = 0; p < k; p++) total += confusion[a, p] = counts[a * k + p];
        return new Evaluation(total == 0 ? double.NaN : loss[0] / total, confusion);
    }

    /// <summary>Ends every rank after this one failed, so that none waits for it until the timeout.</summary>
    public static int Fail(ProcessGroup group, Exception e, int exitCode)
    {
        Console.Error.WriteLine(e is DistributedException || group.Size == 1
            ? $"error: {e.Message}"
            : $"error: rank {group.Rank} of {group.Size}: {e.Message}");
        Console.Error.Flush();
        group.Abort(exitCode);
        return exitCode;
    }

    /// <summary>Shows the global batch in the summary line.</summary>
    public static string BatchDescription(ProcessGroup group, int batchSize) =>
        group.Size == 1
            ? batchSize.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{batchSize} per rank × {group.Size} ranks = {batchSize * group.Size}");
}
