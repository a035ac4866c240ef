namespace SharpGrad.Explain;

/// <summary>
/// A function application such as <c>relu(a1)</c> or <c>max(i1, i2)</c>. The parser accepts only
/// functions of <see cref="OpTable"/>, with an arity it lists; <see cref="Op"/> is the entry found.
/// </summary>
public sealed class CallExpr : Expr
{
    /// <summary>Creates the call; <paramref name="position"/> is that of the function name.</summary>
    public CallExpr(OpInfo op, IReadOnlyList<Expr> arguments, SourcePosition position)
        : base(position)
    {
        Op = op;
        Arguments = arguments;
    }

    /// <summary>The function called (its table entry, which fixes the arity).</summary>
    public OpInfo Op { get; }

    /// <summary>The function's name as written.</summary>
    public string Function => Op.Name;

    /// <summary>The arguments, left to right.</summary>
    public IReadOnlyList<Expr> Arguments { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Expr> Children => Arguments;
}
