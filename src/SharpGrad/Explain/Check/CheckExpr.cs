namespace SharpGrad.Explain;

/// <summary>One node of a hand-derived expression given to <see cref="DerivativeChecker"/>.</summary>
internal sealed class CheckExpr
{
    /// <summary>What a node is.</summary>
    public enum Kinds
    {
        Number,
        Name,
        Partial,
        Binary,
        Negate,
        Call,
        Prime,
        Indicator,
        Vector,
    }

    public CheckExpr(Kinds kind, int start, int end, string source, IReadOnlyList<CheckExpr>? args = null)
    {
        Kind = kind;
        Start = start;
        End = end;
        Text = source[start..end].Trim();
        Args = args ?? [];
    }

    public Kinds Kind { get; }

    /// <summary>0-based start of the node's text in the expression.</summary>
    public int Start { get; }

    /// <summary>0-based end (exclusive).</summary>
    public int End { get; }

    /// <summary>The node's text as the student wrote it.</summary>
    public string Text { get; }

    public IReadOnlyList<CheckExpr> Args { get; }

    public double Value { get; init; }

    /// <summary>A name, a function name, or a partial's numerator.</summary>
    public string? Name { get; init; }

    /// <summary>A partial's denominator.</summary>
    public string? Wrt { get; init; }

    /// <summary>
    /// ∂O/∂a of the objective O for an a that O also uses through other names, read as the total gradient of a
    /// rather than the direct edge (see <see cref="DerivativeChecker"/>): set before grading, from the answer as a whole.
    /// </summary>
    public bool Total { get; set; }

    /// <summary>The index letters written on this part, (M)_ij or ∂L/∂(z)_i: read as index notation (see <see cref="CheckExprEvaluator"/>); null where none.</summary>
    public string? Indices { get; set; }

    /// <summary>The names a local partial holds fixed (∂L/∂w|m, lam, as step writes a direct use among others); null for a plain partial.</summary>
    public IReadOnlyList<string>? Held { get; init; }

    /// <summary>'+', '-', '*', '/', '^', '@' or '⊗' for a binary node.</summary>
    public char Operator { get; init; }

    /// <summary>"&gt;", "&lt;" or "=" for an indicator.</summary>
    public string? Relation { get; init; }

    /// <summary>The OpTable function of a call (null for the extra functions outer and transpose).</summary>
    public OpInfo? Op { get; init; }

    /// <summary>The terms of a sum (with their signs folded into Negate nodes are not needed: sign +1 or −1).</summary>
    public IEnumerable<(int Sign, CheckExpr Term)> Terms(int sign = 1)
    {
        if (Kind == Kinds.Binary && Operator is '+' or '-')
        {
            foreach (var t in Args[0].Terms(sign)) yield return t;
            foreach (var t in Args[1].Terms(Operator == '-' ? -sign : sign)) yield return t;
        }
        else if (Kind == Kinds.Negate)
            foreach (var t in Args[0].Terms(-sign)) yield return t;
        else
            yield return (sign, this);
    }

    /// <summary>The factors of a product (a single factor otherwise).</summary>
    public IEnumerable<CheckExpr> Factors()
    {
        if (Kind == Kinds.Binary && Operator == '*')
            return Args[0].Factors().Concat(Args[1].Factors());
        return [this];
    }

    /// <summary>This node again with other children and another value, everything else as it is (its text for its span).</summary>
    public CheckExpr With(IReadOnlyList<CheckExpr> args, double value) => new(Kind, 0, Text.Length, Text, args)
    {
        Value = value, Name = Name, Wrt = Wrt, Total = Total, Held = Held, Operator = Operator, Relation = Relation, Op = Op,
    };

    public override string ToString() => Text;
}
