namespace SharpGrad.Explain;

/// <summary>
/// The numbers of one evaluation of a <see cref="GradProgram"/>: each node's value and the gradient
/// of the objective with respect to it, all float64 and computed by the tensor ops and the
/// autograd engine (never by a second evaluator). Named nodes always have a gradient (zero
/// where the objective does not depend on them; 1 for the objective itself); unnamed parts of
/// expressions have one when they depend on a declaration.
/// </summary>
public sealed class ProgramEvaluation
{
    private readonly Tensor[] values;
    private readonly Tensor?[] gradients;

    internal ProgramEvaluation(GradProgram program, GraphNode objective, Tensor[] values, Tensor?[] gradients, IReadOnlyDictionary<string, int> sizes, Tensor[]? recorded = null)
    {
        Recorded = recorded ?? values;
        Program = program;
        Objective = objective;
        this.values = values;
        this.gradients = gradients;
        Sizes = sizes;
        Names = program.Graph.NamedNodes.Select(n => n.Name!).ToArray();
    }

    /// <summary>The program evaluated.</summary>
    public GradProgram Program { get; }

    /// <summary>The graph evaluated.</summary>
    public ComputationGraph Graph => Program.Graph;

    /// <summary>The node differentiated.</summary>
    public GraphNode Objective { get; }

    /// <summary>The objective's name.</summary>
    public string ObjectiveName => Objective.Name!;

    /// <summary>The objective's value.</summary>
    public double ObjectiveValue => values[Objective.Index].Item();

    /// <summary>
    /// A warning that the objective is NaN or infinite, so that <paramref name="what"/> mean nothing; else that named values
    /// or gradients are (1/x at x = 0 under a min that passes 5: a finite objective, a NaN gradient); null when all are numbers.
    /// </summary>
    public string? NonFiniteWarning(string what)
    {
        if (!double.IsFinite(ObjectiveValue))
            return $"warning: the objective {ObjectiveName} = {ValueFormat.Number(ObjectiveValue)} is not a finite number, so {what} are not meaningful; check the values given (--set).";
        static bool Finite(Tensor? t) => t is null || t.ToDoubleArray().All(double.IsFinite);
        var values = Names.Where(n => !Finite(Value(n)));
        var gradients = Names.Where(n => !Finite(GradientOf(Graph[n]))).Select(n => $"∂{ObjectiveName}/∂{n}").ToList();
        var bad = values.Concat(gradients).ToList();
        if (bad.Count == 0) return null;
        return $"warning: {string.Join(", ", bad.Take(4))}{(bad.Count > 4 ? ", …" : "")} {(bad.Count == 1 ? "is" : "are")} not finite (NaN or ∞), though the objective {ObjectiveName} = {ValueFormat.Number(ObjectiveValue)} is: "
            + "a function is at the edge of its domain (a division by 0, the log or square root of 0, 0·∞); check the values given (--set).";
    }

    /// <summary>Every named node in program order (declarations and assignments).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The value of every symbolic size (static ones and those bound by the values given).</summary>
    public IReadOnlyDictionary<string, int> Sizes { get; }

    /// <summary>The value of a node.</summary>
    public Tensor ValueOf(GraphNode node) => values[Check(node).Index];

    /// <summary>∂objective/∂node, with the node's shape; null for literals and parts computed from literals only.</summary>
    public Tensor? GradientOf(GraphNode node) => gradients[Check(node).Index];

    /// <summary>The value of the node called <paramref name="name"/>.</summary>
    public Tensor Value(string name) => ValueOf(Graph[name]);

    /// <summary>∂objective/∂<paramref name="name"/>.</summary>
    public Tensor Gradient(string name) => GradientOf(Graph[name])!;

    /// <summary>
    /// The engine's tensors of every graph node as the forward pass recorded them (with their
    /// autograd nodes, kept after the gradients were taken): what matrix derivations walk.
    /// </summary>
    internal IReadOnlyList<Tensor> Recorded { get; }

    private GraphNode Check(GraphNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Index >= values.Length || !ReferenceEquals(Graph.Nodes[node.Index], node))
            throw new ArgumentException("The node belongs to another program.", nameof(node));
        return node;
    }
}
