namespace SharpGrad.Explain;

/// <summary>
/// The symbolic side of the checker: a hand-derived expression as a <see cref="Sym"/> (null where it
/// has no scalar symbolic meaning), and diagnostics from comparing its sum of products of ∂-terms
/// with the true path terms of <see cref="ChainDerivation.Paths"/>.
/// </summary>
internal static class CheckSymbolic
{
    /// <summary>
    /// The expression as a symbolic expression; null when it uses @, ⊗, outer, transpose or a non-local partial. With
    /// <paramref name="expandTotals"/> a total or non-local partial between scalars is its sum over paths, so that the
    /// diagnostics can tell which paths ∂L/∂a · ∂a/∂x leaves out.
    /// </summary>
    public static Sym? ToSym(CheckExpr e, GradProgram program, ChainDerivation derivation, bool expandTotals = false)
    {
        try
        {
            return Convert(e, program, derivation, expandTotals);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }

    private static Sym? Convert(CheckExpr e, GradProgram program, ChainDerivation d, bool expandTotals)
    {
        Sym? C(int i) => Convert(e.Args[i], program, d, expandTotals);
        switch (e.Kind)
        {
            case CheckExpr.Kinds.Number: return Sym.Num(e.Value);
            case CheckExpr.Kinds.Name: return Sym.Var(e.Name!);
            case CheckExpr.Kinds.Partial:
            {
                var node = program.Graph[e.Name!];
                if (!e.Total && node.Kind == GraphNodeKind.Operation && node.NamedInputs().Any(n => n.Name == e.Wrt)) return d.LocalPartial(e.Name!, e.Wrt!);
                if (!expandTotals || e.Held is not null || (e.Name == d.Objective && e.Wrt == d.Wrt) || !program.Graph.TryGetNode(e.Wrt!, out _)) return null;
                var total = ChainDerivation.Create(program, e.Wrt!, e.Name!);
                return total.IsComponent || total.PathCount == 0 || total.PathCount > 100 ? null : total.Paths(100, partialsOnly: true);
            }
            case CheckExpr.Kinds.Negate: return C(0) is { } x ? Sym.Neg(x) : null;
            case CheckExpr.Kinds.Vector:
            {
                var components = e.Args.Select((_, i) => C(i)).ToArray();
                return components.All(c => c is not null && !c.IsShaped) ? Sym.Vector(components!) : null;
            }
            case CheckExpr.Kinds.Binary:
            {
                if (e.Operator is '@' or '⊗') return null;
                if (C(0) is not { } a || C(1) is not { } b) return null;
                return e.Operator switch
                {
                    '+' => Sym.Add(a, b),
                    '-' => Sym.Sub(a, b),
                    '*' => Sym.Mul(a, b),
                    '/' => Sym.Div(a, b),
                    _ => Sym.Pow(a, b),
                };
            }
            case CheckExpr.Kinds.Indicator:
                return C(0) is { } l && C(1) is { } r ? Sym.Indicator(l, e.Relation!, r) : null;
            case CheckExpr.Kinds.Prime:
            {
                if (C(0) is not { } z) return null;
                var op = e.Name == "g" ? OpTable.All.Single(o => o.IsAbstract) : OpTable.All.Single(o => o.IsFunction && o.Name == e.Name && o.Arity == 1);
                return op.Derivative([z], 0);
            }
            case CheckExpr.Kinds.Call:
            {
                if (e.Op is null or { Kind: OpKind.Structural }) return e.Name == "sign" && C(0) is { } s ? Sym.Sign(s) : null;
                var args = new Sym[e.Args.Count];
                for (int i = 0; i < args.Length; i++)
                    if (C(i) is { } a) args[i] = a;
                    else return null;
                return Sym.Call(e.Op, args);
            }
            default: return null;
        }
    }

    /// <summary>
    /// A sum of products of partials as (coefficient, factors) terms; null when something else appears. The direct
    /// path's formula (<paramref name="direct"/>, written for ∂y/∂x when y also reads x itself) is one factor.
    /// </summary>
    public static List<(double Coefficient, List<Sym> Factors)>? Expand(Sym s, Sym? direct = null)
    {
        if (direct is not null && s.Key == direct.Key) return [(1, [s])];
        switch (s.Kind)
        {
            case SymKind.Number: return [(s.Value, [])];
            case SymKind.Partial: return [(1, [s])];
            case SymKind.Sum:
            {
                var all = new List<(double, List<Sym>)>();
                foreach (var a in s.Args)
                {
                    if (Expand(a, direct) is not { } part) return null;
                    all.AddRange(part);
                }
                return all;
            }
            case SymKind.Product:
            {
                var acc = new List<(double Coefficient, List<Sym> Factors)> { (1, []) };
                foreach (var a in s.Args)
                {
                    if (Expand(a, direct) is not { } part) return null;
                    acc = [.. acc.SelectMany(x => part.Select(y => (x.Coefficient * y.Item1, x.Factors.Concat(y.Item2).ToList())))];
                    if (acc.Count > 5000) return null;
                }
                return acc;
            }
            default: return null;
        }
    }

    /// <summary>Compares the student's path terms with the true ones: missing or extra paths and factors.</summary>
    public static List<string> PathDiagnostics(Sym student, ChainDerivation derivation)
    {
        var result = new List<string>();
        var direct = derivation.Direct();
        var mine = Expand(student, direct);
        if (mine is null || mine.All(t => t.Factors.Count == 0)) return result;
        List<(double Coefficient, List<Sym> Factors)>? truth;
        try
        {
            truth = Expand(derivation.Paths(1000), direct);
        }
        catch (ArgumentException)
        {
            return result;
        }
        if (truth is null) return result;
        static string Key(IEnumerable<Sym> fs) => string.Join("|", fs.Select(f => f.Key).Order(StringComparer.Ordinal));
        var unmatchedTrue = truth.Where(t => t.Factors.Count > 0).ToList();
        var unmatchedMine = new List<(double Coefficient, List<Sym> Factors)>();
        // Collect like student terms.
        foreach (var group in mine.Where(t => t.Factors.Count > 0).GroupBy(t => Key(t.Factors)))
            unmatchedMine.Add((group.Sum(g => g.Coefficient), group.First().Factors));
        foreach (var m in unmatchedMine.ToArray())
        {
            var match = unmatchedTrue.FindIndex(t => Key(t.Factors) == Key(m.Factors));
            if (match < 0) continue;
            if (Math.Abs(m.Coefficient - 1) > 1e-12)
                result.Add($"{Through(unmatchedTrue[match].Factors)} is counted {m.Coefficient:0.###} times instead of once");
            unmatchedTrue.RemoveAt(match);
            unmatchedMine.Remove(m);
        }
        foreach (var m in unmatchedMine.ToArray())
        {
            var mk = m.Factors.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
            var shorter = unmatchedTrue.FindIndex(t => t.Factors.Count == m.Factors.Count + 1 && mk.All(k => t.Factors.Any(f => f.Key == k)));
            if (shorter >= 0)
            {
                var t = unmatchedTrue[shorter];
                var missing = t.Factors.First(f => !mk.Contains(f.Key));
                // A factor that is a number (∂y/∂m = 3 of y = 3m + k) may be written as that number, or go unwritten when it
                // is 1: the term is that path. Another number in its place is the path off by a factor.
                var number = missing.Kind == SymKind.Partial && derivation.LocalFormula(missing.Name!, missing.Wrt!) is { IsNumber: true } f ? f.Value : (double?)null;
                if (number is not double c || (Math.Abs(m.Coefficient - 1) < 1e-12 && c != 1))
                    result.Add($"factor {missing} is missing in {Through(t.Factors)}");
                else if (Math.Abs(m.Coefficient - c) > 1e-12 * Math.Max(1, Math.Abs(c)))
                    result.Add($"{Through(t.Factors)} is off by a factor {ValueFormat.Number(m.Coefficient / c)}: {missing} is {ValueFormat.Number(c)}");
                unmatchedTrue.RemoveAt(shorter);
                unmatchedMine.Remove(m);
                continue;
            }
            var longer = unmatchedTrue.FindIndex(t => t.Factors.Count + 1 == m.Factors.Count && t.Factors.All(f => mk.Contains(f.Key)));
            if (longer >= 0)
            {
                var t = unmatchedTrue[longer];
                var tk = t.Factors.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
                var extra = m.Factors.First(f => !tk.Contains(f.Key));
                result.Add($"factor {extra} is extra in {Through(t.Factors)}");
                unmatchedTrue.RemoveAt(longer);
                unmatchedMine.Remove(m);
            }
        }
        foreach (var t in unmatchedTrue)
            result.Add($"{Through(t.Factors)} is missing: {Sym.Mul(t.Factors)}");
        foreach (var m in unmatchedMine)
            result.Add($"the term {Sym.Mul(m.Factors)} is extra: it is not a path from {derivation.Objective} to {derivation.Wrt}");
        return result;
    }

    /// <summary>"the path through n3, n1" for a path's chain factors (each ∂a/∂b names the node it passes).</summary>
    public static string Through(List<Sym> path)
    {
        var mids = path.Take(path.Count - 1).Select(f => f.Wrt!).ToArray();
        return mids.Length == 0 ? "the direct path" : "the path through " + string.Join(", ", mids);
    }

    /// <summary>Local derivative formulas that a closed form could have dropped: the derivative of every function call on a path.</summary>
    public static IEnumerable<Sym> CandidateFactors(GradProgram program, ChainDerivation derivation)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var found = new List<Sym>();
        void Walk(Sym s)
        {
            foreach (var a in s.Args) Walk(a);
            // The diagonal of softmax's Jacobian, p(1 − p): the factor of the mistake that treats softmax as a sigmoid.
            if (s is { Kind: SymKind.Call, Op.Name: "softmax" } && Sym.Mul(s, Sym.Sub(Sym.One, s)) is var diagonal && seen.Add(diagonal.Key))
                found.Add(diagonal);
            // A name multiplying inside a node's expression (the mask of relu(W x) ⊙ mask, the weights of Σ wts ⊙ r², the 1/n of x/n).
            if (s.Kind == SymKind.Product)
                foreach (var a in s.Args)
                    if ((a.Kind == SymKind.Variable || a is { Kind: SymKind.Power, Args: [{ Kind: SymKind.Variable }, { IsNumber: true, Value: -1 }] }) && seen.Add(a.Key))
                        found.Add(a);
            if (s.Kind != SymKind.Call || s.Op is null || !s.Op.HasDerivative || s.Op.Kind != OpKind.Elementwise || s.Args.Count != 1) return;
            var f = s.Op.Derivative(s.Args, 0);
            if (!f.IsNumber && seen.Add(f.Key)) found.Add(f);
        }
        foreach (var name in derivation.NodesOnPaths)
        {
            var node = program.Graph[name];
            if (node.Kind != GraphNodeKind.Operation) continue;
            try
            {
                Walk(ChainDerivation.ToSym(node, root: true));
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
            }
        }
        // The local partials of the edges on the paths too: ∂c/∂c0 = f of c = f ⊙ c0 + i ⊙ g.
        foreach (var x in derivation.NodesOnPaths)
            foreach (var c in derivation.Consumers(x))
                if (c != derivation.Objective && derivation.LocalFormula(c, x) is { IsNumber: false } f && seen.Add(f.Key)) found.Add(f);
        // And the parts of a product or power: u left out of ∂h/∂x = (1 − h²) ⊙ u, or x written for the x² of ∂ŷ/∂c.
        foreach (var f in found.ToList())
        {
            var parts = f.Kind == SymKind.Product ? f.Args.Where(a => !a.IsNumber)
                : f is { Kind: SymKind.Power, Args: [var b, { IsNumber: true, Value: var k }] } && k >= 2 && k == Math.Floor(k) ? [k == 2 ? b : Sym.Pow(b, Sym.Num(k - 1))]
                : [];
            foreach (var p in parts)
                if (seen.Add(p.Key)) found.Add(p);
        }
        return found;
    }
}
