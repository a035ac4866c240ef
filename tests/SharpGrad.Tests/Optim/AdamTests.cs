using SharpGrad.Optim;
using static SharpGrad.Tests.Optim.OptimAssert;

namespace SharpGrad.Tests.Optim;

/// <summary>Adam, AMSGrad and AdamW: the first steps written out with the bias-corrected formulas.</summary>
public class AdamTests
{
    private const double Lr = 0.1, B1 = 0.9, B2 = 0.999, Eps = 1e-8;

    [Fact]
    public void Adam_FirstTwoSteps_OnSumOfSquares()
    {
        var w = Param(1);
        var opt = new Adam([w], learningRate: Lr);

        // Step 1: g₁ = 2w₀ = 2
        double g1 = 2;
        double m1 = (1 - B1) * g1, v1 = (1 - B2) * g1 * g1;
        double mHat1 = m1 / (1 - B1), vHat1 = v1 / (1 - B2); // = g₁, g₁²
        double w1 = 1 - Lr * mHat1 / (Math.Sqrt(vHat1) + Eps);
        SumOfSquaresBackward(w);
        opt.Step();
        Close([w1], w);
        Close(0.9, w1, 1e-8); // the first step moves by ≈ lr whatever the gradient's size

        // Step 2: g₂ = 2w₁
        double g2 = 2 * w1;
        double m2 = B1 * m1 + (1 - B1) * g2, v2 = B2 * v1 + (1 - B2) * g2 * g2;
        double mHat2 = m2 / (1 - B1 * B1), vHat2 = v2 / (1 - B2 * B2);
        double w2 = w1 - Lr * mHat2 / (Math.Sqrt(vHat2) + Eps);
        SumOfSquaresBackward(w);
        opt.Step();
        Close([w2], w);

        var state = opt.StateDict();
        Assert.Equal(2.0, state["param.0.step"].Item());
        Close([m2], state["param.0.exp_avg"]);
        Close([v2], state["param.0.exp_avg_sq"]);
    }

    [Fact]
    public void Adam_WeightDecay_IsAddedToTheGradient()
    {
        var w = Param(1);
        var opt = new Adam([w], learningRate: Lr, weightDecay: 0.1);
        // g' = g + λw with a fixed g = 0.5: step 1 g' = 0.6
        double g1 = 0.5 + 0.1 * 1;
        double m1 = (1 - B1) * g1, v1 = (1 - B2) * g1 * g1;
        double w1 = 1 - Lr * (m1 / (1 - B1)) / (Math.Sqrt(v1 / (1 - B2)) + Eps);
        double g2 = 0.5 + 0.1 * w1;
        double m2 = B1 * m1 + (1 - B1) * g2, v2 = B2 * v1 + (1 - B2) * g2 * g2;
        double w2 = w1 - Lr * (m2 / (1 - B1 * B1)) / (Math.Sqrt(v2 / (1 - B2 * B2)) + Eps);
        SetGrad(w, 0.5);
        opt.Step();
        Close([w1], w);
        opt.Step();
        Close([w2], w);
    }

    [Fact]
    public void AmsGrad_UsesTheRunningMaximumOfTheSecondMoment()
    {
        const double b2 = 0.5; // a fast-decaying v makes the maximum matter by step 2
        var w = Param(0);
        var opt = new Adam([w], learningRate: Lr, beta2: b2, amsgrad: true);
        // Step 1: g = 2 → m = 0.2, v = 0.5·4 = 2, v̂max = 2
        double m1 = 0.1 * 2, v1 = (1 - b2) * 4;
        double w1 = 0 - Lr * (m1 / (1 - B1)) / (Math.Sqrt(v1 / (1 - b2)) + Eps);
        // Step 2: g = 0.1 → m = 0.18 + 0.01 = 0.19, v = 1 + 0.005 = 1.005 < 2, so v̂max stays 2
        double m2 = B1 * m1 + 0.1 * 0.1, v2 = b2 * v1 + (1 - b2) * 0.01, vMax = Math.Max(v1, v2);
        Assert.Equal(2.0, vMax);
        double w2 = w1 - Lr * (m2 / (1 - B1 * B1)) / (Math.Sqrt(vMax / (1 - b2 * b2)) + Eps);
        SetGrad(w, 2);
        opt.Step();
        Close([w1], w);
        SetGrad(w, 0.1);
        opt.Step();
        Close([w2], w);
        Close([2.0], opt.StateDict()["param.0.max_exp_avg_sq"]);
        Close([v2], opt.StateDict()["param.0.exp_avg_sq"]);
    }

    [Fact]
    public void AdamW_DecaysWeightsBeforeTheAdamStep_LeavingTheGradientAlone()
    {
        const double wd = 0.1;
        var w = Param(1);
        var opt = new AdamW([w], learningRate: Lr, weightDecay: wd);
        // Step 1: w ← w·(1 − lr·wd) = 0.99, then Adam on g = 0.5 (m̂ = 0.5, v̂ = 0.25)
        double w1 = 1 * (1 - Lr * wd) - Lr * 0.5 / (0.5 + Eps);
        // Step 2: m = 0.9·0.05 + 0.1·0.5 = 0.095, m̂ = 0.095/0.19 = 0.5; v̂ = 0.25 again
        double m2 = B1 * 0.05 + (1 - B1) * 0.5, v2 = B2 * 0.00025 + (1 - B2) * 0.25;
        double w2 = w1 * (1 - Lr * wd) - Lr * (m2 / (1 - B1 * B1)) / (Math.Sqrt(v2 / (1 - B2 * B2)) + Eps);
        SetGrad(w, 0.5);
        opt.Step();
        Close([w1], w);
        opt.Step();
        Close([w2], w);

        // Adam's L2 decay goes through the normalisation and ends up elsewhere.
        var l2 = Param(1);
        var adam = new Adam([l2], learningRate: Lr, weightDecay: wd);
        SetGrad(l2, 0.5);
        adam.Step();
        adam.Step();
        Assert.True(Math.Abs(l2.Item() - w2) > 1e-3);
    }

    [Fact]
    public void Adam_Float32Parameters_TrackFloat64()
    {
        var w64 = Param(1, -2, 3);
        var w32 = Tensor.FromArray(new[] { 1f, -2f, 3f }).RequireGrad();
        var a = new Adam([w64], learningRate: 0.05, weightDecay: 0.01, amsgrad: true);
        var b = new Adam([w32], learningRate: 0.05, weightDecay: 0.01, amsgrad: true);
        for (int i = 0; i < 5; i++)
        {
            SumOfSquaresBackward(w64);
            SumOfSquaresBackward(w32);
            a.Step();
            b.Step();
        }
        Close(w64.ToArray<double>(), w32, 1e-5);
    }

    [Fact]
    public void InvalidHyperParameters_NameTheParameter()
    {
        var w = Param(1);
        Assert.Equal("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([w], beta1: 1)).ParamName);
        Assert.Equal("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW([w], beta2: -0.1)).ParamName);
        Assert.Equal("eps", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([w], eps: -1)).ParamName);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW([w], learningRate: -1e-3)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW([w], weightDecay: -1)).ParamName);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([w], beta1: 1.5));
        Assert.Contains("beta1 must lie in [0, 1)", e.Message);
    }
}
