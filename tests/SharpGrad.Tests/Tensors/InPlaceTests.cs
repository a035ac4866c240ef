namespace SharpGrad.Tests.Tensors;

public class InPlaceTests
{
    [Fact]
    public void AddInPlace_BroadcastRow_WithAlpha()
    {
        var a = Tensor.Ones([2, 3], DType.Float64);
        int v0 = a.Version;
        var returned = a.AddInPlace(Expect.Vec(1, 2, 3), alpha: 2);
        Assert.Same(a, returned);
        Expect.Values(a, 3, 5, 7, 3, 5, 7);
        Assert.Equal(v0 + 1, a.Version);
    }

    [Fact]
    public void AddInPlace_ColumnBroadcast_NegativeAlpha_Float32()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        a.AddInPlace(Tensor.FromArray(new float[] { 10, 20 }, 2, 1), alpha: -0.5);
        Assert.Equal(new float[] { -4, -3, -7, -6 }, a.ToArray<float>());
    }

    [Fact]
    public void AddInPlace_Float64SourceIntoFloat32_Converts()
    {
        var a = Tensor.Zeros(3);
        a.AddInPlace(Expect.Vec(0.1, 0.2, 0.3));
        Assert.Equal(DType.Float32, a.DType);
        Assert.Equal(new float[] { 0.1f, 0.2f, 0.3f }, a.ToArray<float>());
    }

    [Fact]
    public void AddInPlace_IntoTransposedView_UpdatesTheBase()
    {
        var a = Expect.Iota(2, 3);
        a.T.AddInPlace(Expect.Vec(100, 200)); // adds 100 to row 0 of a, 200 to row 1
        Expect.Values(a, 100, 101, 102, 203, 204, 205);
    }

    [Fact]
    public void AddInPlace_LargeStepView_MatchesLoop()
    {
        var a = Expect.Iota(401, 250);
        var view = a[.., TensorIndex.Slice(1, null, 2)]; // odd columns only: 401 × 125 elements, strided
        view.AddInPlace(Tensor.Ones([125], DType.Float64), alpha: 1000);
        var v = a.ToArray<double>();
        for (int i = 0; i < v.Length; i++)
            Assert.Equal(i + (i % 250 % 2 == 1 ? 1000 : 0), v[i]);
    }

    [Fact]
    public void AddInPlace_SourceWouldWidenTheShape_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(3).AddInPlace(Tensor.Zeros(2, 3)));
        Assert.Contains("AddInPlace", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[3]", e.Message);
    }

    [Fact]
    public void MulInPlace_ScalesEveryElement_AndBumpsVersion()
    {
        var a = Expect.Vec(1, -2, 3.5);
        int v0 = a.Version;
        Assert.Same(a, a.MulInPlace(-2));
        Expect.Values(a, -2, 4, -7);
        Assert.Equal(v0 + 1, a.Version);
    }

    [Fact]
    public void MulInPlace_OnSteppedView_OnlyTouchesTheView()
    {
        var a = Expect.Vec(1, 2, 3, 4, 5);
        a[TensorIndex.Slice(null, null, 2)].MulInPlace(10);
        Expect.Values(a, 10, 2, 30, 4, 50);
    }

    [Fact]
    public void MulInPlace_Int32ByFractionalFactor_TruncatesTheProduct()
    {
        // 0.5 must not be truncated to 0 before multiplying: [2, 4, 7, -5]·0.5 = [1, 2, 3.5, -2.5] → [1, 2, 3, -2].
        var i = Tensor.FromArray(new[] { 2, 4, 7, -5 });
        i.MulInPlace(0.5);
        Assert.Equal(DType.Int32, i.DType);
        Assert.Equal([1, 2, 3, -2], i.ToArray<int>());
        i.MulInPlace(3);
        Assert.Equal([3, 6, 9, -6], i.ToArray<int>());
    }

    [Fact]
    public void AddInPlace_OwnTranspose_ReadsTheOldValues()
    {
        var a = Tensor.FromNested(new double[,] { { 1, 2 }, { 3, 4 } });
        a.AddInPlace(a.T); // a + aᵀ = [[2, 5], [5, 8]]
        Expect.Values(a, 2, 5, 5, 8);
    }

    [Fact]
    public void CopyFrom_OverlappingShiftedView_ReadsTheOldValues()
    {
        var right = Expect.Vec(1, 2, 3, 4);
        right[1..] = right[..^1]; // shift right by one
        Expect.Values(right, 1, 1, 2, 3);

        var left = Expect.Vec(1, 2, 3, 4);
        left[..^1] = left[1..]; // shift left by one
        Expect.Values(left, 2, 3, 4, 4);

        var m = Tensor.FromNested(new double[,] { { 1, 2 }, { 3, 4 } });
        m.CopyFrom(m.T);
        Expect.Values(m, 1, 3, 2, 4);
    }

    [Fact]
    public void CopyFrom_BroadcastsAndConverts()
    {
        var a = Tensor.Zeros([2, 3], DType.Float64);
        a.CopyFrom(Tensor.FromArray(new[] { 7, 8, 9 }));
        Expect.Values(a, 7, 8, 9, 7, 8, 9);

        a.CopyFrom(Expect.Iota(3, 2).T); // [[0,2,4],[1,3,5]]
        Expect.Values(a, 0, 2, 4, 1, 3, 5);

        var e = Assert.Throws<ArgumentException>(() => a.CopyFrom(Tensor.Zeros(3, 3)));
        Assert.Contains("[3, 3]", e.Message);
        Assert.Contains("[2, 3]", e.Message);
    }

    [Fact]
    public void CopyFrom_IntoColumnView()
    {
        var a = Tensor.Zeros([3, 3], DType.Float64);
        a[.., 1].CopyFrom(Expect.Vec(1, 2, 3));
        Expect.Values(a, 0, 1, 0, 0, 2, 0, 0, 3, 0);
    }

    [Fact]
    public void FillAndZero_SetEveryElementOfTheView()
    {
        var a = Expect.Iota(3, 3);
        int v0 = a.Version;
        a[1].Fill(-1);
        Expect.Values(a, 0, 1, 2, -1, -1, -1, 6, 7, 8);
        a[.., 0].Zero();
        Expect.Values(a, 0, 1, 2, 0, -1, -1, 0, 7, 8);
        Assert.Equal(v0 + 2, a.Version);

        var i = Tensor.FromArray(new[] { 1, 2, 3 });
        i.Fill(4.7);
        Assert.Equal([4, 4, 4], i.ToArray<int>());
    }

    [Fact]
    public void InPlace_OnLeafRequiringGrad_IsRefusedWithNoGradHint()
    {
        var w = Tensor.Ones([2], DType.Float64).RequireGrad();
        var actions = new Action[]
        {
            () => w.AddInPlace(Expect.Vec(1, 1)),
            () => w.MulInPlace(2),
            () => w.CopyFrom(Expect.Vec(3, 3)),
            () => w.Fill(5),
            () => w.Zero(),
            () => w[0] = Tensor.Scalar(9),
        };
        foreach (var act in actions)
        {
            var e = Assert.Throws<InvalidOperationException>(act);
            Assert.Contains("NoGrad", e.Message);
        }
        Expect.Values(w, 1, 1);
        Assert.Equal(0, w.Version);
    }

    [Fact]
    public void InPlace_OnLeafRequiringGrad_AllowedInsideNoGrad()
    {
        var w = Tensor.Ones([2], DType.Float64).RequireGrad();
        using (SharpGrad.Autograd.NoGrad())
        {
            w.AddInPlace(Expect.Vec(1, 2), alpha: -0.5);
            Expect.Values(w, 0.5, 0);
            w.MulInPlace(4);
            Expect.Values(w, 2, 0);
            w[1] = Tensor.Scalar(7);
            Expect.Values(w, 2, 7);
            w.CopyFrom(Expect.Vec(-1, -2));
            Expect.Values(w, -1, -2);
            w.Fill(3);
            Expect.Values(w, 3, 3);
            w.Zero();
            Expect.Values(w, 0, 0);
        }
        Assert.Equal(6, w.Version);
        Assert.True(w.RequiresGrad);
        Assert.True(w.IsLeaf);
        Assert.Throws<InvalidOperationException>(() => w.Fill(1)); // refused again once the scope ends
    }

    [Fact]
    public void InPlace_OnNonLeafRequiringGrad_IsRefusedNamingTheOp()
    {
        var w = Tensor.Ones([2], DType.Float64).RequireGrad();
        var y = w * 2;
        var e = Assert.Throws<InvalidOperationException>(() => y.Fill(0));
        Assert.Contains("Fill", e.Message);
        Assert.Contains("MulBackward", e.Message);
    }

    [Fact]
    public void InPlace_OnTensorNotRequiringGrad_AllowedWithGradEnabled()
    {
        Assert.True(SharpGrad.Autograd.IsGradEnabled);
        var a = Expect.Vec(1, 2);
        a.AddInPlace(Expect.Vec(1, 1));
        Expect.Values(a, 2, 3);
    }
}
