using System.Globalization;

namespace SharpGrad.Explain;

/// <summary>
/// An immutable symbolic expression. Every factory simplifies as it builds: sums and products are
/// flattened, numbers are folded, <c>x + 0</c>, <c>1·x</c>, <c>x^1</c> disappear, <c>0·x</c> is 0,
/// like terms and equal factors are collected (x + x = 2·x, x·x = x^2). Derivatives of calls come
/// from the <see cref="OpInfo.Derivative"/> rules of <see cref="OpTable"/>, the one op vocabulary.
/// </summary>
public sealed partial class Sym
{
    private const string ConstantSlot = "\u0000constant";
    private string? key;

    private Sym(SymKind kind, double value = 0, string? name = null, IReadOnlyList<Sym>? args = null, OpInfo? op = null, string? relation = null, string? wrt = null, string? index = null,
        int[]? shape = null, int[]? axes = null, string? ofIndex = null, bool total = false)
    {
        explicitShape = shape is { Length: > 0 } ? shape : null;
        Axes = axes ?? [];
        Kind = kind;
        Value = value;
        Name = name;
        Args = args ?? [];
        Op = op;
        Relation = relation;
        Wrt = wrt;
        Index = index;
        OfIndex = ofIndex;
        IsTotal = total;
    }

    /// <summary>What the expression is.</summary>
    public SymKind Kind { get; }

    /// <summary>The value of a <see cref="SymKind.Number"/>.</summary>
    public double Value { get; }

    /// <summary>The variable's name, or the numerator's name of a <see cref="SymKind.Partial"/>.</summary>
    public string? Name { get; }

    /// <summary>Terms, factors, base and exponent, call arguments or the two sides of an indicator.</summary>
    public IReadOnlyList<Sym> Args { get; }

    /// <summary>The function of a <see cref="SymKind.Call"/> or <see cref="SymKind.Prime"/>.</summary>
    public OpInfo? Op { get; }

    /// <summary>"&gt;", "&lt;" or "=" for an indicator.</summary>
    public string? Relation { get; }

    /// <summary>The denominator's name of a <see cref="SymKind.Partial"/>.</summary>
    public string? Wrt { get; }

    /// <summary>True when a <see cref="SymKind.Partial"/> is with respect to one component (∂n1/∂(v)_d), or a variable is one component ((v)_d).</summary>
    public bool Component => Index is not null;

    /// <summary>The component index of a partial's denominator or of a variable ("d" in ∂n1/∂(v)_d), the summation index of an index sum.</summary>
    public string? Index { get; }

    /// <summary>True for a total derivative dE/dw, written so where a direct partial ∂E/∂w of the same names appears beside it.</summary>
    public bool IsTotal { get; }

    /// <summary>The component index of a partial's numerator ("i" in ∂(y)_i/∂beta), or null.</summary>
    public string? OfIndex { get; }

    /// <summary>True for a number.</summary>
    public bool IsNumber => Kind == SymKind.Number;

    /// <summary>The number 0.</summary>
    public static Sym Zero { get; } = new(SymKind.Number, 0);

    /// <summary>The number 1.</summary>
    public static Sym One { get; } = new(SymKind.Number, 1);

    /// <summary>True for an indicator, or a sum or product built only from indicators and numbers (a 0/1-valued mask).</summary>
    public bool IsMask => Kind == SymKind.Indicator || (Kind is SymKind.Sum or SymKind.Product && Args.All(a => a.IsNumber || a.IsMask) && Args.Any(a => a.IsMask));

    /// <summary>A number.</summary>
    public static Sym Num(double value) => value == 0 ? Zero : value == 1 ? One : new(SymKind.Number, value);

    /// <summary>A variable.</summary>
    public static Sym Var(string name) => new(SymKind.Variable, name: name);

    /// <summary>The abstract partial ∂of/∂wrt (of one component of wrt when <paramref name="component"/>).</summary>
    public static Sym Partial(string of, string wrt, bool component = false) => new(SymKind.Partial, name: of, wrt: wrt, index: component ? "d" : null);

    /// <summary>∂(of)_ofIndex/∂(wrt)_index, either index optional: one entry of a Jacobian.</summary>
    public static Sym Partial(string of, string? ofIndex, string wrt, string? index) => new(SymKind.Partial, name: of, wrt: wrt, index: index, ofIndex: ofIndex);

    /// <summary>The total derivative d of/d wrt (of one component of wrt when <paramref name="component"/>).</summary>
    public static Sym Total(string of, string wrt, bool component) => new(SymKind.Partial, name: of, wrt: wrt, index: component ? "d" : null, total: true);

    /// <summary>The component (name)_index of a vector variable.</summary>
    public static Sym ComponentOf(string name, string index) => new(SymKind.Variable, name: name, index: index);

    /// <summary>Σ_index body: the sum over the components of a vector that the chain rule passes through.</summary>
    public static Sym IndexSum(string index, Sym body) => IsZero(body) ? Zero : new(SymKind.SumOver, name: index, args: [body]);

    /// <summary>−x.</summary>
    public static Sym Neg(Sym x) => Mul(Num(-1), x);

    /// <summary>a − b.</summary>
    public static Sym Sub(Sym a, Sym b) => Add(a, Neg(b));

    /// <summary>a / b.</summary>
    public static Sym Div(Sym a, Sym b) => Mul(a, Pow(b, Num(-1)));

    /// <summary>The sum of <paramref name="terms"/>, simplified.</summary>
    public static Sym Add(params IEnumerable<Sym> terms)
    {
        // Vectors written out add component by component.
        var given = terms as IReadOnlyList<Sym> ?? terms.ToList();
        var vectors = given.Where(t => t.Kind == SymKind.Vector).ToList();
        if (vectors.Count >= 2 && vectors.All(v => v.Args.Count == vectors[0].Args.Count))
        {
            var merged = Vector(Enumerable.Range(0, vectors[0].Args.Count).Select(i => Add(vectors.Select(v => v.Args[i]))).ToArray());
            var rest = given.Where(t => t.Kind != SymKind.Vector).ToList();
            return rest.Count == 0 ? merged : Add([.. rest, merged]);
        }
        // Gradients put back into slices of one vector or matrix add piece by piece: concat(g1, zeros(3)) + concat(zeros(1), g2, zeros(2))
        // is concat(g1, g2, zeros(2)).
        foreach (var joined in given.Where(t => t is { Kind: SymKind.Call, Op.Name: "concat", Shape: not null })
                     .GroupBy(t => (string.Join(",", t.Shape!), OpTable.ConcatAxis(t.Op!, t.Shape!.Count))).Where(g => g.Count() >= 2))
            if (Concatenated([.. joined]) is { } pieces)
            {
                var rest = given.Where(t => !joined.Contains(t)).ToList();
                return rest.Count == 0 ? pieces : Add([.. rest, pieces]);
            }
        terms = given;
        double constant = 0;
        var order = new List<string>();
        var groups = new Dictionary<string, (double Coefficient, Sym Core)>(StringComparer.Ordinal);
        foreach (var t in terms.SelectMany(t => t.Kind == SymKind.Sum && t.explicitShape is null ? t.Args : [t]))
        {
            if (t.IsNumber)
            {
                if (!order.Contains(ConstantSlot)) order.Add(ConstantSlot);
                constant += t.Value;
                continue;
            }
            var (c, core) = SplitCoefficient(t);
            var k = core.Key;
            if (groups.TryGetValue(k, out var g)) groups[k] = (g.Coefficient + c, g.Core);
            else { groups[k] = (c, core); order.Add(k); }
        }
        constant += MergeComplementaryIndicators(groups, order);
        if (constant != 0 && !order.Contains(ConstantSlot)) order.Add(ConstantSlot);
        var list = new List<Sym>();
        foreach (var k in order)
        {
            if (k == ConstantSlot)
            {
                if (constant != 0) list.Add(Num(constant));
                continue;
            }
            var (c, core) = groups[k];
            if (c != 0) list.Add(c == 1 ? core : Mul(Num(c), core));
        }
        // "1 − σ(x)" and "p − y" rather than "−σ(x) + 1" and "−y + p": a positive term leads a sum
        // that would otherwise open with a minus.
        if (list.Count > 1 && (list[0].IsNumber ? list[0].Value < 0 : SplitCoefficient(list[0]).Coefficient < 0))
        {
            int c = list.FindIndex(t => t.IsNumber ? t.Value > 0 : SplitCoefficient(t).Coefficient > 0);
            if (c > 0) { var positive = list[c]; list.RemoveAt(c); list.Insert(0, positive); }
        }
        return list.Count switch { 0 => Zero, 1 => list[0], _ => new(SymKind.Sum, args: list) };
    }

    /// <summary>The product of <paramref name="factors"/>, simplified.</summary>
    public static Sym Mul(params IEnumerable<Sym> factors)
    {
        // A number times a vector written out multiplies each component.
        var given = factors as IReadOnlyList<Sym> ?? factors.ToList();
        if (given.Count > 1 && given.Count(f => f.Kind == SymKind.Vector) == 1 && given.All(f => f.Kind == SymKind.Vector || !f.IsShaped))
        {
            var vector = given.First(f => f.Kind == SymKind.Vector);
            var scalars = given.Where(f => !ReferenceEquals(f, vector)).ToArray();
            return Vector(vector.Args.Select(c => Mul([.. scalars, c])).ToArray());
        }
        factors = given;
        double coefficient = 1;
        var order = new List<string>();
        var groups = new Dictionary<string, (Sym Base, List<Sym> Exponents)>(StringComparer.Ordinal);
        foreach (var factor in factors.SelectMany(f => f.Kind == SymKind.Product && f.explicitShape is null ? f.Args : [f]))
        {
            var f = factor;
            // A shaped number (c·ones(k)) is a vector: it keeps the product's shape.
            if (f.IsNumber && !f.IsShaped) { coefficient *= f.Value; continue; }
            if (f.IsNumber && f.Value != 1) { coefficient *= f.Value; f = Num(1).WithShape([.. f.Shape!]); }
            // A power read with another shape (1/s as a column) keeps it: its base alone would be read as a row.
            var (b, e) = f.Kind == SymKind.Power && f.explicitShape is null ? (f.Args[0], f.Args[1]) : (f, One);
            // The coefficient of a product read with another shape comes out of it: −2·(W3ᵀr ⊙ s), not (−2·W3ᵀr) ⊙ s.
            if (f.Kind == SymKind.Product && f.explicitShape is { } reshaped && f.Args[0].IsNumber)
            {
                coefficient *= f.Args[0].Value;
                (b, e) = (new Sym(SymKind.Product, args: f.Args.Skip(1).ToArray()).WithShape(reshaped), One);
                if (b.Args.Count == 1) b = b.Args[0].WithShape(reshaped);
            }
            var k = b.Key;
            if (groups.TryGetValue(k, out var g))
            {
                // An indicator is idempotent: I·I = I.
                if (b.Kind != SymKind.Indicator) g.Exponents.Add(e);
            }
            else { groups[k] = (b, [e]); order.Add(k); }
        }
        if (coefficient == 0) return Zero;
        var list = new List<Sym>();
        foreach (var k in order)
        {
            var (b, es) = groups[k];
            var p = Pow(b, es.Count == 1 ? es[0] : Add(es));
            if (p.IsNumber && !p.IsShaped) coefficient *= p.Value;
            else list.AddRange(p.Kind == SymKind.Product && p.explicitShape is null ? p.Args : [p]);
        }
        // ones(k) changes nothing where the other factors already have the product's shape: x ⊙ ones(4) is x.
        if (list.Count > 1 && list.FindIndex(f => f is { IsNumber: true, IsShaped: true }) is var at and >= 0)
        {
            var rest = list.Where((_, i) => i != at).ToList();
            var restShape = rest.Count == 1 ? rest[0].Shape : new Sym(SymKind.Product, args: rest).Shape;
            var ones = list[at].Shape!;
            if (restShape is { } r && r.SequenceEqual(new Sym(SymKind.Product, args: list).Shape!)) list = rest;
            // A row times a matrix of ones is the row repeated down it: ones(3) cᵀ, not ones(3, 2) ⊙ c.
            else if (restShape is not null && (rest.Count == 1 ? rest[0] : new Sym(SymKind.Product, args: rest)).BroadcastTo([.. ones]) is { Kind: SymKind.MatMul } repeated
                && repeated.Shape!.SequenceEqual(ones))
                list = [repeated];
        }
        // A vector read as a column beside a matrix of more columns is that column repeated across it, written v 1ᵀ:
        // printed bare, c/sum(exp(Z), 1) would read back as a row and broadcast down the columns instead.
        if (list.Count > 1 && list.Any(f => f.IsVectorView) && new Sym(SymKind.Product, args: list).Shape is [var rows, var columns] && columns > 1)
            for (int i = 0; i < list.Count; i++)
                if (list[i] is { IsVectorView: true, Shape: [var r, 1] } && r == rows)
                    list[i] = list[i].BroadcastTo([rows, columns]);
        if (coefficient != 1) list.Insert(0, Num(coefficient));
        return list.Count switch { 0 => Num(coefficient), 1 => list[0], _ => new(SymKind.Product, args: list) };
    }

    /// <summary>base^exponent, simplified.</summary>
    public static Sym Pow(Sym @base, Sym exponent)
    {
        if (exponent.IsNumber && exponent.Value == 0) return One;
        if (exponent.IsNumber && exponent.Value == 1) return @base;
        if (@base.IsNumber && exponent.IsNumber) return Num(Math.Pow(@base.Value, exponent.Value));
        if (@base.IsNumber && @base.Value == 1) return One;
        if (@base.Kind == SymKind.Power && exponent.IsNumber && @base.Args[1].IsNumber)
            return Pow(@base.Args[0], Num(@base.Args[1].Value * exponent.Value));
        if (@base.Kind == SymKind.Product && exponent.IsNumber)
            return Mul(@base.Args.Select(f => Pow(f, exponent)));
        return new(SymKind.Power, args: [@base, exponent]);
    }

    /// <summary>A call of the <see cref="OpTable"/> function <paramref name="name"/>; folded when every argument is a number.</summary>
    public static Sym Call(string name, params Sym[] args)
    {
        if (!OpTable.TryGetFunction(name, args.Length, out var op))
            throw new ArgumentException($"No function {name}/{args.Length}.", nameof(name));
        return Call(op, args);
    }

    /// <summary>An application of <paramref name="op"/>: operators become sums, products and powers; functions become calls.</summary>
    public static Sym Call(OpInfo op, params Sym[] args)
    {
        switch (op.Name)
        {
            case "add": return Add(args[0], args[1]);
            case "sub": return Sub(args[0], args[1]);
            case "mul": return Mul(args[0], args[1]);
            case "div": return Div(args[0], args[1]);
            case "pow": return Pow(args[0], args[1]);
            case "neg": return Neg(args[0]);
            case "identity": return args[0];
            // The program's K.T is the matrix transpose, so that (Kᵀ)ᵀ is K again.
            case "transpose" when args[0].Shape is { Count: 2 }: return Transpose(args[0]);
        }
        // exp(log_softmax(z)) is softmax(z) and log(softmax(z)) is log_softmax(z), as the engine computes them.
        if (op.Name == "exp" && args[0] is { Kind: SymKind.Call, Op.Name: "log_softmax" } ls) return Call("softmax", ls.Args[0]);
        if (op.Name == "log" && args[0] is { Kind: SymKind.Call, Op.Name: "softmax" } sm) return Call("log_softmax", sm.Args[0]);
        // The sum (or mean) of a single element is that element.
        if (op.Name is "sum" or "mean" && args.Length == 1 && args[0].Shape is { Count: > 0 } one && one.All(d => d == 1)) return args[0];
        // The sum of c at each of n elements is n·c; their mean is c.
        // A vector of numbers written out sums to their sum: sum([−1, 0, 0]) is −1.
        if (op.Name is "sum" or "mean" && args.Length == 1 && args[0] is { Kind: SymKind.Vector } numbers && numbers.Args.Count > 0 && numbers.Args.All(a => a.IsNumber && !a.IsShaped))
            return Num(numbers.Args.Sum(a => a.Value) / (op.Name == "sum" ? 1 : numbers.Args.Count));
        if (op.Name is "sum" or "mean" && args.Length == 1 && args[0] is { IsNumber: true, Shape: { } each })
            return Num(op.Name == "sum" ? args[0].Value * each.Aggregate(1, (p, d) => p * d) : args[0].Value);
        // A single number multiplying every element comes out of a sum: α·sum(v), not sum(α·v).
        if (op.Name is "sum" or "mean" && args[0] is { Kind: SymKind.Product } product && product.explicitShape is null
            && product.Args.Any(f => !f.IsShaped) && product.Args.Any(f => f.IsShaped))
            return Mul([.. product.Args.Where(f => !f.IsShaped), Call(op, Mul(product.Args.Where(f => f.IsShaped)))]);
        var call = new Sym(SymKind.Call, args: args, op: op, name: op.Name);
        return args.All(a => a.IsNumber) && op.Kind == OpKind.Elementwise ? Num(call.Evaluate(_ => 0)) : call;
    }

    /// <summary>g′(z), the derivative of the abstract activation <paramref name="op"/>.</summary>
    public static Sym Prime(OpInfo op, Sym argument) => new(SymKind.Prime, args: [argument], op: op, name: op.Name);

    /// <summary>I[a relation b] (relation "&gt;", "&lt;" or "="), folded when both sides are numbers.</summary>
    public static Sym Indicator(Sym a, string relation, Sym b)
    {
        // A column (a row's max kept as [2, 1]) compared with a matrix of more columns is that column repeated, m 1ᵀ:
        // printed bare, I[X = m] would compare each row with m read as a row.
        static Sym Repeated(Sym v, Sym other) =>
            v is { IsVectorView: true, Shape: [var r, 1] } && other.Shape is [var rows, var columns] && rows == r && columns > 1 ? v.BroadcastTo([rows, columns]) : v;
        (a, b) = (Repeated(a, b), Repeated(b, a));
        // Two multiples of one expression compare as it does with 0: I[a > a/10] (a leaky relu built as max(a, a/10)) is I[a > 0].
        var ((ka, ca), (kb, cb)) = (SplitCoefficient(a), SplitCoefficient(b));
        if (!ca.IsNumber && ka != kb && ca.Key == cb.Key)
            (a, b) = ka > kb ? (ca, Num(0)) : (Num(0), ca);
        // Sides whose difference is shorter than either compare as it does: q·(t − y) > (q − 1)·(t − y), a pinball loss's
        // max, is t > y.
        else if (!a.IsNumber && !b.IsNumber && a.Variables().Intersect(b.Variables()).Any()
            && SplitCoefficient(Sub(a, b).Simplified()) is var (k, difference) && k != 0 && !difference.IsNumber
            && difference.ToString().Length < Math.Min(a.ToString().Length, b.ToString().Length))
        {
            (a, b) = difference is { Kind: SymKind.Sum, Args: [var p, var n] } && SplitCoefficient(n).Coefficient < 0 && SplitCoefficient(p).Coefficient > 0
                ? (p, Neg(n)) : (difference, Num(0));
            if (k < 0) (a, b) = (b, a);
        }
        var i = new Sym(SymKind.Indicator, args: [a, b], relation: relation);
        return a.IsNumber && b.IsNumber ? Num(i.Evaluate(_ => 0)) : i;
    }

    /// <summary>
    /// The sum of concats along one axis as one concat, its pieces cut where any of them is cut: a piece of zeros is
    /// cut freely, any other piece must stand whole in every sum. Null where they do not line up so.
    /// </summary>
    private static Sym? Concatenated(List<Sym> concats)
    {
        var shape = concats[0].Shape;
        if (shape is null || concats.Any(c => c.Shape is not { } s || !s.SequenceEqual(shape) || c.Args.Any(a => a.Shape is not { Count: > 0 })))
            return null;
        int axis = OpTable.ConcatAxis(concats[0].Op!, shape.Count)!.Value;
        if (concats.Any(c => OpTable.ConcatAxis(c.Op!, shape.Count) != axis)) return null;

        var cuts = new SortedSet<int> { 0 };
        foreach (var c in concats)
        {
            int at = 0;
            foreach (var a in c.Args) cuts.Add(at += a.Shape![axis]);
        }
        var bounds = cuts.ToArray();
        var segments = new List<Sym>[bounds.Length - 1];
        for (int i = 0; i < segments.Length; i++) segments[i] = [];
        foreach (var c in concats)
        {
            int at = 0;
            foreach (var a in c.Args)
            {
                int start = at, stop = at += a.Shape![axis];
                int first = Array.IndexOf(bounds, start), last = Array.IndexOf(bounds, stop);
                if (last - first > 1 && !IsZeroBlock(a)) return null;
                if (!IsZeroBlock(a)) segments[first].Add(a);
            }
        }
        var pieces = new Sym[segments.Length];
        for (int i = 0; i < pieces.Length; i++)
        {
            var size = shape.ToArray();
            size[axis] = bounds[i + 1] - bounds[i];
            pieces[i] = segments[i].Count == 0 ? ZeroBlock(size) : Add(segments[i]).WithShape(size);
        }
        return pieces.Length == 1 ? pieces[0] : Call(OpTable.Concat(pieces.Length, concats[0].Op!.Attributes!.Dims[0]), pieces);
    }

    /// <summary>Zeros of <paramref name="size"/>, a piece of a concat: one zero is the vector [0], which keeps its shape where a number would not.</summary>
    internal static Sym ZeroBlock(int[] size) => size.All(d => d == 1) ? Vector([Zero]).WithShape(size) : Zero.WithShape(size);

    /// <summary>Whether the expression is a block of zeros (<see cref="ZeroBlock"/>).</summary>
    internal static bool IsZeroBlock(Sym p) => (p.IsNumber && p.Value == 0) || (p.Kind == SymKind.Vector && p.Args.All(a => a.IsNumber && a.Value == 0));

    /// <summary>The vector [c0, c1, …] of scalar components.</summary>
    public static Sym Vector(IReadOnlyList<Sym> components) => new(SymKind.Vector, args: components);

    /// <summary>sign(a).</summary>
    public static Sym Sign(Sym a) => a.IsNumber ? Num(Math.Sign(a.Value)) : new(SymKind.Sign, args: [a]);

    /// <summary>A canonical string: equal keys mean equal expressions (the order of terms and factors matters).</summary>
    public string Key => key ??= BuildKey();

    private string BuildKey() => Kind switch
    {
        SymKind.Number => Value.ToString("R", CultureInfo.InvariantCulture),
        SymKind.Variable => Index is null ? Name! : $"({Name})_{Index}",
        SymKind.Partial => $"{(IsTotal ? "d" : "∂")}{Name}{(OfIndex is null ? "" : "_" + OfIndex)}/∂{Wrt}{(Index is null ? "" : "_" + Index)}",
        SymKind.Indicator => $"I[{Args[0].Key}{Relation}{Args[1].Key}]",
        // Sums and products commute, so their keys do not depend on the order terms were written in.
        SymKind.Sum or SymKind.Product => $"{Kind}({string.Join(",", Args.Select(a => a.Key).Order(StringComparer.Ordinal))})",
        SymKind.SumOver => $"SumOver[{Name}{string.Join(",", Axes)}]({Args[0].Key})",
        // A structural op is told apart by how it is written: t[0] is not t[1], sum(X, 0) is not sum(X, 1).
        SymKind.Call when Op is { Kind: OpKind.Structural } => $"Call:{Op.TextTemplate}({string.Join(",", Args.Select(a => a.Key))})",
        _ => $"{Kind}{(Name is null ? "" : ":" + Name)}({string.Join(",", Args.Select(a => a.Key))})",
    };

    /// <summary>
    /// c·I[a &gt; b] + c·I[a &lt; b] + c·I[a = b] is c: exactly one of the three holds. Such triples
    /// arise where max and min share a tie, and replacing them by their constant keeps a result
    /// such as e7's ∂y/∂x1 = σ(x1)(1 − σ(x1)) readable. Returns the constant removed.
    /// </summary>
    private static double MergeComplementaryIndicators(Dictionary<string, (double Coefficient, Sym Core)> groups, List<string> order)
    {
        double removed = 0;
        foreach (var k in order.ToArray())
        {
            if (!groups.TryGetValue(k, out var gt) || gt.Core.Kind != SymKind.Indicator || gt.Core.Relation != ">") continue;
            Sym a = gt.Core.Args[0], b = gt.Core.Args[1];
            var lt = FindIndicator(groups, a, "<", b, gt.Coefficient) ?? FindIndicator(groups, b, ">", a, gt.Coefficient);
            var eq = FindIndicator(groups, a, "=", b, gt.Coefficient) ?? FindIndicator(groups, b, "=", a, gt.Coefficient);
            if (lt is null || eq is null || lt == k || eq == k) continue;
            foreach (var key in new[] { k, lt, eq }) { groups.Remove(key); order.Remove(key); }
            removed += gt.Coefficient;
        }
        return removed;
    }

    private static string? FindIndicator(Dictionary<string, (double Coefficient, Sym Core)> groups, Sym a, string relation, Sym b, double coefficient)
    {
        var key = new Sym(SymKind.Indicator, args: [a, b], relation: relation).Key;
        return groups.TryGetValue(key, out var g) && g.Coefficient == coefficient ? key : null;
    }

    private static (double Coefficient, Sym Core) SplitCoefficient(Sym t) =>
        t.Kind == SymKind.Product && t.Args[0].IsNumber
            ? (t.Args[0].Value, (t.Args.Count == 2 ? t.Args[1] : new Sym(SymKind.Product, args: t.Args.Skip(1).ToArray())).WithShape(t.explicitShape ?? t.Shape?.ToArray()))
            : (1, t);

    /// <summary>
    /// The value at a point: <paramref name="lookup"/> gives each variable (and each abstract partial,
    /// by its <see cref="Key"/>). Calls evaluate through the op's tensor implementation; g′ is the
    /// derivative of g's numeric stand-in (tanh).
    /// </summary>
    public double Evaluate(Func<string, double> lookup) =>
        EvaluateTensor(s => Tensor.Scalar(lookup(s.Kind == SymKind.Partial ? s.Key : s.Name!), DType.Float64)).Item();

    /// <summary>The derivative with respect to the variable <paramref name="variable"/>, simplified.</summary>
    /// <exception cref="NotSupportedException">An op without a scalar symbolic derivative (the matrix product) depends on the variable.</exception>
    public Sym Differentiate(string variable)
    {
        switch (Kind)
        {
            case SymKind.Number: return Zero;
            case SymKind.Variable: return Name == variable ? One : Zero;
            case SymKind.Partial: return Zero;
            case SymKind.Sum: return Add(Args.Select(a => a.Differentiate(variable)));
            case SymKind.Product:
                var terms = new List<Sym>();
                for (int i = 0; i < Args.Count; i++)
                {
                    var d = Args[i].Differentiate(variable);
                    if (d.IsNumber && d.Value == 0) continue;
                    terms.Add(Mul(Args.Select((a, j) => j == i ? d : a)));
                }
                return Add(terms);
            case SymKind.Power:
                var (b, e) = (Args[0], Args[1]);
                var db = b.Differentiate(variable);
                var de = e.Differentiate(variable);
                var pow = OpTable.Binary(BinaryOperator.Power);
                return Add(Mul(pow.Derivative([b, e], 0), db), de.IsNumber && de.Value == 0 ? Zero : Mul(pow.Derivative([b, e], 1), de));
            case SymKind.Indicator or SymKind.Sign: return Zero;
            case SymKind.Vector: return Vector(Args.Select(a => a.Differentiate(variable)).ToArray());
            case SymKind.Prime:
                var inner = Args[0].Differentiate(variable);
                return inner.IsNumber && inner.Value == 0 ? Zero : throw new NotSupportedException("g″ is not defined.");
            case SymKind.Call:
                var parts = new List<Sym>();
                for (int i = 0; i < Args.Count; i++)
                {
                    var d = Args[i].Differentiate(variable);
                    if (d.IsNumber && d.Value == 0) continue;
                    if (!Op!.HasDerivative) throw new NotSupportedException($"{Op.Name} has no scalar symbolic derivative.");
                    parts.Add(Mul(Op.Derivative(Args, i), d));
                }
                return Add(parts);
            default: throw new InvalidOperationException(Kind.ToString());
        }
    }

    /// <summary>Replaces variables and abstract partials (by <see cref="Key"/>) for which <paramref name="replace"/> returns an expression, re-simplifying.</summary>
    /// <param name="replace">The replacement of a variable or partial, or null to keep it.</param>
    /// <param name="descend">Whether to look inside a compound expression (default: always).</param>
    public Sym Substitute(Func<Sym, Sym?> replace, Func<Sym, bool>? descend = null)
    {
        if (Kind is SymKind.Variable or SymKind.Partial) return replace(this) ?? this;
        if (Args.Count == 0 || descend?.Invoke(this) == false) return this;
        return Rebuilt(Args.Select(a => a.Substitute(replace, descend)).ToArray());
    }

    /// <summary>Every variable name the expression uses.</summary>
    public IEnumerable<string> Variables() =>
        Kind == SymKind.Variable ? [Name!] : Args.SelectMany(a => a.Variables()).Distinct();

    /// <summary>Prints the expression (see <see cref="SymPrinter"/>).</summary>
    public string ToString(Notation notation) => SymPrinter.Print(this, notation);

    /// <inheritdoc/>
    public override string ToString() => ToString(Notation.Text);
}
