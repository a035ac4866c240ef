using SharpGrad.Optim;
using static SharpGrad.Tests.Optim.OptimAssert;

namespace SharpGrad.Tests.Optim;

/// <summary>SGD against trajectories worked out by hand (PyTorch's update rule).</summary>
public class SgdTests
{
    [Fact]
    public void Plain_OnSumOfSquares_ShrinksBy1Minus2Lr()
    {
        var w = Param(1, -2);
        var opt = new Sgd([w], learningRate: 0.1);
        // g = 2w, so w ← w − 0.1·2w = 0.8w each step.
        SumOfSquaresBackward(w);
        opt.Step();
        Close([0.8, -1.6], w);
        SumOfSquaresBackward(w);
        opt.Step();
        Close([0.64, -1.28], w);
    }

    [Fact]
    public void Momentum_FirstStepCopiesGradientIntoBuffer()
    {
        var w = Param(0);
        var opt = new Sgd([w], learningRate: 0.1, momentum: 0.9);
        double[] expected =
        [
            -0.1,           // b = 1,                 w = 0 − 0.1·1
            -0.1 - 0.19,    // b = 0.9·1 + 1 = 1.9,   w = −0.1 − 0.19 = −0.29
            -0.29 - 0.271,  // b = 0.9·1.9 + 1 = 2.71, w = −0.561
        ];
        foreach (var e in expected)
        {
            SetGrad(w, 1);
            opt.Step();
            Close([e], w);
        }
    }

    [Fact]
    public void Momentum_OnSumOfSquares()
    {
        var w = Param(1);
        var opt = new Sgd([w], learningRate: 0.1, momentum: 0.9);
        // g = 2 → b = 2, w = 0.8;  g = 1.6 → b = 1.8 + 1.6 = 3.4, w = 0.46;  g = 0.92 → b = 3.06 + 0.92 = 3.98, w = 0.062
        foreach (var e in new[] { 0.8, 0.46, 0.062 })
        {
            SumOfSquaresBackward(w);
            opt.Step();
            Close([e], w);
        }
    }

    [Fact]
    public void Dampening_AppliesFromTheSecondStep()
    {
        var w = Param(0);
        var opt = new Sgd([w], learningRate: 0.1, momentum: 0.9, dampening: 0.5);
        // b = 1 (undamped copy), w = −0.1;  b = 0.9 + 0.5·1 = 1.4, w = −0.24;  b = 1.26 + 0.5 = 1.76, w = −0.416
        foreach (var e in new[] { -0.1, -0.24, -0.416 })
        {
            SetGrad(w, 1);
            opt.Step();
            Close([e], w);
        }
    }

    [Fact]
    public void Nesterov_StepsAlongGradientPlusMomentumTimesBuffer()
    {
        var w = Param(0);
        var opt = new Sgd([w], learningRate: 0.1, momentum: 0.9, nesterov: true);
        // b = 1, d = 1 + 0.9·1 = 1.9, w = −0.19;  b = 1.9, d = 1 + 0.9·1.9 = 2.71, w = −0.461
        foreach (var e in new[] { -0.19, -0.461 })
        {
            SetGrad(w, 1);
            opt.Step();
            Close([e], w);
        }
    }

    [Fact]
    public void WeightDecay_AddsLambdaWToTheGradient()
    {
        var w = Param(1);
        var opt = new Sgd([w], learningRate: 0.1, weightDecay: 0.1);
        // d = 1 + 0.1·1 = 1.1, w = 0.89;  d = 1 + 0.089 = 1.089, w = 0.89 − 0.1089 = 0.7811
        foreach (var e in new[] { 0.89, 0.7811 })
        {
            SetGrad(w, 1);
            opt.Step();
            Close([e], w);
        }
        Assert.Equal([1.0], w.Grad!.ToArray<double>()); // the gradient itself is never modified
    }

    [Fact]
    public void Step_SkipsParametersWithoutGradient_BumpsVersion_ZeroGradClears()
    {
        var a = Param(1, 2);
        var b = Param(3);
        var opt = new Sgd([a, b], learningRate: 0.5, momentum: 0.9);
        SetGrad(a, 1, 1);
        int version = a.Version;
        opt.Step(); // called with gradients enabled: the optimiser opens its own no-grad scope
        Close([0.5, 1.5], a);
        Close([3], b);
        Assert.True(a.Version > version);
        Assert.DoesNotContain(opt.StateDict().Keys, k => k.StartsWith("param.1.", StringComparison.Ordinal));
        var kept = a.Grad;
        opt.ZeroGrad();
        Assert.Same(kept, a.Grad); // zeroed in place, so the next backward pass reuses the buffer
        Assert.Equal([0.0, 0.0], a.Grad!.ToArray<double>());
        Assert.Null(b.Grad);
        opt.ZeroGrad(setToNone: true);
        Assert.Null(a.Grad);
    }

    [Fact]
    public void ParameterGroups_HaveTheirOwnLearningRateAndWeightDecay()
    {
        var weights = Param(1);
        var bias = Param(1);
        var opt = new Sgd([weights], learningRate: 0.1, weightDecay: 0.5);
        var group = opt.AddParameterGroup([bias], weightDecay: 0);
        Assert.Equal(0.1, group.LearningRate);
        SetGrad(weights, 1);
        SetGrad(bias, 1);
        opt.Step();
        Close([1 - 0.1 * 1.5], weights); // decayed
        Close([0.9], bias);              // not decayed
        opt.LearningRate = 0.2;          // sets every group
        Assert.Equal(0.2, opt.ParameterGroups[1].LearningRate);
    }

    [Fact]
    public void InvalidHyperParameters_NameTheParameter()
    {
        var w = Param(1);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([w], learningRate: -1)).ParamName);
        Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([w], momentum: -0.1)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([w], weightDecay: double.NaN)).ParamName);
        Assert.Equal("nesterov", Assert.Throws<ArgumentException>(() => new Sgd([w], nesterov: true)).ParamName);
        Assert.Throws<ArgumentException>(() => new Sgd([w], momentum: 0.9, dampening: 0.1, nesterov: true));
        Assert.Equal("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([w]).LearningRate = -0.1).ParamName);
        Assert.Throws<ArgumentException>(() => new Sgd([]));
        Assert.Throws<ArgumentException>(() => new Sgd([w, w]));
        Assert.Throws<ArgumentException>(() => new Sgd([w.Mul(2)]));
        Assert.Throws<ArgumentException>(() => new Sgd([Tensor.FromArray(new[] { 1 })]));
    }
}
