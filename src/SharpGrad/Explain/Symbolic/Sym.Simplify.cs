namespace SharpGrad.Explain;

// Simplification beyond what the factories do as they build: expanding products of sums so that
// denominators cancel and like terms meet (σ′ times the derivative of cross-entropy is p − y), then
// taking common factors out again. The expanded form is kept only when it is shorter.
public sealed partial class Sym
{
    private const int ExpansionBudget = 64;

    /// <summary>
    /// A simpler equal expression: inside matrix products, transposes, sums and calls each part is
    /// simplified; an elementwise sum or product is expanded (denominators cancel, like terms
    /// collect) and its common factors taken out, when that makes it shorter.
    /// </summary>
    public Sym Simplified()
    {
        var e = Kind switch
        {
            SymKind.MatMul => MatMul(Args[0].Simplified(), Args[1].Simplified()),
            SymKind.Transpose => Transpose(Args[0].Simplified()),
            SymKind.SumOver when Name is not null => IndexSum(Name, Args[0].Simplified()),
            SymKind.SumOver => SumOver(Args[0].Simplified(), [.. Axes], Shape?.ToArray() ?? []),
            SymKind.Sum => Add(Args.Select(a => a.Simplified())),
            SymKind.Product => Mul(Args.Select(a => a.Simplified())),
            SymKind.Vector => Vector(Args.Select(a => a.Simplified()).ToArray()),
            // sum(((1 − y)/(4(1 − p)) − y/(4p)) ⊙ p ⊙ (1 − p)) is sum(p − y)/4, as the same factor under Xᵀ is.
            SymKind.Call => Call(Op!, Args.Select(a => a.Simplified()).ToArray()),
            _ => this,
        };
        if (e.Kind is SymKind.Sum or SymKind.Product)
        {
            int budget = ExpansionBudget;
            var expanded = Expand(e, ref budget);
            if (budget >= 0)
            {
                var factored = FactorCommon(expanded);
                // A tie goes to the form with fewer terms: (p − y)/2 rather than p/2 − y/2, and c·(y2 − t2) + 2a·(y1 − t1)
                // rather than y2·c − t2·c + 2a·(y1 − t1).
                static int Terms(Sym s) => s.Kind == SymKind.Sum ? s.Args.Count : 1;
                int shorter = factored.ToString().Length.CompareTo(e.ToString().Length);
                if (shorter < 0 || (shorter == 0 && Terms(factored) <= Terms(e))) e = factored;
            }
        }
        // Rebuilding infers shapes from the parts; a reshape (a vector read as a column) must survive.
        return explicitShape is not null ? e.WithShape(explicitShape) : e;
    }

    /// <summary>Distributes products over sums, the sum with the most denominators first so they cancel before the rest is spread.</summary>
    private static Sym Expand(Sym e, ref int budget)
    {
        if (budget < 0) return e;
        if (e.Kind == SymKind.Sum)
        {
            var terms = new List<Sym>();
            foreach (var t in e.Args) terms.Add(Expand(t, ref budget));
            return Add(terms);
        }
        if (e.Kind != SymKind.Product) return e;
        Sym? pick = null;
        int best = -1;
        foreach (var f in e.Args)
        {
            if (f.Kind != SymKind.Sum) continue;
            int denominators = f.Args.Sum(t => (t.Kind == SymKind.Product ? t.Args : [t]).Count(IsDenominator));
            if (denominators > best) { best = denominators; pick = f; }
        }
        if (pick is null) return e;
        budget -= pick.Args.Count;
        if (budget < 0) return e;
        var rest = Mul(e.Args.Where(f => !ReferenceEquals(f, pick)));
        var result = new List<Sym>();
        foreach (var term in pick.Args) result.Add(Expand(Mul(term, rest), ref budget));
        return Add(result);

        static bool IsDenominator(Sym f) => f.Kind == SymKind.Power && f.Args[1].IsNumber && f.Args[1].Value < 0;
    }

    /// <summary>Takes the factors every term of a sum shares out of it: a/n + b/n is (a + b)/n.</summary>
    private static Sym FactorCommon(Sym e)
    {
        if (e.Kind != SymKind.Sum) return e;
        var shared = new Dictionary<string, (Sym Base, double Exponent)>(StringComparer.Ordinal);
        bool first = true;
        foreach (var term in e.Args)
        {
            var powers = new Dictionary<string, (Sym Base, double Exponent)>(StringComparer.Ordinal);
            foreach (var f in term.Kind == SymKind.Product ? term.Args : [term])
            {
                if (f.IsNumber) continue;
                var (b, x) = f.Kind == SymKind.Power && f.Args[1].IsNumber ? (f.Args[0], f.Args[1].Value) : (f, 1.0);
                powers[b.Key] = (b, x);
            }
            if (first) { foreach (var kv in powers) shared[kv.Key] = kv.Value; first = false; continue; }
            foreach (var k in shared.Keys.ToArray())
            {
                if (!powers.TryGetValue(k, out var p) || Math.Sign(p.Exponent) != Math.Sign(shared[k].Exponent)) shared.Remove(k);
                else shared[k] = (p.Base, Math.Sign(p.Exponent) * Math.Min(Math.Abs(p.Exponent), Math.Abs(shared[k].Exponent)));
            }
        }
        // A coefficient every term shares comes out too: 0.25·p − 0.25·y is (p − y)/4.
        var coefficients = e.Args.Select(t => Math.Abs(SplitCoefficient(t).Coefficient)).Distinct().ToArray();
        double factor = coefficients.Length == 1 && coefficients[0] != 1 && !e.Args.Any(t => t.IsNumber) ? coefficients[0] : 1;
        if (shared.Count == 0 && factor == 1) return e;
        var common = Mul(shared.Values.Select(v => Pow(v.Base, Num(v.Exponent))).Append(Num(factor)));
        var inverse = Pow(common, Num(-1));
        return Mul(common, Add(e.Args.Select(t => Mul(t, inverse))));
    }

    /// <summary>
    /// Replaces, from the top down, every subexpression for which <paramref name="replace"/> returns
    /// an expression (its parts are not visited then), rebuilding the rest with the simplifying
    /// factories; matrix products, transposes, axis sums and reshapes keep their meaning.
    /// </summary>
    public Sym Rewrite(Func<Sym, Sym?> replace)
    {
        ArgumentNullException.ThrowIfNull(replace);
        if (replace(this) is { } replaced) return replaced;
        if (Args.Count == 0) return this;
        var args = Args.Select(a => a.Rewrite(replace)).ToArray();
        return args.Zip(Args).All(p => ReferenceEquals(p.First, p.Second)) ? this : Rebuilt(args);
    }

    /// <summary>This expression with other parts, rebuilt by the simplifying factories; matrix products, transposes, axis sums and reshapes keep their meaning.</summary>
    private Sym Rebuilt(Sym[] args)
    {
        var e = Kind switch
        {
            SymKind.Sum => Add(args),
            SymKind.Product => Mul(args),
            SymKind.Power => Pow(args[0], args[1]),
            SymKind.Call => Call(Op!, args),
            SymKind.Prime => Prime(Op!, args[0]),
            SymKind.Indicator => Indicator(args[0], Relation!, args[1]),
            SymKind.Sign => Sign(args[0]),
            SymKind.Vector => Vector(args),
            SymKind.MatMul => MatMul(args[0], args[1]),
            SymKind.Transpose => Transpose(args[0]),
            SymKind.SumOver when Name is not null => IndexSum(Name, args[0]),
            SymKind.SumOver => SumOver(args[0], [.. Axes], explicitShape ?? []),
            _ => this,
        };
        return explicitShape is not null ? e.WithShape(explicitShape) : e;
    }
}
