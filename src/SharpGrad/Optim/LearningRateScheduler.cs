using System.Globalization;

namespace SharpGrad.Optim;

/// <summary>
/// The base of the learning-rate schedulers. A scheduler remembers each parameter group's
/// learning rate when it is created (its base rate) and, on every <see cref="Step"/>, sets each
/// group's rate to the closed form <see cref="LearningRateAt"/> of the number of steps taken, so
/// the sequence does not drift through repeated multiplication and anyone can compute it ahead.
/// Call <see cref="Step"/> once per epoch or once per batch, after the optimiser's step, as in
/// PyTorch. Derived constructors call <see cref="ApplyLearningRate"/> last, which sets the rate
/// for step 0 (PyTorch's initial step), once their own fields are set. <see cref="StateDict"/>
/// and <see cref="LoadStateDict"/> carry the position in the schedule through a checkpoint, so a
/// resumed run continues the schedule instead of starting it again from the restored rate.
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

    /// <summary>
    /// A snapshot for checkpoints, as 0-d float64 tensors: "last_epoch" (<see cref="StepCount"/>),
    /// "base_lr.{g}" for every parameter group, and the schedule's settings under the names of
    /// PyTorch's attributes ("t_max", "eta_min", "step_size", "gamma", ...), so that loading into a
    /// scheduler with other settings is caught rather than silently giving another schedule.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var dict = new Dictionary<string, Tensor>();
        using var _ = Autograd.NoGrad();
        foreach (var (key, value) in Snapshot())
            dict[key] = MemoryScope.Keep(Tensor.Scalar(value, DType.Float64));
        return dict;
    }

    /// <summary>
    /// Restores a <see cref="StateDict"/> taken from a scheduler of the same kind and settings over
    /// an optimiser with as many parameter groups, then sets every group's learning rate for the
    /// restored step, so the schedule continues where it was saved. Missing or unexpected keys,
    /// different settings and invalid values are reported together in one
    /// <see cref="ArgumentException"/>, and nothing is changed unless everything fits.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var expected = Snapshot();
        var problems = new List<string>();
        var values = new Dictionary<string, double>();
        foreach (var (key, tensor) in stateDict)
        {
            if (!expected.ContainsKey(key)) { problems.Add($"unexpected key {key}"); continue; }
            if (tensor.Count != 1) { problems.Add($"{key} must be a scalar, got shape {ShapeMath.Format(tensor.ShapeArray)}"); continue; }
            values[key] = tensor.Item();
        }
        foreach (var (key, current) in expected)
        {
            if (!values.TryGetValue(key, out double value))
            {
                if (stateDict.ContainsKey(key)) continue; // already reported as not a scalar
                problems.Add($"missing key {key}");
            }
            else if (key == StepKey)
            {
                if (!(value >= 0 && value <= int.MaxValue) || value != Math.Floor(value))
                    problems.Add($"{key} is {Format(value)}, not a whole number of steps ≥ 0");
            }
            else if (key.StartsWith(BaseKeyPrefix, StringComparison.Ordinal))
            {
                if (!(value >= 0) || double.IsInfinity(value))
                    problems.Add($"{key} is {Format(value)}, not a finite learning rate ≥ 0");
            }
            else if (!value.Equals(current))
            {
                problems.Add($"{key} is {Format(value)} in the state dict but {Format(current)} in this scheduler");
            }
        }
        if (problems.Count > 0)
            throw new ArgumentException($"The state dict does not fit this {GetType().Name}: {string.Join("; ", problems)}.", nameof(stateDict));
        for (int g = 0; g < baseLearningRates.Length; g++)
            baseLearningRates[g] = values[BaseKey(g)];
        StepCount = (int)values[StepKey];
        ApplyLearningRate();
    }

    /// <summary>
    /// The schedule's settings, each a number, under the names <see cref="StateDict"/> gives them.
    /// A schedule that another one follows adds that one's settings with a prefix such as "after.".
    /// </summary>
    protected internal virtual IEnumerable<KeyValuePair<string, double>> Settings() => [];

    private const string StepKey = "last_epoch";

    private const string BaseKeyPrefix = "base_lr.";

    private static string BaseKey(int group) => BaseKeyPrefix + group.ToString(CultureInfo.InvariantCulture);

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private Dictionary<string, double> Snapshot()
    {
        var values = new Dictionary<string, double> { [StepKey] = StepCount };
        for (int g = 0; g < baseLearningRates.Length; g++) values[BaseKey(g)] = baseLearningRates[g];
        foreach (var (key, value) in Settings()) values[key] = value;
        return values;
    }

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
