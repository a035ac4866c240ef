namespace SharpGrad.Explain;

/// <summary>
/// Turns parsed statements into a <see cref="ComputationGraph"/>, checking everything that can
/// be checked before a number is computed: each name is defined once and before it is used (so
/// a cycle cannot exist; one is reported as such), every used name exists, and shapes agree at
/// every operator and function (statically, with symbolic sizes).
/// </summary>
internal sealed class GraphBuilder
{
    private readonly IReadOnlyList<Statement> statements;
    private readonly Dictionary<string, Statement> allByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Statement> byPrint = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GraphNode> defined = new(StringComparer.Ordinal);
    private readonly Dictionary<Expr, GraphNode> byExpr = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, int> sizes = new(StringComparer.Ordinal);
    private readonly List<GraphNode> nodes = [];
    private Statement current = null!;

    /// <summary>Names that stand for numbers unless the program defines them itself.</summary>
    internal static readonly Dictionary<string, double> Constants = new(StringComparer.Ordinal) { ["e"] = Math.E, ["pi"] = Math.PI, ["π"] = Math.PI };

    /// <summary>The constants by how they print (pi and π alike).</summary>
    private static readonly Dictionary<string, string> ConstantPrints = Constants.Keys.GroupBy(NameSuggestion.PrintKey).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    private GraphBuilder(IReadOnlyList<Statement> statements) => this.statements = statements;

    /// <summary>Builds and checks the graph of <paramref name="statements"/>.</summary>
    public static ComputationGraph Build(IReadOnlyList<Statement> statements)
    {
        var builder = new GraphBuilder(statements);
        builder.CollectNames();
        builder.BindStaticSizes();
        foreach (var s in statements)
        {
            builder.current = s;
            builder.Define(s);
        }
        return new ComputationGraph(builder.nodes, builder.byExpr, builder.sizes);
    }

    /// <summary>Registers every name with its first definition and rejects second ones.</summary>
    private void CollectNames()
    {
        foreach (var s in statements)
        {
            if (allByName.TryGetValue(s.Name, out var first))
                throw new GradProgramException(
                    $"'{s.Name}' is already defined on line {first.Line}; each name is defined once (give this one another name)", s.NamePosition);
            // A Cyrillic е would print as the constant e it is not; x and a Cyrillic х side by side would be two nodes under
            // one label in every table and formula.
            var key = NameSuggestion.PrintKey(s.Name);
            if (!Constants.ContainsKey(s.Name) && ConstantPrints.TryGetValue(key, out var constant))
                throw new GradProgramException(
                    $"'{s.Name}' prints like the constant {NameSuggestion.Quoted(s.Name, constant)}; names that print alike would be confused (give this one another name)", s.NamePosition);
            if (byPrint.TryGetValue(key, out var alike))
                throw new GradProgramException(
                    $"'{s.Name}' prints like {NameSuggestion.Quoted(s.Name, alike.Name)}, defined on line {alike.Line}; names that print alike would be confused (give this one another name)", s.NamePosition);
            allByName[s.Name] = s;
            byPrint[key] = s;
        }
    }

    /// <summary>Binds symbolic sizes from values written in the program, so <c>x1[D] = [1, 2]</c> fixes D = 2 everywhere.</summary>
    private void BindStaticSizes()
    {
        foreach (var d in statements.OfType<Declaration>())
        {
            if (d.Size is null || d.Value is null) continue;
            var declared = new SymbolicShape(d.Size);
            var fitted = ShapeInference.Fit(declared, d.Value.Shape, sizes, out _, out var conflict);
            if (conflict is { } c)
                throw new GradProgramException(
                    $"the value of '{d.Name}' makes {c.Symbol} = {c.Given}, but an earlier value made {c.Symbol} = {c.Bound}", d.Value.Position);
            if (fitted is null)
                throw new GradProgramException(
                    $"'{d.Name}' is declared with size {declared} but its value has shape {SymbolicShape.FromSizes(d.Value.Shape)}", d.Value.Position);
        }
    }

    private void Define(Statement s)
    {
        switch (s)
        {
            case Declaration d:
            {
                var shape = d.Size is not null ? new SymbolicShape(d.Size)
                    : d.Value is not null ? SymbolicShape.FromSizes(d.Value.Shape)
                    : SymbolicShape.Scalar;
                var kind = d.Kind switch
                {
                    DeclarationKind.Param => GraphNodeKind.Parameter,
                    DeclarationKind.Input or DeclarationKind.Const => GraphNodeKind.Input,
                    _ => GraphNodeKind.Target,
                };
                defined[d.Name] = Add(kind, d.Name, null, [], shape, d.NamePosition, null, d, null);
                break;
            }
            case Assignment a:
                defined[a.Name] = BuildRoot(a);
                break;
        }
    }

    private GraphNode BuildRoot(Assignment a)
    {
        var e = a.Expression;
        GraphNode node;
        switch (e)
        {
            case NameExpr name:
                var source = Lookup(name);
                node = Add(GraphNodeKind.Operation, a.Name, OpTable.Identity, [source], source.Shape, name.Position, e, a, null);
                break;
            case NumberExpr number:
                node = Add(GraphNodeKind.Constant, a.Name, null, [], SymbolicShape.Scalar, number.Position, e, a, number.Value);
                break;
            default:
                node = Build(e, a);
                break;
        }
        byExpr[e] = node;
        return node;
    }

    /// <summary>Builds the nodes of an expression, operands first; <paramref name="owner"/> names the root.</summary>
    private GraphNode Build(Expr e, Assignment? owner)
    {
        GraphNode node;
        switch (e)
        {
            case NumberExpr number:
                node = Add(GraphNodeKind.Constant, null, null, [], SymbolicShape.Scalar, number.Position, e, null, number.Value);
                break;
            case NameExpr name:
                node = Lookup(name);
                break;
            case NegateExpr neg:
            {
                var operand = Build(neg.Operand, null);
                node = Add(GraphNodeKind.Operation, owner?.Name, OpTable.Negate, [operand], operand.Shape, neg.Position, e, owner, null);
                break;
            }
            case BinaryExpr bin:
            {
                var left = Build(bin.Left, null);
                var right = Build(bin.Right, null);
                var op = OpTable.Binary(bin.Operator);
                var shape = InferShape(op, [left, right], bin.Position);
                node = Add(GraphNodeKind.Operation, owner?.Name, op, [left, right], shape, bin.Position, e, owner, null);
                break;
            }
            case CallExpr call:
            {
                var args = call.Arguments.Select(arg => Build(arg, null)).ToArray();
                var shape = InferShape(call.Op, args, call.Position);
                node = Add(GraphNodeKind.Operation, owner?.Name, call.Op, args, shape, call.Position, e, owner, null);
                break;
            }
            default:
                throw new InvalidOperationException($"Unknown expression node {e.GetType().Name}.");
        }
        byExpr[e] = node;
        return node;
    }

    private GraphNode Add(GraphNodeKind kind, string? name, OpInfo? op, GraphNode[] operands, SymbolicShape shape,
        SourcePosition position, Expr? expr, Statement? statement, double? constant)
    {
        var node = new GraphNode(nodes.Count, kind, name, op, operands, shape, position, expr, statement, constant);
        nodes.Add(node);
        return node;
    }

    private SymbolicShape InferShape(OpInfo op, GraphNode[] args, SourcePosition at)
    {
        switch (op.Kind)
        {
            case OpKind.Reduction:
                return SymbolicShape.Scalar;
            case OpKind.Structural:
                return op.Shape!(args.Select(a => a.Shape).ToArray(), sizes, out var why)
                    ?? throw new GradProgramException($"shapes do not fit '{ExprPrinter.Apply(op, args.Select(a => (a.Label, OpInfo.AtomPrecedence)).ToArray(), Notation.Source).Text}': {why}", at);
            case OpKind.MatMul:
            {
                var shape = ShapeInference.MatMul(args[0].Shape, args[1].Shape, args[0].Label, args[1].Label, sizes, out var problem);
                return shape ?? throw new GradProgramException(
                    $"shapes do not match for '@': {args[0].Label} has shape {args[0].Shape} and {args[1].Label} has shape {args[1].Shape} ({problem})", at);
            }
            default:
            {
                var shape = args[0].Shape;
                for (int i = 1; i < args.Length; i++)
                {
                    var next = ShapeInference.Broadcast(shape, args[i].Shape, sizes);
                    if (next is null)
                    {
                        var opName = op.BinaryOperator is not null ? $"'{ExprPrinter.SourceSymbol(op)}'" : $"'{op.Name}'";
                        throw new GradProgramException(
                            $"shapes do not match for {opName}: {args[0].Label} has shape {args[0].Shape} and {args[i].Label} has shape {args[i].Shape}" +
                            " (elementwise operands need equal sizes, or size 1 to broadcast)", at);
                    }
                    shape = next;
                }
                return shape;
            }
        }
    }

    /// <summary>The node a name refers to, or the right error: undefined, used too early, or part of a cycle.</summary>
    private GraphNode Lookup(NameExpr use)
    {
        if (defined.TryGetValue(use.Name, out var node))
            return node;
        // π is how a name pi is printed, so a program that defines pi means it by π too, as check reads it.
        if (use.Name == "π" && defined.TryGetValue("pi", out var pi))
            return pi;
        if (use.Name == current.Name)
            throw new GradProgramException($"'{use.Name}' is used in its own definition (a cycle); a name must be defined before it is used", use.Position);
        if (allByName.TryGetValue(use.Name, out var later))
        {
            var cycle = FindCycle(later, current.Name);
            if (cycle is not null)
                throw new GradProgramException(
                    $"cycle: {current.Name} → {string.Join(" → ", cycle)}; a name must be defined before it is used", use.Position);
            var what = later is Declaration ? "declared" : "defined";
            throw new GradProgramException(
                $"'{use.Name}' is used before it is {what} (on line {later.Line}); move that line above this one", use.Position);
        }
        if (Constants.TryGetValue(use.Name, out var constant))
            return Add(GraphNodeKind.Constant, null, null, [], SymbolicShape.Scalar, use.Position, use, null, constant);
        if (OpTable.IsFunction(use.Name))
            throw new GradProgramException($"'{use.Name}' is a function; call it as {use.Name}(...)", use.Position);
        throw new GradProgramException($"undefined name '{use.Name}'{NameSuggestion.Hint(use.Name, allByName.Keys)}", use.Position);
    }

    /// <summary>
    /// When <paramref name="start"/> (defined later) depends, through later assignments, on
    /// <paramref name="target"/>, the names along the way (start … target); otherwise null.
    /// </summary>
    private List<string>? FindCycle(Statement start, string target)
    {
        var parent = new Dictionary<string, string?> { [start.Name] = null };
        var queue = new Queue<string>();
        queue.Enqueue(start.Name);
        while (queue.Count > 0)
        {
            var name = queue.Dequeue();
            if (name == target)
            {
                var path = new List<string>();
                for (string? n = name; n is not null; n = parent[n]) path.Add(n);
                path.Reverse();
                return path;
            }
            if (!allByName.TryGetValue(name, out var s) || s is not Assignment a) continue;
            foreach (var used in a.Expression.DescendantsAndSelf().OfType<NameExpr>())
                if (parent.TryAdd(used.Name, name)) queue.Enqueue(used.Name);
        }
        return null;
    }
}
