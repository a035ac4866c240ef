namespace SharpGrad.Tests.Tensors;

public class JoiningTests
{
    [Fact]
    public void Cat_Dim0_AppendsRows()
    {
        var a = Tensor.FromNested(new double[,] { { 1, 2 } });
        var b = Tensor.FromNested(new double[,] { { 3, 4 }, { 5, 6 } });
        var c = Tensor.Cat([a, b]);
        Expect.Shape(c, 3, 2);
        Expect.Values(c, 1, 2, 3, 4, 5, 6);
    }

    [Fact]
    public void Cat_LastDim_InterleavesRows()
    {
        var a = Tensor.FromNested(new double[,] { { 1 }, { 2 } });
        var b = Tensor.FromNested(new double[,] { { 3, 4 }, { 5, 6 } });
        var c = Tensor.Cat([a, b], dim: -1);
        Expect.Shape(c, 2, 3);
        Expect.Values(c, 1, 3, 4, 2, 5, 6);
        Expect.Values(Tensor.Cat([a, b], 1), 1, 3, 4, 2, 5, 6);
    }

    [Fact]
    public void Cat_NonContiguousInputs_AndResultIsACopy()
    {
        var a = Expect.Iota(2, 3).T;                          // [[0,3],[1,4],[2,5]]
        var b = Expect.Iota(3, 4)[.., TensorIndex.Slice(null, null, 2)]; // [[0,2],[4,6],[8,10]]
        var c = Tensor.Cat([a, b], 1);
        Expect.Shape(c, 3, 4);
        Expect.Values(c, 0, 3, 0, 2, 1, 4, 4, 6, 2, 5, 8, 10);
        Assert.True(c.IsContiguous);
        c.Fill(0);
        Expect.Values(a, 0, 3, 1, 4, 2, 5);
    }

    [Fact]
    public void Cat_MixedDTypes_PromotesToFloat64()
    {
        var c = Tensor.Cat([Tensor.FromArray(new float[] { 0.5f }), Tensor.FromArray(new[] { 0.1, 0.2 })]);
        Assert.Equal(DType.Float64, c.DType);
        Expect.Values(c, 0.5, 0.1, 0.2);
    }

    [Fact]
    public void Cat_MismatchedShapes_ThrowsNamingBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Cat([Tensor.Zeros(2, 3), Tensor.Zeros(2, 4)], 0));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[2, 4]", e.Message);
        Assert.Contains("tensor 1", e.Message);
        Assert.Contains("dimension 0", e.Message);
    }

    [Fact]
    public void Cat_RankMismatchOrEmpty_Throws()
    {
        var rank = Assert.Throws<ArgumentException>(() => Tensor.Cat([Tensor.Zeros(2, 3), Tensor.Zeros(3)]));
        Assert.Contains("[3]", rank.Message);
        Assert.Contains("[2, 3]", rank.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Cat(Array.Empty<Tensor>()));
    }

    [Fact]
    public void Stack_Dim0_AddsLeadingDimension()
    {
        var s = Tensor.Stack([Expect.Vec(1, 2, 3), Expect.Vec(4, 5, 6)]);
        Expect.Shape(s, 2, 3);
        Expect.Values(s, 1, 2, 3, 4, 5, 6);
    }

    [Fact]
    public void Stack_LastDim_PairsElements()
    {
        var s = Tensor.Stack([Expect.Vec(1, 2, 3), Expect.Vec(4, 5, 6)], dim: 1);
        Expect.Shape(s, 3, 2);
        Expect.Values(s, 1, 4, 2, 5, 3, 6);
        Expect.Values(Tensor.Stack([Expect.Vec(1, 2, 3), Expect.Vec(4, 5, 6)], -1), 1, 4, 2, 5, 3, 6);
    }

    [Fact]
    public void Stack_Matrices_Dim1()
    {
        var a = Expect.Iota(2, 2);            // [[0,1],[2,3]]
        var b = Expect.Iota(2, 2).Add(10.0);  // [[10,11],[12,13]]
        var s = Tensor.Stack([a, b], 1);
        Expect.Shape(s, 2, 2, 2);
        Expect.Values(s, 0, 1, 10, 11, 2, 3, 12, 13);
    }

    [Fact]
    public void Stack_Scalars_MakesVector()
    {
        var s = Tensor.Stack([Tensor.Scalar(1, DType.Float64), Tensor.Scalar(2, DType.Float64)]);
        Expect.Shape(s, 2);
        Expect.Values(s, 1, 2);
    }

    [Fact]
    public void Stack_MismatchedShapes_ThrowsNamingBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Stack([Tensor.Zeros(2, 3), Tensor.Zeros(3, 2)]));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[3, 2]", e.Message);
    }

    [Fact]
    public void Split_BySize_LastChunkSmaller_ViewsShareStorage()
    {
        var a = Expect.Iota(5, 2);
        var parts = a.Split(2);
        Assert.Equal(3, parts.Length);
        Expect.Shape(parts[0], 2, 2);
        Expect.Shape(parts[1], 2, 2);
        Expect.Shape(parts[2], 1, 2);
        Expect.Values(parts[0], 0, 1, 2, 3);
        Expect.Values(parts[1], 4, 5, 6, 7);
        Expect.Values(parts[2], 8, 9);

        parts[1].Fill(-1);
        Expect.Values(a, 0, 1, 2, 3, -1, -1, -1, -1, 8, 9);
    }

    [Fact]
    public void Split_BySizes_AlongColumns()
    {
        var a = Expect.Iota(2, 4);
        var parts = a.Split([1, 3], dim: 1);
        Expect.Shape(parts[0], 2, 1);
        Expect.Shape(parts[1], 2, 3);
        Expect.Values(parts[0], 0, 4);
        Expect.Values(parts[1], 1, 2, 3, 5, 6, 7);
    }

    [Fact]
    public void Split_SizesNotAddingUp_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Expect.Iota(2, 4).Split([1, 2], dim: 1));
        Assert.Contains("[1, 2]", e.Message);
        Assert.Contains("add up to 3", e.Message);
        Assert.Contains("size 4", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Expect.Iota(4).Split(0));
    }

    [Fact]
    public void Chunk_TenIntoThree_IsFourFourTwo()
    {
        var chunks = Expect.Iota(10).Chunk(3);
        Assert.Equal(3, chunks.Length);
        Expect.Values(chunks[0], 0, 1, 2, 3);
        Expect.Values(chunks[1], 4, 5, 6, 7);
        Expect.Values(chunks[2], 8, 9);
    }

    [Fact]
    public void Chunk_SixIntoFour_GivesThreeChunksOfTwo_AsPyTorch()
    {
        var chunks = Expect.Iota(6).Chunk(4);
        Assert.Equal(3, chunks.Length);
        foreach (var c in chunks) Expect.Shape(c, 2);
        Expect.Values(chunks[2], 4, 5);
    }

    [Fact]
    public void Chunk_AlongColumns()
    {
        var chunks = Expect.Iota(2, 4).Chunk(2, dim: 1);
        Assert.Equal(2, chunks.Length);
        Expect.Values(chunks[0], 0, 1, 4, 5);
        Expect.Values(chunks[1], 2, 3, 6, 7);
        Assert.Throws<ArgumentOutOfRangeException>(() => Expect.Iota(4).Chunk(0));
    }
}
