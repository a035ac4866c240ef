using SharpGrad.NN;

namespace SharpGrad.Tests.Ops;

/// <summary>
/// BatchNorm (training and eval, [N, C], [N, C, L] and [N, C, H, W]), LayerNorm and Dropout: the spec's batch-norm
/// gradient formula (E8) on a hand example, running-statistic updates, finite-difference and second-order checks,
/// dropout's masks and scaling, and the error messages.
/// </summary>
public class NormalizationTests
{
    [Fact]
    public void BatchNorm_Training_NormalisesWithBatchStatistics()
    {
        // One channel, x = [1, 2, 3, 6]: mean 3, biased variance (4 + 1 + 0 + 9)/4 = 3.5.
        var x = Tensor.FromArray([1.0, 2, 3, 6], 4, 1);
        var y = Functional.BatchNorm(x, null, null, Tensor.FromArray([2.0]), Tensor.FromArray([0.5]), training: true).ToDoubleArray();
        double inv = 1 / Math.Sqrt(3.5 + 1e-5);
        double[] expected = [-2 * 2 * inv + 0.5, -1 * 2 * inv + 0.5, 0.5, 3 * 2 * inv + 0.5];
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], y[i], 1e-12);
    }

    [Fact]
    public void BatchNorm_SpecE8_AnalyticGradientEqualsFormula()
    {
        // g = ∂E/∂y given; the spec's formula worked out element by element, against the backward pass.
        double[] xs = [1, 2, 3, 6], gs = [1, -2, 0.5, 3];
        double gamma = 2, eps = 1e-5;
        var x = Tensor.FromArray(xs, 4, 1).RequireGrad();
        var w = Tensor.FromArray([gamma]).RequireGrad();
        var b = Tensor.FromArray([0.5]).RequireGrad();
        Functional.BatchNorm(x, null, null, w, b, training: true, eps: eps).Backward(Tensor.FromArray(gs, 4, 1));

        double mu = xs.Average(), variance = xs.Select(v => (v - mu) * (v - mu)).Average();
        double inv = 1 / Math.Sqrt(variance + eps);
        var xhat = xs.Select(v => (v - mu) * inv).ToArray();
        double meanG = gs.Average(), meanGX = gs.Zip(xhat, (g, h) => g * h).Average();
        var dx = x.Grad!.ToDoubleArray();
        for (int i = 0; i < 4; i++)
            Assert.Equal(gamma * inv * (gs[i] - meanG - xhat[i] * meanGX), dx[i], 1e-12);
        Assert.Equal(gs.Zip(xhat, (g, h) => g * h).Sum(), w.Grad!.Item(), 1e-12);
        Assert.Equal(gs.Sum(), b.Grad!.Item(), 1e-12);
        // The gradient with respect to x sums to zero over the channel: shifting x leaves the output unchanged.
        Assert.Equal(0, dx.Sum(), 1e-12);
    }

    [Fact]
    public void BatchNorm_SpecE8_Float32KernelMatchesFloat64()
    {
        Tensor[] Grads(DType dtype)
        {
            var x = Tensor.Uniform([6, 3, 4, 5], -2, 3, new Generator(81), dtype).RequireGrad();
            var w = Tensor.Uniform([3], 0.5, 1.5, new Generator(82), dtype).RequireGrad();
            var b = Tensor.Uniform([3], -1, 1, new Generator(83), dtype).RequireGrad();
            var gy = Tensor.Uniform([6, 3, 4, 5], -1, 1, new Generator(84), dtype);
            Functional.BatchNorm(x, null, null, w, b, training: true).Backward(gy);
            return [x.Grad!, w.Grad!, b.Grad!];
        }
        var g32 = Grads(DType.Float32);
        var g64 = Grads(DType.Float64);
        for (int t = 0; t < 3; t++)
        {
            var a = g32[t].ToDoubleArray();
            var e = g64[t].ToDoubleArray();
            for (int i = 0; i < e.Length; i++) Assert.Equal(e[i], a[i], 1e-4 * (1 + Math.Abs(e[i])));
        }
    }

    [Fact]
    public void BatchNorm_Training_UpdatesRunningStatisticsWithUnbiasedVariance()
    {
        // Channel 0: [1, 2, 3, 6] → mean 3, unbiased variance 14/3. Channel 1: [0, 0, 2, 2] → mean 1, unbiased variance 4/3.
        var x = Tensor.FromArray([1.0, 0, 2, 0, 3, 2, 6, 2], 4, 2);
        var runningMean = Tensor.FromArray([0.0, 10]);
        var runningVar = Tensor.FromArray([1.0, 1]);
        Functional.BatchNorm(x, runningMean, runningVar, null, null, training: true, momentum: 0.1);
        var rm = runningMean.ToDoubleArray();
        var rv = runningVar.ToDoubleArray();
        Assert.Equal(0.9 * 0 + 0.1 * 3, rm[0], 1e-12);
        Assert.Equal(0.9 * 10 + 0.1 * 1, rm[1], 1e-12);
        Assert.Equal(0.9 * 1 + 0.1 * 14.0 / 3, rv[0], 1e-12);
        Assert.Equal(0.9 * 1 + 0.1 * 4.0 / 3, rv[1], 1e-12);
    }

    [Fact]
    public void BatchNorm_Training_Float32RunningStatistics_InsideGradientRecording()
    {
        // Running statistics are float32 buffers, the input requires gradients: the update happens outside the graph.
        var x = Tensor.Uniform([8, 3, 2, 2], -1, 1, new Generator(85)).RequireGrad();
        var runningMean = Tensor.Zeros(3);
        var runningVar = Tensor.Ones(3);
        var y = Functional.BatchNorm(x, runningMean, runningVar, null, null, training: true, momentum: 0.5);
        y.Sum().Backward();
        var expectedMean = x.Detach().Mean([0, 2, 3]).Mul(0.5).ToFloatArray();
        var expectedVar = x.Detach().Var([0, 2, 3], correction: 1).Mul(0.5).Add(0.5).ToFloatArray();
        var rm = runningMean.ToFloatArray();
        var rv = runningVar.ToFloatArray();
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(expectedMean[c], rm[c], 1e-6f);
            Assert.Equal(expectedVar[c], rv[c], 1e-6f);
        }
        Assert.False(runningMean.RequiresGrad);
    }

    [Fact]
    public void BatchNorm_Eval_UsesRunningStatisticsAndLeavesThemAlone()
    {
        var x = Tensor.FromArray([1.0, 0, 2, 0, 3, 2], 3, 2);
        var runningMean = Tensor.FromArray([1.0, -1]);
        var runningVar = Tensor.FromArray([4.0, 0.25]);
        var y = Functional.BatchNorm(x, runningMean, runningVar, Tensor.FromArray([2.0, 1]), Tensor.FromArray([0.0, 3]), training: false, eps: 0).ToDoubleArray();
        // Channel 0: (x − 1)/2·2 = x − 1; channel 1: (x + 1)/0.5 + 3 = 2x + 5.
        Assert.Equal([0.0, 5, 1, 5, 2, 9], y);
        Assert.Equal([1.0, -1], runningMean.ToDoubleArray());
        Assert.Equal([4.0, 0.25], runningVar.ToDoubleArray());
    }

    [Theory]
    [InlineData(new[] { 5, 3 })]
    [InlineData(new[] { 3, 2, 4 })]
    [InlineData(new[] { 2, 3, 3, 2 })]
    public void BatchNorm_Training_MatchesFiniteDifferences(int[] shape) =>
        TestData.AssertGradients(t => Functional.BatchNorm(t[0], null, null, t[1], t[2], training: true),
            TestData.Leaf(shape, 86), TestData.Leaf([shape[1]], 87, 0.5, 2), TestData.Leaf([shape[1]], 88));

    [Fact]
    public void BatchNorm_TrainingWithoutAffine_MatchesFiniteDifferences() =>
        TestData.AssertGradients(t => Functional.BatchNorm(t[0], null, null, null, null, training: true).Mul(t[0]),
            TestData.Leaf([4, 2, 3], 89));

    [Fact]
    public void BatchNorm_Eval_MatchesFiniteDifferences()
    {
        var runningMean = Tensor.FromArray([0.5, -0.2, 0.1]);
        var runningVar = Tensor.FromArray([1.5, 0.7, 2.0]);
        TestData.AssertGradients(t => Functional.BatchNorm(t[0], runningMean, runningVar, t[1], t[2], training: false),
            TestData.Leaf([2, 3, 2, 2], 90), TestData.Leaf([3], 91), TestData.Leaf([3], 92));
    }

    [Fact]
    public void BatchNorm_SecondOrder_MatchesFiniteDifferences() =>
        TestData.AssertSecondOrder(t => Functional.BatchNorm(t[0], null, null, t[1], t[2], training: true),
            TestData.Leaf([3, 2, 2], 93), TestData.Leaf([2], 94, 0.5, 2), TestData.Leaf([2], 95));

    [Fact]
    public void BatchNorm_PermutedInput_MatchesContiguous()
    {
        var x = Tensor.Uniform([2, 4, 4, 3], -1, 1, new Generator(96), DType.Float64).Permute(0, 3, 1, 2);
        var a = Functional.BatchNorm(x, null, null, null, null, training: true).ToDoubleArray();
        var b = Functional.BatchNorm(x.Contiguous(), null, null, null, null, training: true).ToDoubleArray();
        Assert.Equal(b, a);
    }

    [Fact]
    public void LayerNorm_HandComputed()
    {
        // [1, 2, 3, 4]: mean 2.5, biased variance 1.25.
        var y = Functional.LayerNorm(Tensor.FromArray([1.0, 2, 3, 4, 2, 2, 2, 2], 2, 4), [4], null, null).ToDoubleArray();
        double inv = 1 / Math.Sqrt(1.25 + 1e-5);
        double[] expected = [-1.5 * inv, -0.5 * inv, 0.5 * inv, 1.5 * inv, 0, 0, 0, 0];
        for (int i = 0; i < 8; i++) Assert.Equal(expected[i], y[i], 1e-12);
    }

    [Theory]
    [InlineData(new[] { 2, 3, 4 }, new[] { 4 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 3, 4 })]
    public void LayerNorm_MatchesFiniteDifferences(int[] shape, int[] normalized) =>
        TestData.AssertGradients(t => Functional.LayerNorm(t[0], normalized, t[1], t[2]),
            TestData.Leaf(shape, 97), TestData.Leaf(normalized, 98), TestData.Leaf(normalized, 99));

    [Fact]
    public void LayerNorm_MatchesFiniteDifferences_OnStridedAndBroadcastInputs()
    {
        // A transposed input, a weight read with stride 2, and no bias; then no affine parameters at all.
        var x = TestData.TransposedLeaf(5, 3, 100);
        var w = TestData.SteppedLeaf(1, 3, 101);
        TestData.AssertGradients(t => Functional.LayerNorm(t[0], [3], t[1].Reshape(3)), x, w);
        TestData.AssertGradients(t => Functional.LayerNorm(t[0], [3]), TestData.SteppedLeaf(4, 3, 102));
    }

    [Fact]
    public void LayerNorm_HasSecondDerivatives() =>
        TestData.AssertSecondOrder(t => Functional.LayerNorm(t[0], [3], t[1], t[2]),
            TestData.Leaf([2, 3], 103), TestData.Leaf([3], 104), TestData.Leaf([3], 105));

    [Fact]
    public void LayerNorm_Float32_MatchesTheDefinitionInDouble()
    {
        // The definition evaluated in double from the same float inputs, values and gradients.
        var x = Tensor.Uniform([6, 16], -3, 3, new Generator(106));
        var w = Tensor.Uniform([16], 0.5, 1.5, new Generator(107));
        var b = Tensor.Uniform([16], -1, 1, new Generator(108));
        var r = Tensor.Uniform([6, 16], -1, 1, new Generator(109));
        Tensor[] leaves32 = [x.RequireGrad(), w.RequireGrad(), b.RequireGrad()];
        var y32 = Functional.LayerNorm(leaves32[0], [16], leaves32[1], leaves32[2]);
        y32.Mul(r).Sum().Backward();
        Tensor[] leaves64 = [x.Detach().To(DType.Float64).RequireGrad(), w.Detach().To(DType.Float64).RequireGrad(), b.Detach().To(DType.Float64).RequireGrad()];
        var centered = leaves64[0].Sub(leaves64[0].Mean([1], keepDim: true));
        var y64 = centered.Div(centered.Mul(centered).Mean([1], keepDim: true).Add(1e-5).Sqrt()).Mul(leaves64[1]).Add(leaves64[2]);
        y64.Mul(r.To(DType.Float64)).Sum().Backward();
        void Close(Tensor expected, Tensor actual)
        {
            var e = expected.ToDoubleArray();
            var a = actual.ToDoubleArray();
            for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) < 1e-5 * (1 + Math.Abs(e[i])), $"element {i}: expected {e[i]}, got {a[i]}");
        }
        Close(y64, y32);
        for (int i = 0; i < 3; i++) Close(leaves64[i].Grad!, leaves32[i].Grad!);
    }

    [Fact]
    public void LayerNorm_WrongShape_Explains()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.LayerNorm(Tensor.Zeros(2, 3, 5), [4], null, null));
        Assert.Contains("LayerNorm", e.Message);
        Assert.Contains("[2, 3, 5]", e.Message);
        Assert.Contains("[5]", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Functional.LayerNorm(Tensor.Zeros(2, 5), [5], Tensor.Ones(4), null));
        Assert.Contains("weight", e2.Message);
    }

    [Fact]
    public void Dropout_SameSeed_SameMask()
    {
        var x = Tensor.Ones([40, 50]);
        var a = Functional.Dropout(x, 0.3, training: true, new Generator(7)).ToFloatArray();
        var b = Functional.Dropout(x, 0.3, training: true, new Generator(7)).ToFloatArray();
        var c = Functional.Dropout(x, 0.3, training: true, new Generator(8)).ToFloatArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Dropout_KeepsAboutOneMinusP_ScaledByInverse()
    {
        var x = Tensor.Full([100, 100], 3.0, DType.Float64);
        var y = Functional.Dropout(x, 0.25, training: true, new Generator(9)).ToDoubleArray();
        Assert.All(y, v => Assert.True(v == 0 || Math.Abs(v - 3 / 0.75) < 1e-12, $"unexpected value {v}"));
        double kept = y.Count(v => v != 0) / (double)y.Length;
        Assert.InRange(kept, 0.73, 0.77);
        Assert.InRange(y.Average(), 2.9, 3.1); // inverted dropout keeps the expected value
    }

    [Fact]
    public void Dropout_EvalOrZero_ReturnsInput()
    {
        var x = Tensor.Ones(3, 3);
        Assert.Same(x, Functional.Dropout(x, 0.5, training: false));
        Assert.Same(x, Functional.Dropout(x, 0, training: true));
    }

    [Fact]
    public void Dropout_Gradient_IsMaskTimesScale()
    {
        var x = TestData.AwayFromZero([10, 10], 10);
        var y = Functional.Dropout(x, 0.4, training: true, new Generator(11));
        y.Sum().Backward();
        var yv = y.ToDoubleArray();
        var g = x.Grad!.ToDoubleArray();
        for (int i = 0; i < g.Length; i++)
            Assert.Equal(yv[i] == 0 ? 0 : 1 / 0.6, g[i], 1e-12);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void Dropout_ProbabilityOutOfRange_Throws(double p)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Functional.Dropout(Tensor.Ones(2), p, training: true));
        Assert.Contains("[0, 1)", e.Message);
    }

    // ----- bad input -----

    [Fact]
    public void BatchNorm_ParameterShapeMismatch_NamesShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.BatchNorm(Tensor.Zeros(4, 3, 2, 2), null, null, Tensor.Ones(4), null, training: true));
        Assert.Contains("BatchNorm", e.Message);
        Assert.Contains("weight", e.Message);
        Assert.Contains("[3]", e.Message);
        Assert.Contains("[4]", e.Message);
        Assert.Contains("dimension 1", e.Message);
    }

    [Fact]
    public void BatchNorm_BadRankOrSingleValue_Throws()
    {
        Assert.Contains("rank 2 or more", Assert.Throws<ArgumentException>(() => Functional.BatchNorm(Tensor.Zeros(4), null, null, null, null, training: true)).Message);
        Assert.Contains("more than one value per channel", Assert.Throws<ArgumentException>(() => Functional.BatchNorm(Tensor.Zeros(1, 3), null, null, null, null, training: true)).Message);
        Assert.Contains("runningMean and runningVar", Assert.Throws<ArgumentException>(() => Functional.BatchNorm(Tensor.Zeros(2, 3), null, null, null, null, training: false)).Message);
    }
}
