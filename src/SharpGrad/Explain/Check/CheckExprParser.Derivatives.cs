namespace SharpGrad.Explain;

/// <summary>
/// The derivative notation of <see cref="CheckExprParser"/>: <c>dE/dn6</c>, <c>d(E)/d(n6)</c>, <c>∂E/∂n6</c>,
/// <c>∂n1/∂(v)_d</c>, a local partial with names held fixed (<c>∂L/∂w|m</c>), and the unnamed parts of the program's
/// expressions that step labels (<c>∂L/∂(W1 @ x)</c>, <c>∂L/∂tanh(Y)</c>, <c>∂L/∂(a · b)₂</c>).
/// </summary>
internal sealed partial class CheckExprParser
{
    /// <summary>
    /// d(y)/d(x): a d before a bracket. Where the program has a node d, d (f1 − f2) is that node times the bracket unless
    /// a '/' follows the bracket, as in d(y)/d(x).
    /// </summary>
    private bool IsDerivativeD() =>
        Current is { Kind: T.Ident, Text: "d" } && Peek(1) is { Kind: T.Op, Text: "(" }
        && (Resolve("d") is null || tokens[Math.Min(tokens.Count - 1, Matching(index + 1) + 1)] is { Kind: T.Op, Text: "/" });

    /// <summary>dE/dn6: an identifier d+NAME (not itself a program name) followed by '/' and d+NAME.</summary>
    private bool IsPlainPartial()
    {
        var t = Current;
        if (t.Kind != T.Ident || t.Text.Length < 2 || t.Text[0] != 'd' || graph.TryGetNode(t.Text, out _)) return false;
        if (graph.TryGetNode(t.Text[1..], out _)) return Peek(1) is { Kind: T.Op, Text: "/" };
        // dlog_softmax(theta)[1]/dtheta: d against a call of a part, its brackets and indices, then '/'.
        if (!IsCalledPart()) return false;
        int next = Matching(index + 1) + 1;
        while (tokens[next] is { Kind: T.Op, Text: "[" } open && open.Start == tokens[next - 1].End) next = Matching(next) + 1;
        return tokens[next] is { Kind: T.Op, Text: "/" };
    }

    /// <summary>"'tanh(Y)' in the denominator … is neither a name nor a part": the text from the current token to the token at <paramref name="close"/>.</summary>
    private ArgumentException NotAPart(string what, int close) =>
        Fail($"'{source[Current.Start..tokens[close].End]}' in the {what} of the derivative is neither a name nor a part of the program's expressions", Current);

    /// <summary>The current token is d+f, f a function called right after it, as in dlog_softmax(theta)[1], the ASCII ∂log_softmax(theta)[1].</summary>
    private bool IsCalledPart() => Current is { Kind: T.Ident } t && t.Text.Length > 1 && t.Text[0] == 'd' && OpTable.IsFunction(t.Text[1..])
        && Peek(1) is { Kind: T.Op, Text: "(" } call && call.Start == t.End;

    private CheckExpr ParsePartial()
    {
        int start = Current.Start;
        partialIndices = null;
        var of = ParsePartialName(numerator: true);
        Expect("/", "'/' in the derivative d(numerator)/d(denominator)");
        var wrt = ParsePartialName(numerator: false);
        // ∂L/∂(C)_ik of a single-number L is the entry of its gradient, (∂L/∂C)_ik in index notation.
        if (!IsOp("|")) return partialIndices is { } letters && IndexLetters(letters) && graph.TryGetNode(of, out var o) && o.Shape.IsSingleElement
            ? Indexed(Node(CheckExpr.Kinds.Partial, start, name: of, wrt: wrt), letters)
            : Node(CheckExpr.Kinds.Partial, start, name: of, wrt: wrt);
        // ∂L/∂w|m, lam: the local partial with the other names of L's expression held fixed, as step writes it.
        index++;
        // What is held may be an unnamed part as step --all-nodes labels it: ∂L/∂w|(tanh(w · x) · w).
        var held = new List<string> { (Current.Kind == T.Ident || IsOp("(") ? Part("names held fixed") : null)
            ?? Known(Current.Kind == T.Ident ? tokens[index++] : throw Fail($"expected the names held fixed after '|', found {Describe(Current)}")) };
        while (IsOp(","))
        {
            index++;
            if (Part("names held fixed") is { } part) held.Add(part);
            else if (Current is { Kind: T.Ident } next && Resolve(next.Text) is { } name && !(Peek(1) is { Kind: T.Op, Text: "(" or "=" }))
            {
                index++;
                held.Add(name);
            }
            else
            {
                index--;
                break;
            }
        }
        return Checked(new CheckExpr(CheckExpr.Kinds.Partial, start, tokens[index - 1].End, source) { Name = of, Wrt = wrt, Held = held });
    }

    private string ParsePartialName(bool numerator)
    {
        var t = Current;
        string what = numerator ? "numerator" : "denominator";
        if (t.Kind == T.Partial || (t.Kind == T.Ident && t.Text == "d" && Peek(1) is { Kind: T.Op, Text: "(" }))
        {
            index++;
            if (IsOp("("))
            {
                index++;
                var inner = Current;
                // (v) is the name v, (v)_d its component; (W1 @ x), (W @ x)[1] and (a · b)₂ are parts as step labels them.
                if (inner.Kind != T.Ident || Peek(1) is not { Kind: T.Op, Text: ")" }
                    || ((Peek(2) is { Kind: T.Op, Text: "[" or "ᵀ" } || IsSubscript(Peek(2))) && Peek(2).Start == Peek(1).End))
                {
                    index--;
                    return Part(what) ?? throw NotAPart(what, Matching(index));
                }
                index++;
                Expect(")", $"')' after '{inner.Text}' in the derivative");
                // (v)_d: the denominator's letters are the index notation of ∂L/∂(C)_ik.
                if (Current.Kind == T.Ident && Current.Text.Length > 1 && Current.Text.StartsWith('_') && Current.Start == tokens[index - 1].End)
                {
                    var letters = tokens[index++].Text[1..];
                    if (!numerator) partialIndices = letters;
                }
                return Known(inner);
            }
            if (Current.Kind != T.Ident) throw Fail($"expected a name after '{t.Text}' in the {what} of the derivative, found {Describe(Current)}");
            if (Part(what) is { } part) return part;
            // tanh(Y) where no part reads so: a function is no name to fall back on.
            if (OpTable.IsFunction(Current.Text) && Resolve(Current.Text) is null && Peek(1) is { Kind: T.Op, Text: "(" } call && call.Start == Current.End)
                throw NotAPart(what, Matching(index + 1));
            return Known(tokens[index++]);
        }
        if (IsCalledPart() && !graph.TryGetNode(t.Text[1..], out _))
        {
            // The part after the d, read as after ∂.
            tokens[index] = t with { Text = t.Text[1..], Start = t.Start + 1 };
            return Part(what) ?? throw NotAPart(what, Matching(index + 1));
        }
        if (t.Kind == T.Ident && t.Text.Length > 1 && t.Text[0] == 'd')
        {
            index++;
            var name = t.Text[1..];
            if (!graph.TryGetNode(name, out _) && name.EndsWith("_d", StringComparison.Ordinal) && graph.TryGetNode(name[..^2], out _))
                name = name[..^2];
            if (!graph.TryGetNode(name, out _))
                throw Fail($"unknown name '{name}' in the {what} of the derivative{NameSuggestion.Hint(name, graph.NamedNodes.Select(n => n.Name!))}", t);
            // dJ/dBᵀ (or dB.T, dB^T) is the program's part Bᵀ where it has one, as ∂J/∂Bᵀ is.
            if (!numerator && Current is { Kind: T.Op, Text: "ᵀ" or "^" } mark && mark.Start == t.End
                && (mark.Text == "ᵀ" || Peek(1) is { Kind: T.Ident, Text: "T" }) && graph.ResolvePart(name + "ᵀ", 1) is { } transposed)
            {
                index += mark.Text == "ᵀ" ? 1 : 2;
                return transposed;
            }
            return name;
        }
        throw Fail($"expected d or ∂ and a name in the {what} of the derivative, found {Describe(t)}");
    }

    /// <summary>
    /// ∂L/∂(W1 @ x), ∂L/∂tanh(Y), ∂L/∂(W @ x)[1], ∂L/∂Kᵀ, ∂L/∂(a · b)₂: an unnamed part of the program's expressions,
    /// written as step labels it, from the current token ('(' or a name) with as many calls, indices and transposes
    /// as make a part the program has (the longest first), and the subscript that tells alike parts apart. Null, with
    /// nothing read, where no part reads so: a bare name is no part.
    /// </summary>
    private string? Part(string what)
    {
        int first = index;
        bool bracketed = IsOp("(");
        int next = bracketed ? Matching(first) + 1 : first + 1;
        if (tokens[next - 1].Kind == T.End)
            throw Fail($"expected ')' to close the '(' at column {tokens[first].Start + 1} in the {what} of the derivative", tokens[next - 1]);
        var ends = new List<int> { next };
        while (tokens[next].Start == tokens[next - 1].End && tokens[next] is { Kind: T.Op, Text: "(" or "[" or "ᵀ" or "^" } t)
        {
            // B^T is Bᵀ (as B.T is, which the lexer reads as ᵀ); any other power ends the part.
            if (t.Text == "^" && !(tokens[next + 1] is { Kind: T.Ident, Text: "T" } upper && upper.Start == t.End)) break;
            next = t.Text == "ᵀ" ? next + 1 : t.Text == "^" ? next + 2 : Matching(next) + 1;
            if (tokens[next - 1].Kind == T.End) break;
            ends.Add(next);
        }
        for (int k = ends.Count - 1; k >= (bracketed ? 0 : 1); k--)
        {
            index = ends[k];
            var text = source[tokens[first].Start..tokens[ends[k] - 1].End].Replace(".T", "ᵀ", StringComparison.Ordinal).Replace("^T", "ᵀ", StringComparison.Ordinal);
            int occurrence = Occurrence();
            if (graph.ResolvePart(text, occurrence) is { } key) return key;
            if (occurrence > 1 && graph.ResolvePart(text, 1) is not null)
                throw Fail($"'{text}' in the {what} of the derivative: the program has fewer than {occurrence} parts that print so (a subscript ₂, ₃, … tells apart parts that print alike)", tokens[first]);
        }
        index = first;
        return null;
    }
}
