namespace SharpGrad.Tests.Tensors;

public class ViewTests
{
    [Fact]
    public void Reshape_Contiguous_IsAViewSharingStorage()
    {
        var a = Expect.Iota(6);
        var b = a.Reshape(2, 3);
        Expect.Shape(b, 2, 3);
        Expect.Strides(b, 3, 1);
        Assert.True(b.IsContiguous);
        Assert.Equal(0, b.Offset);
        Expect.Values(b, 0, 1, 2, 3, 4, 5);

        b[1, 2] = Tensor.Scalar(60);
        Expect.Values(a, 0, 1, 2, 3, 4, 60);
        a[0] = Tensor.Scalar(-7);
        Assert.Equal(-7.0, b[0, 0].Item());
    }

    [Fact]
    public void Reshape_MinusOne_IsInferred()
    {
        var a = Expect.Iota(2, 6);
        Expect.Shape(a.Reshape(-1, 4), 3, 4);
        Expect.Shape(a.Reshape(3, -1), 3, 4);
        Expect.Shape(a.Reshape(-1), 12);
        var r = a.Reshape(2, -1, 3);
        Expect.Shape(r, 2, 2, 3);
        Expect.Strides(r, 6, 3, 1);
        Expect.Values(r, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    }

    [Fact]
    public void Reshape_TwoMinusOnes_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Expect.Iota(6).Reshape(-1, -1));
        Assert.Contains("Reshape", e.Message);
        Assert.Contains("only one dimension", e.Message);
    }

    [Fact]
    public void Reshape_SizeMismatch_ThrowsNamingBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Expect.Iota(2, 3).Reshape(4, 2));
        Assert.Contains("[4, 2]", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("8 elements", e.Message);
    }

    [Fact]
    public void Reshape_MinusOneNotDivisible_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Expect.Iota(2, 3).Reshape(-1, 4));
        Assert.Contains("[-1, 4]", e.Message);
        Assert.Contains("6 elements", e.Message);
    }

    [Fact]
    public void Transpose_SwapsShapeAndStrides_SharesStorage()
    {
        var a = Expect.Iota(2, 3); // [[0, 1, 2], [3, 4, 5]]
        var t = a.T;
        Expect.Shape(t, 3, 2);
        Expect.Strides(t, 1, 3);
        Assert.False(t.IsContiguous);
        Expect.Values(t, 0, 3, 1, 4, 2, 5);

        t[0, 1] = Tensor.Scalar(100); // t[0, 1] is a[1, 0]
        Expect.Values(a, 0, 1, 2, 100, 4, 5);
        Assert.Equal(Expect.Iota(2, 3).Transpose(0, 1).ToArray<double>(), Expect.Iota(2, 3).Transpose(-1, -2).ToArray<double>());
    }

    [Fact]
    public void Permute_3D_ElementsFollowThePermutation()
    {
        var a = Expect.Iota(2, 3, 4); // a[i, j, k] = 12i + 4j + k
        var p = a.Permute(2, 0, 1); // p[k, i, j] = a[i, j, k]
        Expect.Shape(p, 4, 2, 3);
        Expect.Strides(p, 1, 12, 4);
        Assert.False(p.IsContiguous);
        var expected = new List<double>();
        for (int k = 0; k < 4; k++)
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 3; j++)
                    expected.Add(12 * i + 4 * j + k);
        Expect.Values(p, [.. expected]);

        p[3, 1, 2] = Tensor.Scalar(-1); // a[1, 2, 3] = flat 23
        Assert.Equal(-1.0, a.ToArray<double>()[23]);
    }

    [Fact]
    public void Permute_DuplicateOrWrongCount_Throws()
    {
        var a = Expect.Iota(2, 3, 4);
        var dup = Assert.Throws<ArgumentException>(() => a.Permute(0, 0, 1));
        Assert.Contains("appears twice", dup.Message);
        var count = Assert.Throws<ArgumentException>(() => a.Permute(1, 0));
        Assert.Contains("[2, 3, 4]", count.Message);
    }

    [Fact]
    public void Reshape_TransposedInput_CopiesInRowMajorOrder()
    {
        var a = Expect.Iota(2, 3);
        var r = a.T.Reshape(6);
        Expect.Shape(r, 6);
        Expect.Strides(r, 1);
        Assert.True(r.IsContiguous);
        Expect.Values(r, 0, 3, 1, 4, 2, 5);

        r.Fill(9); // a copy: the base is untouched
        Expect.Values(a, 0, 1, 2, 3, 4, 5);
    }

    [Fact]
    public void Reshape_TransposedInput_ToMatrix_RowMajorOfTheTranspose()
    {
        var r = Expect.Iota(2, 3).T.Reshape(2, 3); // rows of a.T = [[0,3],[1,4],[2,5]] read row-major
        Expect.Values(r, 0, 3, 1, 4, 2, 5);
    }

    [Fact]
    public void Reshape_NonContiguousButSplittable_IsAView()
    {
        // [2,3,4] → transpose(0,1) gives [3,2,4] with strides [4,12,1]; the last dimension is still
        // contiguous, so splitting it needs no copy (PyTorch's computeStride rule).
        var a = Expect.Iota(2, 3, 4);
        var t = a.Transpose(0, 1);
        var v = t.Reshape(3, 2, 2, 2);
        Expect.Strides(v, 4, 12, 2, 1);
        v[2, 1, 1, 0] = Tensor.Scalar(-5); // t[2, 1, 2] = a[1, 2, 2] = flat 22
        Assert.Equal(-5.0, a.ToArray<double>()[22]);
    }

    [Fact]
    public void View_Contiguous_SharesStorage()
    {
        var a = Expect.Iota(12);
        var v = a.View(3, -1);
        Expect.Shape(v, 3, 4);
        v.Fill(1);
        Expect.Values(a, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
    }

    [Fact]
    public void View_TransposedInput_ThrowsNamingShapes()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Expect.Iota(2, 3).T.View(6));
        Assert.Contains("View", e.Message);
        Assert.Contains("[3, 2]", e.Message);
        Assert.Contains("[1, 3]", e.Message);
        Assert.Contains("[6]", e.Message);
        Assert.Contains("Reshape", e.Message);
    }

    [Fact]
    public void Expand_SizeOneDimensions_GetStrideZero_AndShareStorage()
    {
        var a = Expect.Vec(1, 2, 3);
        var e = a.Expand(2, 3);
        Expect.Shape(e, 2, 3);
        Expect.Strides(e, 0, 1);
        Assert.False(e.IsContiguous);
        Expect.Values(e, 1, 2, 3, 1, 2, 3);

        a[1] = Tensor.Scalar(20);
        Expect.Values(e, 1, 20, 3, 1, 20, 3);
    }

    [Fact]
    public void Expand_MinusOneKeepsSize_ColumnRepeats()
    {
        var col = Expect.Vec(1, 2, 3).Reshape(3, 1);
        var e = col.Expand(-1, 4);
        Expect.Shape(e, 3, 4);
        Expect.Strides(e, 1, 0);
        Expect.Values(e, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
        Expect.Values(col.ExpandAs(Tensor.Zeros(2, 3, 4)), 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    }

    [Fact]
    public void Expand_IncompatibleSize_ThrowsNamingShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Expect.Iota(2, 3).Expand(4, 3));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4, 3]", e.Message);
        var fewer = Assert.Throws<ArgumentException>(() => Expect.Iota(2, 3).Expand(3));
        Assert.Contains("fewer dimensions", fewer.Message);
    }

    [Fact]
    public void Expand_MinusOneInNewLeadingDimension_Throws()
    {
        // PyTorch: "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension".
        Assert.Throws<ArgumentException>(() => Expect.Vec(1, 2, 3).Expand(-1, 3));
    }

    [Fact]
    public void Squeeze_RemovesAllSizeOneDimensions_AsAView()
    {
        var a = Expect.Iota(1, 3, 1, 2);
        var s = a.Squeeze();
        Expect.Shape(s, 3, 2);
        Expect.Strides(s, 2, 1);
        Expect.Values(s, 0, 1, 2, 3, 4, 5);
        s[2, 0] = Tensor.Scalar(40);
        Assert.Equal(40.0, a[0, 2, 0, 0].Item());
    }

    [Fact]
    public void Squeeze_Dim_OnlyRemovesSizeOne()
    {
        var a = Expect.Iota(1, 3, 1);
        Expect.Shape(a.Squeeze(0), 3, 1);
        Expect.Shape(a.Squeeze(-1), 1, 3);
        Expect.Shape(a.Squeeze(1), 1, 3, 1); // size 3: unchanged, as in PyTorch
        Expect.Shape(Expect.Iota(1, 1).Squeeze(), []);
        Assert.Equal(0, Expect.Iota(1, 1).Squeeze().Rank);
    }

    [Fact]
    public void Squeeze_OfTransposed_KeepsStridesAndValues()
    {
        var t = Expect.Iota(3, 1, 2).Permute(2, 1, 0); // [2, 1, 3], strides [1, 2, 2]
        var s = t.Squeeze(1);
        Expect.Shape(s, 2, 3);
        Expect.Strides(s, 1, 2);
        Expect.Values(s, 0, 2, 4, 1, 3, 5);
    }

    [Fact]
    public void Unsqueeze_InsertsSizeOne_AsAView()
    {
        var a = Expect.Iota(2, 3);
        var u = a.Unsqueeze(1);
        Expect.Shape(u, 2, 1, 3);
        Expect.Values(u, 0, 1, 2, 3, 4, 5);
        Expect.Shape(a.Unsqueeze(0), 1, 2, 3);
        Expect.Shape(a.Unsqueeze(-1), 2, 3, 1);
        Expect.Shape(a.Unsqueeze(2), 2, 3, 1);

        u[1, 0, 2] = Tensor.Scalar(50);
        Assert.Equal(50.0, a[1, 2].Item());

        var ut = a.T.Unsqueeze(0); // a view of the transposed layout, not a copy
        Expect.Shape(ut, 1, 3, 2);
        Expect.Values(ut, 0, 3, 1, 4, 2, 50);
        ut[0, 0, 1] = Tensor.Scalar(-3);
        Assert.Equal(-3.0, a[1, 0].Item());
    }

    [Fact]
    public void Unsqueeze_OutOfRange_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Expect.Iota(2, 3).Unsqueeze(4));
        Assert.Contains("Unsqueeze", e.Message);
        Assert.Contains("dimension 4", e.Message);
    }

    [Fact]
    public void Flatten_MergesRangeOfDimensions()
    {
        var a = Expect.Iota(2, 3, 4);
        Expect.Shape(a.Flatten(), 24);
        Expect.Shape(a.Flatten(1), 2, 12);
        Expect.Shape(a.Flatten(0, 1), 6, 4);
        Expect.Values(a.Flatten(0, 1)[1], 4, 5, 6, 7);
        Expect.Shape(Tensor.Scalar(2).Flatten(), 1);
        Assert.Throws<ArgumentException>(() => a.Flatten(2, 1));
    }

    [Fact]
    public void Contiguous_OfTransposed_CopiesInLogicalOrder()
    {
        var a = Expect.Iota(2, 3);
        var c = a.T.Contiguous();
        Assert.True(c.IsContiguous);
        Expect.Strides(c, 2, 1);
        Expect.Values(c, 0, 3, 1, 4, 2, 5);
        c.Fill(0);
        Expect.Values(a, 0, 1, 2, 3, 4, 5);
        Assert.Same(a, a.Contiguous());
    }

    [Fact]
    public void Detach_SharesStorage()
    {
        var a = Expect.Iota(3).RequireGrad();
        var d = a.Detach();
        Assert.False(d.RequiresGrad);
        d.Fill(2);
        Expect.Values(a, 2, 2, 2);
    }

    [Fact]
    public void Views_ShareTheVersionCounter()
    {
        var a = Expect.Iota(2, 3);
        var t = a.T;
        var s = a[1];
        int before = a.Version;
        s.Fill(0);
        Assert.Equal(before + 1, a.Version);
        Assert.Equal(before + 1, t.Version);
        Expect.Values(t, 0, 0, 1, 0, 2, 0);
    }

    [Fact]
    public void T_OnRankThree_Throws_OnVector_IsIdentity()
    {
        var e = Assert.Throws<InvalidOperationException>(() => _ = Expect.Iota(2, 3, 4).T);
        Assert.Contains("[2, 3, 4]", e.Message);
        var v = Expect.Vec(1, 2);
        Assert.Same(v, v.T);
    }

    [Fact]
    public void Reshape_OfExpanded_CopiesTheRepeatedValues()
    {
        var a = Expect.Vec(1, 2, 3);
        var flat = a.Expand(2, 3).Reshape(6);
        Expect.Values(flat, 1, 2, 3, 1, 2, 3);
        flat.Fill(0); // a copy: stride 0 cannot be flattened into one stride
        Expect.Values(a, 1, 2, 3);
    }

    [Fact]
    public void Reshape_OfExpanded_SplittingTheRepeatedDimension_IsAView()
    {
        var col = Expect.Vec(1, 2, 3).Reshape(3, 1);
        var v = col.Expand(3, 4).Reshape(3, 2, 2);
        Expect.Shape(v, 3, 2, 2);
        Expect.Strides(v, 1, 0, 0);
        Expect.Values(v, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
        col[2, 0] = Tensor.Scalar(30);
        Assert.Equal(30.0, v[2, 1, 1].Item());
    }
}
