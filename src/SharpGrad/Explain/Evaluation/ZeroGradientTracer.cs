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
    private readonly Dictionary<GraphNode, double[]> upstreams = [];

    public List<string> Explain(GraphNode n, int k)
    {
        if (memo.TryGetValue((n, k), out var done)) return done;
        var reasons = new List<string>();
        memo[(n, k)] = reasons; // guards against revisiting; the graph is acyclic
        // Gradients that do reach n[k] and still sum to 0 cancel: no zero factor explains that.
        var arriving = new List<(GraphNode C, int S, double Value)>();
        foreach (var (c, s, upstream, local) in Places(n, k))
        {
            // An op that reads k nowhere (a slice, a pooling window that does not cover it) is the reason.
            if (s < 0 || (upstream != 0 && local == 0))
            {
                var r = Reason(c, n, s, k);
                if (!reasons.Contains(r)) reasons.Add(r);
            }
            else if (upstream == 0)
            {
                foreach (var r in Explain(c, s))
                    if (!reasons.Contains(r)) reasons.Add(r);
            }
            else arriving.Add((c, s, upstream * local));
        }
        if (arriving.Count > 0)
            reasons.Add($"the gradients that reach {C(n, k)} cancel: "
                + string.Join(", ", arriving.Select(a => $"{N(a.Value)} through {C(a.C, a.S)}")) + $" sum to {N(Rounded(arriving.Select(a => a.Value)))}");
        return reasons;
    }

    /// <summary>
    /// The largest gradient that reaches n[k] through one place of one op that uses it: a component whose gradient is
    /// only rounding left of contributions this large (Σ softmax(z), 1e-16 of terms near 0.3) is 0.
    /// </summary>
    public double ArrivingScale(GraphNode n, int k) => Places(n, k).Select(p => Math.Abs(p.Upstream * p.Local)).DefaultIfEmpty(0).Max();

    /// <summary>
    /// Every place s of every op c on the path that n[k] feeds, with the gradient arriving at c[s] and the local derivative
    /// ∂c[s]/∂n[k]; s is −1 for an op that reads n[k] nowhere.
    /// </summary>
    private IEnumerable<(GraphNode C, int S, double Upstream, double Local)> Places(GraphNode n, int k)
    {
        foreach (var c in n.Consumers)
        {
            if (!onPath.Contains(c) || !c.HasGradient) continue;
            var (feeds, local) = Jacobian(c, n);
            if (!upstreams.TryGetValue(c, out var upstream))
                upstreams[c] = upstream = (evaluation.GradientOf(c) ?? Tensor.ZerosLike(evaluation.ValueOf(c))).ToDoubleArray();
            if (feeds[k].Count == 0) yield return (c, -1, 0, 0);
            foreach (var s in feeds[k]) yield return (c, s, upstream[s], local[s, k]);
        }
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

    /// <summary>A sum of contributions, 0 where it is only rounding (1e-18 left by 0.3 − 0.5 + 0.2).</summary>
    private static double Rounded(IEnumerable<double> terms)
    {
        double sum = 0, scale = 0;
        foreach (var t in terms) { sum += t; scale = Math.Max(scale, Math.Abs(t)); }
        return Math.Abs(sum) <= 1e-12 * scale ? 0 : sum;
    }

    private string Reason(GraphNode c, GraphNode n, int s, int k)
    {
        var at = $"{ExprPrinter.Source(c.Expression!)} at line {c.Position.Line}";
        var partial = $"∂{C(c, Math.Max(s, 0))}/∂{C(n, k)}";
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
            case not "index" when s < 0:
                return $"{at}: no component of {c.Label} depends on {C(n, k)}{(op.Name is "maxpool" or "avgpool" or "conv2d" ? " (no window covers it)" : "")}, so its local derivative is 0";
            case "max" or "min" when op.Arity == 1:
            {
                // The elements that compete for c[s]: all of them, or one row or column of max(X, axis=1).
                var (feeds, _) = Jacobian(c, n);
                var rivals = Enumerable.Range(0, feeds.Length).Where(j => feeds[j].Contains(s)).Select(j => V(n, j)).ToList();
                var extreme = op.Name == "max" ? rivals.Max() : rivals.Min();
                var word = op.Name == "max" ? "largest" : "smallest";
                var among = rivals.Count < evaluation.ValueOf(n).Count ? $" of those {C(c, s)} reads" : "";
                return V(n, k) == extreme
                    ? $"{at}: {C(n, k)} = {N(V(n, k))} ties as the {word}{among}, and another of the tied elements takes the gradient, so {partial} = 0"
                    : $"{at}: {C(n, k)} = {N(V(n, k))} is not the {word} element{among} ({N(extreme)}), so {op.Name} passes no gradient to it and {partial} = 0";
            }
            case "conv2d" when ConvPartner(c, n, s, k) is (GraphNode other, int j):
                return $"{at}: {partial} = {C(other, j)} = {N(V(other, j))}";
            case "maxpool":
            {
                // The window of P[s] is the components of n that feed it; the one with a local derivative won it.
                var (feeds, local) = Jacobian(c, n);
                var window = Enumerable.Range(0, feeds.Length).Where(j => feeds[j].Contains(s)).ToList();
                if (window.FirstOrDefault(j => local[s, j] != 0, -1) is var winner and >= 0)
                    return V(n, winner) == V(n, k)
                        ? $"{at}: {C(n, k)} = {N(V(n, k))} ties with {C(n, winner)}, the largest element of the window of {C(c, s)}, and the first of them in row order takes the gradient, so {partial} = 0"
                        : $"{at}: {C(n, k)} = {N(V(n, k))} is not the largest element of the window of {C(c, s)} ({C(n, winner)} = {N(V(n, winner))} is), so maxpool passes no gradient to it and {partial} = 0";
                break;
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
        // Outside elementwise ops an operand's component does not follow from s: only n[k] is named.
        var values = op.Kind is OpKind.Elementwise or OpKind.Identity
            ? string.Join(", ", c.Operands.Distinct().Where(o => o.Kind != GraphNodeKind.Constant).Select(o => $"{C(o, BroadcastIndex(o, c, s))} = {N(V(o, BroadcastIndex(o, c, s)))}"))
            : $"{C(n, k)} = {N(V(n, k))}";
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

    /// <summary>
    /// For ∂Y[s]/∂n[k] of Y = conv2d(X, K) of an image by a kernel (both 2-D), the other operand's entry it equals: the kernel
    /// weight that multiplies X[k] into Y[s], or the image element that K[k] multiplies; null for the zero padding.
    /// </summary>
    private (GraphNode, int)? ConvPartner(GraphNode c, GraphNode n, int s, int k)
    {
        var (x, kernel) = (c.Operands[0], c.Operands[1]);
        int[] xs = evaluation.ValueOf(x).ShapeArray, ks = evaluation.ValueOf(kernel).ShapeArray, ys = evaluation.ValueOf(c).ShapeArray;
        var (_, stride, pad) = c.Op!.Settings;
        if (xs.Length != 2 || ks.Length != 2 || ys.Length != 2 || stride < 1) return null;
        int r = s / ys[1], q = s % ys[1];
        if (n == x)
        {
            int i = k / xs[1] + pad - r * stride, j = k % xs[1] + pad - q * stride;
            return i >= 0 && i < ks[0] && j >= 0 && j < ks[1] ? (kernel, i * ks[1] + j) : null;
        }
        if (n == kernel)
        {
            int a = r * stride + k / ks[1] - pad, b = q * stride + k % ks[1] - pad;
            return a >= 0 && a < xs[0] && b >= 0 && b < xs[1] ? (x, a * xs[1] + b) : null;
        }
        return null;
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

    /// <summary>
    /// The pairs (k, s) where output component s of c depends on component k of n: where the local derivative is not 0
    /// here or at other values of the operands (a conv's kernel weight that is 0 here), or where moving n[k] far up or
    /// down changes c[s] (a maxpool's window, whose non-largest elements have a zero local derivative).
    /// </summary>
    private IEnumerable<(int K, int S)> Dependencies(GraphNode c, GraphNode n, double[,] local)
    {
        var generator = new Generator(0x5EED);
        double[,]? generic;
        try
        {
            // Magnitudes in [0.5, 1.5) of either sign: no operand entry is 0 there.
            generic = Local(c, n, o =>
            {
                var v = evaluation.ValueOf(o);
                return Tensor.FromArray(Enumerable.Range(0, v.Count).Select(_ => (generator.NextDouble() < 0.5 ? -1 : 1) * (0.5 + generator.NextDouble())).ToArray(), v.Shape.ToArray());
            });
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            generic = null;   // an op whose operand must hold particular values (class labels)
        }
        var values = c.Operands.Select(o => evaluation.ValueOf(o).To(DType.Float64).Contiguous()).ToArray();
        var x = evaluation.ValueOf(n).To(DType.Float64).Contiguous().ToDoubleArray();
        double far = 1 + 10 * x.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        double[] Output(double[] input)
        {
            using (Autograd.NoGrad())
            {
                var args = c.Operands.Select((o, i) => o == n ? Tensor.FromArray(input, values[i].Shape.ToArray()) : values[i]).ToArray();
                return c.Op!.Apply(args).ToDoubleArray();
            }
        }
        var at = Output(x);
        for (int k = 0; k < x.Length; k++)
        {
            double keep = x[k];
            x[k] = keep + far;
            var up = Output(x);
            x[k] = keep - far;
            var down = Output(x);
            x[k] = keep;
            for (int s = 0; s < at.Length; s++)
                if (local[s, k] != 0 || (generic is not null && generic[s, k] != 0) || up[s] != at[s] || down[s] != at[s]) yield return (k, s);
        }
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
        }
        var local = Local(c, n, o => evaluation.ValueOf(o));
        // Each pair comes once, and these ops have no feeds yet: added without Feed's search.
        if (op.Kind is not (OpKind.Elementwise or OpKind.Identity or OpKind.MatMul))
            foreach (var (k, s) in Dependencies(c, n, local)) feeds[k].Add(s);
        return jacobians[(c, n)] = (feeds, local);
    }

    /// <summary>∂c[s]/∂n[k] for every s and k, with c's operands given the values of <paramref name="valueOf"/>.</summary>
    private double[,] Local(GraphNode c, GraphNode n, Func<GraphNode, Tensor> valueOf)
    {
        int outCount = evaluation.ValueOf(c).Count, inCount = evaluation.ValueOf(n).Count;
        var local = new double[outCount, inCount];
        for (int s = 0; s < outCount; s++)
        {
            using (Autograd.EnableGrad())
            {
                var leaves = new Dictionary<GraphNode, Tensor>();
                foreach (var o in c.Operands.Distinct())
                    using (Autograd.NoGrad())
                        leaves[o] = valueOf(o).Contiguous().Clone().Detach().RequireGrad();
                var output = c.Op!.Apply(c.Operands.Select(o => leaves[o]).ToArray());
                var seed = new double[outCount];
                seed[s] = 1;
                var seedTensor = output.Rank == 0 ? Tensor.Scalar(1, DType.Float64) : Tensor.FromArray(seed, output.Shape.ToArray());
                var grad = Autograd.Grad(output, leaves[n], seedTensor, allowUnused: true);
                var row = grad is null ? new double[inCount] : grad.ToDoubleArray();
                for (int k = 0; k < inCount; k++) local[s, k] = row[k];
            }
        }
        return local;
    }
}
