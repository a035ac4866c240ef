namespace SharpGrad.Explain;

/// <summary>
/// The part of <see cref="CheckExprParser"/> that knows, before anything is evaluated, the shapes and ranks an answer's
/// parts have from the program's declarations, which decide how juxtaposition and · read: a matrix product, an outer
/// product, or an elementwise one.
/// </summary>
internal sealed partial class CheckExprParser
{
    /// <summary>True when the sides have known shapes that fit a matrix product but not an elementwise one ([2, 3] and [3, 2], [2] and [2, 4]).</summary>
    private bool OnlyAProduct(CheckExpr a, CheckExpr b)
    {
        // A vector before a matrix is a row, as step's numerator layout writes ∂L/∂r · W2.
        if (StaticShape(a) is [var length] && StaticShape(b) is [var rows, var columns]) return length == rows && length != columns;
        if (StaticShape(a) is not [var m, var k] || StaticShape(b) is not [var k2, var n]) return false;
        // Square matrices conform both ways; next to a gradient a dot is step's matrix product (∂L/∂P · M), its elementwise one ⊙.
        return k == k2 && (m != k2 || k != n || HasPartial(a) || HasPartial(b));
    }

    /// <summary>The shape of a name, a transposed name or ∂L/∂x of a scalar L, where every size is a number; null otherwise.</summary>
    private int[]? StaticShape(CheckExpr e)
    {
        SymbolicShape? shape = e.Kind switch
        {
            CheckExpr.Kinds.Name when graph.TryGetNode(e.Name!, out var n) => n.Shape,
            CheckExpr.Kinds.Partial when graph.TryGetNode(e.Name!, out var of) && IsObjectiveLike(of) && graph.TryGetNode(e.Wrt!, out var wrt) => wrt.Shape,
            _ => null,
        };
        // ones(4), zeros(2, 3): the sizes written.
        if (e is { Kind: CheckExpr.Kinds.Call, Name: "ones" or "zeros" } && e.Args.All(a => Literal(a) is double d && d >= 1 && d == Math.Floor(d) && d <= 1 << 20))
            return e.Args.Select(a => (int)Literal(a)!.Value).ToArray();
        if (shape is null)
            return e.Kind == CheckExpr.Kinds.Call && e.Op == OpTable.Transpose && StaticShape(e.Args[0]) is [var r, var c] ? [c, r] : null;
        var sizes = shape.Resolve(graph.StaticSizes);
        return sizes;
    }

    /// <summary>A scalar, or a one-element result nothing else uses (e9's J = (y − ŷ)² of a [1] ŷ): ∂J/∂h then has h's shape.</summary>
    private bool IsObjectiveLike(GraphNode node) =>
        node.Shape.Rank == 0 || (node.Shape.IsSingleElement && !(used ??= [.. graph.Nodes.SelectMany(n => n.Operands)]).Contains(node));

    /// <summary>Every node some other node reads, gathered once.</summary>
    private HashSet<GraphNode>? used;

    private static bool HasPartial(CheckExpr e) => e.Kind == CheckExpr.Kinds.Partial || e.Args.Any(HasPartial);

    /// <summary>A call of an elementwise function or of a derivative function (σ(z), tanh′(z)), not a transpose.</summary>
    private static bool IsElementwiseCall(CheckExpr e) =>
        e.Kind == CheckExpr.Kinds.Prime || (e.Kind == CheckExpr.Kinds.Call && e.Op is { Kind: OpKind.Elementwise });

    /// <summary>A row: a transposed vector (aᵀ), or one times matrices (aᵀV).</summary>
    private bool IsRow(CheckExpr e) => e is { Kind: CheckExpr.Kinds.Binary, Operator: '@' } && StaticRank(e.Args[1]) == 2
        && ((e.Args[0].Kind == CheckExpr.Kinds.Call && IsTransposed(e.Args[0]) && StaticRank(e.Args[0]) == 1) || IsRow(e.Args[0]));

    /// <summary>A transpose, or a matrix product ending in one (W1ᵀXᵀ, which is (X W1)ᵀ).</summary>
    private static bool IsTransposed(CheckExpr e) => (e.Kind == CheckExpr.Kinds.Call && e.Op == OpTable.Transpose)
        || (e is { Kind: CheckExpr.Kinds.Binary, Operator: '@' } && IsTransposed(e.Args[1]));

    /// <summary>True when the token just before character <paramref name="start"/> is <paramref name="op"/>.</summary>
    private bool IsOpAt(int start, string op)
    {
        // The tokens stand in order of their starts.
        int lo = 0, hi = tokens.Count - 1, i = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            if (tokens[mid].Start == start) { i = mid; while (i > 0 && tokens[i - 1].Start == start) i--; break; }
            if (tokens[mid].Start < start) lo = mid + 1; else hi = mid - 1;
        }
        return i > 0 && tokens[i - 1] is { Kind: T.Op } before && before.Text == op;
    }

    /// <summary>
    /// The number of axes of <paramref name="e"/> where the program's declarations say it without
    /// evaluating (a name, its transpose, a product with a matrix); null when unknown. Written with
    /// a space, a matrix followed by a vector or matrix is a matrix product: X w, W(x − t).
    /// </summary>
    private int? StaticRank(CheckExpr e) => e.Kind switch
    {
        CheckExpr.Kinds.Number => 0,
        CheckExpr.Kinds.Vector when e.Args.All(a => StaticRank(a) == 0) => 1,
        CheckExpr.Kinds.Name when graph.TryGetNode(e.Name!, out var n) => n.Shape.Rank,
        CheckExpr.Kinds.Call when IsTransposed(e) => StaticRank(e.Args[0]),
        // ones(3) is a vector, ones(2, 2) a matrix: ones(2, 2) W is a matrix product, as explain prints it.
        CheckExpr.Kinds.Call when e.Name is "ones" or "zeros" => e.Args.Count,
        // diag(v) and outer(a, b) are matrices: B diag(v) is a matrix product; sign and clip keep their argument's rank.
        CheckExpr.Kinds.Call when e.Name == "diag" && StaticRank(e.Args[0]) is int d and (1 or 2) => 3 - d,
        CheckExpr.Kinds.Call when e.Name == "outer" && e.Args.All(a => StaticRank(a) == 1) => 2,
        CheckExpr.Kinds.Call when e.Name is "sign" or "clip" => StaticRank(e.Args[0]),
        // gate[0] is a number, W[1, :] a vector: as the index's shape rule makes them from the name's shape.
        CheckExpr.Kinds.Call when e.Op is { Name: "index", Shape: { } rule } && e.Args[0].Kind == CheckExpr.Kinds.Name
            && graph.TryGetNode(e.Args[0].Name!, out var indexed) && rule([indexed.Shape], graph.StaticSizes, out _) is { } read => read.Rank,
        // softmax(E), layer_norm(E), sum(E, 1, keepdim=1): the rank their shape rule gives E's, so 1ᵀ softmax(E) is column sums.
        CheckExpr.Kinds.Call when e.Op is { Kind: OpKind.Structural, Shape: { } rule } && e.Args.Count == 1 && StaticRank(e.Args[0]) is int r
            && rule([SymbolicShape.FromSizes(Enumerable.Repeat(2, r))], graph.StaticSizes, out _) is { } shaped => shaped.Rank,
        CheckExpr.Kinds.Call when e.Op is { Kind: OpKind.Elementwise } && e.Args.Count == 1 => StaticRank(e.Args[0]),
        // max(x, y) broadcasts its operands; concat(x, hv) has their rank: W concat(x, hv) is a matrix times a vector.
        CheckExpr.Kinds.Call when e.Op is { Kind: OpKind.Elementwise } && e.Args.Select(StaticRank).ToArray() is var ranks && ranks.All(r => r is not null)
            => ranks.Max(),
        CheckExpr.Kinds.Call when e.Op is { Name: "concat" } && e.Args.Select(StaticRank).Distinct().ToArray() is [int joined] => joined,
        CheckExpr.Kinds.Call when e.Op is { Kind: OpKind.Reduction } => 0,
        CheckExpr.Kinds.Negate => StaticRank(e.Args[0]),
        // I[z > 0] and relu′(z) are as wide as z: diag(I[d > 0]) W is a matrix product.
        CheckExpr.Kinds.Prime => StaticRank(e.Args[0]),
        CheckExpr.Kinds.Indicator when StaticRank(e.Args[0]) is int left && StaticRank(e.Args[1]) is int right => Math.Max(left, right),
        CheckExpr.Kinds.Binary when e.Operator == '^' && StaticRank(e.Args[1]) == 0 => StaticRank(e.Args[0]),
        // ∂L/∂h of a scalar L has h's shape.
        CheckExpr.Kinds.Partial when graph.TryGetNode(e.Name!, out var of) && IsObjectiveLike(of) && graph.TryGetNode(e.Wrt!, out var wrt) => wrt.Shape.Rank,
        // Broadcasting gives the larger rank; a side whose rank is not known here (an axis sum, say) cannot
        // lower it, so the known side decides: (A ⊙ (R Vᵀ − sum(…, 1))) K is a matrix times a matrix.
        CheckExpr.Kinds.Binary when e.Operator is '+' or '-' or '*' or '/' => (StaticRank(e.Args[0]), StaticRank(e.Args[1])) switch
        {
            ({ } a, { } b) => Math.Max(a, b),
            // A number beside an unknown side says nothing: 1 − tanh(z)^2 is as wide as z.
            ({ } a, null) => a == 0 ? null : a,
            (null, { } b) => b == 0 ? null : b,
            _ => null,
        },
        // A vector times a transposed one (ones(3) gᵀ) is their outer product, a matrix, as the evaluator reads it.
        CheckExpr.Kinds.Binary when e.Operator == '@' && StaticRank(e.Args[0]) == 1 && StaticRank(e.Args[1]) == 1
            && IsTransposed(e.Args[1]) && (!IsTransposed(e.Args[0]) || e.Args[0].Args is [{ Kind: CheckExpr.Kinds.Partial }]) => 2,
        CheckExpr.Kinds.Binary when e.Operator == '@' && StaticRank(e.Args[0]) is { } a && StaticRank(e.Args[1]) is { } b && a is 1 or 2 && b is 1 or 2
            => a + b - 2,
        _ => null,
    };
}
