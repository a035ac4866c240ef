namespace SharpGrad.Explain;

// What may follow an operand in an answer: a transpose (Wᵀ, W.T), index letters ((v)_i), a power written as a superscript
// (x², x³) and an index or slice (x[0], h[1:3]).
internal sealed partial class CheckExprParser
{
    private CheckExpr ParsePostfix(CheckExpr operand)
    {
        // (Y − T)ᵀ starts at its bracket: a hint that names it quotes "(Y - T).T", not "Y - T).T". Looked for only when an
        // operator follows, since it walks back over the bracket's tokens.
        int? outer = null;
        var (bracketed, readTo) = (operand, index);
        int start() => outer ??= BracketStart(bracketed, readTo);
        while (true)
        {
            if (IsOp("ᵀ"))
            {
                index++;
                operand = Node(CheckExpr.Kinds.Call, start(), [operand], name: "transpose", info: OpTable.Transpose);
            }
            // (v)_i, (M)_ij, σ(z)_i: the index letters of a component, as explain writes one and index notation reads it.
            else if (Current is { Kind: T.Ident } sub && sub.Text.Length > 1 && sub.Text.StartsWith('_') && sub.Start == tokens[index - 1].End)
            {
                index++;
                operand = Subscript(operand, sub);
            }
            else if (IsOp("²") || IsOp("³"))
            {
                double power = Current.Text == "²" ? 2 : 3;
                index++;
                var exponent = Node(CheckExpr.Kinds.Number, tokens[index - 1].Start, value: power);
                operand = Node(CheckExpr.Kinds.Binary, start(), [operand, exponent], op: '^');
            }
            // x[0] indexes only when the bracket touches the operand: W [a, b] is W times a vector.
            else if (IsOp("[") && Current.Start == tokens[index - 1].End)
            {
                var open = Current;
                index++;
                var items = new List<OpTable.IndexItem>();
                do
                {
                    if (items.Count > 0) index++;
                    int? first = IsOp(":") ? null : IndexNumber();
                    if (!IsOp(":")) { items.Add(new(false, first, null)); continue; }
                    index++;
                    items.Add(new(true, first, IsOp(",") || IsOp("]") ? null : IndexNumber()));
                }
                while (IsOp(","));
                Expect("]", $"',' or ']' to close the index at column {open.Start + 1}");
                var read = OpTable.Index(items);
                // b[-3] of a b of 2 is out of range where the shape is known, before anything is graded.
                if (StaticShape(operand) is { } known && read.Shape!([SymbolicShape.FromSizes(known)], graph.StaticSizes, out var problem) is null)
                    throw Fail(problem!, open);
                operand = Node(CheckExpr.Kinds.Call, start(), [operand], name: "index", info: read);
            }
            else return operand;
        }
    }

    /// <summary>
    /// Where an operand read up to token <paramref name="at"/> starts, counting the bracket it was written in: the matching
    /// '(' of a ')' just before <paramref name="at"/> that is not the operand's own.
    /// </summary>
    private int BracketStart(CheckExpr operand, int at)
    {
        if (at == 0 || tokens[at - 1] is not { Kind: T.Op, Text: ")" } close || close.Start < operand.End) return operand.Start;
        int depth = 0;
        for (int i = at - 1; i >= 0; i--)
        {
            if (tokens[i] is { Kind: T.Op, Text: ")" }) depth++;
            else if (tokens[i] is { Kind: T.Op, Text: "(" } && --depth == 0) return Math.Min(operand.Start, tokens[i].Start);
        }
        return operand.Start;
    }

    private int IndexNumber()
    {
        int sign = 1;
        if (IsOp("-")) { sign = -1; index++; }
        var t = Current;
        if (t.Kind != T.Number || t.Number != Math.Floor(t.Number) || t.Number > 1 << 20)
            throw Fail($"expected a whole number or ':' in the index, found {Describe(t)}");
        index++;
        return sign * (int)t.Number;
    }
}
