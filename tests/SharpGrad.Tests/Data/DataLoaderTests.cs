using SharpGrad.Data;

namespace SharpGrad.Tests.Data;

public class DataLoaderTests
{
    // Sample i: input [2i, 2i + 1] (float32), target i (int32), so every batch row can be traced
    // back to the sample it came from and pairing can be checked.
    private static TensorDataset Numbered(int n)
    {
        var inputs = new float[2 * n];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = i;
        return new TensorDataset(Tensor.FromArray(inputs, n, 2), Tensor.Arange(0, n, 1, DType.Int32));
    }

    /// <summary>The sample ids of each batch, checking along the way that inputs and targets stay paired.</summary>
    private static List<int[]> Epoch(DataLoader loader)
    {
        var batches = new List<int[]>();
        foreach (var (inputs, targets) in loader)
        {
            Assert.Equal(DType.Float32, inputs.DType);
            Assert.Equal(DType.Int32, targets.DType);
            var ids = targets.ToArray<int>();
            Assert.Equal([ids.Length, 2], inputs.Shape.ToArray());
            var x = inputs.ToArray<float>();
            for (int i = 0; i < ids.Length; i++)
                Assert.Equal(new[] { 2f * ids[i], 2f * ids[i] + 1 }, x[(2 * i)..(2 * i + 2)]);
            batches.Add(ids);
        }
        return batches;
    }

    [Fact]
    public void InOrder_BatchesOfFourOverTen_EndsWithAPartialBatch()
    {
        var loader = new DataLoader(Numbered(10), batchSize: 4);
        Assert.Equal(3, loader.BatchCount);
        var batches = Epoch(loader);
        Assert.Equal(3, batches.Count);
        Assert.Equal([0, 1, 2, 3], batches[0]);
        Assert.Equal([4, 5, 6, 7], batches[1]);
        Assert.Equal([8, 9], batches[2]);
    }

    [Fact]
    public void DropLast_OmitsThePartialBatch()
    {
        var loader = new DataLoader(Numbered(10), batchSize: 4, dropLast: true);
        Assert.Equal(2, loader.BatchCount);
        var batches = Epoch(loader);
        Assert.Equal(2, batches.Count);
        Assert.All(batches, b => Assert.Equal(4, b.Length));
    }

    [Theory]
    [InlineData(8, 4, false, 2)]
    [InlineData(8, 4, true, 2)]
    [InlineData(9, 4, false, 3)]
    [InlineData(9, 4, true, 2)]
    [InlineData(3, 5, false, 1)]
    [InlineData(3, 5, true, 0)]
    [InlineData(7, 1, false, 7)]
    public void BatchCount_MatchesTheBatchesProduced(int n, int batchSize, bool dropLast, int expected)
    {
        var loader = new DataLoader(Numbered(n), batchSize, shuffle: true, dropLast: dropLast, generator: new Generator(3));
        Assert.Equal(expected, loader.BatchCount);
        var batches = Epoch(loader);
        Assert.Equal(expected, batches.Count);
        for (int b = 0; b < batches.Count - 1; b++) Assert.Equal(batchSize, batches[b].Length);
    }

    [Fact]
    public void EmptyDataset_HasNoBatches()
    {
        var empty = new TensorDataset(Tensor.Zeros([0, 2], DType.Float32), Tensor.Zeros([0], DType.Int32));
        var loader = new DataLoader(empty, 4, shuffle: true);
        Assert.Equal(0, loader.BatchCount);
        Assert.Empty(Epoch(loader));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void NonPositiveBatchSize_Throws(int batchSize)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(Numbered(4), batchSize));
        Assert.Equal("batchSize", e.ParamName);
    }

    [Fact]
    public void Shuffle_IsTheGeneratorsFisherYatesPermutation()
    {
        var loader = new DataLoader(Numbered(23), batchSize: 5, shuffle: true, generator: new Generator(42));
        var expected = Enumerable.Range(0, 23).ToArray();
        new Generator(42).Shuffle(expected.AsSpan());
        Assert.Equal(expected, Epoch(loader).SelectMany(b => b).ToArray());
    }

    [Fact]
    public void Shuffle_SameSeed_SameOrderEveryEpoch()
    {
        var a = new DataLoader(Numbered(50), batchSize: 8, shuffle: true, generator: new Generator(7));
        var b = new DataLoader(Numbered(50), batchSize: 8, shuffle: true, generator: new Generator(7));
        for (int epoch = 0; epoch < 3; epoch++)
            Assert.Equal(Epoch(a).SelectMany(x => x), Epoch(b).SelectMany(x => x));
    }

    [Fact]
    public void Shuffle_EachEpochVisitsEverySampleOnce_AndEpochsDiffer()
    {
        var loader = new DataLoader(Numbered(50), batchSize: 8, shuffle: true, generator: new Generator(11));
        var orders = new List<int[]>();
        for (int epoch = 0; epoch < 4; epoch++)
        {
            var order = Epoch(loader).SelectMany(b => b).ToArray();
            Assert.Equal(Enumerable.Range(0, 50), order.Order());
            orders.Add(order);
        }
        Assert.NotEqual(Enumerable.Range(0, 50), orders[0]);
        for (int i = 0; i < orders.Count; i++)
            for (int j = i + 1; j < orders.Count; j++)
                Assert.NotEqual(orders[i], orders[j]);
    }

    [Fact]
    public void Shuffle_DifferentSeeds_DifferentOrders()
    {
        var a = Epoch(new DataLoader(Numbered(50), 50, shuffle: true, generator: new Generator(1)))[0];
        var b = Epoch(new DataLoader(Numbered(50), 50, shuffle: true, generator: new Generator(2)))[0];
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Shuffle_OrderIsDrawnWhenTheEnumerationStarts()
    {
        // Two enumerators created back to back take consecutive permutations from the stream,
        // whichever is consumed first.
        var loader = new DataLoader(Numbered(12), 12, shuffle: true, generator: new Generator(5));
        using var first = loader.GetEnumerator();
        using var second = loader.GetEnumerator();
        Assert.True(second.MoveNext());
        Assert.True(first.MoveNext());

        var g = new Generator(5);
        var p1 = Enumerable.Range(0, 12).ToArray();
        var p2 = Enumerable.Range(0, 12).ToArray();
        g.Shuffle(p1.AsSpan());
        g.Shuffle(p2.AsSpan());
        Assert.Equal(p1, first.Current.Targets.ToArray<int>());
        Assert.Equal(p2, second.Current.Targets.ToArray<int>());
    }

    [Fact]
    public void WithoutShuffle_TheGeneratorIsNotAdvanced()
    {
        var g = new Generator(9);
        var before = g.GetState();
        Epoch(new DataLoader(Numbered(10), 3, generator: g));
        Assert.Equal(before, g.GetState());
    }
}
