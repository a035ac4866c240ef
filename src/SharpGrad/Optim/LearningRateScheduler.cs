namespace SharpGrad.Optim;

/// <summary>
/// The base of the learning-rate schedulers. A scheduler remembers each parameter group's
/// learning rate when it is created (its base rate) and, on every <see cref="Step"/>, sets each
/// group's rate to the closed form <see cref="LearningRateAt"/> of the number of steps taken, so
/// the sequence does not drift through repeated multiplication and anyone can compute it ahead.
/// Call <see cref="Step"/> once per epoch or once per batch, after the optimiser's step, as in
/// PyTorch. Derived constructors call <see cref="ApplyLearningRate"/> last, which sets the rate
/// for step 0 (PyTorch's initial step), once their own fields are set.
/// </summary>
public abstract class LearningRateScheduler
{
    private readonly double[] baseLearningRates;

    /// <summary>Attaches the scheduler to <paramref name="optimizer"/>, recording each group's current learning rate as its base rate.</summary>
    protected LearningRateScheduler(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        baseLearningRates = optimizer.ParameterGroups.Select(g => g.LearningRate).ToArray();
        LastLearningRate = baseLearningRates[0];
    }

    /// <summary>The optimiser whose learning rates this scheduler sets.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Each parameter group's learning rate when the scheduler was created.</summary>
    public IReadOnlyList<double> BaseLearningRates => baseLearningRates;

    /// <summary>How many times <see cref="Step"/> has been called (PyTorch's <c>last_epoch</c>).</summary>
    public int StepCount { get; private set; }

    /// <summary>The learning rate last set on the first parameter group (PyTorch's <c>get_last_lr()[0]</c>).</summary>
    public double LastLearningRate { get; private set; }

    /// <summary>Advances one step (epoch or batch) and sets every group's learning rate for it.</summary>
    public void Step()
    {
        StepCount++;
        ApplyLearningRate();
    }

    /// <summary>The learning rate after <paramref name="step"/> steps for a group whose base rate is <paramref name="baseLearningRate"/>.</summary>
    public abstract double LearningRateAt(int step, double baseLearningRate);

    /// <summary>Sets every group's learning rate for the current <see cref="StepCount"/>.</summary>
    protected void ApplyLearningRate()
    {
        var groups = Optimizer.ParameterGroups;
        if (groups.Count != baseLearningRates.Length)
            throw new InvalidOperationException(
                $"{GetType().Name}: the optimiser has {groups.Count} parameter groups but had {baseLearningRates.Length} when the scheduler was created; create the scheduler after adding every group.");
        for (int g = 0; g < groups.Count; g++)
            groups[g].LearningRate = LearningRateAt(StepCount, baseLearningRates[g]);
        LastLearningRate = groups[0].LearningRate;
    }
}
