namespace SharpGrad.Optim;

/// <summary>
/// Parameters that an <see cref="Optimizer"/> updates with the same learning rate and weight
/// decay, as a PyTorch <c>param_group</c>: the usual use is a second group of biases and
/// normalisation gains without weight decay. Groups are created by the optimiser's constructor
/// (the first) and by <see cref="Optimizer.AddParameterGroup"/>; their hyper-parameters may be
/// changed between steps (schedulers change <see cref="LearningRate"/>).
/// </summary>
public sealed class ParameterGroup
{
    private double learningRate;
    private double weightDecay;

    internal ParameterGroup(IReadOnlyList<Tensor> parameters, double learningRate, double weightDecay)
    {
        Parameters = parameters;
        LearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    /// <summary>The tensors this group updates, in order.</summary>
    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>The step size (≥ 0).</summary>
    public double LearningRate
    {
        get => learningRate;
        set => learningRate = Optimizer.RequireNonNegative(value, nameof(LearningRate));
    }

    /// <summary>The weight-decay coefficient (≥ 0): L2 added to the gradient, or decoupled for AdamW.</summary>
    public double WeightDecay
    {
        get => weightDecay;
        set => weightDecay = Optimizer.RequireNonNegative(value, nameof(WeightDecay));
    }
}
