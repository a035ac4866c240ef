using SharpGrad.Data;

namespace SharpGrad.Tests.Data;

public class TensorDatasetTests
{
    // inputs[i] = [[3i, 3i+1, 3i+2]] (shape [N, 1, 3]), targets[i] = 10 + i.
    private static TensorDataset Make(int n)
    {
        var x = new double[3 * n];
        for (int i = 0; i < x.Length; i++) x[i] = i;
        var y = new int[n];
        for (int i = 0; i < n; i++) y[i] = 10 + i;
        return new TensorDataset(Tensor.FromArray(x, n, 1, 3), Tensor.FromArray(y));
    }

    [Fact]
    public void Indexer_ReturnsRowsWithoutTheBatchDimension()
    {
        var ds = Make(4);
        Assert.Equal(4, ds.Count);
        var (input, target) = ds[2];
        Assert.Equal([1, 3], input.Shape.ToArray());
        Assert.Equal([6.0, 7, 8], input.ToArray<double>());
        Assert.Equal(0, target.Rank);
        Assert.Equal(12.0, target.Item());
    }

    [Fact]
    public void GetBatch_GathersRowsInTheGivenOrder_WithRepeats()
    {
        var (inputs, targets) = Make(5).GetBatch([4, 0, 4, 2]);
        Assert.Equal([4, 1, 3], inputs.Shape.ToArray());
        Assert.Equal([12.0, 13, 14, 0, 1, 2, 12, 13, 14, 6, 7, 8], inputs.ToArray<double>());
        Assert.Equal([14, 10, 14, 12], targets.ToArray<int>());
        Assert.Equal(DType.Float64, inputs.DType);
        Assert.Equal(DType.Int32, targets.DType);
    }

    [Fact]
    public void GetBatch_MatchesTheDefaultStackingImplementation()
    {
        var ds = Make(6);
        int[] rows = [5, 1, 3];
        var (fast, fastTargets) = ds.GetBatch(rows);
        var (slow, slowTargets) = ((IDataset)new IndexerOnly(ds)).GetBatch(rows);
        Assert.Equal(slow.Shape.ToArray(), fast.Shape.ToArray());
        Assert.Equal(slow.ToArray<double>(), fast.ToArray<double>());
        Assert.Equal(slowTargets.ToArray<int>(), fastTargets.ToArray<int>());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(5)]
    public void OutOfRangeIndex_Throws(int index)
    {
        var ds = Make(5);
        Assert.Throws<ArgumentOutOfRangeException>(() => ds[index]);
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.GetBatch([0, index]));
    }

    [Fact]
    public void MismatchedSampleCounts_Throw()
    {
        var e = Assert.Throws<ArgumentException>(() => new TensorDataset(Tensor.Zeros(4, 2), Tensor.Zeros([3], DType.Int32)));
        Assert.Contains("4 samples", e.Message);
        Assert.Contains("have 3", e.Message);
        Assert.Throws<ArgumentException>(() => new TensorDataset(Tensor.Scalar(1), Tensor.Zeros(1)));
    }

    [Fact]
    public void EmptyBatch_Throws()
    {
        Assert.Throws<ArgumentException>(() => Make(3).GetBatch([]));
    }

    /// <summary>A dataset that only implements the indexer, so GetBatch falls back to the interface's default.</summary>
    private sealed class IndexerOnly(IDataset inner) : IDataset
    {
        public int Count => inner.Count;

        public (Tensor Input, Tensor Target) this[int index] => inner[index];
    }
}
