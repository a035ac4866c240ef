using SharpGrad.Optim;
using static SharpGrad.Tests.Optim.OptimAssert;

namespace SharpGrad.Tests.Optim;

/// <summary>RMSprop (plain, centred, with momentum and weight decay) worked out by hand on f(w) = w².</summary>
public class RmsPropTests
{
    private const double Lr = 0.01, Alpha = 0.99, Eps = 1e-8;

    [Fact]
    public void Plain_FirstTwoSteps()
    {
        var w = Param(1);
        var opt = new RmsProp([w], learningRate: Lr, alpha: Alpha, eps: Eps);
        // g = 2: s = 0.01·4 = 0.04, w = 1 − 0.01·2/(0.2 + ε) ≈ 0.9
        double s1 = (1 - Alpha) * 4;
        double w1 = 1 - Lr * 2 / (Math.Sqrt(s1) + Eps);
        // g = 2w₁ ≈ 1.8: s = 0.99·0.04 + 0.01·g²
        double g2 = 2 * w1, s2 = Alpha * s1 + (1 - Alpha) * g2 * g2;
        double w2 = w1 - Lr * g2 / (Math.Sqrt(s2) + Eps);
        SumOfSquaresBackward(w);
        opt.Step();
        Close([w1], w);
        Close(0.9, w1, 1e-7);
        SumOfSquaresBackward(w);
        opt.Step();
        Close([w2], w);
    }

    [Fact]
    public void Centered_DividesByTheGradientsStandardDeviation()
    {
        var w = Param(1);
        var opt = new RmsProp([w], learningRate: Lr, alpha: Alpha, eps: Eps, centered: true);
        // g = 2: s = 0.04, ḡ = 0.02, a = √(0.04 − 0.0004) + ε = √0.0396 + ε
        double s1 = 0.04, gbar1 = 0.02;
        double w1 = 1 - Lr * 2 / (Math.Sqrt(s1 - gbar1 * gbar1) + Eps);
        double g2 = 2 * w1, s2 = Alpha * s1 + (1 - Alpha) * g2 * g2, gbar2 = Alpha * gbar1 + (1 - Alpha) * g2;
        double w2 = w1 - Lr * g2 / (Math.Sqrt(s2 - gbar2 * gbar2) + Eps);
        SumOfSquaresBackward(w);
        opt.Step();
        Close([w1], w);
        SumOfSquaresBackward(w);
        opt.Step();
        Close([w2], w);
    }

    [Fact]
    public void Momentum_AccumulatesNormalisedGradients()
    {
        var w = Param(1);
        var opt = new RmsProp([w], learningRate: Lr, alpha: Alpha, eps: Eps, momentum: 0.9);
        // g = 2: s = 0.04, b = 2/(0.2 + ε) ≈ 10, w = 1 − 0.01·b ≈ 0.9
        double b1 = 2 / (Math.Sqrt(0.04) + Eps);
        double w1 = 1 - Lr * b1;
        double g2 = 2 * w1, s2 = Alpha * 0.04 + (1 - Alpha) * g2 * g2;
        double b2 = 0.9 * b1 + g2 / (Math.Sqrt(s2) + Eps);
        double w2 = w1 - Lr * b2;
        SumOfSquaresBackward(w);
        opt.Step();
        Close([w1], w);
        SumOfSquaresBackward(w);
        opt.Step();
        Close([w2], w);
    }

    [Fact]
    public void WeightDecay_AddsLambdaWBeforeSquaring()
    {
        var w = Param(2);
        var opt = new RmsProp([w], learningRate: Lr, alpha: Alpha, eps: Eps, weightDecay: 0.5);
        // g' = 1 + 0.5·2 = 2: s = 0.01·4 = 0.04, w = 2 − 0.01·2/(0.2 + ε)
        SetGrad(w, 1);
        opt.Step();
        Close([2 - Lr * 2 / (0.2 + Eps)], w);
    }

    [Fact]
    public void InvalidHyperParameters_NameTheParameter()
    {
        var w = Param(1);
        Assert.Equal("alpha", Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp([w], alpha: 1.5)).ParamName);
        Assert.Equal("eps", Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp([w], eps: -1)).ParamName);
        Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp([w], momentum: -1)).ParamName);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp([w], learningRate: double.PositiveInfinity)).ParamName);
    }
}
