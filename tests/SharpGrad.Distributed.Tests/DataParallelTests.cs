using SharpGrad.NN;

namespace SharpGrad.Distributed.Tests;

/// <summary>
/// Data-parallel gradients: two ranks, each with half of 8 samples and a model built from its
/// own seed, must end every step with the gradient one process computes on all 8 samples with
/// rank 0's model (the broadcast makes the replicas equal; the averaged all-reduce makes the
/// gradient the full batch's). Checked with one bucket and with many, over shared memory and TCP.
/// </summary>
public sealed class DataParallelTests
{
    [OpenMpiFact]
    public void TwoRanks_OneBucket_GradientsAreTheWholeBatchGradients() =>
        Check(MpiRun.OpenMpiRun(2, tcp: false, MpiRun.Worker, "ddp", "60"), expectedBuckets: 1);

    [OpenMpiFact]
    public void TwoRanks_TinyBuckets_OverTcp_GradientsAreTheWholeBatchGradients() =>
        // 40 bytes hold 5 float64 elements: backwards, the 2-element bias (16 bytes) cannot take the 2×3 weight
        // (48) beside it, nor that weight the 3-element bias (24), nor that bias the 3×4 weight (96): 4 buckets.
        Check(MpiRun.OpenMpiRun(2, tcp: true, MpiRun.Worker, "ddp", "60", "40"), expectedBuckets: 4);

    [OpenMpiFact]
    public void BatchNorm_RunningStatisticsAreEqualOnEveryRank_AndTheMeanIsTheWholeBatchMean()
    {
        var run = MpiRun.OpenMpiRun(2, tcp: false, MpiRun.Worker, "ddp-batchnorm", "60");
        Assert.True(run.ExitCode == 0, run.Error + run.Out);
        var (x, _) = Reference.Data();
        // One process: the running mean after one step on all 8 rows, 0.9·0 + 0.1·(mean of the 8 rows);
        // two ranks averaging their 4-row updates get the same (the mean of two equal halves' means).
        var whole = Reference.BatchNormModel(new Generator(7));
        whole.Call(x);
        var bn = (BatchNorm1d)whole.NamedChildren()[1].Value;
        // The running variance: the average of the two halves' updates, each from its own rows.
        var halves = new[] { 0, 4 }.Select(lo =>
        {
            var m = Reference.BatchNormModel(new Generator(7));
            m.Call(x[lo..(lo + 4)]);
            return ((BatchNorm1d)m.NamedChildren()[1].Value).RunningVar.ToDoubleArray();
        }).ToArray();
        for (int rank = 0; rank < 2; rank++)
        {
            AssertClose(bn.RunningMean.ToDoubleArray(), run.Numbers(rank, "buffer 1.running_mean"));
            AssertClose([.. halves[0].Zip(halves[1], (a, b) => (a + b) / 2)], run.Numbers(rank, "buffer 1.running_var"));
            Assert.Equal([1], run.Numbers(rank, "buffer 1.num_batches_tracked"));
        }
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * (1 + Math.Abs(expected[i])), $"[{i}]: {actual[i]} instead of {expected[i]}");
    }

    private static void Check(MpiRun.Result run, int expectedBuckets)
    {
        Assert.True(run.ExitCode == 0, run.Error + run.Out);
        var model = Reference.Model(new Generator(7));
        var (x, y) = Reference.Data();
        for (int step = 0; step < 2; step++)
        {
            model.ZeroGrad();
            Functional.MseLoss(model.Call(x), y).Backward();
            foreach (var (name, p) in model.NamedParameters())
            {
                var expected = p.Grad!.ToDoubleArray();
                for (int rank = 0; rank < 2; rank++)
                {
                    var actual = run.Numbers(rank, $"step {step} grad {name}");
                    Assert.Equal(expected.Length, actual.Length);
                    for (int i = 0; i < expected.Length; i++)
                        Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * (1 + Math.Abs(expected[i])),
                            $"step {step} {name}[{i}] on rank {rank}: {actual[i]} instead of {expected[i]}");
                }
            }
            using (Autograd.NoGrad())
                foreach (var p in model.Parameters()) p.AddInPlace(p.Grad!, -0.1);
        }
        Assert.Equal(expectedBuckets.ToString(System.Globalization.CultureInfo.InvariantCulture), run.Value(0, "buckets"));
    }
}
