namespace SharpGrad.Explain;

/// <summary>
/// The computation graph of a program: every leaf, constant and op application as a
/// <see cref="GraphNode"/>, in program order (which is topological, because names are defined
/// before they are used), with static shapes. Built once by <see cref="GradProgram.Parse"/>; the
/// evaluator, the step walker and the explain tools all walk this one structure.
/// </summary>
public sealed class ComputationGraph
{
    private readonly Dictionary<string, GraphNode> byName;
    private readonly Dictionary<Expr, GraphNode> byExpr;

    internal ComputationGraph(IReadOnlyList<GraphNode> nodes, Dictionary<Expr, GraphNode> byExpr, IReadOnlyDictionary<string, int> staticSizes)
    {
        Nodes = nodes;
        this.byExpr = byExpr;
        byName = nodes.Where(n => n.Name is not null).ToDictionary(n => n.Name!, StringComparer.Ordinal);
        StaticSizes = staticSizes;
    }

    /// <summary>Every node, operands before the nodes that use them.</summary>
    public IReadOnlyList<GraphNode> Nodes { get; }

    /// <summary>The named nodes in program order (declarations and assignments as written).</summary>
    public IEnumerable<GraphNode> NamedNodes => Nodes.Where(n => n.IsNamed);

    /// <summary>The <c>param</c> leaves in program order.</summary>
    public IEnumerable<GraphNode> Parameters => Nodes.Where(n => n.Kind == GraphNodeKind.Parameter);

    /// <summary>Symbolic sizes fixed by values written in the program (<c>input x1[D] = [1, 2]</c> fixes D = 2).</summary>
    public IReadOnlyDictionary<string, int> StaticSizes { get; }

    /// <summary>The node called <paramref name="name"/>.</summary>
    public GraphNode this[string name] =>
        byName.TryGetValue(name, out var node) ? node : throw new KeyNotFoundException($"The program defines no '{name}'.");

    /// <summary>"--wrt: the program defines no 'w_2'; did you mean 'w2'?": the error for an option naming no node.</summary>
    public ArgumentException NoNode(string option, string name) =>
        new($"{option}: the program defines no '{name}'{(NameSuggestion.Hint(name, byName.Keys) is { Length: > 0 } hint ? hint : ".")}");

    /// <summary>The node called <paramref name="name"/>, if there is one.</summary>
    public bool TryGetNode(string name, out GraphNode node) => byName.TryGetValue(name, out node!);

    /// <summary>
    /// The node an expression of the program evaluates to; a name used inside an expression maps
    /// to the node it names.
    /// </summary>
    public GraphNode NodeFor(Expr expression) =>
        byExpr.TryGetValue(expression, out var node) ? node : throw new ArgumentException("The expression is not part of this program.", nameof(expression));

    /// <summary><paramref name="node"/> and every node it is computed from.</summary>
    public IReadOnlySet<GraphNode> AncestorsAndSelf(GraphNode node)
    {
        var seen = new HashSet<GraphNode> { node };
        var stack = new Stack<GraphNode>();
        stack.Push(node);
        while (stack.Count > 0)
            foreach (var operand in stack.Pop().Operands)
                if (seen.Add(operand)) stack.Push(operand);
        return seen;
    }
}
