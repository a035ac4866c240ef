namespace SharpGrad.Explain;

// Index notation, as a board writes a gradient's entry: (δ)_i (x)_j, Σ_k (X)_ki (G)_kj, (A)_ij (x)_j + (x)_j (A)_ji.
// Each product is an einsum over the letters of its factors. Σ_k sums k whatever it meets; in an answer that writes no
// Σ, a letter that a matrix shares with another factor is summed too (Einstein's convention); equal letters on vectors
// alone are an elementwise product. At the top of the answer the shared letters are fitted to the gradient's shape:
// (∂L/∂h)_i (1 − (h)_i²) (x)_j keeps i, and (p − y)_k (z)_k for a single number sums k. The value's axes run over the free letters in alphabetical
// order, rows first, so (B)_ji is Bᵀ. Where a product mixes letters with a part that has none (a whole vector beside a
// component) the letters cannot be followed, and the product is read as before them.
internal sealed partial class CheckExprEvaluator
{
    /// <summary>The shape of the derivative graded, to which the free letters of a top-level product are fitted; null where unknown.</summary>
    public int[]? TargetShape { get; init; }

    private int? TargetRank => TargetShape?.Length;

    private CheckExpr? root;

    /// <summary>
    /// Whether a matrix sharing a letter sums it without a Σ (Einstein's convention): every letter in an answer that
    /// writes no Σ over a letter; in one that does, none at first, and the letters no Σ names where that reading alone
    /// gives the derivative's shape (Σ_k (X)_ki ((X)_kl (W)_lj − (T)_kj) sums l unwritten).
    /// </summary>
    private Func<char, bool> einstein = _ => true;

    /// <summary>Sets the reading of Einstein's convention for a new answer.</summary>
    private void StartIndices(CheckExpr answer)
    {
        summedLetters = [];
        if (HasIndices(answer)) Sums(answer, summedLetters);
        einstein = summedLetters.Count == 0 ? _ => true : _ => false;
    }

    /// <summary>The letters some Σ of the answer names.</summary>
    private HashSet<char> summedLetters = [];

    private static void Sums(CheckExpr e, HashSet<char> letters)
    {
        if (e is { Kind: CheckExpr.Kinds.Call, Name: "Σ", Relation: { } k }) letters.UnionWith(k);
        foreach (var a in e.Args) Sums(a, letters);
    }

    /// <summary>Parts being evaluated as plain values (their letters read by the caller, or not followed).</summary>
    private readonly HashSet<CheckExpr> plain = new(ReferenceEqualityComparer.Instance);

    private sealed class NotIndexable : Exception;

    private static bool IsDelta(CheckExpr e) => e is { Name: "δ", Kind: CheckExpr.Kinds.Call };

    /// <summary>The sizes of the letters met so far, for δ.</summary>
    private readonly Dictionary<char, int> letterSizes = [];

    // Asked at every node of every point's evaluation: a pasted sum of thousands of terms would walk itself once per node.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CheckExpr, object> IndicesWritten = [];

    private static bool HasIndices(CheckExpr e)
    {
        if (IndicesWritten.TryGetValue(e, out var known)) return (bool)known;
        bool has = e.Indices is not null || e.Args.Any(HasIndices);
        IndicesWritten.AddOrUpdate(e, has);
        return has;
    }

    private bool IsIndexNotation(CheckExpr e) => !plain.Contains(e) && (e.Indices is not null
        || (e is { Kind: CheckExpr.Kinds.Call, Name: "Σ", Relation: not null })
        || (e.Kind is CheckExpr.Kinds.Negate || e is { Kind: CheckExpr.Kinds.Binary, Operator: '+' or '-' or '*' or '/' }) && HasIndices(e));

    private Tensor IndexNotation(CheckExpr e)
    {
        bool top = ReferenceEquals(e, root);
        try
        {
            var (value, letters) = Indexed(e, top, "");
            if (top && summedLetters.Count > 0 && TargetShape is { } shape && value.Rank != shape.Length)
            {
                einstein = c => !summedLetters.Contains(c);
                try
                {
                    if (Indexed(e, top, "") is var other && other.Value.Rank == shape.Length) (value, letters) = other;
                }
                catch (ArgumentException)
                {
                    // The first reading stands.
                }
            }
            var order = letters.Order().ToArray();
            return letters.SequenceEqual(order) ? value : value.Permute([.. order.Select(c => letters.IndexOf(c))]).Contiguous();
        }
        catch (NotIndexable)
        {
            return Plain(e);
        }
    }

    private Tensor Plain(CheckExpr e)
    {
        plain.Add(e);
        try
        {
            return Eval(e);
        }
        finally
        {
            plain.Remove(e);
        }
    }

    private (Tensor Value, string Letters) Indexed(CheckExpr e, bool top, string summed)
    {
        // Σ_k over a part that is no product, quotient or sign (Σ_k (x)_k, Σ_k (a + b)_k) is a product of one factor.
        if (summed.Length > 0 && (e.Indices is not null || !(e.Kind == CheckExpr.Kinds.Negate || e is { Kind: CheckExpr.Kinds.Binary, Operator: '*' or '/' }
            || e is { Kind: CheckExpr.Kinds.Call, Name: "Σ", Relation: not null })))
            return Product([(e, false)], top, summed);
        if (e is { Name: "δ", Kind: CheckExpr.Kinds.Call, Indices: { } pair })
        {
            if (!letterSizes.TryGetValue(pair[0], out var n) && !letterSizes.TryGetValue(pair[1], out n))
                throw new ArgumentException($"neither {pair[0]} nor {pair[1]} is an index of another part of the answer, which would give its size");
            return (Tensor.Eye(n, dtype: DType.Float64), pair);
        }
        if (e.Indices is { } written)
        {
            var v = Plain(e);
            for (int i = 0; i < Math.Min(v.Rank, written.Length); i++) letterSizes[written[i]] = v.Shape[i];
            if (v.Rank == written.Length) return (v, written);
            // (W)_d of a matrix, explain's component of any tensor, is read elementwise; two letters must fit.
            if (written.Length == 1) throw new NotIndexable();
            throw new CheckShapeException($"{e.Text} is written with {written.Length} indices (_{written}) but holds {ValueFormat.Shape(v)}");
        }
        switch (e.Kind)
        {
            case CheckExpr.Kinds.Binary when e.Operator is '*' or '/':
                return Product(Factors(e, false), top, summed);
            case CheckExpr.Kinds.Call when e.Name == "Σ" && e.Relation is { } k:
                return k.Any(summed.Contains) ? throw new ArgumentException($"Σ_{k} sums a letter summed already over this product: each letter is summed once")
                    : Indexed(e.Args[0], top, summed + k);
            case CheckExpr.Kinds.Binary when e.Operator is '+' or '-':
            {
                // A δ takes its size from the other side, which is evaluated first.
                var terms = new (Tensor Value, string Letters)[2];
                foreach (int i in IsDelta(e.Args[0]) ? [1, 0] : (int[])[0, 1]) terms[i] = Indexed(e.Args[i], top, "");
                var (a, b) = (terms[0], terms[1]);
                // (A)_ij (x)_j + (A)_ij (x)_i for a vector: each term has the one free letter a vector has, named differently;
                // b's letters are renamed to a's, in alphabetical order.
                if (top && TargetRank is int rank && a.Letters.Length == rank && b.Letters.Length == rank && a.Letters != b.Letters
                    && a.Letters.Union(b.Letters).Count() > rank)
                {
                    string from = new([.. b.Letters.Order()]), to = new([.. a.Letters.Order()]);
                    b = (b.Value, new([.. b.Letters.Select(c => to[from.IndexOf(c)])]));
                }
                return Elementwise(a, b, e.Operator == '+' ? (x, y) => x.Add(y) : (x, y) => x.Sub(y));
            }
            case CheckExpr.Kinds.Negate:
            {
                var (v, letters) = Indexed(e.Args[0], top, summed);
                return (v.Neg(), letters);
            }
        }
        // An elementwise function of indexed parts (sech²((z)_i), (1 − (h)_i)^2, I[(w)_i > 0]) runs over their letters.
        if (HasIndices(e) && e.Kind is CheckExpr.Kinds.Call or CheckExpr.Kinds.Prime or CheckExpr.Kinds.Binary or CheckExpr.Kinds.Indicator
            && (e.Kind != CheckExpr.Kinds.Call || e.Op is { Kind: OpKind.Elementwise }) && e is not { Kind: CheckExpr.Kinds.Binary, Operator: not '^' }
            && e.Args.Count(HasIndices) == 1)
        {
            var letters = Indexed(e.Args.First(HasIndices), false, "").Letters;
            return (Plain(e), new([.. letters.Order()]));
        }
        var value = Plain(e);
        return value.Count == 1 && !HasIndices(e) ? (value.Reshape(), "") : throw new NotIndexable();
    }

    /// <summary>The factors of a product, a factor with letters of its own ((h ⊙ g)_i) kept whole.</summary>
    private static List<(CheckExpr Factor, bool Divides)> Factors(CheckExpr e, bool divides) => e switch
    {
        { Kind: CheckExpr.Kinds.Binary, Operator: '*', Indices: null } => [.. Factors(e.Args[0], divides), .. Factors(e.Args[1], divides)],
        { Kind: CheckExpr.Kinds.Binary, Operator: '/', Indices: null } => [.. Factors(e.Args[0], divides), .. Factors(e.Args[1], !divides)],
        _ => [(e, divides)],
    };

    /// <summary>A sum, difference or quotient of indexed parts, their axes matched by letter (a letter one lacks is broadcast).</summary>
    private static (Tensor, string) Elementwise((Tensor Value, string Letters) a, (Tensor Value, string Letters) b, Func<Tensor, Tensor, Tensor> op)
    {
        // 2 (r)_i (x)_j + 2λ (W)_ji: a term whose letters run over other sizes is a wrong answer, graded as a wrong shape.
        foreach (var c in a.Letters.Intersect(b.Letters))
            if (a.Value.Shape[a.Letters.IndexOf(c)] is var m && b.Value.Shape[b.Letters.IndexOf(c)] is var n && m != n)
                throw new CheckShapeException($"index {c} runs over {m} in one term and {n} in another");
        var letters = a.Letters + new string([.. b.Letters.Where(c => !a.Letters.Contains(c))]);
        return (op(Spread(a.Value, a.Letters, letters), Spread(b.Value, b.Letters, letters)), letters);
    }

    /// <summary>v's axes (one per letter of <paramref name="own"/>) laid along <paramref name="all"/>, size 1 where v has no such letter.</summary>
    private static Tensor Spread(Tensor v, string own, string all)
    {
        v = v.To(DType.Float64);
        var present = all.Where(own.Contains).ToArray();
        if (present.Length > 1 && !present.SequenceEqual(own)) v = v.Permute([.. present.Select(c => own.IndexOf(c))]).Contiguous();
        var shape = all.Select(c => own.Contains(c) ? v.Shape[Array.IndexOf(present, c)] : 1).ToArray();
        return v.Reshape(shape);
    }

    /// <summary>The einsum of a product's factors: which letters are summed, and the product over the rest.</summary>
    private (Tensor, string) Product(List<(CheckExpr Factor, bool Divides)> factors, bool top, string forced)
    {
        // Beside numbers alone, a bracket of terms is fitted as the answer's top is: 2(y − t)((x)_i (s)_j − (V)_ij (x)_i²);
        // not under a Σ, whose letters it would take for the answer's.
        bool alone = top && forced.Length == 0 && factors.Count(f => HasIndices(f.Factor)) == 1;
        var parts = new List<(Tensor Value, string Letters)>();
        foreach (var (factor, divides) in factors.OrderBy(f => IsDelta(f.Factor)))
        {
            var (v, letters) = Indexed(factor, alone && HasIndices(factor), "");
            parts.Add((divides ? Tensor.Scalar(1.0, DType.Float64).Div(v.To(DType.Float64)) : v, letters));
        }
        var all = new string([.. parts.SelectMany(p => p.Letters).Distinct()]);
        foreach (var k in forced)
            if (!all.Contains(k))
                throw new ArgumentException($"Σ_{k} sums over {k}, but {k} is not an index of what follows it{(all.Length > 0 ? $" (that runs over {string.Join(", ", all.ToCharArray())})" : "")}");
        int Count(char c) => parts.Count(p => p.Letters.Contains(c));
        // An answer that writes its sums (Σ_k) sums only those; one that writes none follows Einstein's convention.
        var summed = all.Where(c => forced.Contains(c) || (einstein(c) && Count(c) >= 2
            && parts.Any(p => p.Letters.Length == 2 && p.Letters.Contains(c)))).ToHashSet();
        var sizes = new Dictionary<char, int>();
        foreach (var (v, letters) in parts)
            for (int i = 0; i < letters.Length; i++)
                if (sizes.TryGetValue(letters[i], out var n) && n != v.Shape[i])
                    throw new CheckShapeException($"index {letters[i]} runs over {n} in one factor and {v.Shape[i]} in another");
                else sizes[letters[i]] = v.Shape[i];
        if (top && TargetShape is { } shape)
        {
            // Fit the free letters to the derivative's shape: keep summed letters whose sizes make it (the earliest where
            // several do), or sum shared ones.
            var kept = all.Where(c => summed.Contains(c) && !forced.Contains(c)).Order().ToList();
            int need = shape.Length - (all.Length - summed.Count);
            if (need > 0 && need <= kept.Count)
            {
                IEnumerable<List<char>> Choose(int from, int k) => k == 0 ? [[]]
                    : Enumerable.Range(from, Math.Max(0, kept.Count - from - k + 1)).SelectMany(i => Choose(i + 1, k - 1).Select(rest => (List<char>)[kept[i], .. rest]));
                var choices = Choose(0, need).Take(64).ToList();
                bool Fits(List<char> choice) => all.Where(c => !summed.Contains(c) || choice.Contains(c)).Order().Select(c => sizes[c]).SequenceEqual(shape);
                foreach (var c in choices.FirstOrDefault(Fits) ?? choices[0]) summed.Remove(c);
            }
            foreach (var c in all.Where(c => !summed.Contains(c) && !forced.Contains(c) && Count(c) >= 2).OrderDescending())
                if (all.Length - summed.Count > shape.Length) summed.Add(c);
        }
        if (all.Aggregate(1.0, (p, c) => p * sizes[c]) > MaxElements)
            throw new ArgumentException($"the product over the indices {string.Join(", ", all.ToCharArray())} would hold more than {MaxElements} numbers, the most a value may hold");
        var product = parts.Aggregate(Tensor.Scalar(1.0, DType.Float64).Reshape(Enumerable.Repeat(1, all.Length).ToArray()),
            (acc, p) => acc.Mul(Spread(p.Value, p.Letters, all)));
        var axes = all.Select((c, i) => (c, i)).Where(x => summed.Contains(x.c)).Select(x => x.i).ToArray();
        return (axes.Length == 0 ? product : product.Sum(axes), new([.. all.Where(c => !summed.Contains(c))]));
    }
}
