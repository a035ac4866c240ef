using SharpGrad.Optim;
using static SharpGrad.Tests.Optim.OptimAssert;

namespace SharpGrad.Tests.Optim;

/// <summary>Learning-rate sequences against their closed forms.</summary>
public class SchedulerTests
{
    private static Sgd Optimizer(double lr = 1.0) => new([Param(0)], learningRate: lr);

    /// <summary>The learning rate after construction and after each of <paramref name="steps"/> steps.</summary>
    private static double[] Sequence(LearningRateScheduler scheduler, int steps)
    {
        var rates = new List<double> { scheduler.Optimizer.LearningRate };
        Assert.Equal(scheduler.LastLearningRate, rates[0]);
        for (int i = 0; i < steps; i++)
        {
            scheduler.Step();
            Assert.Equal(scheduler.Optimizer.LearningRate, scheduler.LastLearningRate);
            rates.Add(scheduler.LastLearningRate);
        }
        return [.. rates];
    }

    private static void CloseAll(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Close(expected[i], actual[i]);
    }

    [Fact]
    public void StepLR_MultipliesByGammaEveryStepSize()
    {
        var s = new StepLR(Optimizer(0.8), stepSize: 2, gamma: 0.5);
        // lr(t) = 0.8·0.5^⌊t/2⌋
        CloseAll([0.8, 0.8, 0.4, 0.4, 0.2, 0.2, 0.1], Sequence(s, 6));
        Assert.Equal(6, s.StepCount);
    }

    [Fact]
    public void CosineAnnealingLR_FollowsHalfACosineToEtaMin()
    {
        var s = new CosineAnnealingLR(Optimizer(1.0), tMax: 4, etaMin: 0.1);
        // lr(t) = 0.1 + 0.9·(1 + cos(πt/4))/2
        double C(int t) => 0.1 + 0.9 * (1 + Math.Cos(Math.PI * t / 4)) / 2;
        CloseAll([C(0), C(1), C(2), C(3), C(4)], Sequence(s, 4));
        CloseAll([1.0, 0.1 + 0.45 * (1 + Math.Sqrt(0.5)), 0.55, 0.1 + 0.45 * (1 - Math.Sqrt(0.5)), 0.1], [C(0), C(1), C(2), C(3), C(4)]);
    }

    [Fact]
    public void LinearWarmup_RampsThenHoldsOrDelegates()
    {
        // Alone: lr₀·(0.25 + 0.75·t/3) for t < 3, then lr₀.
        var alone = new LinearWarmup(Optimizer(2.0), warmupSteps: 3, startFactor: 0.25);
        CloseAll([0.5, 1.0, 1.5, 2.0, 2.0], Sequence(alone, 4));

        // Followed by cosine annealing over 2 steps, which starts at its own step 0 when the warm-up ends.
        var opt = Optimizer(1.0);
        var warm = new LinearWarmup(opt, warmupSteps: 2, startFactor: 0.5, after: new CosineAnnealingLR(opt, tMax: 2, etaMin: 0));
        CloseAll([0.5, 0.75, 1.0, 0.5, 0.0], Sequence(warm, 4));
    }

    [Fact]
    public void Schedulers_ScaleEachGroupFromItsOwnBaseRate()
    {
        var opt = Optimizer(1.0);
        var g = opt.AddParameterGroup([Param(0)], learningRate: 0.1);
        var s = new StepLR(opt, stepSize: 1, gamma: 0.5);
        s.Step();
        Assert.Equal(0.5, opt.ParameterGroups[0].LearningRate);
        Assert.Equal(0.05, g.LearningRate);
        Assert.Equal([1.0, 0.1], s.BaseLearningRates);
        Assert.Equal(0.5, s.LearningRateAt(1, 1.0));
    }

    [Fact]
    public void InvalidArguments_NameTheParameter()
    {
        Assert.Equal("stepSize", Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(Optimizer(), 0)).ParamName);
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(Optimizer(), 1, -0.5)).ParamName);
        Assert.Equal("tMax", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingLR(Optimizer(), 0)).ParamName);
        Assert.Equal("etaMin", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingLR(Optimizer(), 3, -1)).ParamName);
        Assert.Equal("warmupSteps", Assert.Throws<ArgumentOutOfRangeException>(() => new LinearWarmup(Optimizer(), 0)).ParamName);
        Assert.Equal("startFactor", Assert.Throws<ArgumentOutOfRangeException>(() => new LinearWarmup(Optimizer(), 2, 1.5)).ParamName);
        Assert.Equal("after", Assert.Throws<ArgumentException>(() => new LinearWarmup(Optimizer(), 2, 0.5, new StepLR(Optimizer(), 1))).ParamName);
    }

    [Fact]
    public void StateDict_RestoredIntoAFreshScheduler_ContinuesTheSchedule()
    {
        // Warm-up over 2 steps from 0.5·lr₀, then cosine over 4 steps: lr₀ = 0.8.
        double Expected(int t) => t < 2 ? 0.8 * (0.5 + 0.5 * t / 2) : 0.8 * (1 + Math.Cos(Math.PI * (t - 2) / 4)) / 2;
        var opt = Optimizer(0.8);
        var first = new LinearWarmup(opt, 2, 0.5, new CosineAnnealingLR(opt, tMax: 4));
        for (int i = 0; i < 3; i++) first.Step();
        var state = first.StateDict();

        // A fresh optimiser, as after a restart, holds the rate reached (step 3), not the base rate.
        var restartedOpt = Optimizer(Expected(3));
        var restarted = new LinearWarmup(restartedOpt, 2, 0.5, new CosineAnnealingLR(restartedOpt, tMax: 4));
        restarted.LoadStateDict(state);
        Assert.Equal(3, restarted.StepCount);
        Assert.Equal([0.8], restarted.BaseLearningRates);
        Close(Expected(3), restartedOpt.LearningRate);
        for (int t = 4; t <= 6; t++)
        {
            restarted.Step();
            Close(Expected(t), restartedOpt.LearningRate);
        }
    }

    [Fact]
    public void LoadStateDict_OfAnotherScheduleOrDamagedState_ListsEveryProblemAndChangesNothing()
    {
        var opt = Optimizer(1.0);
        var saved = new CosineAnnealingLR(opt, tMax: 10, etaMin: 0.01);
        saved.Step();
        var state = saved.StateDict();

        var longer = new CosineAnnealingLR(Optimizer(1.0), tMax: 20, etaMin: 0.01);
        var e = Assert.Throws<ArgumentException>(() => longer.LoadStateDict(state));
        Assert.Contains("t_max is 10 in the state dict but 20 in this scheduler", e.Message);
        Assert.Equal(0, longer.StepCount);

        var step = new StepLR(Optimizer(1.0), stepSize: 2);
        e = Assert.Throws<ArgumentException>(() => step.LoadStateDict(state));
        Assert.Contains("unexpected key t_max", e.Message);
        Assert.Contains("missing key step_size", e.Message);

        var damaged = new Dictionary<string, Tensor>(state)
        {
            ["last_epoch"] = Tensor.Scalar(-3.0, DType.Float64),
            ["base_lr.0"] = Tensor.Scalar(double.NaN, DType.Float64),
        };
        e = Assert.Throws<ArgumentException>(() => new CosineAnnealingLR(Optimizer(1.0), tMax: 10, etaMin: 0.01).LoadStateDict(damaged));
        Assert.Contains("last_epoch is -3, not a whole number of steps ≥ 0", e.Message);
        Assert.Contains("base_lr.0 is NaN, not a finite learning rate ≥ 0", e.Message);
    }
}
