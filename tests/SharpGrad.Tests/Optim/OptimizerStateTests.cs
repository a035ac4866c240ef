using SharpGrad.Optim;
using static SharpGrad.Tests.Optim.OptimAssert;

namespace SharpGrad.Tests.Optim;

/// <summary>Checkpointing: StateDict → a new optimiser → LoadStateDict continues the same trajectory.</summary>
public class OptimizerStateTests
{
    public static TheoryData<string> Kinds => new() { "Sgd", "SgdNesterov", "Adam", "AdamAmsGrad", "AdamW", "RmsProp", "RmsPropCenteredMomentum" };

    private static Optimizer Create(string kind, IEnumerable<Tensor> ps) => kind switch
    {
        "Sgd" => new Sgd(ps, 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01),
        "SgdNesterov" => new Sgd(ps, 0.05, momentum: 0.8, nesterov: true),
        "Adam" => new Adam(ps, 0.05, weightDecay: 0.01),
        "AdamAmsGrad" => new Adam(ps, 0.05, beta2: 0.9, amsgrad: true),
        "AdamW" => new AdamW(ps, 0.05),
        "RmsProp" => new RmsProp(ps, 0.01),
        _ => new RmsProp(ps, 0.01, momentum: 0.5, centered: true, weightDecay: 0.1),
    };

    // A fixed quartic-ish objective, so every step sees a different gradient.
    private static void Backward(Tensor a, Tensor b)
    {
        a.Grad = null;
        b.Grad = null;
        var x = Tensor.FromArray(new[] { 0.5, -1.5, 2.0 });
        a.Mul(x).Sum().Mul(b.Sum()).Add(a.Pow(4).Sum()).Add(b.Mul(b).Sum()).Backward();
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void LoadStateDict_ContinuesTheTrajectoryExactly(string kind)
    {
        var a = Param(0.3, -0.7, 1.1);
        var b = Param(0.9, -0.2);
        var opt = Create(kind, [a, b]);
        for (int i = 0; i < 3; i++) { Backward(a, b); opt.Step(); }
        opt.LearningRate = 0.02; // as a scheduler would; the state dict carries it
        var checkpoint = opt.StateDict();
        var (a0, b0) = (a.ToArray<double>(), b.ToArray<double>());
        for (int i = 0; i < 4; i++) { Backward(a, b); opt.Step(); }

        var a2 = Param(a0);
        var b2 = Param(b0);
        var resumed = Create(kind, [a2, b2]);
        resumed.LoadStateDict(checkpoint);
        Assert.Equal(0.02, resumed.LearningRate);
        for (int i = 0; i < 4; i++) { Backward(a2, b2); resumed.Step(); }
        Assert.Equal(a.ToArray<double>(), a2.ToArray<double>());
        Assert.Equal(b.ToArray<double>(), b2.ToArray<double>());

        // Without the state, the continuation differs (except for stateless settings, which these are not).
        var a3 = Param(a0);
        var b3 = Param(b0);
        var fresh = Create(kind, [a3, b3]);
        fresh.LearningRate = 0.02;
        for (int i = 0; i < 4; i++) { Backward(a3, b3); fresh.Step(); }
        Assert.NotEqual(a.ToArray<double>(), a3.ToArray<double>());
    }

    [Fact]
    public void StateDict_KeysAndScalarsFollowTheConvention_AndAreSnapshots()
    {
        var w = Tensor.FromArray(new[] { 1f, 2f }).RequireGrad();
        var opt = new Adam([w], 0.1);
        w.Grad = Tensor.FromArray(new[] { 1f, 1f });
        opt.Step();
        var state = opt.StateDict();
        Assert.Equal(["group.0.lr", "group.0.weight_decay", "param.0.exp_avg", "param.0.exp_avg_sq", "param.0.step"], state.Keys.Order().ToArray());
        Assert.Equal(DType.Float64, state["param.0.step"].DType);
        Assert.Equal(0, state["param.0.step"].Rank);
        Assert.Equal(DType.Float32, state["param.0.exp_avg"].DType);
        Assert.Equal(0.1, state["group.0.lr"].Item());
        opt.Step();
        Assert.Equal(1.0, state["param.0.step"].Item()); // the snapshot did not move
    }

    [Fact]
    public void LoadStateDict_Mismatches_AreReportedTogether_AndChangeNothing()
    {
        var w = Param(1, 2);
        var opt = new Adam([w], 0.1);
        SetGrad(w, 1, 1);
        opt.Step();
        var good = opt.StateDict();

        var target = new Adam([Param(1, 2)], 0.3);
        var broken = good.ToDictionary(kv => kv.Key, kv => kv.Value);
        broken.Remove("param.0.exp_avg_sq");
        broken["param.0.exp_avg"] = Tensor.Zeros([3], DType.Float64);
        broken["param.0.momentum_buffer"] = Tensor.Zeros([2], DType.Float64);
        broken["param.7.step"] = Tensor.Scalar(1, DType.Float64);
        var e = Assert.Throws<ArgumentException>(() => target.LoadStateDict(broken));
        Assert.Contains("param.0.exp_avg has shape [3] but [2] is needed", e.Message);
        Assert.Contains("unexpected key param.0.momentum_buffer", e.Message);
        Assert.Contains("unexpected key param.7.step", e.Message);
        Assert.Contains("missing key param.0.exp_avg_sq", e.Message);
        Assert.Equal(0.3, target.LearningRate); // unchanged

        var noGroup = good.Where(kv => kv.Key != "group.0.lr").ToDictionary(kv => kv.Key, kv => kv.Value);
        e = Assert.Throws<ArgumentException>(() => target.LoadStateDict(noGroup));
        Assert.Contains("missing key group.0.lr", e.Message);

        // An SGD state dict does not fit Adam, and AMSGrad state needs its extra buffer.
        var sgd = new Sgd([Param(1, 2)], 0.1, momentum: 0.9);
        sgd.Parameters[0].Grad = Tensor.FromArray(new[] { 1.0, 1.0 });
        sgd.Step();
        Assert.Throws<ArgumentException>(() => target.LoadStateDict(sgd.StateDict()));
        e = Assert.Throws<ArgumentException>(() => new Adam([Param(1, 2)], amsgrad: true).LoadStateDict(good));
        Assert.Contains("max_exp_avg_sq", e.Message);
    }
}
