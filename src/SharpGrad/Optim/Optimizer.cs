using System.Globalization;

namespace SharpGrad.Optim;

/// <summary>
/// The base of the optimisers, as PyTorch's <c>torch.optim.Optimizer</c>: it holds parameter
/// groups (each with its learning rate and weight decay), per-parameter state created on a
/// parameter's first update (momentum buffers, moment estimates, step counts), and a state
/// dict for checkpoints. <see cref="Step"/> runs without recording the graph, skips parameters
/// whose <see cref="Tensor.Grad"/> is null, and writes every update in place (so version
/// counters advance and stale saved values are caught). An optimiser never modifies a gradient.
/// </summary>
public abstract class Optimizer
{
    private readonly List<ParameterGroup> groups = [];
    private readonly List<Tensor> parameters = [];
    private readonly List<Dictionary<string, Tensor>?> state = [];
    private readonly HashSet<Tensor> known = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates the optimiser with one parameter group holding <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentException">No parameters, a parameter listed twice, or one that is not a floating-point leaf.</exception>
    protected Optimizer(IEnumerable<Tensor> parameters, double learningRate, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        RequireNonNegative(learningRate, nameof(learningRate));
        RequireNonNegative(weightDecay, nameof(weightDecay));
        DefaultLearningRate = learningRate;
        DefaultWeightDecay = weightDecay;
        AddParameterGroup(parameters);
    }

    /// <summary>The learning rate new groups get unless told otherwise (the constructor's).</summary>
    public double DefaultLearningRate { get; }

    /// <summary>The weight decay new groups get unless told otherwise (the constructor's).</summary>
    public double DefaultWeightDecay { get; }

    /// <summary>The parameter groups, the constructor's first.</summary>
    public IReadOnlyList<ParameterGroup> ParameterGroups => groups;

    /// <summary>Every parameter of every group, in group order; a parameter's position here is its index in <see cref="StateDict"/> keys.</summary>
    public IReadOnlyList<Tensor> Parameters => parameters;

    /// <summary>
    /// The first group's learning rate; setting it sets every group's (what a scheduler does
    /// with one group). For groups with different rates set <see cref="ParameterGroup.LearningRate"/>.
    /// </summary>
    public double LearningRate
    {
        get => groups[0].LearningRate;
        set
        {
            RequireNonNegative(value, nameof(LearningRate));
            foreach (var g in groups) g.LearningRate = value;
        }
    }

    /// <summary>
    /// Adds a group of parameters with its own learning rate and weight decay (the
    /// constructor's defaults where null), as PyTorch's <c>add_param_group</c>.
    /// </summary>
    /// <exception cref="ArgumentException">No parameters, a parameter already optimised, or one that is not a floating-point leaf.</exception>
    public ParameterGroup AddParameterGroup(IEnumerable<Tensor> parameters, double? learningRate = null, double? weightDecay = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToList();
        if (list.Count == 0)
            throw new ArgumentException($"{GetType().Name}: a parameter group needs at least one parameter; got none.", nameof(parameters));
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < list.Count; i++)
        {
            var p = list[i] ?? throw new ArgumentException($"{GetType().Name}: parameter {i} of the group is null.", nameof(parameters));
            if (!p.DType.IsFloatingPoint())
                throw new ArgumentException($"{GetType().Name}: parameter {i} is {p.DType.Name()}; only floating-point tensors can be optimised.", nameof(parameters));
            if (!p.IsLeaf)
                throw new ArgumentException($"{GetType().Name}: parameter {i} was produced by {p.GradFn!.Name}; only leaf tensors can be optimised (an update would not reach the tensor it came from).", nameof(parameters));
            if (!seen.Add(p) || known.Contains(p))
                throw new ArgumentException($"{GetType().Name}: parameter {i} (shape {ShapeMath.Format(p.ShapeArray)}) appears more than once; each tensor may be in only one group, once.", nameof(parameters));
        }
        var group = new ParameterGroup(list, learningRate ?? DefaultLearningRate, weightDecay ?? DefaultWeightDecay);
        groups.Add(group);
        foreach (var p in list)
        {
            known.Add(p);
            this.parameters.Add(p);
            state.Add(null);
        }
        return group;
    }

    /// <summary>
    /// Clears every parameter's <see cref="Tensor.Grad"/> so the next backward pass starts afresh.
    /// By default the gradient tensors are filled with zeros and kept, so that the next backward
    /// pass accumulates into the same memory and a training loop allocates no new gradient
    /// buffers; with <paramref name="setToNone"/> they are set to null instead (PyTorch's
    /// <c>set_to_none</c>), which frees them and tells "no gradient" apart from "zero gradient".
    /// </summary>
    public void ZeroGrad(bool setToNone = false)
    {
        using var _ = Autograd.NoGrad();
        foreach (var p in parameters)
        {
            if (setToNone || p.Grad is not { } grad || grad.RequiresGrad)
                p.Grad = null;
            else
                grad.Zero();
        }
    }

    /// <summary>
    /// Updates every parameter that has a gradient once, without recording the graph. Override
    /// only for an algorithm that needs all parameters at once; per-parameter rules implement
    /// <see cref="UpdateParameter"/>.
    /// </summary>
    public virtual void Step()
    {
        using var _ = Autograd.NoGrad();
        int index = 0;
        foreach (var group in groups)
        {
            foreach (var p in group.Parameters)
            {
                var grad = p.Grad;
                if (grad is not null)
                    UpdateParameter(p, grad, group, state[index] ??= []);
                index++;
            }
        }
    }

    /// <summary>
    /// Applies one update to <paramref name="parameter"/> in place, given its gradient (which must
    /// not be modified), its group and its state (empty before its first update; add buffers to it).
    /// </summary>
    protected abstract void UpdateParameter(Tensor parameter, Tensor grad, ParameterGroup group, IDictionary<string, Tensor> state);

    /// <summary>
    /// The names of the state entries every parameter has once it has been updated, with this
    /// optimiser's settings (e.g. "step", "exp_avg", "exp_avg_sq" for Adam). Used to check state dicts.
    /// </summary>
    protected abstract IReadOnlyCollection<string> StateNames { get; }

    /// <summary>Whether a state entry is a 0-d float64 scalar (a step count) rather than a tensor of the parameter's shape.</summary>
    protected virtual bool IsScalarState(string name) => name == "step";

    /// <summary>
    /// A snapshot for checkpoints: "param.{i}.{name}" for every state tensor of parameter i (the
    /// index in <see cref="Parameters"/>; parameters never updated have none), and
    /// "group.{g}.lr" and "group.{g}.weight_decay" as 0-d float64 tensors. Step counts are 0-d
    /// float64 tensors too. The tensors are copies, so later steps do not change the snapshot.
    /// Construction arguments (momentum, betas, ...) are not included: like a model's
    /// architecture, they come from the code that builds the optimiser.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var dict = new Dictionary<string, Tensor>();
        using var _ = Autograd.NoGrad();
        for (int g = 0; g < groups.Count; g++)
        {
            dict[GroupKey(g, "lr")] = Tensor.Scalar(groups[g].LearningRate, DType.Float64);
            dict[GroupKey(g, "weight_decay")] = Tensor.Scalar(groups[g].WeightDecay, DType.Float64);
        }
        for (int i = 0; i < state.Count; i++)
            if (state[i] is { } entries)
                foreach (var (name, t) in entries)
                    dict[ParamKey(i, name)] = t.Clone();
        return dict;
    }

    /// <summary>
    /// Restores a <see cref="StateDict"/> taken from an optimiser of the same kind and settings over
    /// parameters of the same shapes, so training continues exactly as it would have. Values are
    /// copied (converted to each parameter's dtype). Missing or unexpected keys, a parameter with
    /// only part of its state, and wrong shapes are reported together in one
    /// <see cref="ArgumentException"/>, and nothing is changed unless everything fits.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var problems = new List<string>();
        var names = StateNames;
        var perParam = new Dictionary<int, Dictionary<string, Tensor>>();
        var groupValues = new double[groups.Count, 2];
        var used = new HashSet<string>();
        for (int g = 0; g < groups.Count; g++)
        {
            string[] keys = [GroupKey(g, "lr"), GroupKey(g, "weight_decay")];
            for (int k = 0; k < 2; k++)
            {
                if (!stateDict.TryGetValue(keys[k], out var t)) { problems.Add($"missing key {keys[k]}"); continue; }
                used.Add(keys[k]);
                if (t.Count != 1) { problems.Add($"{keys[k]} must be a scalar, got shape {ShapeMath.Format(t.ShapeArray)}"); continue; }
                double v = t.Item();
                if (!(v >= 0) || double.IsInfinity(v)) { problems.Add($"{keys[k]} is {v}, not a finite value ≥ 0"); continue; }
                groupValues[g, k] = v;
            }
        }
        foreach (var (key, tensor) in stateDict)
        {
            if (used.Contains(key)) continue;
            if (!TryParseParamKey(key, out int index, out var name) || index >= parameters.Count || !names.Contains(name))
            {
                problems.Add($"unexpected key {key}");
                continue;
            }
            int[] expected = IsScalarState(name) ? [] : parameters[index].ShapeArray;
            if (!ShapeMath.SameShape(tensor.ShapeArray, expected))
                problems.Add($"{key} has shape {ShapeMath.Format(tensor.ShapeArray)} but {ShapeMath.Format(expected)} is needed");
            else if (!tensor.DType.IsFloatingPoint())
                problems.Add($"{key} is {tensor.DType.Name()}; state must be floating point");
            else if (IsScalarState(name) && !IsCount(tensor.Item()))
                problems.Add($"{key} is {tensor.Item().ToString("R", CultureInfo.InvariantCulture)}, not a whole number ≥ 0");
            else
            {
                if (!perParam.TryGetValue(index, out var entries)) perParam[index] = entries = [];
                entries[name] = tensor;
            }
        }
        foreach (var (index, entries) in perParam)
            foreach (var name in names)
                if (!entries.ContainsKey(name))
                    problems.Add($"missing key {ParamKey(index, name)} (parameter {index} has other state, so it needs all of {string.Join(", ", names)})");
        if (problems.Count > 0)
            throw new ArgumentException($"The state dict does not fit this {GetType().Name}: {string.Join("; ", problems)}.", nameof(stateDict));

        using var _ = Autograd.NoGrad();
        for (int g = 0; g < groups.Count; g++)
        {
            groups[g].LearningRate = groupValues[g, 0];
            groups[g].WeightDecay = groupValues[g, 1];
        }
        for (int i = 0; i < state.Count; i++)
        {
            if (!perParam.TryGetValue(i, out var entries)) { state[i] = null; continue; }
            var restored = new Dictionary<string, Tensor>();
            foreach (var (name, source) in entries)
            {
                var target = IsScalarState(name) ? Tensor.Zeros([], DType.Float64) : Tensor.ZerosLike(parameters[i]);
                restored[name] = MemoryScope.Keep(target.CopyFrom(source)); // state outlives any step's scope
            }
            state[i] = restored;
        }
    }

    private static bool IsCount(double value) => value >= 0 && value <= 1L << 53 && value == Math.Floor(value);

    /// <summary>Adds one to the parameter's step count (a 0-d float64 state entry "step", created at 0) and returns the new count.</summary>
    protected static double IncrementStep(IDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.TryGetValue("step", out var step))
            state["step"] = step = MemoryScope.Keep(Tensor.Zeros([], DType.Float64));
        double next = step.Item() + 1;
        step.Fill(next);
        return next;
    }

    /// <summary>
    /// The parameter itself when its elements are contiguous (so a fused kernel can update it in
    /// place), otherwise a contiguous copy to update and hand to <see cref="CommitUpdate"/>.
    /// </summary>
    private protected static Tensor WritableContiguous(Tensor parameter) =>
        parameter.IsContiguous ? parameter : parameter.DetachedCopy();

    /// <summary>Finishes an in-place kernel update: copies a detour copy back, and bumps the version autograd checks.</summary>
    private protected static void CommitUpdate(Tensor parameter, Tensor updated)
    {
        if (ReferenceEquals(parameter, updated))
            parameter.Storage.BumpVersion();
        else
            parameter.CopyFrom(updated);
    }

    /// <summary>The state entry <paramref name="name"/>, created as zeros shaped like <paramref name="parameter"/> when absent.</summary>
    protected static Tensor StateBuffer(IDictionary<string, Tensor> state, string name, Tensor parameter)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(parameter);
        if (!state.TryGetValue(name, out var buffer))
            state[name] = buffer = MemoryScope.Keep(Tensor.Zeros(parameter.ShapeArray, parameter.DType, parameter.Device));
        return buffer;
    }

    /// <summary>Returns <paramref name="value"/> when it is a finite number ≥ 0; otherwise throws naming the hyper-parameter.</summary>
    protected internal static double RequireNonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number ≥ 0, got {value.ToString(CultureInfo.InvariantCulture)}.");
        return value;
    }

    /// <summary>Returns <paramref name="value"/> when it lies in [0, 1); otherwise throws naming the hyper-parameter.</summary>
    protected static double RequireUnitInterval(double value, string name)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must lie in [0, 1), got {value.ToString(CultureInfo.InvariantCulture)}.");
        return value;
    }

    private static string GroupKey(int group, string name) => string.Create(CultureInfo.InvariantCulture, $"group.{group}.{name}");

    private static string ParamKey(int index, string name) => string.Create(CultureInfo.InvariantCulture, $"param.{index}.{name}");

    private static bool TryParseParamKey(string key, out int index, out string name)
    {
        index = -1;
        name = "";
        var parts = key.Split('.', 3);
        if (parts.Length != 3 || parts[0] != "param") return false;
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out index)) return false;
        name = parts[2];
        return true;
    }
}
