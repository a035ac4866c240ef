namespace SharpGrad.Explain;

/// <summary>
/// A worked forward and backward pass with one SGD step, as a teacher writes it out (spec E9):
/// the forward table in program order, the backward table in reverse order with the chain-rule
/// terms behind each gradient, and the update of every parameter. Every number comes from the
/// tensor ops and the autograd engine. Render it with <see cref="StepRenderer"/>.
/// </summary>
public sealed class StepReport
{
    internal StepReport(ProgramEvaluation evaluation, double learningRate, IReadOnlyList<GraphNode> forward,
        IReadOnlyList<BackwardRow> backward, IReadOnlyList<UpdateRow> updates, bool allNodes, Layout layout)
    {
        AllNodes = allNodes;
        Layout = layout;
        Evaluation = evaluation;
        LearningRate = learningRate;
        Forward = forward;
        Backward = backward;
        Updates = updates;
    }

    /// <summary>The evaluation walked through.</summary>
    public ProgramEvaluation Evaluation { get; }

    /// <summary>The SGD learning rate η.</summary>
    public double LearningRate { get; }

    /// <summary>
    /// The nodes of the forward table in program order: declarations and assignments, and with
    /// <see cref="AllNodes"/> also the unnamed parts of expressions that depend on a declaration
    /// (literals are left out).
    /// </summary>
    public IReadOnlyList<GraphNode> Forward { get; }

    /// <summary>The backward table, starting from the objective.</summary>
    public IReadOnlyList<BackwardRow> Backward { get; }

    /// <summary>The SGD update of every parameter, in program order.</summary>
    public IReadOnlyList<UpdateRow> Updates { get; }

    /// <summary>True when every unnamed part of an expression has rows of its own; otherwise only named nodes do.</summary>
    public bool AllNodes { get; }

    /// <summary>The layout the chain-rule column is written in (the numbers always have each node's shape).</summary>
    public Layout Layout { get; }

    /// <summary>
    /// A warning when the objective is NaN or infinite, so that no number below means anything, or when the step takes a
    /// parameter beyond the numbers (a learning rate of 1e308); null otherwise.
    /// </summary>
    public string? Warning => Evaluation.NonFiniteWarning("the gradients and the update below")
        ?? (Updates.Where(u => !u.New.ToDoubleArray().All(double.IsFinite) && Evaluation.GradientOf(u.Parameter) is { } g && g.ToDoubleArray().All(double.IsFinite))
            .Select(u => u.Parameter.Name).ToArray() is { Length: > 0 } overflowed
            ? $"warning: the step takes {string.Join(", ", overflowed)} beyond the finite numbers (η·gradient overflows); choose a smaller learning rate (--lr)."
            : null);

    /// <summary>
    /// Walks an evaluation: takes each local derivative by re-running one op on copies of its
    /// arguments through autograd, and applies one SGD step, new = old − η·∂J/∂param. Rows are
    /// given for the named nodes, or for every node when <paramref name="allNodes"/> is true.
    /// </summary>
    public static StepReport Create(ProgramEvaluation evaluation, double learningRate, bool allNodes = false, Layout layout = Layout.Gradient)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        if (!double.IsFinite(learningRate) || learningRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be a positive number.");
        return StepWalker.Walk(evaluation, learningRate, allNodes, layout);
    }
}
