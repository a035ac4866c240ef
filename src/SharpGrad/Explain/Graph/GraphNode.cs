namespace SharpGrad.Explain;

/// <summary>
/// One node of a program's computation graph. Every operator or function application is a
/// node, named when it is the whole right-hand side of an assignment (<c>a1 = W1 @ x</c>) and
/// unnamed when it is a part of one (the <c>y - yhat</c> inside <c>J = (y - yhat)^2</c>), so a
/// worked example can take one local derivative at a time. Declarations are leaf nodes and
/// numeric literals are constant nodes. Its static <see cref="Shape"/> is known before anything runs.
/// </summary>
public sealed class GraphNode
{
    private readonly List<GraphNode> consumers = [];

    internal GraphNode(int index, GraphNodeKind kind, string? name, OpInfo? op, IReadOnlyList<GraphNode> operands,
        SymbolicShape shape, SourcePosition position, Expr? expression, Statement? statement, double? constant)
    {
        Index = index;
        Kind = kind;
        Name = name;
        Op = op;
        Operands = operands;
        Shape = shape;
        Position = position;
        Expression = expression;
        Statement = statement;
        ConstantValue = constant;
        HasGradient = name is not null || operands.Any(o => o.HasGradient);
        // A node that uses an operand twice (x * x) is one consumer of it. This node is new, so only an
        // earlier operand can have added it: searching the operand's consumers instead made a name used
        // on each of n lines cost n² steps.
        for (int i = 0; i < operands.Count; i++)
        {
            bool repeated = false;
            for (int j = 0; j < i && !repeated; j++) repeated = ReferenceEquals(operands[j], operands[i]);
            if (!repeated) operands[i].consumers.Add(this);
        }
    }

    /// <summary>The node's position in <see cref="ComputationGraph.Nodes"/> (a topological order: operands come first).</summary>
    public int Index { get; }

    /// <summary>What the node is.</summary>
    public GraphNodeKind Kind { get; }

    /// <summary>The declared or assigned name, or null for a part of an expression.</summary>
    public string? Name { get; }

    /// <summary>True when the node has a name.</summary>
    public bool IsNamed => Name is not null;

    /// <summary>True for declarations (param, input, target).</summary>
    public bool IsDeclaration => Kind is GraphNodeKind.Parameter or GraphNodeKind.Input or GraphNodeKind.Target;

    /// <summary>The op applied, for <see cref="GraphNodeKind.Operation"/> nodes; null otherwise.</summary>
    public OpInfo? Op { get; }

    /// <summary>The op's arguments in order (empty for leaves and constants); the same node may appear twice, as in <c>x * x</c>.</summary>
    public IReadOnlyList<GraphNode> Operands { get; }

    /// <summary>The operation nodes that use this node, in program order, each once.</summary>
    public IReadOnlyList<GraphNode> Consumers => consumers;

    /// <summary>The static shape (symbolic sizes stay symbols).</summary>
    public SymbolicShape Shape { get; }

    /// <summary>Where the node is written: the operator, the function name, the literal, or the declared name.</summary>
    public SourcePosition Position { get; }

    /// <summary>The expression the node was made from (null for declarations).</summary>
    public Expr? Expression { get; }

    /// <summary>The declaration or assignment that names this node, or null for unnamed nodes.</summary>
    public Statement? Statement { get; }

    /// <summary>The declaration, for leaves.</summary>
    public Declaration? Declaration => Statement as Declaration;

    /// <summary>The value of a constant node.</summary>
    public double? ConstantValue { get; }

    /// <summary>
    /// True when a gradient with respect to this node means something: declarations, named
    /// nodes, and every node that depends on one. False for literals and for unnamed parts
    /// computed from literals only.
    /// </summary>
    public bool HasGradient { get; }

    /// <summary>
    /// How the node is called in tables and formulas: its name, a constant's value, or the
    /// expression of an unnamed node in program syntax.
    /// </summary>
    public string Label => Name ?? (Expression is null ? $"#{Index}" : ExprPrinter.Source(Expression));

    /// <inheritdoc/>
    public override string ToString() => Label;

    /// <summary>
    /// The named nodes this node's expression uses directly (unnamed parts looked through), each once. The unnamed
    /// parts met are added to <paramref name="parts"/>; those in <paramref name="opaque"/> are not looked through.
    /// </summary>
    public IReadOnlyList<GraphNode> NamedInputs(ISet<GraphNode>? parts = null, IReadOnlySet<GraphNode>? opaque = null)
    {
        var seen = new HashSet<GraphNode>();
        var result = new List<GraphNode>();
        void Visit(GraphNode n)
        {
            foreach (var o in n.Operands)
            {
                if (!seen.Add(o)) continue;
                if (o.IsNamed) result.Add(o);
                else
                {
                    parts?.Add(o);
                    if (opaque?.Contains(o) != true) Visit(o);
                }
            }
        }
        Visit(this);
        return result;
    }

    /// <summary>
    /// How many elements this node averages, given its first operand's shape and its own: a mean all of them (mean(X, 0)
    /// a column's), a batch cross-entropy its rows, mse_loss and binary_cross_entropy every element; null for a node that
    /// divides by no count. This is the n that a 1/n of the answers stands for.
    /// </summary>
    public int? AveragedCount(IReadOnlyList<int> operand, IReadOnlyList<int> result) => Op?.Name switch
    {
        "mean" when Operands.Count == 1 => operand.Aggregate(1, (a, b) => a * b) / Math.Max(1, result.Aggregate(1, (a, b) => a * b)),
        "cross_entropy" => operand.Count == 2 ? operand[0] : 1,
        "mse_loss" or "binary_cross_entropy" => operand.Aggregate(1, (a, b) => a * b),
        _ => null,
    };

    /// <summary>Whether this node is computed from <paramref name="other"/> (a strict ancestor).</summary>
    public bool DependsOn(GraphNode other)
    {
        var seen = new HashSet<GraphNode>();
        var stack = new Stack<GraphNode>(Operands);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (n == other) return true;
            if (seen.Add(n)) foreach (var o in n.Operands) stack.Push(o);
        }
        return false;
    }
}
