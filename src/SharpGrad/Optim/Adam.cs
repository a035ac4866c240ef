using SharpGrad.Kernels;

namespace SharpGrad.Optim;

/// <summary>
/// Adam (Kingma and Ba, 2015) with PyTorch's update. For each parameter w with gradient g, at
/// step t = 1, 2, ...:
/// <code>
/// g = g + λ·w                                  (L2 weight decay λ, added to the gradient)
/// m = β₁·m + (1 − β₁)·g                        ("exp_avg")
/// v = β₂·v + (1 − β₂)·g²                       ("exp_avg_sq")
/// v̂ = max(v̂, v) with AMSGrad, else v̂ = v      ("max_exp_avg_sq")
/// w = w − lr/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
/// </code>
/// The division by 1 − βᵗ corrects the bias of moments that start at zero. State per parameter:
/// "step" (a 0-d float64 count), "exp_avg", "exp_avg_sq" and, with AMSGrad, "max_exp_avg_sq".
/// Weight decay here is L2 regularisation, which Adam's normalisation weakens for parameters
/// with large gradients; <see cref="AdamW"/> decouples it.
/// </summary>
public class Adam : Optimizer
{
    private static readonly string[] PlainState = ["step", "exp_avg", "exp_avg_sq"];
    private static readonly string[] AmsGradState = ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"];
    private readonly bool decoupledWeightDecay;

    /// <summary>Creates the optimiser over <paramref name="parameters"/> with PyTorch's defaults.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative learning rate, ε or weight decay, or a β outside [0, 1).</exception>
    public Adam(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false)
        : this(parameters, learningRate, beta1, beta2, eps, weightDecay, amsgrad, decoupledWeightDecay: false)
    {
    }

    private protected Adam(IEnumerable<Tensor> parameters, double learningRate, double beta1, double beta2,
        double eps, double weightDecay, bool amsgrad, bool decoupledWeightDecay)
        : base(parameters, learningRate, weightDecay)
    {
        Beta1 = RequireUnitInterval(beta1, nameof(beta1));
        Beta2 = RequireUnitInterval(beta2, nameof(beta2));
        Eps = RequireNonNegative(eps, nameof(eps));
        AmsGrad = amsgrad;
        this.decoupledWeightDecay = decoupledWeightDecay;
    }

    /// <summary>β₁, the decay rate of the first-moment (mean) estimate.</summary>
    public double Beta1 { get; }

    /// <summary>β₂, the decay rate of the second-moment (uncentred variance) estimate.</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to the denominator so that parameters with vanishing gradients take bounded steps.</summary>
    public double Eps { get; }

    /// <summary>Whether the denominator uses the running maximum of the second moment (AMSGrad), so step sizes never grow.</summary>
    public bool AmsGrad { get; }

    /// <inheritdoc/>
    protected override IReadOnlyCollection<string> StateNames => AmsGrad ? AmsGradState : PlainState;

    /// <inheritdoc/>
    protected override void UpdateParameter(Tensor parameter, Tensor grad, ParameterGroup group, IDictionary<string, Tensor> state)
    {
        double step = IncrementStep(state);
        double lr = group.LearningRate, wd = group.WeightDecay;
        var m = StateBuffer(state, "exp_avg", parameter);
        var v = StateBuffer(state, "exp_avg_sq", parameter);
        var vMax = AmsGrad ? StateBuffer(state, "max_exp_avg_sq", parameter) : null;
        double bias1 = 1 - Math.Pow(Beta1, step);
        double bias2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, step));
        // √v̂/√c₂ + ε = (√v̂ + ε·√c₂)/√c₂, so the √c₂ moves into the scalar step size (the paper's
        // "efficient" ordering) and the kernel needs no division by the bias correction per element.
        double stepSize = lr * bias2Sqrt / bias1, epsHat = Eps * bias2Sqrt;
        double l2 = decoupledWeightDecay ? 0 : wd, decay = decoupledWeightDecay ? 1 - lr * wd : 1;
        var p = WritableContiguous(parameter);
        var g = grad.Contiguous();
        if (!p.Device.IsCpu)
        {
            g = Dispatch.OnDevice(g, p.Device, "Adam");
            DeviceBackends.For(p.Device).Adam(p.Buffer, p.Offset, g.Buffer, g.Offset, m.Buffer, v.Buffer, vMax?.Buffer, p.Count,
                Beta1, Beta2, l2, decay, stepSize, epsHat);
        }
        else if (p.DType == DType.Float32)
            OptimizerUpdates.Adam(p.Data<float>(), p.Offset, g.Data<float>(), g.Offset, m.Data<float>(), m.Offset, v.Data<float>(), v.Offset,
                vMax?.Data<float>(), vMax?.Offset ?? 0, p.Count, Beta1, Beta2, l2, decay, stepSize, epsHat);
        else
            OptimizerUpdates.Adam(p.Data<double>(), p.Offset, g.Data<double>(), g.Offset, m.Data<double>(), m.Offset, v.Data<double>(), v.Offset,
                vMax?.Data<double>(), vMax?.Offset ?? 0, p.Count, Beta1, Beta2, l2, decay, stepSize, epsHat);
        CommitUpdate(parameter, p);
    }
}
