namespace SharpGrad.Tests.Autograd;

/// <summary>The backward pass over DAGs: every path summed, accumulation, release, retention, and plain errors.</summary>
public class GraphTests
{
    [Fact]
    public void SharedSubexpression_SumsEveryPath()
    {
        // y = x·x + 3x: dy/dx = 2x + 3 = 7 at x = 2.
        var x = Tensor.Scalar(2, DType.Float64).RequireGrad();
        var y = x * x + x * 3;
        y.Backward();
        Assert.Equal(7.0, x.Grad!.Item());
    }

    [Fact]
    public void Diamond_SumsBothBranches()
    {
        // a = 2x, b = sin a, c = a², d = b·c: dd/dx = 2(cos a · a² + sin a · 2a).
        double xv = 0.7, av = 2 * xv;
        var x = Tensor.Scalar(xv, DType.Float64).RequireGrad();
        var a = x * 2;
        var d = a.Sin() * (a * a);
        d.Backward();
        double expected = 2 * (Math.Cos(av) * av * av + Math.Sin(av) * 2 * av);
        Assert.Equal(expected, x.Grad!.Item(), 12);
    }

    [Fact]
    public void SameTensorUsedThreeTimesInOneOp_AccumulatesThreeContributions()
    {
        var x = Tensor.FromArray([1.0, 2.0]).RequireGrad();
        var y = Tensor.Stack([x, x, x]).Sum();
        y.Backward();
        Assert.Equal([3.0, 3.0], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Gradients_AccumulateAcrossBackwardCalls_UntilCleared()
    {
        var x = Tensor.Scalar(3, DType.Float64).RequireGrad();
        (x * x).Backward();
        (x * x).Backward();
        Assert.Equal(12.0, x.Grad!.Item());
        x.Grad = null;
        (x * 5).Backward();
        Assert.Equal(5.0, x.Grad!.Item());
    }

    [Fact]
    public void DeepChain_100000Ops_DoesNotOverflowTheStack()
    {
        var x = Tensor.Scalar(1, DType.Float64).RequireGrad();
        var y = x;
        for (int i = 0; i < 100_000; i++) y = y * 1.00001;
        y.Backward();
        Assert.Equal(Math.Pow(1.00001, 100_000), x.Grad!.Item(), 6);
    }

    [Fact]
    public void SecondBackward_ThroughReleasedGraph_IsAClearError()
    {
        var x = Tensor.Scalar(3, DType.Float64).RequireGrad();
        var y = x.Exp() * x;
        y.Backward();
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("second time", e.Message);
        Assert.Contains("retainGraph", e.Message);
    }

    [Fact]
    public void FunctionalGrad_ThroughReleasedGraph_IsAClearErrorNotAMissingPath()
    {
        var x = Tensor.Scalar(2, DType.Float64).RequireGrad();
        var h = x * x;
        var y = h * x;
        (h * 1).Backward(); // releases h's node
        var e = Assert.Throws<InvalidOperationException>(() => SharpGrad.Autograd.Grad(y, x));
        Assert.Contains("second time", e.Message);
    }

    [Fact]
    public void RetainGraph_AllowsSecondBackward()
    {
        var x = Tensor.Scalar(3, DType.Float64).RequireGrad();
        var y = x * x;
        y.Backward(retainGraph: true);
        y.Backward();
        Assert.Equal(12.0, x.Grad!.Item());
    }

    [Fact]
    public void Backward_OnNonScalarWithoutGradient_SaysSoAndNamesTheShape()
    {
        var x = Tensor.Ones(2, 3).RequireGrad();
        var e = Assert.Throws<InvalidOperationException>(() => (x * 2).Backward());
        Assert.Contains("scalar", e.Message);
        Assert.Contains("[2, 3]", e.Message);
    }

    [Fact]
    public void Backward_WithGradient_ComputesVectorJacobianProduct()
    {
        var x = Tensor.FromArray([1.0, 2, 3]).RequireGrad();
        (x * x).Backward(Tensor.FromArray([1.0, 10, 100]));
        Assert.Equal([2.0, 40, 600], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Backward_WithWrongGradientShape_NamesBothShapes()
    {
        var x = Tensor.Ones(2, 3).RequireGrad();
        var e = Assert.Throws<ArgumentException>(() => (x * 2).Backward(Tensor.Ones(3, 2)));
        Assert.Contains("[3, 2]", e.Message);
        Assert.Contains("[2, 3]", e.Message);
    }

    [Fact]
    public void Backward_OnTensorThatDoesNotRequireGrad_SaysSo()
    {
        var x = Tensor.Ones(2);
        var e = Assert.Throws<InvalidOperationException>(() => x.Sum().Backward());
        Assert.Contains("does not require gradients", e.Message);
    }

    [Fact]
    public void NoGrad_StopsRecording_AndRestoresOnDispose()
    {
        var x = Tensor.Ones(2).RequireGrad();
        using (SharpGrad.Autograd.NoGrad())
        {
            Assert.False(SharpGrad.Autograd.IsGradEnabled);
            var y = x * 2;
            Assert.False(y.RequiresGrad);
            Assert.Null(y.GradFn);
            using (SharpGrad.Autograd.EnableGrad())
                Assert.True((x * 2).RequiresGrad);
            Assert.False(SharpGrad.Autograd.IsGradEnabled);
        }
        Assert.True(SharpGrad.Autograd.IsGradEnabled);
        Assert.Equal("MulBackward", (x * 2).GradFn!.Name);
    }

    [Fact]
    public void RequiresGrad_OnNonLeaf_CannotBeChanged()
    {
        var y = Tensor.Ones(2).RequireGrad() * 2;
        var e = Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false);
        Assert.Contains("leaf", e.Message);
    }

    [Fact]
    public void RequiresGrad_OnIntegerTensor_IsRefused() =>
        Assert.Throws<InvalidOperationException>(() => Tensor.FromArray([1, 2]).RequireGrad());

    [Fact]
    public void Hook_SeesSummedGradient_AndCanReplaceIt()
    {
        var x = Tensor.Scalar(2, DType.Float64).RequireGrad();
        var h = x * 3;
        double seen = 0;
        h.RegisterHook(g => { seen = g.Item(); return g * 10; });
        (h * h + h).Backward(); // d/dh = 2h + 1 = 13
        Assert.Equal(13.0, seen);
        Assert.Equal(13.0 * 10 * 3, x.Grad!.Item());
    }

    [Fact]
    public void Hook_RemovedByDisposingItsHandle()
    {
        var x = Tensor.Scalar(2, DType.Float64).RequireGrad();
        var handle = x.RegisterHook(g => g * 0);
        handle.Dispose();
        (x * 4).Backward();
        Assert.Equal(4.0, x.Grad!.Item());
    }

    [Fact]
    public void RetainGrad_KeepsIntermediateGradient()
    {
        var x = Tensor.FromArray([1.0, -2]).RequireGrad();
        var h = (x * 3).RetainGrad();
        (h * h).Sum().Backward();
        Assert.Equal([6.0, -12], h.Grad!.ToDoubleArray());
        Assert.Equal([18.0, -36], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void FunctionalGrad_ReturnsGradients_WithoutTouchingGradProperty()
    {
        var x = Tensor.Scalar(2, DType.Float64).RequireGrad();
        var w = Tensor.Scalar(5, DType.Float64).RequireGrad();
        var y = x * w + x;
        var g = SharpGrad.Autograd.Grad([y], [x, w]);
        Assert.Equal(6.0, g[0].Item());
        Assert.Equal(2.0, g[1].Item());
        Assert.Null(x.Grad);
        Assert.Null(w.Grad);
    }

    [Fact]
    public void FunctionalGrad_UnusedInput_IsErrorUnlessAllowed()
    {
        var x = Tensor.Scalar(2, DType.Float64).RequireGrad();
        var unused = Tensor.Ones(3).RequireGrad();
        var y = x * x;
        var e = Assert.Throws<InvalidOperationException>(() => SharpGrad.Autograd.Grad([y], [x, unused], retainGraph: true));
        Assert.Contains("allowUnused", e.Message);
        var g = SharpGrad.Autograd.Grad([y], [x, unused], allowUnused: true);
        Assert.Equal([0.0, 0, 0], g[1].ToDoubleArray());
    }

    [Fact]
    public void FunctionalGrad_WithRespectToIntermediate()
    {
        var x = Tensor.Scalar(2, DType.Float64).RequireGrad();
        var h = x.Exp();
        var y = h * h;
        Assert.Equal(2 * Math.Exp(2), SharpGrad.Autograd.Grad(y, h).Item(), 12);
    }

    [Fact]
    public void InPlaceWrite_ToSavedTensor_IsDetectedAtBackward()
    {
        var a = Tensor.FromArray([1.0, 2]);
        var w = Tensor.FromArray([3.0, 4]).RequireGrad();
        var y = (w * a).Sum();
        a.AddInPlace(Tensor.Ones([2], DType.Float64));
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("in-place", e.Message);
        Assert.Contains("MulBackward", e.Message);
    }

    [Fact]
    public void InPlaceWrite_ToUnsavedInput_IsAllowed()
    {
        // Add does not read its inputs' values in backward, so changing one afterwards is harmless.
        var w = Tensor.FromArray([3.0, 4]).RequireGrad();
        var y = (w + 1).Sum();
        using (SharpGrad.Autograd.NoGrad()) w.AddInPlace(Tensor.Ones([2], DType.Float64));
        y.Backward();
        Assert.Equal([1.0, 1], w.Grad!.ToDoubleArray());
    }

    [Fact]
    public void InPlaceWrite_ThroughAView_BumpsTheSharedVersion()
    {
        var a = Tensor.FromArray([1.0, 2, 3, 4]);
        var w = Tensor.FromArray([1.0, 1, 1, 1]).RequireGrad();
        var y = (w * a).Sum();
        a[1..3].Fill(0);
        Assert.Throws<InvalidOperationException>(() => y.Backward());
    }

    [Fact]
    public void MixedPrecision_GradientsKeepEachLeafsDType()
    {
        var a = Tensor.FromArray([1f, 2f]).RequireGrad();
        var b = Tensor.FromArray([3.0, 4.0]).RequireGrad();
        (a * b).Sum().Backward();
        Assert.Equal(DType.Float32, a.Grad!.DType);
        Assert.Equal([3f, 4f], a.Grad.ToFloatArray());
        Assert.Equal([1.0, 2.0], b.Grad!.ToDoubleArray());
    }
}
