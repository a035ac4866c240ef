using System.Globalization;

namespace SharpGrad.Explain;

/// <summary>A numeric literal such as <c>2</c>, <c>0.5</c> or <c>1e-3</c> (a negative literal is folded from unary minus).</summary>
public sealed class NumberExpr : Expr
{
    /// <summary>Creates the literal.</summary>
    public NumberExpr(double value, SourcePosition position)
        : base(position) => Value = value;

    /// <summary>The literal's value.</summary>
    public double Value { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Expr> Children => [];

    /// <summary>The value in the shortest form that reads back exactly.</summary>
    public string Text => Value.ToString("R", CultureInfo.InvariantCulture);
}
