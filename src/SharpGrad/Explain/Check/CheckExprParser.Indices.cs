namespace SharpGrad.Explain;

// Index notation in answers: (v)_i, (M)_ij and Σ_k, read as a board writes them. A gradient's indices run in
// alphabetical order, rows first, so (M)_ji is the entry of Mᵀ; a letter shared by a matrix and another factor is
// summed (Einstein's convention, or a Σ written before it), which makes the product a matrix product.
internal sealed partial class CheckExprParser
{
    /// <summary>The letters summed by a product so far: a Σ over one of them was done by that product.</summary>
    private readonly HashSet<char> summedLetters = [];

    /// <summary>The index letters an expression runs over, in alphabetical order ("" where it has none written).</summary>
    private string Labels(CheckExpr e) => subscripts.TryGetValue(e, out var letters) ? letters : e.Kind switch
    {
        CheckExpr.Kinds.Negate => Labels(e.Args[0]),
        CheckExpr.Kinds.Binary when e.Operator is '+' or '-' or '*' or '/' => Union(Labels(e.Args[0]), Labels(e.Args[1])),
        CheckExpr.Kinds.Call when e.Args.Count == 1 && e.Op is { Kind: OpKind.Elementwise } => Labels(e.Args[0]),
        _ => "",
    };

    private static string Union(string a, string b) => a.Length == 0 ? b : b.Length == 0 || a == b ? a : new([.. a.Union(b).Order()]);

    private CheckExpr Indexed(CheckExpr e, string letters)
    {
        subscripts[e] = letters;
        return e;
    }

    private CheckExpr Transposed(CheckExpr e, int? start = null) => Node(CheckExpr.Kinds.Call, start ?? e.Start, [e], name: "transpose", info: OpTable.Transpose);

    /// <summary>(M)_ab: M's entry, or Mᵀ's where the letters run backwards ((B)_ji for ∂L/∂A_ij is Bᵀ).</summary>
    private CheckExpr MatrixEntry(CheckExpr m, char a, char b, Tok at, int start)
    {
        if (a == b) throw Fail($"({m.Text})_{a}{b} repeats its index: write diag({m.Text}) for the diagonal of a matrix", at);
        if (StaticRank(m) is int rank and < 2)
            throw Fail($"({m.Text})_{a}{b} has two indices, but {m.Text} is {(rank == 0 ? "a single number" : "a vector")}: write ({m.Text})_{a}", at);
        return a < b ? Indexed(m, $"{a}{b}") : Indexed(Transposed(m, start), $"{b}{a}");
    }

    /// <summary>The product of two indexed factors: elementwise over equal letters, outer over distinct ones, a matrix product over a shared one.</summary>
    private CheckExpr IndexProduct(CheckExpr x, string p, CheckExpr y, string q, int start)
    {
        if (p == q) return Indexed(Node(CheckExpr.Kinds.Binary, start, [x, y], op: '*'), p);
        var shared = p.Intersect(q).ToArray();
        if (shared.Length == 0)
        {
            if (p.Length + q.Length > 2)
                throw Fail($"this product runs over {p.Length + q.Length} indices ({string.Join(", ", (p + q).ToCharArray())}), but a gradient has at most two; a letter that two factors share is summed");
            return Indexed(Node(CheckExpr.Kinds.Binary, start, p[0] < q[0] ? [x, y] : [y, x], op: '⊗'), Union(p, q));
        }
        if (shared.Length > 1)
            throw Fail($"the factors of this product run over {p} and {q}, which share more than one letter; write the product elementwise (⊙) or sum over one (Σ)");
        char k = shared[0];
        summedLetters.Add(k);
        // Σ_k x_…k y_k…: k last on the left and first on the right.
        var left = p.Length == 2 && p[0] == k ? Transposed(x) : x;
        var right = q.Length == 2 && q[1] == k ? Transposed(y) : y;
        var rest = p.Replace(k.ToString(), "") + q.Replace(k.ToString(), "");
        var product = Node(CheckExpr.Kinds.Binary, start, [left, right], op: '@');
        return rest.Length == 2 && rest[0] > rest[1] ? Indexed(Transposed(product), $"{rest[1]}{rest[0]}") : Indexed(product, rest);
    }

    /// <summary>
    /// Σ_k over an indexed body: the sum along k's axis of a matrix, the body itself where a product has summed k
    /// already, and null (the sum of every element) for a vector over its one letter.
    /// </summary>
    private CheckExpr? IndexSum(CheckExpr body, string letters, char k, Tok at, int start)
    {
        if (letters.Length > 2)
            throw Fail($"what Σ_{k} sums runs over {letters.Length} indices ({string.Join(", ", letters.ToCharArray())}), but a gradient has at most two", at);
        int axis = letters.IndexOf(k);
        if (axis < 0)
            return summedLetters.Contains(k) ? body
                : throw Fail($"Σ_{k} sums over {k}, but {k} is not an index of what follows it (that runs over {string.Join(", ", letters.ToCharArray())})", at);
        if (letters.Length == 1) return null;
        var sum = OpTable.Resolve("sum", [null, axis], new Dictionary<string, double>(), out _, out _)!;
        return Indexed(Node(CheckExpr.Kinds.Call, start, [body], name: sum.Name, info: sum), letters.Remove(axis, 1));
    }
}
