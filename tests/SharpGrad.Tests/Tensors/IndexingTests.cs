namespace SharpGrad.Tests.Tensors;

public class IndexingTests
{
    // a[i, j] = 4i + j:
    // [[0, 1,  2,  3],
    //  [4, 5,  6,  7],
    //  [8, 9, 10, 11]]
    private static Tensor A() => Expect.Iota(3, 4);

    [Fact]
    public void IntIndex_RemovesTheDimension_AsAView()
    {
        var a = A();
        var row = a[1];
        Expect.Shape(row, 4);
        Expect.Strides(row, 1);
        Assert.Equal(4, row.Offset);
        Expect.Values(row, 4, 5, 6, 7);
        Assert.Equal(6.0, a[1, 2].Item());
        Assert.Equal(0, a[1, 2].Rank);

        var col = a[.., 2];
        Expect.Shape(col, 3);
        Expect.Strides(col, 4);
        Assert.Equal(2, col.Offset);
        Expect.Values(col, 2, 6, 10);
    }

    [Fact]
    public void NegativeAndFromEndIndices_CountFromTheEnd()
    {
        var a = A();
        Assert.Equal(11.0, a[-1, -1].Item());
        Assert.Equal(8.0, a[-1, 0].Item());
        Assert.Equal(10.0, a[^1, ^2].Item());
        Assert.Equal(1.0, a[^3, ^3].Item());
        Expect.Values(a[^2], 4, 5, 6, 7);
    }

    [Fact]
    public void Ranges_SelectContiguousPositions()
    {
        var a = A();
        var mid = a[.., 1..3];
        Expect.Shape(mid, 3, 2);
        Expect.Strides(mid, 4, 1);
        Assert.Equal(1, mid.Offset);
        Assert.False(mid.IsContiguous);
        Expect.Values(mid, 1, 2, 5, 6, 9, 10);

        Expect.Values(a[1..], 4, 5, 6, 7, 8, 9, 10, 11);
        Expect.Values(a[..^1, ^2..], 2, 3, 6, 7);
        Expect.Values(a[.., ..], 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        Expect.Shape(a[2..2], 0, 4);
    }

    [Fact]
    public void Slice_WithStepTwo()
    {
        var a = A();
        var even = a[.., TensorIndex.Slice(null, null, 2)];
        Expect.Shape(even, 3, 2);
        Expect.Strides(even, 4, 2);
        Expect.Values(even, 0, 2, 4, 6, 8, 10);

        var odd = a[.., TensorIndex.Slice(1, null, 2)];
        Assert.Equal(1, odd.Offset);
        Expect.Values(odd, 1, 3, 5, 7, 9, 11);

        // Rows 0 and 2, columns 3 then (none after): start −1 is the last column.
        Expect.Values(a[TensorIndex.Slice(null, null, 2), TensorIndex.Slice(-1, null, 2)], 3, 11);
        // A step of 3 over 4 columns keeps columns 0 and 3.
        Expect.Values(a[0, TensorIndex.Slice(null, null, 3)], 0, 3);
    }

    [Fact]
    public void Slice_OutOfRangeBoundsAreClamped_AndEmptyWhenStopBeforeStart()
    {
        var a = A();
        Expect.Values(a[0, TensorIndex.Slice(2, 100)], 2, 3);
        Expect.Values(a[0, TensorIndex.Slice(-100, 2)], 0, 1);
        var empty = a[0, TensorIndex.Slice(3, 1)];
        Expect.Shape(empty, 0);
        Assert.Empty(empty.ToArray<double>());
    }

    [Fact]
    public void Slice_NonPositiveStep_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorIndex.Slice(0, 3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorIndex.Slice(0, 3, -1));
    }

    [Fact]
    public void NewAxis_InsertsSizeOneDimension()
    {
        var a = A();
        Expect.Shape(a[TensorIndex.NewAxis], 1, 3, 4);
        var col = a[.., TensorIndex.NewAxis, 0];
        Expect.Shape(col, 3, 1);
        Expect.Values(col, 0, 4, 8);
        Expect.Shape(a[.., .., TensorIndex.NewAxis], 3, 4, 1);
    }

    [Fact]
    public void Ellipsis_StandsForRemainingDimensions()
    {
        var b = Expect.Iota(2, 3, 4); // b[i, j, k] = 12i + 4j + k
        var last1 = b[TensorIndex.Ellipsis, 1];
        Expect.Shape(last1, 2, 3);
        Expect.Values(last1, 1, 5, 9, 13, 17, 21);

        var first = b[1, TensorIndex.Ellipsis];
        Expect.Shape(first, 3, 4);
        Expect.Values(first[0], 12, 13, 14, 15);

        var both = b[TensorIndex.Ellipsis, 1, 2];
        Expect.Shape(both, 2);
        Expect.Values(both, 6, 18);

        Expect.Shape(b[0, TensorIndex.Ellipsis, 3], 3);
        Expect.Values(b[0, TensorIndex.Ellipsis, 3], 3, 7, 11);
        Expect.Shape(b[TensorIndex.Ellipsis, TensorIndex.NewAxis], 2, 3, 4, 1);
    }

    [Fact]
    public void TwoEllipses_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => A()[TensorIndex.Ellipsis, TensorIndex.Ellipsis]);
        Assert.Contains("Ellipsis", e.Message);
    }

    [Fact]
    public void IndexOutOfRange_MessageNamesDimensionAndSize()
    {
        var a = A();
        var row = Assert.Throws<ArgumentOutOfRangeException>(() => a[3]);
        Assert.Contains("Index 3", row.Message);
        Assert.Contains("dimension 0 of size 3", row.Message);
        Assert.Contains("[3, 4]", row.Message);

        var col = Assert.Throws<ArgumentOutOfRangeException>(() => a[0, -5]);
        Assert.Contains("Index -5", col.Message);
        Assert.Contains("dimension 1 of size 4", col.Message);
    }

    [Fact]
    public void TooManyIndices_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => A()[0, 0, 0]);
        Assert.Contains("Too many indices (3)", e.Message);
        Assert.Contains("rank 2", e.Message);
    }

    [Fact]
    public void FromEndZero_AsIndex_IsOutOfRange()
    {
        // In C#, ^0 is one past the last element: array[^0] throws.
        var a = A();
        Assert.ThrowsAny<ArgumentException>(() => a[^0]);
    }

    [Fact]
    public void FromEndZero_AsRangeStart_IsEmpty()
    {
        // In C#, array[^0..] is empty.
        var a = A();
        Expect.Shape(a[^0..], 0, 4);
        Expect.Shape(a[0, ^0..], 0);
    }

    [Fact]
    public void IndexAssignment_WritesThroughToTheBase_WithBroadcast()
    {
        var a = A();
        int v0 = a.Version;
        a[0, ..] = Tensor.Scalar(5);
        Expect.Values(a, 5, 5, 5, 5, 4, 5, 6, 7, 8, 9, 10, 11);
        Assert.Equal(v0 + 1, a.Version);

        a[.., 1] = Expect.Vec(10, 20, 30);
        Expect.Values(a, 5, 10, 5, 5, 4, 20, 6, 7, 8, 30, 10, 11);

        a[1..] = Tensor.FromArray(new float[] { -1, -2, -3, -4 }); // float32 row, broadcast over 2 rows
        Expect.Values(a, 5, 10, 5, 5, -1, -2, -3, -4, -1, -2, -3, -4);
    }

    [Fact]
    public void IndexAssignment_ThroughSteppedSliceAndTranspose()
    {
        var a = A();
        a[.., TensorIndex.Slice(null, null, 2)].Fill(0);
        Expect.Values(a, 0, 1, 0, 3, 0, 5, 0, 7, 0, 9, 0, 11);

        var t = a.T; // [4, 3]
        t[3] = Expect.Vec(-1, -2, -3); // column 3 of a
        Expect.Values(a, 0, 1, 0, -1, 0, 5, 0, -2, 0, 9, 0, -3);
    }

    [Fact]
    public void IndexAssignment_IncompatibleShape_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => A()[0] = Expect.Vec(1, 2, 3));
        Assert.Contains("[3]", e.Message);
        Assert.Contains("[4]", e.Message);
    }

    [Fact]
    public void Narrow_SelectsLengthPositions_AsAView()
    {
        var a = A();
        var n = a.Narrow(1, 1, 2);
        Expect.Shape(n, 3, 2);
        Expect.Values(n, 1, 2, 5, 6, 9, 10);
        Expect.Values(a.Narrow(0, -2, 2), 4, 5, 6, 7, 8, 9, 10, 11);
        Expect.Values(a.Narrow(-1, 3, 1), 3, 7, 11);

        n.Fill(0);
        Expect.Values(a, 0, 0, 0, 3, 4, 0, 0, 7, 8, 0, 0, 11);
    }

    [Fact]
    public void Narrow_OutOfRange_ThrowsNamingDimension()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => A().Narrow(1, 3, 2));
        Assert.Contains("dimension 1 of size 4", e.Message);
    }

    [Fact]
    public void IndexSelect_RepeatedIndices_Rows()
    {
        var a = A();
        var r = a.IndexSelect(0, Tensor.FromArray(new[] { 2, 0, 2, -3 }));
        Expect.Shape(r, 4, 4);
        Expect.Values(r, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3);

        r.Fill(0); // a copy, not a view
        Assert.Equal(8.0, a[2, 0].Item());
    }

    [Fact]
    public void IndexSelect_Columns_OnTransposedInput()
    {
        var c = A().IndexSelect(1, Tensor.FromArray(new[] { 3, 3, 0 }));
        Expect.Shape(c, 3, 3);
        Expect.Values(c, 3, 3, 0, 7, 7, 4, 11, 11, 8);

        var t = A().T; // t[i, j] = a[j, i]
        var s = t.IndexSelect(1, Tensor.FromArray(new[] { 2, 1 }));
        Expect.Shape(s, 4, 2);
        Expect.Values(s, 8, 4, 9, 5, 10, 6, 11, 7);
    }

    [Fact]
    public void IndexSelect_NonInt32Index_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => A().IndexSelect(0, Tensor.FromArray(new float[] { 0, 1 })));
        Assert.Contains("IndexSelect", e.Message);
        Assert.Contains("int32", e.Message);
        Assert.Contains("float32", e.Message);
    }

    [Fact]
    public void IndexSelect_OutOfRangeOrWrongRank_Throws()
    {
        var range = Assert.Throws<ArgumentException>(() => A().IndexSelect(0, Tensor.FromArray(new[] { 0, 3 })));
        Assert.Contains("index 3", range.Message);
        Assert.Contains("size 3", range.Message);
        var rank = Assert.Throws<ArgumentException>(() => A().IndexSelect(0, Tensor.FromArray(new[] { 0, 1 }, 1, 2)));
        Assert.Contains("rank 1", rank.Message);
    }

    [Fact]
    public void Gather_Dim0_PicksRowsPerColumn()
    {
        var x = Tensor.FromNested(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var idx = Tensor.FromNested(new int[,] { { 1, 0, 1 }, { 0, 1, 0 } });
        // out[i][j] = x[idx[i][j]][j]
        var g = x.Gather(0, idx);
        Expect.Shape(g, 2, 3);
        Expect.Values(g, 4, 2, 6, 1, 5, 3);

        var one = x.Gather(0, Tensor.FromNested(new int[,] { { 1, 1 } })); // index smaller than input
        Expect.Shape(one, 1, 2);
        Expect.Values(one, 4, 5);
    }

    [Fact]
    public void Gather_Dim1_PicksColumnsPerRow()
    {
        var x = Tensor.FromNested(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var idx = Tensor.FromNested(new int[,] { { 2, 0 }, { 1, 1 } });
        // out[i][j] = x[i][idx[i][j]]
        var g = x.Gather(1, idx);
        Assert.Equal(DType.Float32, g.DType);
        Expect.Shape(g, 2, 2);
        Expect.Values(g, 3, 1, 5, 5);
        Expect.Values(x.Gather(-1, idx), 3, 1, 5, 5);
    }

    [Fact]
    public void Gather_OnTransposedInputAndIndex()
    {
        var x = Tensor.FromNested(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } }).T; // [[1,4],[2,5],[3,6]]
        var idx = Tensor.FromNested(new int[,] { { 1, 0, 1 } }).T;             // [[1],[0],[1]]
        var g = x.Gather(1, idx);
        Expect.Shape(g, 3, 1);
        Expect.Values(g, 4, 2, 6);
    }

    [Fact]
    public void Gather_OutOfRangeIndex_ThrowsNamingPositionAndDimension()
    {
        var x = Tensor.FromNested(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var e = Assert.Throws<ArgumentException>(() => x.Gather(1, Tensor.FromNested(new int[,] { { 0, 1 }, { 3, 0 } })));
        Assert.Contains("index 3", e.Message);
        Assert.Contains("[1, 0]", e.Message);
        Assert.Contains("dimension 1 of size 3", e.Message);

        var neg = Assert.Throws<ArgumentException>(() => x.Gather(0, Tensor.FromNested(new int[,] { { -1, 0, 0 } })));
        Assert.Contains("index -1", neg.Message);
    }

    [Fact]
    public void Gather_WrongRankOrDType_Throws()
    {
        var x = Tensor.FromNested(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var rank = Assert.Throws<ArgumentException>(() => x.Gather(0, Tensor.FromArray(new[] { 0, 1 })));
        Assert.Contains("rank 2", rank.Message);
        var dtype = Assert.Throws<ArgumentException>(() => x.Gather(0, Tensor.FromNested(new double[,] { { 0 } })));
        Assert.Contains("float64", dtype.Message);
        var big = Assert.Throws<ArgumentException>(() => x.Gather(0, Tensor.Zeros([1, 4], DType.Int32)));
        Assert.Contains("[1, 4]", big.Message);
    }

    [Fact]
    public void Pad_1D_BeforeAndAfter()
    {
        var v = Expect.Vec(1, 2, 3);
        var p = v.Pad([1, 2]);
        Expect.Shape(p, 6);
        Expect.Values(p, 0, 1, 2, 3, 0, 0);
        Expect.Values(v.Pad([0, 1], -1.5), 1, 2, 3, -1.5);
    }

    [Fact]
    public void Pad_2D_LastDimensionFirst_WithValue()
    {
        var m = Tensor.FromNested(new float[,] { { 1, 2 }, { 3, 4 } });
        // {1, 0} pads the last dimension one before; {0, 1} pads dimension 0 one after.
        var p = m.Pad([1, 0, 0, 1], 9);
        Assert.Equal(DType.Float32, p.DType);
        Expect.Shape(p, 3, 3);
        Expect.Values(p,
            9, 1, 2,
            9, 3, 4,
            9, 9, 9);

        var only = m.Pad([0, 0, 2, 0]);
        Expect.Shape(only, 4, 2);
        Expect.Values(only, 0, 0, 0, 0, 1, 2, 3, 4);
    }

    [Fact]
    public void Pad_OfTransposedInput()
    {
        var t = Tensor.FromNested(new double[,] { { 1, 2 }, { 3, 4 } }).T; // [[1,3],[2,4]]
        Expect.Values(t.Pad([1, 1]), 0, 1, 3, 0, 0, 2, 4, 0);
    }

    [Fact]
    public void Pad_BadArguments_Throw()
    {
        var v = Expect.Vec(1, 2, 3);
        Assert.Contains("pairs", Assert.Throws<ArgumentException>(() => v.Pad([1])).Message);
        Assert.Contains("pairs", Assert.Throws<ArgumentException>(() => v.Pad([1, 1, 1, 1])).Message);
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => v.Pad([-1, 0])).Message);
    }
}
