namespace SharpGrad.Tests.Tensors;

/// <summary>Tensor.Shape as a value: printing, equality, list and span access, and no allocation on read.</summary>
public class ShapeTests
{
    [Fact]
    public void ToString_PrintsSizesInBrackets_LikeErrorMessages()
    {
        Assert.Equal("[2, 3]", Tensor.Zeros(2, 3).Shape.ToString());
        Assert.Equal("[]", Tensor.Scalar(1).Shape.ToString());
        Assert.Equal("[0, 4]", Tensor.Zeros(0, 4).Shape.ToString());
        Assert.Equal("[]", default(Shape).ToString());
        Assert.Equal("shape [2, 3]", $"shape {Tensor.Ones(2, 3).Shape}");
    }

    [Fact]
    public void Equality_ComparesSizes()
    {
        var a = Tensor.Zeros(2, 3);
        var b = Tensor.Ones(2, 3);
        Assert.True(a.Shape == b.Shape);
        Assert.False(a.Shape != b.Shape);
        Assert.True(a.Shape != Tensor.Zeros(3, 2).Shape);
        Assert.True(a.Shape != Tensor.Zeros(2, 3, 1).Shape);
        Assert.True(a.Shape.Equals((object)b.Shape));
        Assert.False(a.Shape.Equals((object)new[] { 2, 3 }));
        Assert.Equal(a.Shape.GetHashCode(), b.Shape.GetHashCode());
        Shape literal = [2, 3];
        Assert.Equal(literal, a.Shape);
        Assert.Equal(default(Shape), Tensor.Scalar(0).Shape);
        Assert.Equal(a.Shape, a.T.T.Shape);
    }

    [Fact]
    public void ListAndSpanAccess_MatchTheSizes()
    {
        var shape = Tensor.Zeros(2, 3, 5).Shape;
        Assert.Equal(3, shape.Count);
        Assert.Equal(3, shape.Length);
        Assert.Equal(5, shape[2]);
        Assert.Equal(5, shape[^1]);
        Assert.Throws<IndexOutOfRangeException>(() => shape[3]);
        int product = 1;
        foreach (int size in shape) product *= size;
        Assert.Equal(30, product);
        Assert.Equal(30, shape.NumElements);
        Assert.Equal(1, Tensor.Scalar(4).Shape.NumElements);
        IReadOnlyList<int> list = shape;
        Assert.Equal([2, 3, 5], list.ToArray());
        ReadOnlySpan<int> span = shape;
        Assert.Equal(3, span.Length);
        Assert.Equal(2, span[0]);
        Assert.Equal([2, 3, 5], shape.ToArray());
    }

    [Fact]
    public void ToArray_IsACopy()
    {
        var t = Tensor.Zeros(2, 3);
        var copy = t.Shape.ToArray();
        copy[0] = 7;
        Assert.Equal(2, t.Size(0));
        Shape built = Shape.Create(copy);
        copy[1] = 9;
        Assert.Equal("[7, 3]", built.ToString());
    }

    [Fact]
    public void ReadingTheShape_AllocatesNothing()
    {
        var t = Tensor.Zeros(4, 5, 6);
        long sum = Read(t);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) sum += Read(t);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(1001L * (4 + 5 + 6 + 3 + 4), sum);

        static long Read(Tensor t)
        {
            long s = 0;
            foreach (int size in t.Shape) s += size;
            return s + t.Shape.Count + t.Shape[0];
        }
    }
}
