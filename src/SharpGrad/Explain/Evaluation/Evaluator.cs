namespace SharpGrad.Explain;

/// <summary>
/// Runs a checked program on tensors: binds the declarations' values (checking them against
/// the declared shapes and binding symbolic sizes), applies each op through
/// <see cref="OpInfo.Apply"/> in graph order with gradient recording on, and asks
/// <see cref="Autograd.Grad(IReadOnlyList{Tensor}, IReadOnlyList{Tensor}, IReadOnlyList{Tensor?}?, bool, bool?, bool)"/>
/// for the gradient of the objective with respect to every node at once, intermediates included.
/// </summary>
internal static class Evaluator
{
    public static ProgramEvaluation Run(GradProgram program, IReadOnlyDictionary<string, Tensor>? overrides, string? objectiveName)
    {
        var graph = program.Graph;
        var objective = ResolveObjective(program, objectiveName);
        CheckOverrides(program, overrides);
        var sizes = new Dictionary<string, int>(graph.StaticSizes, StringComparer.Ordinal);

        var tensors = new Tensor[graph.Nodes.Count];
        using (Autograd.EnableGrad())
        {
            long total = 0;
            foreach (var node in graph.Nodes)
            {
                tensors[node.Index] = Compute(node, tensors, overrides, sizes);
                // Each value within its cap, a hundred of them still fill the memory (and their gradients as much again).
                if ((total += tensors[node.Index].Count) > MaxTotalElements)
                    throw new GradProgramException(
                        $"the program's values hold more than {MaxTotalElements} numbers (2^26) in all by {node.Label}; an exercise needs far fewer", node.Statement?.NamePosition ?? node.Position);
            }
        }

        var result = tensors[objective.Index];
        if (result.Count != 1)
            throw NotScalar(objective, $"[{string.Join(", ", result.Shape.ToArray())}]");

        var differentiable = graph.Nodes.Where(n => tensors[n.Index].RequiresGrad).ToArray();
        var grads = Autograd.Grad([result], differentiable.Select(n => tensors[n.Index]).ToArray(), retainGraph: true, allowUnused: true);
        var gradients = new Tensor?[graph.Nodes.Count];
        for (int i = 0; i < differentiable.Length; i++)
            gradients[differentiable[i].Index] = grads[i];
        var values = tensors.Select(t => t.Detach()).ToArray();
        return new ProgramEvaluation(program, objective, values, gradients, sizes, tensors);
    }

    /// <summary>The most numbers one value of a program may hold (conv2d's unfolded input has the same limit).</summary>
    public const int MaxElements = 1 << 24;

    /// <summary>The most numbers all the values of a program may hold together.</summary>
    public const long MaxTotalElements = 1L << 26;

    private static GraphNode ResolveObjective(GradProgram program, string? name)
    {
        GraphNode node;
        if (name is null)
            node = program.Graph[program.DefaultObjective.Name];
        // The name as written, or as explain and step print it (ŷ for yhat).
        else if (!program.Graph.TryGetNode(program.Graph.Resolve(name) ?? name, out node))
            throw new GradProgramException(
                $"the objective '{name}' is not defined{NameSuggestion.Hint(name, program.Statements.Select(s => s.Name))} (the program defines {string.Join(", ", program.Statements.Select(s => s.Name))})");
        if (node.Shape.IsSurelyMultiElement)
            throw NotScalar(node, node.Shape.ToString());
        return node;
    }

    internal static GradProgramException NotScalar(GraphNode node, string shape) => new(
        $"the objective '{node.Name}' has shape {shape}, but an objective must be a single number; " +
        "reduce it with sum(...) or mean(...), or choose another with --of", node.Statement?.NamePosition ?? node.Position);

    private static void CheckOverrides(GradProgram program, IReadOnlyDictionary<string, Tensor>? overrides)
    {
        if (overrides is null) return;
        foreach (var (name, value) in overrides)
        {
            ArgumentNullException.ThrowIfNull(value, $"overrides[{name}]");
            if (!program.Graph.TryGetNode(name, out var node))
                throw new GradProgramException(
                    $"--set {name}: the program declares no such name{NameSuggestion.Hint(name, program.Declarations.Select(d => d.Name))} (its declarations are {string.Join(", ", program.Declarations.Select(d => d.Name))})");
            if (!node.IsDeclaration)
                throw new GradProgramException(
                    $"--set {name}: it is computed by the program (line {node.Statement!.Line}); only param, input and target declarations take values");
        }
    }

    private static Tensor Compute(GraphNode node, Tensor[] tensors, IReadOnlyDictionary<string, Tensor>? overrides, Dictionary<string, int> sizes)
    {
        switch (node.Kind)
        {
            case GraphNodeKind.Constant:
            {
                var c = Tensor.Scalar(node.ConstantValue!.Value, DType.Float64);
                return node.IsNamed ? c.RequireGrad() : c;
            }
            case GraphNodeKind.Operation:
            {
                var args = node.Operands.Select(o => tensors[o.Index]).ToArray();
                // Shapes are known before anything runs: c[20000, 1] * x[20000] would take 3 GB, and its gradient as much again.
                if (node.Shape.Resolve(sizes) is { } shape && shape.Aggregate(1L, (p, d) => p * d) is var count && count > MaxElements)
                    throw new GradProgramException(
                        $"{node.Label} would hold {count} numbers ({SymbolicShape.FromSizes(shape)}); a value of a program holds at most {MaxElements} (2^24)", node.Position);
                Tensor t;
                try
                {
                    t = node.Op!.Apply(args);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    throw Failure(node, args, sizes, e);
                }
                // A named node computed from literals only still gets a gradient: it becomes a leaf.
                return node.IsNamed && !t.RequiresGrad ? t.Detach().RequireGrad() : t;
            }
            default:
                return Bind(node.Declaration!, overrides, sizes);
        }
    }

    /// <summary>
    /// The error for an op that failed on the values given: a structural op (indexing, reshaping, ...)
    /// is checked again as the static shape check does, now with the actual shapes, so that an index
    /// out of range for a size given with --set reads as it does for a size written in the program;
    /// otherwise the tensor library's message, without .NET's "(Parameter '...')" suffix.
    /// </summary>
    private static GradProgramException Failure(GraphNode node, Tensor[] args, IReadOnlyDictionary<string, int> sizes, Exception e)
    {
        var op = node.Op!;
        if (op.Kind == OpKind.Structural && op.Shape is not null)
        {
            var shapes = args.Select(a => SymbolicShape.FromSizes(a.Shape.ToArray())).ToArray();
            if (op.Shape(shapes, sizes, out var why) is null && why is not null)
            {
                var written = ExprPrinter.Apply(op, node.Operands.Select(a => (a.Label, OpInfo.AtomPrecedence)).ToArray(), Notation.Source).Text;
                return new GradProgramException($"shapes do not fit '{written}': {why}", node.Position);
            }
        }
        return new GradProgramException($"evaluating {node.Label} failed: {MessageOf(e)}", node.Position);
    }

    /// <summary>The exception's message without the "(Parameter 'name')" that .NET appends for an <see cref="ArgumentException"/>.</summary>
    internal static string MessageOf(Exception e)
    {
        var message = e.Message;
        if (e is ArgumentException { ParamName: { Length: > 0 } name })
        {
            // The suffix exactly as the runtime writes it, in whatever language its resources use.
            var suffix = new ArgumentException("", name).Message;
            int at = suffix.Length > 0 ? message.IndexOf(suffix, StringComparison.Ordinal) : -1;
            if (at >= 0) message = message[..at].TrimEnd();
        }
        return message;
    }

    /// <summary>The declaration's value (given, or written in the program) as a float64 leaf of the declared shape.</summary>
    private static Tensor Bind(Declaration d, IReadOnlyDictionary<string, Tensor>? overrides, Dictionary<string, int> sizes)
    {
        Tensor? given = null;
        bool set = overrides is not null && overrides.TryGetValue(d.Name, out given);
        // A value from --set is named as one; the position stays the declaration's, where the shape is written.
        var option = set ? $"--set {d.Name}: " : "";
        var value = given ?? d.Value?.ToTensor() ?? throw new GradProgramException(
            $"{d.Keyword} {d.Name} has no value; give one with --set {d.Name}=... (or write {d.Keyword} {d.Name} = ... in the program)", d.NamePosition);
        var declared = d.Size is not null ? new SymbolicShape(d.Size)
            : d.Value is not null ? SymbolicShape.FromSizes(d.Value.Shape)
            : SymbolicShape.Scalar;
        var actual = value.Shape.ToArray();
        var shape = ShapeInference.Fit(declared, actual, sizes, out _, out var conflict);
        if (conflict is { } c)
            throw new GradProgramException(
                $"{option}the value given for '{d.Name}' makes {c.Symbol} = {c.Given}, but another value already made {c.Symbol} = {c.Bound}", d.NamePosition);
        if (shape is null)
        {
            var declaredText = d.Size is null && d.Value is null
                ? $"as a scalar (it has no size and no value in the program; declare a size such as {d.Name}[3] for a vector)"
                : declared.IsScalar ? "as a scalar" : $"with shape {declared}";
            throw new GradProgramException(
                $"{option}'{d.Name}' is declared {declaredText}, but the value given has shape {SymbolicShape.FromSizes(actual)}", d.NamePosition);
        }
        using (Autograd.NoGrad())
        {
            var leaf = value.To(DType.Float64).Reshape(shape).Contiguous().Clone();
            return leaf.Detach().RequireGrad();
        }
    }
}
