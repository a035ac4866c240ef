namespace SharpGrad.Tests.Autograd;

/// <summary>
/// Edge cases where SharpGrad once disagreed with PyTorch: 0^0 with a tensor exponent, leaf
/// gradients that aliased the incoming gradient after a differentiable backward pass, and
/// matrix products with an empty dimension. Expected values are PyTorch's documented results.
/// </summary>
public class EngineEdgeCaseTests
{
    [Fact]
    public void Pow_TensorExponent_AtZeroToTheZero_HasZeroGradients()
    {
        // d/da a^b = b·a^(b−1) is 0·∞ at a = b = 0; PyTorch masks it to 0 where b = 0.
        // d/db a^b = a^b·ln a is 1·(−∞) at a = 0; PyTorch masks it to 0 where a = 0 and b ≥ 0.
        var a = Tensor.FromArray([0.0, 0.0, 2.0]).RequireGrad();
        var b = Tensor.FromArray([0.0, 2.0, 0.0]).RequireGrad();
        a.Pow(b).Sum().Backward();
        Assert.Equal([0.0, 0.0, 0.0], a.Grad!.ToDoubleArray());
        Assert.Equal([0.0, 0.0, Math.Log(2.0)], b.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Pow_TensorExponent_ZeroBaseNegativeExponent_MatchesPyTorch()
    {
        // 0^(−1) = ∞; PyTorch gives ∂/∂a = −1·0^(−2) = −∞ and ∂/∂b = ∞·ln 0 = −∞ (no masking for b < 0).
        var a = Tensor.FromArray([0.0]).RequireGrad();
        var b = Tensor.FromArray([-1.0]).RequireGrad();
        a.Pow(b).Sum().Backward();
        Assert.Equal(double.NegativeInfinity, a.Grad!.ToDoubleArray()[0]);
        Assert.Equal(double.NegativeInfinity, b.Grad!.ToDoubleArray()[0]);
    }

    [Fact]
    public void Pow_TensorExponent_BroadcastZeroExponent_HasZeroBaseGradient()
    {
        var a = Tensor.FromArray([0.0, 3.0]).RequireGrad();
        var b = Tensor.Scalar(0.0, DType.Float64);
        a.Pow(b).Sum().Backward();
        Assert.Equal([0.0, 0.0], a.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Pow_TensorExponent_AwayFromZero_MatchesFiniteDifferences() =>
        TestData.AssertGradients(xs => xs[0].Abs().Add(0.5).Pow(xs[1]), TestData.Leaf([2, 3], 71), TestData.Leaf([3], 72));

    [Fact]
    public void BackwardWithCreateGraph_ThenPlainBackward_AccumulatesIntoPrivateCopy()
    {
        // PyTorch: x.sum().backward(create_graph=True); x.sum().backward() leaves x.grad == 2 everywhere.
        var x = Tensor.Zeros([2, 3], DType.Float64).RequireGrad();
        x.Sum().Backward(createGraph: true);
        x.Sum().Backward();
        Assert.Equal(Enumerable.Repeat(2.0, 6), x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void BackwardWithCreateGraph_LeafGradDoesNotAliasTheSeed()
    {
        var x = Tensor.Zeros([2, 3], DType.Float64).RequireGrad();
        var seed = Tensor.Ones([2, 3], DType.Float64);
        x.Mul(1.0).Backward(seed, createGraph: true);
        x.Grad!.Zero();
        Assert.Equal(Enumerable.Repeat(1.0, 6), seed.ToDoubleArray());
    }

    [Fact]
    public void BackwardWithCreateGraph_ThenZeroGrad_LeavesZeros()
    {
        var model = new SharpGrad.NN.Linear(3, 2, generator: new Generator(1), dtype: DType.Float64);
        var optimizer = new SharpGrad.Optim.Sgd(model.Parameters(), 0.1);
        model.Call(Tensor.Ones([4, 3], DType.Float64)).Sum().Backward(createGraph: true);
        optimizer.ZeroGrad();
        model.Call(Tensor.Ones([4, 3], DType.Float64)).Sum().Backward();
        // ∂/∂b of Σ over 4 rows is 4 for each output; ∂/∂W is Σ of the inputs = 4.
        foreach (var p in model.Parameters())
            Assert.All(p.Grad!.ToDoubleArray(), v => Assert.Equal(4.0, v));
    }

    public static TheoryData<int[], int[], int[]> EmptyProducts => new()
    {
        { [3, 4], [4, 0], [3, 0] },
        { [0, 4], [4, 5], [0, 5] },
        { [3, 0], [0, 5], [3, 5] },
        { [0, 0], [0, 0], [0, 0] },
        { [2, 0, 4], [4, 3], [2, 0, 3] },
        { [0, 3, 4], [4, 2], [0, 3, 2] },
        { [4], [4, 0], [0] },
        { [0], [0], [] },
        { [3, 0], [0], [3] },
    };

    [Theory]
    [MemberData(nameof(EmptyProducts))]
    public void MatMul_WithAnEmptyDimension_GivesEmptyOrZeroResultAndGradients(int[] shapeA, int[] shapeB, int[] expected)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var a = Tensor.Ones(shapeA, dtype).RequireGrad();
            var b = Tensor.Ones(shapeB, dtype).RequireGrad();
            var c = a.MatMul(b);
            Assert.Equal(expected, c.Shape.ToArray());
            // An empty inner dimension sums nothing: every element is 0.
            Assert.All(c.ToDoubleArray(), v => Assert.Equal(0.0, v));
            c.Sum().Backward();
            Assert.Equal(shapeA, a.Grad!.Shape.ToArray());
            Assert.Equal(shapeB, b.Grad!.Shape.ToArray());
            // G·Bᵀ and Aᵀ·G either sum over an empty dimension or are empty themselves: all zeros.
            Assert.All(a.Grad!.ToDoubleArray(), v => Assert.Equal(0.0, v));
            Assert.All(b.Grad!.ToDoubleArray(), v => Assert.Equal(0.0, v));
        }
    }

    [Fact]
    public void MatMul_EmptyInnerDimension_OfTransposedViews()
    {
        var a = Tensor.Ones([0, 3], DType.Float64).T;
        var b = Tensor.Ones([2, 0], DType.Float64).T;
        var c = a.MatMul(b);
        Assert.Equal([3, 2], c.Shape.ToArray());
        Assert.All(c.ToDoubleArray(), v => Assert.Equal(0.0, v));
    }

    [Theory]
    [InlineData(0, 3, 2)]
    [InlineData(4, 0, 2)]
    [InlineData(4, 3, 0)]
    public void Linear_WithAnEmptyDimension_GivesEmptyOrBiasOnlyResultAndZeroGradients(int batch, int inFeatures, int outFeatures)
    {
        var x = Tensor.Ones([batch, inFeatures], DType.Float64).RequireGrad();
        var w = Tensor.Ones([outFeatures, inFeatures], DType.Float64).RequireGrad();
        var b = Tensor.Full([outFeatures], 0.5, DType.Float64).RequireGrad();
        var y = SharpGrad.NN.Functional.Linear(x, w, b);
        Assert.Equal([batch, outFeatures], y.Shape.ToArray());
        // With no input features each output is just its bias.
        Assert.All(y.ToDoubleArray(), v => Assert.Equal(inFeatures == 0 ? 0.5 : 3.5, v));
        y.Sum().Backward();
        Assert.Equal([batch, inFeatures], x.Grad!.Shape.ToArray());
        Assert.Equal([outFeatures, inFeatures], w.Grad!.Shape.ToArray());
        // ∂/∂b sums over the batch; ∂/∂W = Σ over the batch of the input (0 when the batch is empty).
        Assert.All(b.Grad!.ToDoubleArray(), v => Assert.Equal(batch, v));
        Assert.All(w.Grad!.ToDoubleArray(), v => Assert.Equal(batch, v));
        Assert.All(x.Grad!.ToDoubleArray(), v => Assert.Equal(outFeatures, v));
    }

    [Fact]
    public void LogSumExpAndSoftmax_OverAnEmptyDimension_AreMinusInfinityAndEmpty()
    {
        // PyTorch: logsumexp over an empty dimension is −∞ (log of an empty sum); softmax of an empty row is empty.
        var x = Tensor.Ones([2, 0], DType.Float64).RequireGrad();
        Assert.All(x.LogSumExp([1]).ToDoubleArray(), v => Assert.Equal(double.NegativeInfinity, v));
        var s = x.Softmax(1);
        Assert.Equal([2, 0], s.Shape.ToArray());
        s.Sum().Backward();
        Assert.Equal([2, 0], x.Grad!.Shape.ToArray());
    }
}
