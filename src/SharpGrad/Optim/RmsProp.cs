namespace SharpGrad.Optim;

/// <summary>
/// RMSprop (Hinton's lecture 6e) with PyTorch's update. For each parameter w with gradient g:
/// <code>
/// g = g + λ·w                                   (weight decay λ)
/// s = α·s + (1 − α)·g²                          ("square_avg")
/// ḡ = α·ḡ + (1 − α)·g   when centred            ("grad_avg")
/// a = √(s − ḡ²) + ε  when centred, else √s + ε
/// b = μ·b + g/a, w = w − lr·b   with momentum μ > 0  ("momentum_buffer")
/// w = w − lr·g/a                otherwise
/// </code>
/// Centring divides by an estimate of the gradient's standard deviation instead of its root
/// mean square. State per parameter: "step", "square_avg", and "momentum_buffer" / "grad_avg"
/// when those options are on. Note that ε is added after the square root (unlike some other
/// libraries' RMSprop), as PyTorch does.
/// </summary>
public sealed class RmsProp : Optimizer
{
    /// <summary>Creates the optimiser over <paramref name="parameters"/> with PyTorch's defaults.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative learning rate, ε, momentum or weight decay, or α outside [0, 1].</exception>
    public RmsProp(IEnumerable<Tensor> parameters, double learningRate = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false)
        : base(parameters, learningRate, weightDecay)
    {
        if (!(alpha >= 0 && alpha <= 1))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"alpha must lie in [0, 1], got {alpha}.");
        Alpha = alpha;
        Eps = RequireNonNegative(eps, nameof(eps));
        Momentum = RequireNonNegative(momentum, nameof(momentum));
        Centered = centered;
        var names = new List<string> { "step", "square_avg" };
        if (momentum > 0) names.Add("momentum_buffer");
        if (centered) names.Add("grad_avg");
        StateNames = names;
    }

    /// <summary>α, the decay rate of the running average of squared gradients.</summary>
    public double Alpha { get; }

    /// <summary>ε, added to the root mean square so that the division stays bounded.</summary>
    public double Eps { get; }

    /// <summary>The momentum factor μ (0 for none).</summary>
    public double Momentum { get; }

    /// <summary>Whether the gradient's running mean is subtracted, normalising by its variance.</summary>
    public bool Centered { get; }

    /// <inheritdoc/>
    protected override IReadOnlyCollection<string> StateNames { get; }

    /// <inheritdoc/>
    protected override void UpdateParameter(Tensor parameter, Tensor grad, ParameterGroup group, IDictionary<string, Tensor> state)
    {
        IncrementStep(state);
        if (group.WeightDecay != 0)
            grad = grad.Add(parameter.Mul(group.WeightDecay));
        var squareAvg = StateBuffer(state, "square_avg", parameter);
        squareAvg.MulInPlace(Alpha).AddInPlace(grad.Mul(grad), 1 - Alpha);
        Tensor avg;
        if (Centered)
        {
            var gradAvg = StateBuffer(state, "grad_avg", parameter);
            gradAvg.AddInPlace(grad.Sub(gradAvg), 1 - Alpha);
            avg = squareAvg.Sub(gradAvg.Mul(gradAvg)).Sqrt();
        }
        else
        {
            avg = squareAvg.Sqrt();
        }
        avg.AddInPlace(Tensor.Scalar(Eps, parameter.DType));
        if (Momentum > 0)
        {
            var buffer = StateBuffer(state, "momentum_buffer", parameter);
            buffer.MulInPlace(Momentum).AddInPlace(grad.Div(avg));
            parameter.AddInPlace(buffer, -group.LearningRate);
        }
        else
        {
            parameter.AddInPlace(grad.Div(avg), -group.LearningRate);
        }
    }
}
