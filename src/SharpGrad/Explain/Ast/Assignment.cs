namespace SharpGrad.Explain;

/// <summary><c>NAME = EXPR</c>: an intermediate (or the objective) of the computation.</summary>
public sealed class Assignment : Statement
{
    /// <summary>Creates the assignment.</summary>
    public Assignment(string name, SourcePosition namePosition, Expr expression)
        : base(name, namePosition, namePosition) => Expression = expression;

    /// <summary>The right-hand side.</summary>
    public Expr Expression { get; }
}
