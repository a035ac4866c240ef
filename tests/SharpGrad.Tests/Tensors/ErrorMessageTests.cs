namespace SharpGrad.Tests.Tensors;

public class ErrorMessageTests
{
    [Fact]
    public void Item_OnMultiElementTensor_NamesTheShape()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(2, 3).Item());
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("6 elements", e.Message);
    }

    [Fact]
    public void Item_OnOneElementTensorOfAnyRank_ReturnsIt()
    {
        Assert.Equal(2.5, Tensor.Full([1, 1, 1], 2.5).Item());
        Assert.Equal(-3.0, Tensor.FromArray(new[] { -3 }).Item());
        Assert.Equal(11.0, Expect.Iota(3, 4)[2..3, 3..].Item()); // a one-element view with an offset
    }

    [Fact]
    public void Item_OnEmptyTensor_Throws()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(0).Item());
        Assert.Contains("[0]", e.Message);
    }

    [Fact]
    public void Size_WrapsNegativeDims_AndNamesTheRankWhenOutOfRange()
    {
        var t = Tensor.Zeros(2, 3, 4);
        Assert.Equal(4, t.Size(-1));
        Assert.Equal(2, t.Size(-3));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => t.Size(3));
        Assert.Contains("dimension 3", e.Message);
        Assert.Contains("rank 3", e.Message);
        Assert.Contains("-3 to 2", e.Message);
    }

    [Fact]
    public void ReductionDimOutOfRange_NamesTheOp()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 3).Sum(-3));
        Assert.Contains("Sum", e.Message);
        Assert.Contains("dimension -3", e.Message);
        var m = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 3).ArgMax(2));
        Assert.Contains("ArgMax", m.Message);
    }

    [Fact]
    public void RequiresGrad_OnInt32_IsRefused()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Tensor.FromArray(new[] { 1, 2 }).RequireGrad());
        Assert.Contains("floating-point", e.Message);
        Assert.Contains("int32", e.Message);
    }

    [Fact]
    public void RequiresGrad_OnNonLeaf_IsRefused()
    {
        var y = Tensor.Ones(2).RequireGrad() * 2;
        var e = Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false);
        Assert.Contains("leaf", e.Message);
        Assert.Contains("MulBackward", e.Message);
    }

    [Fact]
    public void GradSetter_RejectsWrongShapeOrDType()
    {
        var w = Tensor.Zeros([2, 3], DType.Float64).RequireGrad();
        var shape = Assert.Throws<ArgumentException>(() => w.Grad = Tensor.Zeros([3, 2], DType.Float64));
        Assert.Contains("float64 [2, 3]", shape.Message);
        Assert.Contains("float64 [3, 2]", shape.Message);
        var dtype = Assert.Throws<ArgumentException>(() => w.Grad = Tensor.Zeros(2, 3));
        Assert.Contains("float32 [2, 3]", dtype.Message);
    }

    [Fact]
    public void ToArray_UnsupportedElementType_Throws()
    {
        var e = Assert.Throws<NotSupportedException>(() => Tensor.Zeros(2).ToArray<long>());
        Assert.Contains("Int64", e.Message);
    }

    [Fact]
    public void ToArray_ConvertsDTypes()
    {
        var f = Tensor.FromArray(new float[] { 1.5f, -2.25f });
        Assert.Equal(new[] { 1.5, -2.25 }, f.ToArray<double>());
        Assert.Equal(new[] { 1.5, -2.25 }, f.ToDoubleArray());
        Assert.Equal([1, -2], f.ToArray<int>());
        Assert.Equal(new[] { 1.5f, -2.25f }, Tensor.FromArray(new[] { 1.5, -2.25 }).ToFloatArray());
    }
}
