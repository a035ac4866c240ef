namespace SharpGrad.Tests.Autograd;

/// <summary>Differentiating the backward pass: second and third derivatives, Hessian-vector products, second-order checks.</summary>
public class HigherOrderTests
{
    [Theory]
    [InlineData(0.3)]
    [InlineData(1.7)]
    [InlineData(-2.4)]
    public void SecondDerivative_OfSin_IsMinusSin(double xv)
    {
        var x = Tensor.Scalar(xv, DType.Float64).RequireGrad();
        var dy = SharpGrad.Autograd.Grad(x.Sin(), x, createGraph: true);
        Assert.Equal(Math.Cos(xv), dy.Item(), 14);
        var d2y = SharpGrad.Autograd.Grad(dy, x);
        Assert.Equal(-Math.Sin(xv), d2y.Item(), 14);
    }

    [Fact]
    public void ThirdDerivative_OfXToTheFourth_Is24X()
    {
        var x = Tensor.Scalar(1.5, DType.Float64).RequireGrad();
        var d1 = SharpGrad.Autograd.Grad(x.Pow(4), x, createGraph: true);
        var d2 = SharpGrad.Autograd.Grad(d1, x, createGraph: true);
        var d3 = SharpGrad.Autograd.Grad(d2, x);
        Assert.Equal(4 * Math.Pow(1.5, 3), d1.Item(), 12);
        Assert.Equal(12 * 1.5 * 1.5, d2.Item(), 12);
        Assert.Equal(24 * 1.5, d3.Item(), 12);
    }

    [Fact]
    public void BackwardWithCreateGraph_MakesLeafGradDifferentiable()
    {
        var x = Tensor.Scalar(2, DType.Float64).RequireGrad();
        (x * x * x).Backward(createGraph: true);
        var g = x.Grad!;
        Assert.Equal(12.0, g.Item());
        Assert.True(g.RequiresGrad);
        Assert.Equal(12.0, SharpGrad.Autograd.Grad(g, x).Item()); // d(3x²)/dx = 6x
    }

    [Fact]
    public void HessianVectorProduct_OfSmallMlp_MatchesFiniteDifferencesOfGradient()
    {
        // loss(w) = Σ (tanh(X·W1)·W2 − y)²; Hv by double backward vs (∇L(w + εv) − ∇L(w − εv)) / 2ε.
        var gen = new Generator(3);
        var xData = Tensor.Uniform([5, 3], -1, 1, gen, DType.Float64);
        var yData = Tensor.Uniform([5, 2], -1, 1, gen, DType.Float64);
        var w1 = Tensor.Uniform([3, 4], -1, 1, gen, DType.Float64).RequireGrad();
        var w2 = Tensor.Uniform([4, 2], -1, 1, gen, DType.Float64).RequireGrad();
        var v1 = Tensor.Uniform([3, 4], -1, 1, gen, DType.Float64);
        var v2 = Tensor.Uniform([4, 2], -1, 1, gen, DType.Float64);
        Tensor Loss(Tensor a, Tensor b) => (xData.MatMul(a).Tanh().MatMul(b) - yData).Pow(2).Sum();

        var grads = SharpGrad.Autograd.Grad([Loss(w1, w2)], [w1, w2], createGraph: true);
        var gv = (grads[0] * v1).Sum() + (grads[1] * v2).Sum();
        var hv = SharpGrad.Autograd.Grad([gv], [w1, w2]);

        const double eps = 1e-5;
        double[] Gradient(double sign)
        {
            var a = (w1.Detach() + v1 * (sign * eps)).RequireGrad();
            var b = (w2.Detach() + v2 * (sign * eps)).RequireGrad();
            var g = SharpGrad.Autograd.Grad([Loss(a, b)], [a, b]);
            return [.. g[0].ToDoubleArray(), .. g[1].ToDoubleArray()];
        }
        var plus = Gradient(1);
        var minus = Gradient(-1);
        double[] analytic = [.. hv[0].ToDoubleArray(), .. hv[1].ToDoubleArray()];
        for (int i = 0; i < analytic.Length; i++)
            Assert.Equal((plus[i] - minus[i]) / (2 * eps), analytic[i], 6);
    }

    public static TheoryData<string> Ops => new()
    {
        "Mul", "Div", "Exp", "Log", "Sqrt", "Sin", "Cos", "Tanh", "Sigmoid", "Gelu", "Softplus", "Erf", "PowScalar", "PowTensor",
        "MatMul", "Linear", "Softmax", "LogSumExp", "Var", "Maximum", "Expand", "Index", "Gather", "IndexSelect", "Cat", "Pad",
    };

    private static Tensor Apply(string op, Tensor x, Tensor y) => op switch
    {
        "Mul" => x * y,
        "Div" => x / (y.Abs() + 0.5),
        "Exp" => x.Exp() * y,
        "Log" => x.Abs().Add(0.5).Log() * y,
        "Sqrt" => x.Abs().Add(0.5).Sqrt() * y,
        "Sin" => x.Sin() * y,
        "Cos" => x.Cos() * y,
        "Tanh" => x.Tanh() * y,
        "Sigmoid" => x.Sigmoid() * y,
        "Gelu" => x.Gelu() * y,
        "Softplus" => x.Softplus() * y,
        "Erf" => x.Erf() * y,
        "PowScalar" => x.Pow(3) * y,
        "PowTensor" => x.Abs().Add(0.5).Pow(y),
        "MatMul" => x.MatMul(y.T),
        "Linear" => SharpGrad.NN.Functional.Linear(x.Tanh(), y, y[.., 0]),
        "Softmax" => (x * y).Softmax(),
        "LogSumExp" => (x * y).LogSumExp(1),
        "Var" => (x * y).Var(1),
        "Maximum" => Tensor.Maximum(x, y) * x,
        "Expand" => x.Sum(0, keepDim: true).Expand(2, 3) * y,
        "Index" => x[.., 1..] * y[.., ..2],
        "Gather" => x.Gather(1, Tensor.FromArray([2, 0, 1, 1], 2, 2)) * y[.., 1..],
        "IndexSelect" => x.IndexSelect(1, Tensor.FromArray([2, 2, 0])) * y,
        "Cat" => Tensor.Cat([x * y, x.Exp()], 1) * Tensor.Cat([y, y], 1),
        "Pad" => x.Pad([1, 0]) * y.Pad([0, 1]),
        _ => throw new ArgumentException(op),
    };

    [Theory]
    [MemberData(nameof(Ops))]
    public void SecondOrder_MatchesFiniteDifferences(string op) =>
        TestData.AssertSecondOrder(xs => Apply(op, xs[0], xs[1]), TestData.Leaf([2, 3], 71, -1.5, 1.5), TestData.Leaf([2, 3], 72, -1.5, 1.5));

    /// <summary>
    /// A linear layer over a batch of 40 rows: its weight gradient sums the rows in fixed chunks of 16 as a
    /// tree, and that chunked sum must still differentiate like Σ_r g[r]ᵀ·x[r].
    /// </summary>
    [Fact]
    public void SecondOrder_OfLinearOverChunkedBatch_MatchesFiniteDifferences() =>
        TestData.AssertSecondOrder(xs => SharpGrad.NN.Functional.Linear(xs[0].Tanh(), xs[1], xs[2]).Tanh(),
            TestData.Leaf([40, 3], 73, -1.5, 1.5), TestData.Leaf([2, 3], 74, -1.5, 1.5), TestData.Leaf([2], 75, -1.5, 1.5));
}
