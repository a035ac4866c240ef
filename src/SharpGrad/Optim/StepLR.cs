namespace SharpGrad.Optim;

/// <summary>
/// Multiplies the learning rate by γ every <see cref="StepSize"/> steps:
/// lr(t) = lr₀·γ^⌊t / stepSize⌋, as PyTorch's StepLR.
/// </summary>
public sealed class StepLR : LearningRateScheduler
{
    /// <summary>Attaches the schedule to <paramref name="optimizer"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepSize"/> &lt; 1, or γ negative or not finite.</exception>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1)
        : base(optimizer)
    {
        if (stepSize < 1)
            throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "stepSize must be at least 1.");
        StepSize = stepSize;
        Gamma = Optimizer.RequireNonNegative(gamma, nameof(gamma));
        ApplyLearningRate();
    }

    /// <summary>The number of steps between decays.</summary>
    public int StepSize { get; }

    /// <summary>The factor applied at each decay.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected internal override IEnumerable<KeyValuePair<string, double>> Settings() => [new("step_size", StepSize), new("gamma", Gamma)];

    /// <inheritdoc/>
    public override double LearningRateAt(int step, double baseLearningRate) =>
        baseLearningRate * Math.Pow(Gamma, step / StepSize);
}
