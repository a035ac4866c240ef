namespace SharpGrad.Explain;

/// <summary>
/// Static shape rules, the same as the tensor ops apply at run time, over symbolic sizes: two
/// sizes agree when they are the same number, the same symbol, or a symbol bound to that number;
/// a known 1 broadcasts against anything. Each rule returns null and a reason on a mismatch so
/// the caller can report it with the operator's position.
/// </summary>
internal static class ShapeInference
{
    /// <summary>The number a size stands for, if known.</summary>
    public static int? Resolve(Dim d, IReadOnlyDictionary<string, int> bindings) =>
        d.IsKnown ? d.Size : bindings.TryGetValue(d.Symbol!, out var n) ? n : null;

    /// <summary>True when two sizes are surely equal.</summary>
    public static bool Same(Dim a, Dim b, IReadOnlyDictionary<string, int> bindings)
    {
        if (!a.IsKnown && !b.IsKnown && a.Symbol == b.Symbol) return true;
        var (x, y) = (Resolve(a, bindings), Resolve(b, bindings));
        return x is not null && x == y;
    }

    /// <summary>NumPy broadcasting: align from the right; sizes must agree or one must be 1.</summary>
    public static SymbolicShape? Broadcast(SymbolicShape a, SymbolicShape b, IReadOnlyDictionary<string, int> bindings)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var dims = new Dim[rank];
        for (int i = 0; i < rank; i++)
        {
            int ia = a.Rank - rank + i, ib = b.Rank - rank + i;
            if (ia < 0) { dims[i] = b.Dims[ib]; continue; }
            if (ib < 0) { dims[i] = a.Dims[ia]; continue; }
            Dim da = a.Dims[ia], db = b.Dims[ib];
            if (Same(da, db, bindings)) dims[i] = da.IsKnown ? db : da;
            else if (Resolve(da, bindings) == 1) dims[i] = db;
            else if (Resolve(db, bindings) == 1) dims[i] = da;
            else return null;
        }
        return new SymbolicShape(dims);
    }

    /// <summary>
    /// The matrix product's shape: a scalar operand counts as a vector of length 1; vector·vector
    /// is a scalar, matrix·vector a vector of the rows, vector·matrix a vector of the columns.
    /// </summary>
    public static SymbolicShape? MatMul(SymbolicShape a, SymbolicShape b, string left, string right,
        IReadOnlyDictionary<string, int> bindings, out string? problem)
    {
        problem = null;
        foreach (var (s, label) in new[] { (a, left), (b, right) })
            if (s.Rank > 2)
            {
                problem = $"'@' multiplies scalars, vectors and matrices, but {label} has {s.Rank} dimensions";
                return null;
            }
        var sa = a.Rank == 0 ? SymbolicShape.FromSizes([1]) : a;
        var sb = b.Rank == 0 ? SymbolicShape.FromSizes([1]) : b;
        Dim inner = sa.Dims[^1];
        Dim other = sb.Rank == 1 ? sb.Dims[0] : sb.Dims[^2];
        if (!Same(inner, other, bindings))
        {
            string leftSide = sa.Rank == 1 ? $"{left} has length {inner}" : $"{left} has {inner} columns";
            string rightSide = sb.Rank == 1 ? $"{right} has length {other}" : $"{right} has {other} rows";
            problem = $"{leftSide} but {rightSide}";
            return null;
        }
        var dims = new List<Dim>();
        if (sa.Rank == 2) dims.Add(sa.Dims[0]);
        if (sb.Rank == 2) dims.Add(sb.Dims[1]);
        return new SymbolicShape(dims);
    }

    /// <summary>
    /// Matches a concrete value shape against a declared one, binding symbols. Sizes of 1 may be
    /// left out or added (a 2-vector fits <c>W[2, 1]</c>, the number 5 fits <c>b[1]</c>), so values
    /// printed by <c>grad --json</c> can be given back with <c>--set</c>. Returns the shape to
    /// reshape the value to, or null with a reason.
    /// </summary>
    public static int[]? Fit(SymbolicShape declared, IReadOnlyList<int> actual, Dictionary<string, int> bindings,
        out string? problem, out (string Symbol, int Bound, int Given)? conflict)
    {
        problem = null;
        conflict = null;
        var dims = declared.Dims;
        IReadOnlyList<Dim> d = dims;
        IReadOnlyList<int> v = actual;
        if (dims.Count != actual.Count)
        {
            d = dims.Where(x => !(x.IsKnown && x.Size == 1)).ToArray();
            v = actual.Where(x => x != 1).ToArray();
            if (d.Count != v.Count)
            {
                problem = "ranks differ";
                return null;
            }
        }
        var local = new Dictionary<string, int>(bindings);
        for (int i = 0; i < d.Count; i++)
        {
            if (d[i].IsKnown)
            {
                if (d[i].Size != v[i]) { problem = "sizes differ"; return null; }
                continue;
            }
            if (local.TryGetValue(d[i].Symbol!, out var bound))
            {
                if (bound != v[i])
                {
                    conflict = (d[i].Symbol!, bound, v[i]);
                    return null;
                }
            }
            else local[d[i].Symbol!] = v[i];
        }
        foreach (var (k, n) in local) bindings[k] = n;
        return declared.Resolve(bindings);
    }
}
