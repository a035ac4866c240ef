namespace SharpGrad.Explain;

/// <summary>An infix operation such as <c>W1 @ x</c> or <c>y - yhat</c>; its position is that of the operator.</summary>
public sealed class BinaryExpr : Expr
{
    /// <summary>Creates the operation.</summary>
    public BinaryExpr(BinaryOperator op, Expr left, Expr right, SourcePosition position)
        : base(position)
    {
        Operator = op;
        Left = left;
        Right = right;
    }

    /// <summary>Which operator.</summary>
    public BinaryOperator Operator { get; }

    /// <summary>The left operand.</summary>
    public Expr Left { get; }

    /// <summary>The right operand.</summary>
    public Expr Right { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Expr> Children => [Left, Right];
}
