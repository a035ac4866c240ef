namespace SharpGrad.Tests.Autograd;

/// <summary>Exercises of the seed homework through the tensor API, asserted against the spec's worked numbers.</summary>
public class SeedExerciseTests
{
    [Fact]
    public void E9_WorkedForwardBackwardAndSgdStep()
    {
        var x = Tensor.FromArray([3.0]);
        var y = Tensor.Scalar(6, DType.Float64);
        var w1 = Tensor.FromNested(new double[,] { { 1 }, { -1 } }).RequireGrad();
        var w2 = Tensor.FromNested(new double[,] { { -1, 1 }, { 1, -1 } }).RequireGrad();
        var w3 = Tensor.FromNested(new double[,] { { -1, 1 } }).RequireGrad();

        var a1 = w1.MatMul(x).RetainGrad();
        var h1 = a1.Relu();
        var a2 = w2.MatMul(h1).RetainGrad();
        var h2 = a2.Relu();
        var yHat = w3.MatMul(h2).Sum().RetainGrad();
        var j = (y - yHat).Pow(2);

        Assert.Equal([3.0, -3], a1.ToDoubleArray());
        Assert.Equal([3.0, 0], h1.ToDoubleArray());
        Assert.Equal([-3.0, 3], a2.ToDoubleArray());
        Assert.Equal([0.0, 3], h2.ToDoubleArray());
        Assert.Equal(3.0, yHat.Item());
        Assert.Equal(9.0, j.Item());

        j.Backward();
        Assert.Equal(-6.0, yHat.Grad!.Item());
        Assert.Equal([0.0, -18], w3.Grad!.ToDoubleArray());
        Assert.Equal([0.0, -6], a2.Grad!.ToDoubleArray());
        Assert.Equal([0.0, 0, -18, 0], w2.Grad!.ToDoubleArray());
        Assert.Equal([-6.0, 0], a1.Grad!.ToDoubleArray());
        Assert.Equal([-18.0, 0], w1.Grad!.ToDoubleArray());

        using (SharpGrad.Autograd.NoGrad())
            foreach (var w in new[] { w1, w2, w3 })
                w.AddInPlace(w.Grad!, -0.01);
        Assert.Equal([-1.0, 1.18], w3.ToDoubleArray(), new Tolerance(1e-12));
        Assert.Equal([-1.0, 1, 1.18, -1], w2.ToDoubleArray(), new Tolerance(1e-12));
        Assert.Equal([1.18, -1], w1.ToDoubleArray(), new Tolerance(1e-12));
    }

    [Theory]
    [InlineData(0.5, -1.0)]
    [InlineData(-1.0, 0.5)]
    [InlineData(0.8, 0.8)]
    public void E7_SigmoidMaxMinSum_GradientIsSigmoidDerivative_ForBothOrders(double x1, double x2)
    {
        var x = Tensor.FromArray([x1, x2]).RequireGrad();
        var i = x.Sigmoid();
        var i1 = i[0];
        var i2 = i[1];
        var y = Tensor.Maximum(i1, i2) + Tensor.Minimum(i1, i2);
        y.Backward();
        static double Dsig(double v) { double s = 1 / (1 + Math.Exp(-v)); return s * (1 - s); }
        Assert.Equal(Dsig(x1), x.Grad!.ToDoubleArray()[0], 14);
        Assert.Equal(Dsig(x2), x.Grad!.ToDoubleArray()[1], 14);
    }

    [Theory]
    [InlineData(0.5, -1.0)]
    [InlineData(-1.0, 0.5)]
    public void E7_WithVectorMaxMinReductions_GivesTheSameGradient(double x1, double x2)
    {
        var x = Tensor.FromArray([x1, x2]).RequireGrad();
        var i = x.Sigmoid();
        var y = i.Max() + i.Min();
        y.Backward();
        static double Dsig(double v) { double s = 1 / (1 + Math.Exp(-v)); return s * (1 - s); }
        Assert.Equal(Dsig(x1), x.Grad!.ToDoubleArray()[0], 14);
        Assert.Equal(Dsig(x2), x.Grad!.ToDoubleArray()[1], 14);
    }

    private sealed class Tolerance(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= eps;

        public int GetHashCode(double obj) => 0;
    }
}
