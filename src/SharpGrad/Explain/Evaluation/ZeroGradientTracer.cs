namespace SharpGrad.Explain;

/// <summary>
/// Traces one zero gradient component up through the ops that use it (see
/// <see cref="ZeroGradientExplanation"/>): for a consumer c of n and each component s of c that
/// component k of n feeds, either the gradient arriving at c[s] is 0 (trace on from c[s]) or the
/// local derivative ∂c[s]/∂n[k] is 0 (a reason, in words).
/// </summary>
internal sealed class ZeroGradientTracer(ProgramEvaluation evaluation, IReadOnlySet<GraphNode> onPath)
{
    private readonly Dictionary<(GraphNode, int), List<string>> memo = [];
    private readonly Dictionary<(GraphNode, GraphNode), (List<int>[] Feeds, double[,] Local)> jacobians = [];

    public List<string> Explain(GraphNode n, int k)
    {
        if (memo.TryGetValue((n, k), out var done)) return done;
        var reasons = new List<string>();
        memo[(n, k)] = reasons; // guards against revisiting; the graph is acyclic
        foreach (var c in n.Consumers)
        {
            if (!onPath.Contains(c) || !c.HasGradient) continue;
            var (feeds, local) = Jacobian(c, n);
            var upstream = (evaluation.GradientOf(c) ?? Tensor.ZerosLike(evaluation.ValueOf(c))).ToDoubleArray();
            // A slice or concat passes k to the one place it reads it: only that place is traced, and one that reads it
            // nowhere is the reason.
            var places = c.Op?.Kind == OpKind.Structural ? feeds[k].Where(t => local[t, k] != 0).ToList() : feeds[k];
            if (places.Count == 0 && feeds[k].Count > 0 && c.Op?.Kind == OpKind.Structural)
            {
                var r = Reason(c, n, feeds[k][0], k);
                if (!reasons.Contains(r)) reasons.Add(r);
                continue;
            }
            foreach (var s in places)
            {
                if (upstream[s] == 0)
                {
                    foreach (var r in Explain(c, s))
                        if (!reasons.Contains(r)) reasons.Add(r);
                }
                else if (local[s, k] == 0)
                {
                    var r = Reason(c, n, s, k);
                    if (!reasons.Contains(r)) reasons.Add(r);
                }
            }
        }
        return reasons;
    }

    /// <summary>
    /// "W1[2, 1]", "a1[2]", or the label alone for a value holding one number. Indices count from 1,
    /// as the seeds write w_{2,5} and x1, so a component reads the same here as in a derivation.
    /// </summary>
    public static string Component(GraphNode node, Tensor value, int k)
    {
        var label = node.IsNamed ? node.Name! : $"({node.Label})";
        if (value.Count == 1) return label;
        var shape = value.Shape.ToArray();
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = k % shape[d];
            k /= shape[d];
        }
        return $"{label}[{string.Join(", ", index.Select(i => i + 1))}]";
    }

    private string C(GraphNode node, int k) => Component(node, evaluation.ValueOf(node), k);

    private double V(GraphNode node, int k) => evaluation.ValueOf(node).ToDoubleArray()[k];

    private static string N(double v) => ValueFormat.Number(v);

    private string Reason(GraphNode c, GraphNode n, int s, int k)
    {
        var at = $"{ExprPrinter.Source(c.Expression!)} at line {c.Position.Line}";
        var partial = $"∂{C(c, s)}/∂{C(n, k)}";
        var op = c.Op!;
        var others = c.Operands.Where(o => o != n).ToArray();
        switch (op.Name)
        {
            case "relu":
                return $"{at}: {C(n, k)} = {N(V(n, k))} ≤ 0, so {partial} = 0";
            // An index or slice has a zero local derivative only for the components it does not read.
            case "index":
            {
                var local = Jacobian(c, n).Local;
                var read = Enumerable.Range(0, local.GetLength(1)).Where(j => Enumerable.Range(0, local.GetLength(0)).Any(t => local[t, j] != 0)).ToList();
                var names = string.Join(", ", read.Take(3).Select(j => C(n, j))) + (read.Count > 3 ? ", …" : "");
                return read.Count == 0 ? $"{at} reads none of {n.Label}, so its local derivative is 0"
                    : $"{at} reads {names}, not {C(n, k)}, so its local derivative is 0";
            }
            case "max" or "min" when op.Arity == 2 && others.Length == 1:
            {
                var other = others[0];
                int j = BroadcastIndex(other, c, s);
                var cmp = op.Name == "max" ? ">" : "<";
                return $"{at}: {C(other, j)} = {N(V(other, j))} {cmp} {C(n, k)} = {N(V(n, k))}, so {op.Name} passes the gradient to {C(other, j)} and {partial} = 0";
            }
            case "max" or "min" when op.Arity == 1:
            {
                var extreme = op.Name == "max" ? evaluation.ValueOf(n).ToDoubleArray().Max() : evaluation.ValueOf(n).ToDoubleArray().Min();
                var word = op.Name == "max" ? "largest" : "smallest";
                return $"{at}: {C(n, k)} = {N(V(n, k))} is not the {word} element ({N(extreme)}), so {op.Name} passes no gradient to it and {partial} = 0";
            }
            case "mul" when others.Length == 1:
            {
                var other = others[0];
                int j = BroadcastIndex(other, c, s);
                return $"{at}: a multiplication by {C(other, j)} = 0, so {partial} = {C(other, j)} = 0";
            }
            case "matmul" when others.Length == 1:
            {
                var other = others[0];
                var j = MatMulPartner(c, n, s, k);
                if (j is int jj && V(other, jj) == 0)
                    return $"{at}: {C(other, jj)} = 0, so {partial} = {C(other, jj)} = 0";
                break;
            }
        }
        // A number written in the expression (the 2 of E^2) is the same at every point: the values that vary say why.
        var values = string.Join(", ", c.Operands.Distinct().Where(o => o.Kind != GraphNodeKind.Constant).Select(o => $"{C(o, BroadcastIndex(o, c, s))} = {N(V(o, BroadcastIndex(o, c, s)))}"));
        return values.Length == 0 ? $"{at}: its local derivative {partial} is 0" : $"{at}: its local derivative {partial} is 0 at {values}";
    }

    /// <summary>The component of operand <paramref name="o"/> that output component s of c reads (elementwise ops with broadcasting).</summary>
    private int BroadcastIndex(GraphNode o, GraphNode c, int s)
    {
        var value = evaluation.ValueOf(o);
        if (c.Op!.Kind is not (OpKind.Elementwise or OpKind.Identity)) return Math.Min(s, value.Count - 1);
        return Map(value, evaluation.ValueOf(c).Shape.ToArray())[s];
    }

    private static int[] Map(Tensor operand, int[] outputShape)
    {
        int outCount = outputShape.Aggregate(1, (a, b) => a * b);
        if (operand.Count == 1) return new int[outCount];
        if (operand.Count == outCount) return Enumerable.Range(0, outCount).ToArray();
        using (Autograd.NoGrad())
        {
            var idx = Enumerable.Range(0, operand.Count).Select(i => (double)i).ToArray();
            return Tensor.FromArray(idx, operand.Shape.ToArray()).Expand(outputShape).Contiguous().ToDoubleArray().Select(v => (int)v).ToArray();
        }
    }

    /// <summary>The matrix product read as 2-D (A: m×n, a vector on the left a row; B: n×p, a vector on the right a column).</summary>
    private (int M, int Inner, int P) Dims(GraphNode c)
    {
        var a = evaluation.ValueOf(c.Operands[0]).Shape.ToArray();
        var b = evaluation.ValueOf(c.Operands[1]).Shape.ToArray();
        int m = a.Length == 2 ? a[0] : 1;
        int inner = a.Length == 2 ? a[1] : a.Length == 1 ? a[0] : 1;
        int p = b.Length == 2 ? b[1] : 1;
        return (m, inner, p);
    }

    /// <summary>For ∂C[s]/∂n[k] of C = A @ B, the flat index of the entry of the other operand it equals.</summary>
    private int? MatMulPartner(GraphNode c, GraphNode n, int s, int k)
    {
        var (_, inner, p) = Dims(c);
        int i = s / p, j = s % p;
        if (c.Operands[0] == n) return (k % inner) * p + j;        // n = A, k = (i, l): B[l, j]
        if (c.Operands[1] == n) return i * inner + k / p;           // n = B, k = (l, j): A[i, l]
        return null;
    }

    private (List<int>[] Feeds, double[,] Local) Jacobian(GraphNode c, GraphNode n)
    {
        if (jacobians.TryGetValue((c, n), out var cached)) return cached;
        var nValue = evaluation.ValueOf(n);
        var outShape = evaluation.ValueOf(c).Shape.ToArray();
        int outCount = evaluation.ValueOf(c).Count, inCount = nValue.Count;
        var feeds = new List<int>[inCount];
        for (int k = 0; k < inCount; k++) feeds[k] = [];
        void Feed(int k, int s) { if (!feeds[k].Contains(s)) feeds[k].Add(s); }
        var op = c.Op!;
        switch (op.Kind)
        {
            case OpKind.Elementwise or OpKind.Identity:
            {
                var map = Map(nValue, outShape);
                for (int s = 0; s < outCount; s++) Feed(map[s], s);
                break;
            }
            case OpKind.MatMul:
            {
                var (m, inner, p) = Dims(c);
                for (int i = 0; i < m; i++)
                    for (int l = 0; l < inner; l++)
                        for (int j = 0; j < p; j++)
                        {
                            if (c.Operands[0] == n) Feed(i * inner + l, i * p + j);
                            if (c.Operands[1] == n) Feed(l * p + j, i * p + j);
                        }
                break;
            }
            default:
                for (int k = 0; k < inCount; k++)
                    for (int s = 0; s < outCount; s++) Feed(k, s);
                break;
        }
        var local = new double[outCount, inCount];
        for (int s = 0; s < outCount; s++)
        {
            using (Autograd.EnableGrad())
            {
                var leaves = new Dictionary<GraphNode, Tensor>();
                foreach (var o in c.Operands.Distinct())
                    using (Autograd.NoGrad())
                        leaves[o] = evaluation.ValueOf(o).Contiguous().Clone().Detach().RequireGrad();
                var output = op.Apply(c.Operands.Select(o => leaves[o]).ToArray());
                var seed = new double[outCount];
                seed[s] = 1;
                var seedTensor = output.Rank == 0 ? Tensor.Scalar(1, DType.Float64) : Tensor.FromArray(seed, output.Shape.ToArray());
                var grad = Autograd.Grad(output, leaves[n], seedTensor, allowUnused: true);
                var row = grad is null ? new double[inCount] : grad.ToDoubleArray();
                for (int k = 0; k < inCount; k++) local[s, k] = row[k];
            }
        }
        return jacobians[(c, n)] = (feeds, local);
    }
}
