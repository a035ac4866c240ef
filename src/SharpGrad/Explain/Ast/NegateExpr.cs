namespace SharpGrad.Explain;

/// <summary>Unary minus, <c>-x</c>. It binds tighter than <c>@ * / + -</c> and looser than <c>^</c>, so <c>-x^2</c> is <c>-(x^2)</c>.</summary>
public sealed class NegateExpr : Expr
{
    /// <summary>Creates the negation; <paramref name="position"/> is that of the minus sign.</summary>
    public NegateExpr(Expr operand, SourcePosition position)
        : base(position) => Operand = operand;

    /// <summary>The negated expression.</summary>
    public Expr Operand { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Expr> Children => [Operand];
}
