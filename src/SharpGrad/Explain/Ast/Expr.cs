namespace SharpGrad.Explain;

/// <summary>
/// An expression on the right of an assignment. The tree is immutable and keeps the source
/// position of every node: a binary node points at its operator, a call at the function
/// name, a name or number at itself, so errors (a shape mismatch at <c>@</c>) and later
/// explanations can point at the right token. Nodes compare by reference: two uses of
/// <c>x</c> are two nodes.
/// </summary>
public abstract class Expr
{
    /// <summary>Creates a node anchored at <paramref name="position"/>.</summary>
    protected Expr(SourcePosition position) => Position = position;

    /// <summary>Where the node is in the source (the operator of a binary node, the name of a call).</summary>
    public SourcePosition Position { get; }

    /// <summary>The direct subexpressions, left to right.</summary>
    public abstract IReadOnlyList<Expr> Children { get; }

    /// <summary>This node and every node below it, parents before children (pre-order).</summary>
    public IEnumerable<Expr> DescendantsAndSelf()
    {
        var stack = new Stack<Expr>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var e = stack.Pop();
            yield return e;
            for (int i = e.Children.Count - 1; i >= 0; i--) stack.Push(e.Children[i]);
        }
    }

    /// <summary>The expression in the program's own syntax, with no more parentheses than needed.</summary>
    public override string ToString() => ExprPrinter.Source(this);
}
