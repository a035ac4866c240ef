namespace SharpGrad.Optim;

/// <summary>
/// Raises the learning rate linearly from startFactor·lr₀ to lr₀ over the first
/// <see cref="WarmupSteps"/> steps (PyTorch's LinearLR with end factor 1): lr(t) =
/// lr₀·(s + (1 − s)·t / warmupSteps) for t &lt; warmupSteps. Afterwards it follows the wrapped
/// scheduler from that scheduler's step 0 (as PyTorch's SequentialLR chains them), or stays at
/// lr₀. Warm-up keeps the first updates small while Adam's moment estimates and batch-norm
/// statistics are still noisy. Construct the wrapped scheduler first (for example as the
/// argument expression) and step only this one.
/// </summary>
public sealed class LinearWarmup : LearningRateScheduler
{
    /// <summary>Attaches the warm-up to <paramref name="optimizer"/>, optionally followed by <paramref name="after"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="warmupSteps"/> &lt; 1 or <paramref name="startFactor"/> outside [0, 1].</exception>
    /// <exception cref="ArgumentException"><paramref name="after"/> schedules a different optimiser.</exception>
    public LinearWarmup(Optimizer optimizer, int warmupSteps, double startFactor = 1.0 / 3, LearningRateScheduler? after = null)
        : base(optimizer)
    {
        if (warmupSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "warmupSteps must be at least 1.");
        if (!(startFactor >= 0 && startFactor <= 1))
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, "startFactor must lie in [0, 1].");
        if (after is not null && !ReferenceEquals(after.Optimizer, optimizer))
            throw new ArgumentException("LinearWarmup: the scheduler to follow the warm-up must schedule the same optimiser.", nameof(after));
        WarmupSteps = warmupSteps;
        StartFactor = startFactor;
        After = after;
        ApplyLearningRate();
    }

    /// <summary>The number of warm-up steps.</summary>
    public int WarmupSteps { get; }

    /// <summary>The fraction of the base rate used at step 0.</summary>
    public double StartFactor { get; }

    /// <summary>The schedule followed after the warm-up, or null to hold the base rate.</summary>
    public LearningRateScheduler? After { get; }

    /// <inheritdoc/>
    protected internal override IEnumerable<KeyValuePair<string, double>> Settings()
    {
        yield return new("warmup_steps", WarmupSteps);
        yield return new("start_factor", StartFactor);
        if (After is null) yield break;
        // The follower's own step count and base rates are not used (this scheduler passes its own); its settings are.
        foreach (var (key, value) in After.Settings())
            yield return new("after." + key, value);
    }

    /// <inheritdoc/>
    public override double LearningRateAt(int step, double baseLearningRate)
    {
        if (step < WarmupSteps)
            return baseLearningRate * (StartFactor + (1 - StartFactor) * step / WarmupSteps);
        return After?.LearningRateAt(step - WarmupSteps, baseLearningRate) ?? baseLearningRate;
    }
}
