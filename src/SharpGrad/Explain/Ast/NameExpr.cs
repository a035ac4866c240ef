namespace SharpGrad.Explain;

/// <summary>A use of a declared or assigned name, such as <c>W1</c> in <c>a1 = W1 @ x</c>.</summary>
public sealed class NameExpr : Expr
{
    /// <summary>Creates the reference.</summary>
    public NameExpr(string name, SourcePosition position)
        : base(position) => Name = name;

    /// <summary>The name used.</summary>
    public string Name { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Expr> Children => [];
}
