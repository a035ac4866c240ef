using System.Collections.Concurrent;
using System.Reflection;

namespace SharpGrad.NN;

/// <summary>
/// The base of every layer and model, as PyTorch's <c>nn.Module</c>: a module owns named
/// parameters (tensors that require gradients), named buffers (state such as batch-norm
/// running statistics that is saved but not trained) and named child modules, and computes
/// <see cref="Forward"/>. Names nest with dots ("features.0.weight"), which is how
/// <see cref="StateDict"/> and <see cref="LoadStateDict"/> address tensors, so a state dict
/// saved from one instance loads into any structurally identical one. Containers call their
/// children through <see cref="Call"/>, so forward hooks (used by <see cref="Summarize"/>)
/// see every layer; the built-in layers also run their hooks when a parent calls their
/// <see cref="Forward"/> directly. Fields of a subclass that hold modules or parameters
/// register themselves (see the remarks).
/// </summary>
/// <remarks>
/// As PyTorch does on attribute assignment, a subclass's instance fields register themselves:
/// a field declared as a <see cref="Module"/> type becomes a child, and a field declared as
/// <see cref="Tensor"/> that holds a leaf requiring gradients becomes a parameter, named after
/// the field (an auto-property's backing field after the property: <c>Fc1</c> gives
/// <c>Fc1.weight</c>), base-class fields first, then in declaration order. This happens once,
/// on first use (<see cref="Call"/>, <see cref="NamedParameters"/>, <see cref="NamedChildren"/>,
/// <see cref="StateDict"/>, <see cref="To(DType)"/>, ...), because a subclass assigns its fields after
/// this constructor has run. A field that is null then is looked at again on later uses and
/// registered (at the end) once it holds something. Fields holding something already registered
/// by hand (<see cref="RegisterModule"/>, <see cref="RegisterParameter"/>, <see cref="RegisterBuffer"/>)
/// keep their manual name; buffers are never inferred, and collections (lists or arrays of
/// modules) are left alone: register their elements explicitly, as <see cref="Sequential"/> does.
/// A field that refers back up the tree (a parent link) is not registered. Reassigning a field
/// after first use does not replace what was registered.
/// </remarks>
public abstract class Module
{
    private readonly List<KeyValuePair<string, Tensor>> parameters = [];
    private readonly List<KeyValuePair<string, Tensor>> buffers = [];
    private readonly List<KeyValuePair<string, Module>> children = [];
    private List<Action<Module, Tensor, Tensor>>? forwardHooks;
    private bool fieldsScanned;
    private List<FieldInfo>? pendingFields;

    // Per type: the instance fields that may hold a child or a parameter, base class first.
    private static readonly ConcurrentDictionary<Type, FieldInfo[]> RegistrableFields = new();

    // The module whose Call is running on this thread, so that a layer whose Forward runs its own
    // hooks (for parents that call Forward directly) leaves them to Call instead of running them twice.
    [ThreadStatic]
    private static Module? calledThrough;

    /// <summary>True in training mode (the default); false after <see cref="Eval"/>. Dropout and batch norm behave differently in each.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Computes the module's output.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>Runs <see cref="Forward"/> and then any forward hooks; containers call children this way.</summary>
    public Tensor Call(Tensor input)
    {
        EnsureFieldsRegistered();
        var outer = calledThrough;
        calledThrough = this;
        Tensor output;
        try
        {
            output = Forward(input);
        }
        finally
        {
            calledThrough = outer;
        }
        RunForwardHooks(input, output);
        return output;
    }

    /// <summary>
    /// Returns <paramref name="output"/> after running the forward hooks, unless this module is
    /// being run by <see cref="Call"/> (which runs them itself). A layer ends its
    /// <see cref="Forward"/> with it so that hooks, and so <see cref="Summarize"/>, also see the
    /// layer when a parent calls <c>child.Forward(x)</c> instead of <c>child.Call(x)</c>.
    /// </summary>
    protected Tensor Observed(Tensor input, Tensor output)
    {
        if (!ReferenceEquals(calledThrough, this)) RunForwardHooks(input, output);
        return output;
    }

    /// <summary>Whether any forward hook is registered on this module itself (not its children).</summary>
    internal bool HasForwardHooks => forwardHooks is { Count: > 0 };

    /// <summary>
    /// Registers a function called after every <see cref="Call"/> with the module, its input and
    /// its output (and after a direct <see cref="Forward"/> of a layer that ends with
    /// <see cref="Observed"/>, as the built-in layers do); dispose the handle to remove it.
    /// </summary>
    public IDisposable RegisterForwardHook(Action<Module, Tensor, Tensor> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        forwardHooks ??= [];
        forwardHooks.Add(hook);
        return new HookHandle(() => forwardHooks.Remove(hook));
    }

    /// <summary>The module's own parameters followed by its children's, with dotted names, in registration order.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedParameters() => Walk(m => m.parameters);

    /// <summary>The module's own buffers followed by its children's, with dotted names.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedBuffers() => Walk(m => m.buffers);

    /// <summary>All parameters, recursively.</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Value);

    /// <summary>The direct children with their names.</summary>
    public IReadOnlyList<KeyValuePair<string, Module>> NamedChildren()
    {
        EnsureFieldsRegistered();
        return children;
    }

    /// <summary>This module and all its descendants with dotted names ("" for this one), depth first.</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedModules()
    {
        var stack = new Stack<(string Prefix, Module Module, int Depth)>();
        var path = new List<Module>();
        stack.Push(("", this, 0));
        while (stack.Count > 0)
        {
            var (prefix, module, depth) = stack.Pop();
            path.RemoveRange(depth, path.Count - depth);
            if (path.Contains(module))
                throw new InvalidOperationException(
                    $"{GetType().Name}: the {module.GetType().Name} at '{prefix}' contains itself, so the module tree is a cycle; a module must not register one of its ancestors as a child.");
            path.Add(module);
            module.EnsureFieldsRegistered();
            yield return new(prefix, module);
            for (int i = module.children.Count - 1; i >= 0; i--)
                stack.Push((Join(prefix, module.children[i].Key), module.children[i].Value, depth + 1));
        }
    }

    /// <summary>The number of parameter elements (weights and biases), recursively.</summary>
    public long ParameterCount => Parameters().Sum(p => (long)p.Count);

    /// <summary>Switches this module and its descendants to training mode (or evaluation mode when <paramref name="mode"/> is false).</summary>
    public Module Train(bool mode = true)
    {
        foreach (var (_, m) in NamedModules()) m.Training = mode;
        return this;
    }

    /// <summary>Switches to evaluation mode: dropout off, batch norm uses running statistics.</summary>
    public Module Eval() => Train(false);

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Grad = null;
    }

    /// <summary>Parameters and buffers by dotted name: everything needed to restore the model.</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>();
        foreach (var (name, t) in NamedParameters().Concat(NamedBuffers())) state[name] = t;
        return state;
    }

    /// <summary>
    /// Copies values from a state dict into this module's parameters and buffers (converting the
    /// dtype if needed). With <paramref name="strict"/>, missing and unexpected names are errors;
    /// a shape mismatch always is. Nothing is changed unless everything matches.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        var own = StateDict();
        var problems = new List<string>();
        if (strict)
        {
            var optional = new HashSet<string>();
            foreach (var (prefix, module) in NamedModules())
                foreach (var (name, _) in module.buffers)
                    if (module.MayBeMissingFromStateDict(name)) optional.Add(Join(prefix, name));
            var missing = own.Keys.Where(k => !state.ContainsKey(k) && !optional.Contains(k)).ToList();
            var unexpected = state.Keys.Where(k => !own.ContainsKey(k)).ToList();
            if (missing.Count > 0) problems.Add("missing: " + string.Join(", ", missing));
            if (unexpected.Count > 0) problems.Add("unexpected: " + string.Join(", ", unexpected));
        }
        foreach (var (name, target) in own)
        {
            if (state.TryGetValue(name, out var source) && !ShapeMath.SameShape(source.ShapeArray, target.ShapeArray))
                problems.Add($"{name} has shape {ShapeMath.Format(source.ShapeArray)} in the state dict but {ShapeMath.Format(target.ShapeArray)} in the model");
        }
        if (problems.Count > 0)
            throw new ArgumentException($"The state dict does not fit this {GetType().Name}: " + string.Join("; ", problems) + ".");
        using (Autograd.NoGrad())
            foreach (var (name, target) in own)
                if (state.TryGetValue(name, out var source))
                    target.CopyFrom(source);
    }

    /// <summary>
    /// Moves every parameter and buffer (and any gradient) to <paramref name="device"/> in place, as PyTorch's
    /// <c>module.to(device)</c>: the same tensor objects get device storage, so an optimiser created before or after
    /// sees them there. Returns this module.
    /// </summary>
    /// <exception cref="InvalidOperationException">The device cannot be used (no SharpGrad.Cuda, no driver, no such GPU).</exception>
    public Module To(Device device)
    {
        foreach (var (_, m) in NamedModules())
        {
            foreach (var (_, t) in m.parameters) t.MoveInPlace(device);
            foreach (var (_, t) in m.buffers) t.MoveInPlace(device);
        }
        return this;
    }

    /// <summary>The device of the first parameter (the CPU for a module without parameters).</summary>
    public Device Device => Parameters().FirstOrDefault()?.Device ?? Device.Cpu;

    /// <summary>
    /// Converts every floating-point parameter and buffer (and any gradient) to
    /// <paramref name="dtype"/> in place: the same <see cref="Tensor"/> objects get new storage, so
    /// references held in fields and optimisers stay valid, as with PyTorch's <c>module.to</c>.
    /// Integer buffers are left alone. An optimiser that has already stepped keeps moment
    /// buffers of the old dtype; convert before the first step.
    /// </summary>
    public Module To(DType dtype)
    {
        foreach (var (_, m) in NamedModules())
        {
            foreach (var (_, t) in m.parameters) if (t.DType.IsFloatingPoint()) t.ConvertInPlace(dtype);
            foreach (var (_, t) in m.buffers) if (t.DType.IsFloatingPoint()) t.ConvertInPlace(dtype);
        }
        return this;
    }

    /// <summary>
    /// Runs a zero input of <paramref name="inputShape"/> through the model in evaluation mode and
    /// lists every leaf layer with its output shape and parameter count, as torchinfo does. A layer
    /// is seen whether its parent runs it with <see cref="Call"/> or with <see cref="Forward"/>
    /// (a custom leaf module run with <see cref="Forward"/> needs to end with <see cref="Observed"/>).
    /// </summary>
    public ModuleSummary Summarize(params int[] inputShape)
    {
        var rows = new List<ModuleSummary.Row>();
        var handles = new List<IDisposable>();
        foreach (var (name, m) in NamedModules())
        {
            if (m.children.Count > 0) continue;
            string label = name.Length == 0 ? m.GetType().Name : name;
            handles.Add(m.RegisterForwardHook((module, _, output) =>
                rows.Add(new ModuleSummary.Row(label, module.GetType().Name, output.Shape.ToArray(), module.parameters.Sum(p => (long)p.Value.Count)))));
        }
        bool wasTraining = Training;
        try
        {
            Eval();
            var dtype = Parameters().FirstOrDefault()?.DType ?? DType.Float32;
            using (Autograd.NoGrad())
                Call(Tensor.Zeros(inputShape, dtype, Device));
        }
        finally
        {
            foreach (var h in handles) h.Dispose();
            Train(wasTraining);
        }
        long trainable = Parameters().Where(p => p.RequiresGrad).Sum(p => (long)p.Count);
        return new ModuleSummary(GetType().Name, inputShape, rows, ParameterCount, trainable);
    }

    /// <summary>Adds a parameter; it is made a leaf that requires gradients.</summary>
    protected Tensor RegisterParameter(string name, Tensor value)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!value.IsLeaf) value = value.Detach();
        value.RequiresGrad = true;
        MemoryScope.Keep(value);
        parameters.Add(new(name, value));
        return value;
    }

    /// <summary>Adds a buffer: state that is saved and loaded but not trained.</summary>
    protected Tensor RegisterBuffer(string name, Tensor value)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(value);
        MemoryScope.Keep(value);
        buffers.Add(new(name, value));
        return value;
    }

    /// <summary>Adds a child module.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(module);
        children.Add(new(name, module));
        return module;
    }

    /// <summary>The parameter registered under <paramref name="name"/> on this module.</summary>
    protected Tensor Parameter(string name) => Find(parameters, name, "parameter");

    /// <summary>The parameter registered under <paramref name="name"/>, or null when there is none (an optional bias).</summary>
    protected Tensor? OptionalParameter(string name)
    {
        foreach (var (n, t) in parameters) if (n == name) return t;
        return null;
    }

    /// <summary>The buffer registered under <paramref name="name"/> on this module.</summary>
    protected Tensor Buffer(string name) => Find(buffers, name, "buffer");

    /// <summary>Checks the input's rank (and optionally one dimension), naming the layer on failure.</summary>
    protected void ExpectInput(Tensor input, int[] ranks, int? dim = null, int? size = null, string? what = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (Array.IndexOf(ranks, input.Rank) < 0)
            throw new ArgumentException($"{GetType().Name} expects an input of rank {string.Join(" or ", ranks)}, got shape {ShapeMath.Format(input.ShapeArray)}.");
        if (dim is int d && size is int s && input.Size(d) != s)
            throw new ArgumentException($"{GetType().Name} expects {what ?? $"size {s} in dimension {d}"} ({s}), got shape {ShapeMath.Format(input.ShapeArray)}.");
    }

    /// <summary>
    /// Whether a strict <see cref="LoadStateDict"/> may find the buffer <paramref name="name"/>
    /// missing, keeping its current value: for state added after files were written, such as
    /// batch norm's <c>num_batches_tracked</c>.
    /// </summary>
    private protected virtual bool MayBeMissingFromStateDict(string name) => false;

    private void RunForwardHooks(Tensor input, Tensor output)
    {
        if (forwardHooks is { Count: > 0 } hooks)
            foreach (var hook in hooks.ToArray()) hook(this, input, output);
    }

    /// <summary>Registers the fields that hold children or parameters; see the class remarks.</summary>
    private void EnsureFieldsRegistered()
    {
        if (fieldsScanned)
        {
            if (pendingFields is { Count: > 0 }) RegisterPendingFields();
            return;
        }
        fieldsScanned = true;
        var fields = RegistrableFields.GetOrAdd(GetType(), FindRegistrableFields);
        if (fields.Length == 0) return;
        pendingFields = [.. fields];
        RegisterPendingFields();
    }

    private void RegisterPendingFields()
    {
        var pending = pendingFields!;
        for (int i = 0; i < pending.Count; i++)
        {
            var field = pending[i];
            var value = field.GetValue(this);
            if (value is null) continue;
            pending.RemoveAt(i--);
            if (value is Module module && !children.Any(c => ReferenceEquals(c.Value, module)) && !Reaches(module, this))
                RegisterModule(FreeFieldName(field, "module"), module);
            else if (value is Tensor { RequiresGrad: true, IsLeaf: true } tensor
                     && !parameters.Any(p => ReferenceEquals(p.Value, tensor)) && !buffers.Any(b => ReferenceEquals(b.Value, tensor)))
                RegisterParameter(FreeFieldName(field, "parameter"), tensor);
        }
    }

    /// <summary>
    /// Whether <paramref name="target"/> is <paramref name="root"/> or among its registered
    /// descendants: a field holding such a module is a link back up the tree (to a parent), not a child.
    /// </summary>
    private static bool Reaches(Module root, Module target)
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<Module>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var m = pending.Pop();
            if (ReferenceEquals(m, target)) return true;
            if (!seen.Add(m)) continue;
            foreach (var (_, child) in m.children) pending.Push(child);
        }
        return false;
    }

    private string FreeFieldName(FieldInfo field, string kind)
    {
        string name = FieldMemberName(field);
        if (parameters.Any(p => p.Key == name) || buffers.Any(p => p.Key == name) || children.Any(p => p.Key == name))
            throw new InvalidOperationException(
                $"{GetType().Name}: field '{field.Name}' holds a {kind} that would be registered as \"{name}\", but another member already has that name; register it by hand under another name.");
        return name;
    }

    private static FieldInfo[] FindRegistrableFields(Type type)
    {
        var hierarchy = new Stack<Type>();
        for (var t = type; t is not null && t != typeof(Module); t = t.BaseType) hierarchy.Push(t);
        var result = new List<FieldInfo>();
        foreach (var t in hierarchy)
        {
            var declared = t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .Where(f => typeof(Module).IsAssignableFrom(f.FieldType) || f.FieldType == typeof(Tensor))
                .OrderBy(f => f.MetadataToken);
            result.AddRange(declared);
        }
        return [.. result];
    }

    /// <summary>
    /// The name a field is registered under: its own, or for compiler-generated fields the member
    /// they stand for (<c>&lt;Fc1&gt;k__BackingField</c> of an auto-property, <c>&lt;fc1&gt;P</c> of a
    /// captured primary-constructor parameter).
    /// </summary>
    private static string FieldMemberName(FieldInfo field)
    {
        string name = field.Name;
        if (name.StartsWith('<'))
        {
            int end = name.IndexOf('>');
            if (end > 1) return name[1..end];
        }
        return name;
    }

    private IEnumerable<KeyValuePair<string, Tensor>> Walk(Func<Module, List<KeyValuePair<string, Tensor>>> select)
    {
        foreach (var (prefix, module) in NamedModules())
            foreach (var (name, t) in select(module))
                yield return new(Join(prefix, name), t);
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"Invalid name \"{name}\": names must be non-empty and contain no dots.");
        if (parameters.Any(p => p.Key == name) || buffers.Any(p => p.Key == name) || children.Any(p => p.Key == name))
            throw new ArgumentException($"{GetType().Name} already has a member named \"{name}\".");
    }

    private static Tensor Find(List<KeyValuePair<string, Tensor>> list, string name, string kind)
    {
        foreach (var (n, t) in list) if (n == name) return t;
        throw new KeyNotFoundException($"No {kind} named \"{name}\".");
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    private sealed class HookHandle(Action remove) : IDisposable
    {
        public void Dispose() => remove();
    }
}
