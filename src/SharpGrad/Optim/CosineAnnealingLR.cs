namespace SharpGrad.Optim;

/// <summary>
/// Anneals the learning rate along half a cosine from its base value to
/// <see cref="EtaMin"/> over <see cref="TMax"/> steps, PyTorch's closed form (SGDR without
/// restarts): lr(t) = η_min + (lr₀ − η_min)·(1 + cos(π·t / T_max))/2. Past T_max the cosine
/// continues, so the rate rises again, as PyTorch's does; stop stepping (or restart) there.
/// </summary>
public sealed class CosineAnnealingLR : LearningRateScheduler
{
    /// <summary>Attaches the schedule to <paramref name="optimizer"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tMax"/> &lt; 1, or η_min negative or not finite.</exception>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0)
        : base(optimizer)
    {
        if (tMax < 1)
            throw new ArgumentOutOfRangeException(nameof(tMax), tMax, "tMax must be at least 1.");
        TMax = tMax;
        EtaMin = Optimizer.RequireNonNegative(etaMin, nameof(etaMin));
        ApplyLearningRate();
    }

    /// <summary>The number of steps from the base rate down to <see cref="EtaMin"/>.</summary>
    public int TMax { get; }

    /// <summary>The learning rate reached at step <see cref="TMax"/>.</summary>
    public double EtaMin { get; }

    /// <inheritdoc/>
    protected internal override IEnumerable<KeyValuePair<string, double>> Settings() => [new("t_max", TMax), new("eta_min", EtaMin)];

    /// <inheritdoc/>
    public override double LearningRateAt(int step, double baseLearningRate) =>
        EtaMin + (baseLearningRate - EtaMin) * (1 + Math.Cos(Math.PI * step / TMax)) / 2;
}
