namespace SharpGrad.Tests.Tensors;

/// <summary>The comparison operators give the masks of Lt/Le/Gt/Ge; AllClose follows PyTorch's allclose.</summary>
public class ComparisonOperatorTests
{
    private static readonly Tensor X = Expect.Vec(1, 2, 3);

    [Fact]
    public void ScalarOperators_GiveZeroOneMasks()
    {
        Expect.Values(X < 2, 1, 0, 0);
        Expect.Values(X <= 2, 1, 1, 0);
        Expect.Values(X > 2, 0, 0, 1);
        Expect.Values(X >= 2, 0, 1, 1);
        Expect.Values(2 < X, 0, 0, 1);
        Expect.Values(2 <= X, 0, 1, 1);
        Expect.Values(2 > X, 1, 0, 0);
        Expect.Values(2 >= X, 1, 1, 0);
        Assert.Equal(DType.Float64, (X > 0.5).DType);
        Assert.Equal(DType.Float32, (Tensor.Ones(2) > 0.5).DType);
    }

    [Fact]
    public void TensorOperators_Broadcast()
    {
        var col = Expect.Vec(1, 2).Reshape(2, 1);
        var row = Expect.Vec(0, 1, 2);
        var lt = col < row;
        Expect.Shape(lt, 2, 3);
        Expect.Values(lt, 0, 0, 1, 0, 0, 0);
        Expect.Values(col <= row, 0, 1, 1, 0, 0, 1);
        Expect.Values(col > row, 1, 0, 0, 1, 1, 0);
        Expect.Values(col >= row, 1, 1, 0, 1, 1, 1);
    }

    [Fact]
    public void EqualityOperators_StayReferenceEquality()
    {
        var a = Expect.Vec(1, 2);
        var b = Expect.Vec(1, 2);
        Assert.False(a == b);
        Assert.True(a != b);
        Assert.IsType<bool>(a == b);
        Expect.Values(a.Eq(b), 1, 1);
    }

    [Fact]
    public void AllClose_UsesAtolPlusRtolTimesOther()
    {
        // |a − b| = 1e-3; allowed = atol + rtol·|b|.
        var a = Expect.Vec(1.001);
        var b = Expect.Vec(1.0);
        Assert.False(a.AllClose(b));                              // 1e-8 + 1e-5 = 1.001e-5 < 1e-3
        Assert.True(a.AllClose(b, rtol: 1e-3, atol: 1e-6));       // 1e-6 + 1e-3 ≥ 1e-3
        Assert.True(a.AllClose(b, rtol: 0, atol: 1.1e-3));
        Assert.False(a.AllClose(b, rtol: 0, atol: 0.9e-3));
        // Asymmetric: the relative part scales with |other| only.
        var big = Expect.Vec(100);
        var near = Expect.Vec(110);
        Assert.True(big.AllClose(near, rtol: 0.095, atol: 0));    // 10 ≤ 0.095·110 = 10.45
        Assert.False(near.AllClose(big, rtol: 0.095, atol: 0));   // 10 > 0.095·100 = 9.5
    }

    [Fact]
    public void AllClose_Broadcasts()
    {
        var m = Tensor.FromArray(new double[] { 1, 2, 1, 2 }, 2, 2);
        Assert.True(m.AllClose(Expect.Vec(1, 2)));
        Assert.False(m.AllClose(Expect.Vec(2, 1)));
        Assert.True(Tensor.Full([3], 0.5).AllClose(Tensor.Scalar(0.5)));
        var e = Assert.Throws<ArgumentException>(() => Expect.Vec(1, 2, 3).AllClose(Expect.Vec(1, 2)));
        Assert.Contains("AllClose", e.Message);
    }

    [Fact]
    public void AllClose_NaNAndInfinity()
    {
        var nan = Expect.Vec(1, double.NaN);
        Assert.False(nan.AllClose(Expect.Vec(1, double.NaN)));
        Assert.True(nan.AllClose(Expect.Vec(1, double.NaN), equalNan: true));
        Assert.False(nan.AllClose(Expect.Vec(1, 2), equalNan: true));
        Assert.True(Expect.Vec(double.PositiveInfinity).AllClose(Expect.Vec(double.PositiveInfinity)));
        Assert.False(Expect.Vec(double.PositiveInfinity).AllClose(Expect.Vec(double.NegativeInfinity)));
        Assert.False(Expect.Vec(1e300).AllClose(Expect.Vec(double.PositiveInfinity)));
    }

    [Fact]
    public void AllClose_NegativeTolerance_IsAnError()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => X.AllClose(X, rtol: -1));
        Assert.Contains("non-negative", e.Message);
    }
}
