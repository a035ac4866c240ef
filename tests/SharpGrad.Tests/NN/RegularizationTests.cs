using SharpGrad.NN;

namespace SharpGrad.Tests.NN;

/// <summary>Spec exercise E11: the Lp penalty α·Σ|w|^p and its gradient α·p·|w|^(p−1)·sign(w).</summary>
public class RegularizationTests
{
    private static Tensor Param(params double[] v) => Tensor.FromArray(v).RequireGrad();

    private static void Close(double[] expected, Tensor actual)
    {
        var a = actual.ToArray<double>();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(expected[i] - a[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"element {i}: expected {expected[i]:R}, got {a[i]:R}");
    }

    [Fact]
    public void Lp_P2_IsWeightDecay2AlphaW()
    {
        var w = Param(1, -2, 3);
        var penalty = Regularization.Lp([w], alpha: 0.1, p: 2);
        Assert.Equal(0.1 * (1 + 4 + 9), penalty.Item(), 12);
        penalty.Backward();
        Close([0.2 * 1, 0.2 * -2, 0.2 * 3], w.Grad!); // 2α·w
    }

    [Fact]
    public void Lp_P3_NegativeWeights_UsesAbsoluteValueUnlikeTheSeed()
    {
        const double alpha = 0.1;
        double[] values = [-1, 2, -0.5];
        var w = Param(values);
        var penalty = Regularization.Lp([w], alpha, 3);
        Assert.Equal(alpha * (1 + 8 + 0.125), penalty.Item(), 12); // Σ|w|³
        penalty.Backward();
        // α·p·|w|^(p−1)·sign(w) = 0.3·[−1, 4, −0.25]: it pulls negative weights up towards 0.
        var correct = new[] { -0.3, 1.2, -0.075 };
        Close(correct, w.Grad!);

        // The seed's Σ w^p: value 0.1·(−1 + 8 − 0.125) and gradient 3α·w² = 0.3·[1, 4, 0.25], which
        // pushes negative weights further from zero — the sign is wrong exactly where w < 0.
        var seedW = Param(values);
        var seed = seedW.Pow(3).Sum().Mul(alpha);
        Assert.Equal(alpha * 6.875, seed.Item(), 12);
        seed.Backward();
        Close([0.3, 1.2, 0.075], seedW.Grad!);
        var seedGrad = seedW.Grad!.ToArray<double>();
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] < 0) Assert.Equal(-correct[i], seedGrad[i], 12);
            else Assert.Equal(correct[i], seedGrad[i], 12);
        }
    }

    [Fact]
    public void Lp_P1_IsAlphaSign_ZeroAtZero()
    {
        var w = Param(-2, 0, 3);
        var penalty = Regularization.Lp([w], alpha: 0.5, p: 1);
        Assert.Equal(0.5 * 5, penalty.Item(), 12);
        penalty.Backward();
        Close([-0.5, 0, 0.5], w.Grad!);
    }

    [Fact]
    public void Lp_AddedToLoss_GradientIsLossGradientPlusFormula()
    {
        // J(w) = Σ w·x with x = [1, 2], so ∇J = x; J̃ = J + α·Σ|w|^1.5.
        const double alpha = 0.2, p = 1.5;
        var w = Param(-0.8, 1.3);
        var b = Param(-0.4);
        var x = Tensor.FromArray(new[] { 1.0, 2.0 });
        var total = w.Mul(x).Sum().Add(b.Sum()).Add(Regularization.Lp([w, b], alpha, p));
        total.Backward();
        double G(double v) => alpha * p * Math.Pow(Math.Abs(v), p - 1) * Math.Sign(v);
        Close([1 + G(-0.8), 2 + G(1.3)], w.Grad!);
        Close([1 + G(-0.4)], b.Grad!);
    }

    [Fact]
    public void Lp_Gradient_MatchesFiniteDifferences()
    {
        var w1 = TestData.AwayFromZero([2, 3], 70);
        var w2 = TestData.AwayFromZero([4], 71);
        foreach (var p in new[] { 1.0, 1.5, 2.0, 3.0, 4.0 })
            TestData.AssertGradients(t => Regularization.Lp(t, 0.3, p), w1, w2);
    }

    [Fact]
    public void Lp_EmptyAndInvalidArguments()
    {
        Assert.Equal(0.0, Regularization.Lp([], 1, 2).Item());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Regularization.Lp([Param(1)], 1, 0.5));
        Assert.Equal("p", e.ParamName);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => Regularization.Lp([Param(1)], -1, 2));
        Assert.Equal("alpha", e.ParamName);
        Assert.Throws<ArgumentException>(() => Regularization.Lp([Tensor.FromArray(new[] { 1, 2 })], 1, 2));
    }
}
