using SharpGrad.Kernels;

namespace SharpGrad.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay,
/// with PyTorch's exact update. For each parameter w with gradient g:
/// <code>
/// d = g + λ·w                          (weight decay λ)
/// b = d                  on the first step (the buffer starts as a copy, not (1 − τ)·d)
/// b = μ·b + (1 − τ)·d    afterwards      (momentum μ, dampening τ)
/// d = d + μ·b  if Nesterov, else d = b
/// w = w − lr·d
/// </code>
/// Without momentum this is plain w ← w − lr·(g + λ·w). State per parameter: "momentum_buffer"
/// (only when μ ≠ 0).
/// </summary>
public sealed class Sgd : Optimizer
{
    private static readonly string[] MomentumState = ["momentum_buffer"];

    /// <summary>Creates the optimiser over <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative or non-finite learning rate, momentum, dampening or weight decay.</exception>
    /// <exception cref="ArgumentException">Nesterov momentum without momentum or with dampening (PyTorch's restriction: the look-ahead assumes an undamped buffer).</exception>
    public Sgd(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double momentum = 0, double dampening = 0,
        bool nesterov = false, double weightDecay = 0)
        : base(parameters, learningRate, weightDecay)
    {
        Momentum = RequireNonNegative(momentum, nameof(momentum));
        Dampening = RequireNonNegative(dampening, nameof(dampening));
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException($"Sgd: Nesterov momentum needs momentum > 0 and dampening = 0 (got momentum {momentum}, dampening {dampening}).", nameof(nesterov));
        Nesterov = nesterov;
    }

    /// <summary>The momentum factor μ (0 for none).</summary>
    public double Momentum { get; }

    /// <summary>The dampening τ applied to the gradient added into the momentum buffer after the first step.</summary>
    public double Dampening { get; }

    /// <summary>Whether the update uses Nesterov's look-ahead d + μ·b instead of b.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override IReadOnlyCollection<string> StateNames => Momentum != 0 ? MomentumState : [];

    /// <inheritdoc/>
    protected override void UpdateParameter(Tensor parameter, Tensor grad, ParameterGroup group, IDictionary<string, Tensor> state)
    {
        double lr = group.LearningRate, wd = group.WeightDecay;
        Tensor? buffer = null;
        if (Momentum != 0 && !state.TryGetValue("momentum_buffer", out buffer))
        {
            // The first step starts the buffer at d itself, undamped, as PyTorch does.
            var d = wd != 0 ? grad.Add(parameter.Mul(wd)) : grad;
            state["momentum_buffer"] = MemoryScope.Keep(d.Clone());
            parameter.AddInPlace(Nesterov ? d.Add(d.Mul(Momentum)) : d, -lr);
            return;
        }
        var p = WritableContiguous(parameter);
        var g = grad.Contiguous();
        if (!p.Device.IsCpu)
        {
            g = Dispatch.OnDevice(g, p.Device, "Sgd");
            DeviceBackends.For(p.Device).Sgd(p.Buffer, p.Offset, g.Buffer, g.Offset, buffer?.Buffer, p.Count,
                lr, wd, Momentum, Dampening, Nesterov);
        }
        else if (p.DType == DType.Float32)
            OptimizerUpdates.Sgd(p.Data<float>(), p.Offset, g.Data<float>(), g.Offset, buffer?.Data<float>(), buffer?.Offset ?? 0, p.Count,
                lr, wd, Momentum, Dampening, Nesterov);
        else
            OptimizerUpdates.Sgd(p.Data<double>(), p.Offset, g.Data<double>(), g.Offset, buffer?.Data<double>(), buffer?.Offset ?? 0, p.Count,
                lr, wd, Momentum, Dampening, Nesterov);
        CommitUpdate(parameter, p);
    }
}
