using SharpGrad.Data;
using SharpGrad.NN;

namespace SharpGrad.Tests.Data;

/// <summary>
/// The distributed sampler's shares, worked out by hand, and the property that makes data-parallel
/// training equal one process: at every step the ranks' batches together are the one-process
/// global batch, and random transforms give each row what it gets in the whole batch.
/// </summary>
public class DistributedSamplerTests
{
    private static readonly int[] Order = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

    [Fact]
    public void EvenSteps_EachRankTakesItsBlockOfEveryGlobalBatch()
    {
        // World 2, 2 per rank: global batches [0..3], [4..7], and a short last one [8, 9] shared one each.
        var rank0 = new DistributedSampler(0, 2).Batches(Order, 2, dropLast: false).ToList();
        var rank1 = new DistributedSampler(1, 2).Batches(Order, 2, dropLast: false).ToList();
        Assert.Equal([[0, 1], [4, 5], [8]], rank0.Select(b => b.Indices));
        Assert.Equal([[2, 3], [6, 7], [9]], rank1.Select(b => b.Indices));
        Assert.Equal([(0, 4), (0, 4), (0, 2)], rank0.Select(b => (b.Offset, b.GlobalCount)));
        Assert.Equal([(2, 4), (2, 4), (1, 2)], rank1.Select(b => (b.Offset, b.GlobalCount)));
        Assert.Equal(3, new DistributedSampler(1, 2).BatchCount(10, 2, dropLast: false));
        Assert.Equal(2, new DistributedSampler(1, 2).BatchCount(10, 2, dropLast: true));
        Assert.Equal(2, new DistributedSampler(1, 2).Batches(Order, 2, dropLast: true).Count());
    }

    [Fact]
    public void EvenSteps_PadsWithTheFirstSamplesSoEveryRankTakesAsManySteps()
    {
        // 9 samples, world 2: padded to 10 with sample order[0]; the last global batch is [8, 0].
        int[] order = [5, 3, 8, 1, 0, 2, 7, 6, 4];
        Assert.Equal([[5, 3], [0, 2], [4]], new DistributedSampler(0, 2).Batches(order, 2, false).Select(b => b.Indices));
        Assert.Equal([[8, 1], [7, 6], [5]], new DistributedSampler(1, 2).Batches(order, 2, false).Select(b => b.Indices));
    }

    [Fact]
    public void Evaluation_SharesWithoutRepeats()
    {
        // 10 samples over 3 ranks: ⌊10r/3⌋ … ⌊10(r+1)/3⌋ = [0, 3), [3, 6), [6, 10).
        var shares = Enumerable.Range(0, 3)
            .Select(r => new DistributedSampler(r, 3, evenSteps: false).Batches(Order, 2, false).SelectMany(b => b.Indices).ToArray()).ToList();
        Assert.Equal([[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]], shares);
        Assert.Equal(2, new DistributedSampler(2, 3, evenSteps: false).BatchCount(10, 2, false));
    }

    [Fact]
    public void Loader_RanksTogetherSeeTheOneProcessBatchesWithTheSameAugmentation()
    {
        var images = Tensor.Arange(0, 12 * 25).Reshape(12, 1, 5, 5);
        var dataset = new TensorDataset(images, Tensor.Arange(0, 12, dtype: DType.Int32));
        var whole = Batches(dataset, 6, sampler: null);
        var rank0 = Batches(dataset, 3, new DistributedSampler(0, 2));
        var rank1 = Batches(dataset, 3, new DistributedSampler(1, 2));
        Assert.Equal(whole.Count, rank0.Count);
        Assert.Equal(whole.Count, rank1.Count);
        for (int b = 0; b < whole.Count; b++)
        {
            int[] targets = [.. rank0[b].Targets.ToArray<int>(), .. rank1[b].Targets.ToArray<int>()];
            Assert.Equal(whole[b].Targets.ToArray<int>(), targets);
            float[] inputs = [.. rank0[b].Inputs.ToFloatArray(), .. rank1[b].Inputs.ToFloatArray()];
            Assert.Equal(whole[b].Inputs.ToFloatArray(), inputs);
        }
    }

    [Fact]
    public void Dropout_InAShard_DrawsTheMaskRowsOfTheWholeBatch()
    {
        var x = Tensor.Ones(4, 6);
        var whole = Functional.Dropout(x, 0.5, training: true, new Generator(11)).ToFloatArray();
        Tensor part;
        using (SampleShard.Enter(2, 2, 4))
            part = Functional.Dropout(x[2..4], 0.5, training: true, new Generator(11));
        Assert.Equal(whole[12..], part.ToFloatArray());
    }

    [Fact]
    public void Shard_ABatchOfAnotherSizeIsRefused()
    {
        using var _ = SampleShard.Enter(0, 2, 4);
        var e = Assert.Throws<InvalidOperationException>(() => Functional.Dropout(Tensor.Ones(3, 2), 0.5, training: true));
        Assert.Contains("must have the 2 samples of this process as the leading dimension (got 3)", e.Message);
    }

    private static List<(Tensor Inputs, Tensor Targets)> Batches(IDataset dataset, int batchSize, DistributedSampler? sampler)
    {
        var generator = new Generator(5);
        var shift = new RandomShift(2, generator);
        return [.. new DataLoader(dataset, batchSize, shuffle: true, generator: generator, transform: shift.Apply, sampler: sampler)];
    }
}
