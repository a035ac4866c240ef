namespace SharpGrad.Explain;

/// <summary>
/// The gradient of a program's objective with respect to a whole vector or matrix, in matrix
/// notation (Xᵀ(p − y)/n, (W2ᵀδ) ⊙ (1 − h²), Σ over broadcast axes), in the layout where the
/// gradient has the parameter's shape. It is derived by running reverse mode symbolically over the
/// engine graph that evaluating the program recorded: each node's local rule is the one of
/// <see cref="Derivatives"/> that the backward pass runs, evaluated on symbols, with the program's
/// named values (p, h) standing for themselves. So the formula is the gradient autograd computes,
/// written out; <see cref="Sym.EvaluateTensor"/> gives it back as numbers.
/// </summary>
public static class MatrixDerivation
{
    /// <summary>
    /// Evaluates <paramref name="program"/> for a derivation: a declaration without a value gets
    /// one, with each unbound size symbol a distinct prime from 7 on, so that a count such as the
    /// 1/n of a mean is printed as its size symbol (1/n, not 1/7) and cannot be mistaken for a
    /// small constant of the program.
    /// </summary>
    public static ProgramEvaluation Evaluate(GradProgram program, string? objective = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        var sizes = new Dictionary<string, int>(program.Graph.StaticSizes, StringComparer.Ordinal);
        int[] primes = [7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47];
        var overrides = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var d in program.Declarations)
        {
            if (d.Value is not null) continue;
            var shape = (d.Size ?? []).Select(x => x.IsKnown ? x.Size
                : sizes.TryGetValue(x.Symbol!, out var s) ? s : sizes[x.Symbol!] = primes[sizes.Count % primes.Length]).ToArray();
            int count = shape.Aggregate(1, (a, b) => a * b), seed = overrides.Count;
            overrides[d.Name] = Tensor.FromArray(Enumerable.Range(0, count).Select(i => Math.Sin(1.3 * i + 0.7 * seed + 0.4)).ToArray(), shape);
        }
        return program.Evaluate(overrides, objective);
    }

    /// <summary>∂objective/∂<paramref name="wrt"/> for the evaluated program, simplified.</summary>
    /// <exception cref="NotSupportedException">The path goes through an op without a matrix formula (convolution, pooling).</exception>
    public static Sym Gradient(ProgramEvaluation evaluation, string wrt)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var graph = evaluation.Graph;
        if (!graph.TryGetNode(wrt, out var wrtNode))
            throw graph.NoNode("--wrt", wrt);
        var recorded = evaluation.Recorded;
        var names = new Dictionary<Tensor, GraphNode>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Nodes)
            if (node.IsNamed || node.IsDeclaration) names.TryAdd(recorded[node.Index], node);
        var root = recorded[evaluation.Objective.Index];
        var target = recorded[wrtNode.Index];

        var order = TopologicalOrder(root, NoStop);
        var expressions = new Dictionary<Tensor, Sym>(ReferenceEqualityComparer.Instance);
        var divisors = Divisors(order);
        var composites = Composites(evaluation);
        Sym Expr(Tensor t) => expressions.TryGetValue(t, out var e) ? e : expressions[t] = Build(t, names, composites, divisors, Expr, evaluation);
        if (Reverse(order, root, Sym.One, target, Expr, NoStop, composites) is not { } gradient) return Sym.Zero.WithShape(target.Shape.ToArray());
        var result = ConstGuardsDropped(Readable(gradient, names, Expr, evaluation, wrt), evaluation);
        // A gradient that is the same number at every element (the 1/n of a mean) still has the parameter's shape.
        int[] targetShape = target.Shape.ToArray();
        if (targetShape is [> 1]) result = AsVector(result, targetShape);
        return targetShape.Aggregate(1, (a, b) => a * b) == 1 ? result : result.BroadcastTo(targetShape);
    }

    /// <summary>
    /// The formula without the engine's guard I[p = 0] (the (1 − I[p = 0]) of p·x^(p − 1), which keeps 0·∞ out of the
    /// backward pass) where p is a const that is not 0: a const holds its value at every point, so the guard is 0 there,
    /// and the closed form reads as spec E11 writes it, α·p·|w|^(p−1)·sign(w).
    /// </summary>
    private static Sym ConstGuardsDropped(Sym formula, ProgramEvaluation evaluation)
    {
        var nonzero = evaluation.Program.Declarations.Where(d => d.Kind == DeclarationKind.Const && evaluation.Value(d.Name).ToDoubleArray().All(v => v != 0))
            .Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        return nonzero.Count == 0 ? formula : formula.Rewrite(s =>
            s is { Kind: SymKind.Indicator, Relation: "=", Args: [{ Kind: SymKind.Variable, Name: { } c }, { IsNumber: true, Value: 0 }] } && nonzero.Contains(c) ? Sym.Zero : null);
    }

    /// <summary>
    /// The terms of a vector's gradient read as vectors: a row among them ((A x)ᵀ, or F read as a row by a dot
    /// product's rule) holds the same numbers, and written as a row it would be added to columns.
    /// </summary>
    internal static Sym AsVector(Sym s, int[] shape) => s.Kind switch
    {
        SymKind.Sum => Sym.Add(s.Args.Select(a => AsVector(a, shape))),
        SymKind.Product => Sym.Mul(s.Args.Select(a => AsVector(a, shape))),
        SymKind.Transpose when IsRowOrColumn(s.Args[0].Shape, shape[0]) => s.Args[0].WithShape(shape),
        // A row times a column (uᵀF) beside the vector is their dot product, a number.
        SymKind.MatMul when s.Args[0].Shape is [1, var k] && s.Args[1].Shape is [var k2, 1] && k == k2
            => Sym.MatMul(s.Args[0].WithShape([k]), s.Args[1].WithShape([k])),
        // That number times the row ((uᵀF) Fᵀ) is a product.
        SymKind.MatMul when (s.Args[0].Shape is [1, 1] || s.Args[1].Shape is [1, 1]) && IsRowOrColumn(s.Shape, shape[0])
            => Sym.Mul(AsVector(s.Args[0], shape), AsVector(s.Args[1], shape)),
        _ => IsRowOrColumn(s.Shape, shape[0]) ? s.WithShape(shape) : s,
    };

    private static bool IsRowOrColumn(IReadOnlyList<int>? shape, int n) => shape is [var r, var c] && Math.Min(r, c) == 1 && Math.Max(r, c) == n;

    /// <summary>
    /// <paramref name="g"/>·∂node/∂(operand k) for one op of the program whose engine recording is
    /// several primitives (cross_entropy, softmax, log_softmax): reverse mode over just the engine
    /// ops between the node and its operands, each operand standing as <paramref name="operandExpression"/> gives it.
    /// </summary>
    /// <exception cref="NotSupportedException">An engine op on the way has no symbolic rule.</exception>
    internal static Sym Through(ProgramEvaluation evaluation, GraphNode node, int k, Sym g, Func<GraphNode, Sym> operandExpression)
    {
        var recorded = evaluation.Recorded;
        var boundary = new Dictionary<Tensor, Sym>(ReferenceEqualityComparer.Instance);
        foreach (var o in node.Operands) boundary.TryAdd(recorded[o.Index], operandExpression(o));
        var (root, target) = (recorded[node.Index], recorded[node.Operands[k].Index]);
        var stop = new HashSet<Tensor>(boundary.Keys.Where(t => !ReferenceEquals(t, target)), ReferenceEqualityComparer.Instance);
        var order = TopologicalOrder(root, new HashSet<Tensor>(boundary.Keys, ReferenceEqualityComparer.Instance));
        var expressions = new Dictionary<Tensor, Sym>(boundary, ReferenceEqualityComparer.Instance);
        var divisors = Divisors(order);
        // The node's own name stands for its output (p ⊙ (g − Σ g ⊙ p) for p = softmax(z)), except
        // log_softmax's, whose rule reads e^q: softmax(z) says more than exp(q).
        var names = new Dictionary<Tensor, GraphNode>(ReferenceEqualityComparer.Instance);
        if (node.IsNamed && node.Op?.Name != "log_softmax") names[root] = node;
        var composites = Composites(evaluation);
        Sym Expr(Tensor t) => expressions.TryGetValue(t, out var e) ? e : expressions[t] = Build(t, names, composites, divisors, Expr, evaluation);
        var gradient = Reverse(order, root, g, target, Expr, stop, composites) ?? Sym.Zero;
        return Readable(gradient, names, Expr, evaluation, node.Operands[k].Name);
    }

    /// <summary>
    /// Reverse mode on symbols over <paramref name="order"/> (operands before users), each engine op's
    /// rule the one of <see cref="Derivatives"/>; the gradient of <paramref name="target"/>, or null
    /// when <paramref name="root"/> does not depend on it.
    /// </summary>
    private static Sym? Reverse(List<Tensor> order, Tensor root, Sym seed, Tensor target, Func<Tensor, Sym> expr, IReadOnlySet<Tensor> stop,
        IReadOnlyDictionary<Tensor, Composite> composites)
    {
        var reaches = new HashSet<Tensor>(ReferenceEqualityComparer.Instance) { target };
        foreach (var t in order)
            if (!stop.Contains(t) && t.GradFn is { } fn && fn.Inputs.Any(i => i is not null && reaches.Contains(i)))
                reaches.Add(t);
        if (!reaches.Contains(root)) return null;

        // A vector read one number at a time, or in slices that overlap (x[0:2] and x[1:3]), gets its gradient written out
        // by components ([g0, 0, g2]); one cut into separate slices of several numbers (the gates of an LSTM), or a matrix
        // read in blocks, gets it as blocks (concat(g1, g2)), every read of it alike.
        var inBlocks = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var ranges = new Dictionary<Tensor, HashSet<(int Start, int Count)>>(ReferenceEqualityComparer.Instance);
        var overlapping = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var t in order)
        {
            if (t.GradFn is not { Op: OpCode.Index } read || read.Inputs[0] is not { } source) continue;
            if (source.Rank != 1 || source.Shape[0] > 64) { inBlocks.Add(source); continue; }
            if (Positions(source, t) is not var (start, count, scalar)) continue;
            if (!scalar && count > 1) inBlocks.Add(source);
            // The same slice read twice (w[1:3] * w[1:3]) is one block; two different slices that share a position overlap.
            var seen = ranges.TryGetValue(source, out var known) ? known : ranges[source] = [];
            if (seen.Add((start, count)) && seen.Any(r => r != (start, count) && r.Start < start + count && start < r.Start + r.Count))
                overlapping.Add(source);
        }
        inBlocks.ExceptWith(overlapping);
        var gradients = new Dictionary<Tensor, Sym>(ReferenceEqualityComparer.Instance) { [root] = seed };
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var t = order[i];
            if (ReferenceEquals(t, target) || stop.Contains(t) || !gradients.TryGetValue(t, out var g) || t.GradFn is not { } fn) continue;
            if (fn.Op == OpCode.Index && fn.Inputs[0] is { } source && reaches.Contains(source))
            {
                // A read through an index scatters its gradient back into the positions read.
                var scattered = Scatter(g, source, t, inBlocks.Contains(source));
                gradients[source] = gradients.TryGetValue(source, out var before) ? Sym.Add(before, scattered) : scattered;
                continue;
            }
            if (composites.TryGetValue(t, out var composite))
            {
                // Straight to the composite's operands, past its primitives: their rules chained give the same numbers
                // as an unreadable formula, or none at all (a convolution's unfolding).
                for (int k = 0; k < composite.Operands.Length; k++)
                {
                    var operand = composite.Operands[k];
                    if (!reaches.Contains(operand)) continue;
                    if (composite.Tied) throw new NotSupportedException("a max pooling whose window ties has no formula here; use --form factored.");
                    var contribution = CompositeBackward(composite.Node, k, g, expr(t), composite.Operands.Select(expr).ToArray(), t.Shape.ToArray(),
                        [.. composite.Operands.Select(o => o.Shape.ToArray())]);
                    gradients[operand] = gradients.TryGetValue(operand, out var earlier) ? Sym.Add(earlier, contribution) : contribution;
                }
                continue;
            }
            if (!Derivatives.Covers(fn.Op) || fn.Operands.Count == 0)
                throw new NotSupportedException($"{fn.Op} has no matrix formula; use --form factored.");
            var operands = fn.Operands.Select(expr).ToArray();
            var output = expr(t);
            // One number standing for a whole gradient (s from s·sum(W Wᵀ)) broadcasts in elementwise rules, but a matrix
            // product needs it at every element: s·ones(2, 2) W, not s·W.
            // So does a row that a column sum left (sum(X W, 0)): repeated down the rows, ones(3) gᵀ.
            if (fn.Op == OpCode.MatMul && output.Shape is { Count: 2 } outputShape && !(g.Shape?.SequenceEqual(outputShape) ?? false))
                g = g.BroadcastTo([.. outputShape]);
            for (int k = 0; k < fn.Inputs.Count; k++)
            {
                var input = fn.Inputs[k];
                if (input is null || !reaches.Contains(input)) continue;
                var contribution = Derivatives.Backward(fn.Op, k, g, operands, output, fn.Attributes);
                if (contribution is null) continue;
                gradients[input] = gradients.TryGetValue(input, out var previous) ? Sym.Add(previous, contribution) : contribution;
            }
        }
        return gradients.TryGetValue(target, out var r) ? r : Sym.Zero;
    }

    /// <summary>
    /// The program's calls whose gradient is written by a rule of its own rather than through the primitives the engine
    /// recorded, by their recorded outputs: layer_norm, flip, conv2d of an image by a kernel (stride 1), and poolings that tile their input.
    /// </summary>
    private static Dictionary<Tensor, Composite> Composites(ProgramEvaluation evaluation)
    {
        var result = new Dictionary<Tensor, Composite>(ReferenceEqualityComparer.Instance);
        foreach (var node in evaluation.Graph.Nodes)
            if (node.Op?.Name is "layer_norm" or "flip" or "concat" || (node.Op is { } op && OpTable.UnitStrideConvPadding(op) is not null && node.Operands.All(o => o.Shape.Rank == 2))
                || Tiles(node, evaluation))
                result.TryAdd(evaluation.Recorded[node.Index], new(node, [.. node.Operands.Select(o => evaluation.Recorded[o.Index])], Ties(node, evaluation)));
        return result;
    }

    /// <summary>An upsample, or a pooling whose windows tile its input exactly (no overlap, no rows or columns left over).</summary>
    private static bool Tiles(GraphNode node, ProgramEvaluation evaluation)
    {
        if (node.Op is not { } op || OpTable.Window(op) is not var (size, stride) || size != stride) return false;
        var input = evaluation.Recorded[node.Operands[0].Index];
        return op.Name == "upsample" || (input.Shape[^1] % size == 0 && input.Shape[^2] % size == 0);
    }

    /// <summary>
    /// Whether a max pooling's window holds its maximum twice: the engine (as PyTorch) gives the gradient to the first,
    /// where I[X = upsample(P, F)] would give it to each, so its backward has no formula there.
    /// </summary>
    private static bool Ties(GraphNode node, ProgramEvaluation evaluation)
    {
        if (node.Op?.Name != "maxpool" || OpTable.Window(node.Op) is not var (size, _)) return false;
        using (Autograd.NoGrad())
        {
            var pooled = evaluation.Recorded[node.Index];
            var maxima = OpTable.Upsample(size).Apply([pooled]);
            return evaluation.Recorded[node.Operands[0].Index].Eq(maxima).To(DType.Float64).Sum().Item() != pooled.Count;
        }
    }

    /// <summary>A program call with a backward rule of its own, the recorded tensors of its operands, and whether its window ties.</summary>
    private readonly record struct Composite(GraphNode Node, Tensor[] Operands, bool Tied);

    /// <summary>
    /// g·∂node/∂(operand k) of a composite: layer norm's textbook backward; a kernel's gradient conv2d(X, g); an image's
    /// conv2d(g, flip(K), padding=F − 1); flip's flip(g); a tiling pooling's gradient spread back over its windows.
    /// </summary>
    /// <exception cref="NotSupportedException">The operand's gradient has no formula here (the input of a kernel that is not square).</exception>
    private static Sym CompositeBackward(GraphNode node, int k, Sym g, Sym output, Sym[] operands, int[] shape, int[][] operandShapes)
    {
        if (!(g.Shape?.SequenceEqual(shape) ?? false)) g = g.BroadcastTo(shape);
        int f = OpTable.Window(node.Op!)?.Size ?? 0; // a pooling's or upsample's block
        int padding = OpTable.UnitStrideConvPadding(node.Op!) ?? 0;
        int[]? input = operands[0].Shape is { } first ? [.. first] : null;
        return node.Op!.Name switch
        {
            "layer_norm" => LayerNormBackward(g, output, operands[0]),
            // Each kernel entry meets the image at every output position: the image correlated with the upstream gradient.
            // (With padding P, the padded image: conv2d(X, g, padding=P).)
            "conv2d" when k == 1 => Sym.Call(OpTable.Conv(2, 1, padding), operands[0], g).WithShape(operands[1].Shape is { } kernel ? [.. kernel] : null),
            // Each input pixel meets the kernel entries that slid over it, in reverse order: the upstream gradient, padded by
            // F − 1, correlated with the kernel turned half a turn (a "full" convolution); a padding P of the image takes P
            // off that.
            "conv2d" when operands[1].Shape is [var kh, var kw] && kh == kw && kh - 1 - padding >= 0 =>
                Sym.Call(OpTable.Conv(2, 1, kh - 1 - padding), g, Sym.Call("flip", operands[1]).WithShape([kh, kw])).WithShape(input),
            "flip" => Sym.Call("flip", g).WithShape(shape),
            // Each operand of a concat gets its own block of the gradient back.
            "concat" => Block(g, OpTable.ConcatAxis(node.Op!, shape.Length)!.Value, operandShapes, k),
            // A window's maximum passes the gradient to the element that is it; a mean shares it among the F² elements.
            "maxpool" => Sym.Mul(Sym.Call(OpTable.Upsample(f), g).WithShape(input), Sym.Indicator(operands[0], "=", Sym.Call(OpTable.Upsample(f), output).WithShape(input))),
            "avgpool" => Sym.Div(Sym.Call(OpTable.Upsample(f), g).WithShape(input), Sym.Num(f * f)),
            // Each block's elements all came from one: their gradients add up, F² times the block's mean.
            "upsample" => Sym.Mul(Sym.Num(f * f), Sym.Call(OpTable.Pool("avgpool", f, f), g).WithShape(input)),
            _ => throw new NotSupportedException("the gradient of a convolution's input by a kernel that is not square, or padded by F or more, has no matrix formula here; use --form factored."),
        };
    }

    /// <summary>Block k of g along the axis a concat of <paramref name="operands"/> joined them: that operand's own gradient where g is itself such a concat.</summary>
    private static Sym Block(Sym g, int axis, int[][] operands, int k)
    {
        // The recorded sizes, as an operand's formula may have lost its shape (X^0 is 1); a number joined is one element.
        var sizes = operands.Select(o => o.Length == 0 ? 1 : o[axis]).ToArray();
        int start = sizes.Take(k).Sum();
        if (g is { Kind: SymKind.Call, Op.Name: "concat" } joined && joined.Args.Count == sizes.Length && joined.Op.Attributes?.Dims is [var a]
            && (a < 0 ? a + g.Shape!.Count : a) == axis && joined.Args.Select(p => p.Shape?[axis]).SequenceEqual(sizes.Select(n => (int?)n)))
            return joined.Args[k];
        if (operands[k].Length == 0) return Sym.Call(OpTable.Index([new OpTable.IndexItem(false, start, null)]), g);
        var items = Enumerable.Range(0, axis + 1).Select(i => i < axis ? new OpTable.IndexItem(true, null, null) : new OpTable.IndexItem(true, start, start + sizes[k])).ToArray();
        return Sym.Call(OpTable.Index(items), g).WithShape(operands[k]);
    }

    /// <summary>√(var z + ε) of layer_norm along the last axis, the variance biased.</summary>
    internal static Sym LayerNormScale(Sym z)
    {
        var centred = Sym.Sub(z, Sym.RowMean(z));
        return Sym.Call("sqrt", Sym.Add(Sym.RowMean(Sym.Pow(centred, Sym.Num(2))), Sym.Num(OpTable.LayerNormEpsilon)));
    }

    /// <summary>The textbook vector–Jacobian product of h = layer_norm(z): (g − mean g − h ⊙ mean(g ⊙ h))/√(var z + ε), along the last axis.</summary>
    private static Sym LayerNormBackward(Sym g, Sym h, Sym z)
    {
        return Sym.Div(Sym.Sub(Sym.Sub(g, Sym.RowMean(g)), Sym.Mul(h, Sym.RowMean(Sym.Mul(g, h)))), LayerNormScale(z));
    }

    private static readonly HashSet<Tensor> NoStop = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// The positions a read of a vector takes (x[k] or x[a:b] with step 1), from where the view
    /// starts in the vector's storage; null for anything else (a matrix, a strided slice).
    /// </summary>
    private static (int Start, int Count, bool Scalar)? Positions(Tensor source, Tensor read)
    {
        if (source.Rank != 1 || read.Rank > 1 || source.Strides[0] == 0) return null;
        int step = source.Strides[0], delta = read.Offset - source.Offset;
        if (delta % step != 0 || (read.Rank == 1 && read.Strides[0] != step)) return null;
        int start = delta / step, count = read.Rank == 0 ? 1 : read.Shape[0];
        return start >= 0 && start + count <= source.Shape[0] ? (start, count, read.Rank == 0) : null;
    }

    /// <summary>
    /// The items of a read of a matrix (X[:, 0:2], W[1, :], W[1, 2]) with step 1 on both axes, from where the view starts
    /// in the matrix and its shape; null for anything else (a vector, a strided slice).
    /// </summary>
    private static OpTable.IndexItem[]? MatrixItems(Tensor source, Tensor read)
    {
        if (source.Rank != 2 || read.Rank > 2 || source.Strides[0] <= 0 || source.Strides[1] <= 0) return null;
        int delta = read.Offset - source.Offset, s0 = source.Strides[0], s1 = source.Strides[1];
        if (delta < 0) return null;
        // The position (row, column) the view starts at, for either order of the matrix's strides.
        var (row, column) = s0 >= s1 ? (delta / s0, delta % s0 / s1) : (delta % s1 / s0, delta / s1);
        if (row * s0 + column * s1 != delta || row >= source.Shape[0] || column >= source.Shape[1]) return null;
        // Which of the matrix's axes the view keeps, told by its strides.
        bool keepsRows, keepsColumns;
        int rows = 1, columns = 1;
        switch (read.Rank)
        {
            case 2 when read.Strides[0] == s0 && read.Strides[1] == s1:
                (keepsRows, keepsColumns, rows, columns) = (true, true, read.Shape[0], read.Shape[1]);
                break;
            case 1 when read.Strides[0] == s1 && read.Shape[0] > 1:
                (keepsRows, keepsColumns, columns) = (false, true, read.Shape[0]);
                break;
            case 1 when read.Strides[0] == s0 && read.Shape[0] > 1:
                (keepsRows, keepsColumns, rows) = (true, false, read.Shape[0]);
                break;
            // One element read as a vector from a matrix of one row (P[:, 0]) or one column (Y[0, :]): the axis of size 1
            // is the one kept, whatever stride a view of one element reports.
            case 1 when read.Shape[0] == 1 && (source.Shape[0] == 1 || source.Shape[1] == 1):
                (keepsRows, keepsColumns) = (source.Shape[0] == 1, source.Shape[0] != 1);
                break;
            case 0:
                (keepsRows, keepsColumns) = (false, false);
                break;
            default:
                return null;
        }
        if (row + rows > source.Shape[0] || column + columns > source.Shape[1]) return null;
        static OpTable.IndexItem Item(bool kept, int start, int count, int size) =>
            !kept ? new(false, start, null) : start == 0 && count == size ? new(true, null, null) : new(true, start, start + count);
        return [Item(keepsRows, row, rows, source.Shape[0]), Item(keepsColumns, column, columns, source.Shape[1])];
    }

    /// <summary>The expression of a read through an index, written as the program writes it: t[0], x[1:4].</summary>
    private static Sym IndexRead(Sym source, Tensor sourceTensor, Tensor read)
    {
        if (MatrixItems(sourceTensor, read) is { } items)
            return Sym.Call(OpTable.Index(items), source).WithShape(read.Shape.ToArray());
        if (Positions(sourceTensor, read) is not var (start, count, scalar))
            throw new NotSupportedException("an index into a matrix has no matrix formula; use --form factored.");
        OpTable.IndexItem item = scalar ? new(false, start, null) : new(true, start, start + count);
        var call = Sym.Call(OpTable.Index([item]), source);
        return scalar ? call : call.WithShape([count]);
    }

    /// <summary>
    /// g put back where the read took it from: as the vector [0, g, 0, …] written out by its components, or, in
    /// <paramref name="blocks"/>, as a concat of g with blocks of zeros (concat(zeros(2), g) for x[2:4] of a 4-vector,
    /// concat(g, zeros(2, 3)) for the first two rows of a 4×3 matrix).
    /// </summary>
    private static Sym Scatter(Sym g, Tensor source, Tensor read, bool blocks)
    {
        if (Positions(source, read) is var (start, count, scalar))
        {
            // A number's gradient read back through a slice of several (Σ w[0:2]) goes to each of them: g·ones(2).
            if (blocks) return Padded(g.IsShaped ? g.WithShape([count]) : scalar || count == 1 ? Sym.Vector([g]) : Sym.Mul(g, Sym.One.WithShape([count])).WithShape([count]), [source.Shape[0]], [start]);
            var components = new Sym[source.Shape[0]];
            for (int i = 0; i < components.Length; i++)
                components[i] = i < start || i >= start + count ? Sym.Zero : scalar ? g : Component(g, i - start);
            // A component of one number is written as one (the gate i = σ(gates[0:1]) of a one-unit LSTM).
            if (!components.Any(c => c.IsShaped && c.Shape!.Aggregate(1, (a, b) => a * b) != 1))
                return Sym.Vector(components);
        }
        // A block of a matrix (rows X[0:2, :], columns W[:, 1:3]) keeps both axes; a row read as a vector (an embedding's
        // E[1, :]) is the one-row block [g], a column [g]ᵀ, one element [[g]].
        else if (MatrixItems(source, read) is [var rows, var columns])
        {
            // g in the read's own shape: a number at each element of a row.
            var each = g.IsShaped || read.Rank == 0 ? g : Sym.Mul(g, Sym.One.WithShape(read.Shape.ToArray()));
            var block = (rows.IsSlice, columns.IsSlice) switch
            {
                (true, true) => each.WithShape(read.Shape.ToArray()),
                (false, true) => Sym.Vector([each.WithShape(read.Shape.ToArray())]),
                (true, false) => Sym.Transpose(Sym.Vector([each.WithShape(read.Shape.ToArray())])),
                _ => Sym.Vector([Sym.Vector([each])]),
            };
            return Padded(block, source.Shape.ToArray(), [rows.Start ?? 0, columns.Start ?? 0]);
        }
        throw new NotSupportedException("an index into a matrix has no matrix formula; use --form factored.");
    }

    /// <summary>The block g placed at <paramref name="at"/> in zeros of <paramref name="shape"/>: concats with zeros(…) along each axis it does not fill.</summary>
    private static Sym Padded(Sym g, int[] shape, int[] at)
    {
        var block = g.Shape!.ToArray();
        for (int axis = block.Length - 1; axis >= 0; axis--)
        {
            int before = at[axis], after = shape[axis] - at[axis] - block[axis];
            if (before == 0 && after == 0) continue;
            Sym Zeros(int n)
            {
                var size = (int[])block.Clone();
                size[axis] = n;
                return Sym.ZeroBlock(size);
            }
            Sym[] pieces = [.. before > 0 ? [Zeros(before)] : Array.Empty<Sym>(), g, .. after > 0 ? [Zeros(after)] : Array.Empty<Sym>()];
            block[axis] = shape[axis];
            g = Sym.Call(OpTable.Concat(pieces.Length, axis), pieces).WithShape(block);
        }
        return g;
    }

    /// <summary>Component i of a vector expression: c·f is c·f[i], a sum the sum of components, [a, b] its entry.</summary>
    private static Sym Component(Sym g, int i)
    {
        static bool Single(Sym s) => s.Shape is null || s.Shape.Aggregate(1, (a, b) => a * b) == 1;
        if (Single(g)) return g;
        return g.Kind switch
        {
            SymKind.Vector => g.Args[i],
            SymKind.Sum => Sym.Add(g.Args.Select(a => Component(a, i))),
            SymKind.Product => Sym.Mul(g.Args.Select(a => Single(a) ? a : Component(a, i))),
            // An elementwise power's component is the component's power: n[0]^2, not (n^2)[0].
            SymKind.Power when Single(g.Args[1]) => Sym.Pow(Component(g.Args[0], i), g.Args[1]),
            // A column times a single number (f (fᵀx)) is that number times the column's entry.
            SymKind.MatMul when Single(g.Args[1]) => Sym.Mul(Component(g.Args[0], i), g.Args[1]),
            SymKind.MatMul when Single(g.Args[0]) => Sym.Mul(g.Args[0], Component(g.Args[1], i)),
            SymKind.Number => g,
            _ => Sym.Call(OpTable.Index([new OpTable.IndexItem(false, i, null)]), g.WithShape([g.Shape!.Aggregate(1, (a, b) => a * b)])),
        };
    }

    /// <summary>The divisors in <paramref name="order"/>: only a divisor (a mean's count) is written with its size symbol, so the 2 of x^2 stays 2 where D = 2.</summary>
    private static HashSet<Tensor> Divisors(List<Tensor> order)
    {
        var divisors = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var t in order)
            if (t.GradFn is { Op: OpCode.Div } div && div.Operands.Count == 2) divisors.Add(div.Operands[1]);
        return divisors;
    }

    /// <summary>
    /// A target of a classification: one-hot, in a program with a softmax, cross-entropy or log. Its rows sum to 1 in the
    /// formulas, and check holds it fixed; a 0/1 mask of a Dice loss with one 1 is a value like any other.
    /// </summary>
    public static bool IsClassTarget(ComputationGraph graph, Declaration declaration, Tensor value) =>
        declaration.Kind == DeclarationKind.Target && IsOneHot(value)
        && graph.Nodes.Any(n => n.Op?.Name is "softmax" or "log_softmax" or "cross_entropy" or "log");

    /// <summary>Zeros and ones with exactly one 1 along the last axis (a one-hot target: each row sums to 1).</summary>
    public static bool IsOneHot(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var v = t.ToDoubleArray();
        int row = t.Rank == 0 ? 1 : t.Shape[t.Rank - 1];
        if (v.Length < 2 || row < 2 || v.Any(x => x is not (0 or 1))) return false;
        for (int i = 0; i < v.Length; i += row)
            if (v.AsSpan(i, row).ToArray().Sum() != 1) return false;
        return true;
    }

    /// <summary>
    /// The gradient as a teacher writes it: a one-hot target's sum along its rows is 1 (so the
    /// softmax cross-entropy gradient p·Σy − y is p − y), and a subexpression that is the definition
    /// of a named node of the program is written by that name (softmax(z) is p where p = softmax(z)).
    /// </summary>
    private static Sym Readable(Sym gradient, Dictionary<Tensor, GraphNode> names, Func<Tensor, Sym> expr, ProgramEvaluation evaluation, string? wrt)
    {
        // The variable itself sums to what it sums to: ∂L/∂t of a one-hot t keeps sum(t).
        var oneHot = evaluation.Program.Declarations
            .Where(d => d.Name != wrt && IsClassTarget(evaluation.Graph, d, evaluation.Value(d.Name)))
            .ToDictionary(d => d.Name, d => evaluation.Value(d.Name).Shape.ToArray(), StringComparer.Ordinal);
        // A softmax's rows sum to 1 whatever its logits: q·sum(p) − p for p = softmax(t) is q − p.
        foreach (var node in evaluation.Graph.NamedNodes)
            if (node.Op?.Name == "softmax") oneHot.TryAdd(node.Name!, evaluation.Value(node.Name!).Shape.ToArray());
        // Definitions of named intermediates, latest first, so the most specific name wins.
        var definitions = new Dictionary<string, Sym>(StringComparer.Ordinal);
        var productDefinitions = new List<(Sym Definition, Sym Name)>();
        foreach (var (tensor, node) in names.Reverse())
        {
            if (node.IsDeclaration || tensor.GradFn is not { } fn || fn.Operands.Count == 0) continue;
            try
            {
                var definition = Definition(tensor, fn, expr);
                if (definition.Kind is not (SymKind.Variable or SymKind.Number)) definitions.TryAdd(definition.Key, Sym.Var(node.Name!, tensor.Shape.ToArray()));
                if (definition.Kind == SymKind.Product && !definition.Args[0].IsNumber) productDefinitions.Add((definition, Sym.Var(node.Name!, tensor.Shape.ToArray())));
            }
            catch (NotSupportedException)
            {
                // A definition without a matrix formula is simply never recognised.
            }
        }
        var e = gradient.Simplified();
        for (int pass = 0; pass < 4; pass++)
        {
            var rewritten = e.Rewrite(s => FoldOneHot(s, oneHot)
                ?? (s.Kind is SymKind.Variable or SymKind.Number ? null : definitions.GetValueOrDefault(s.Key))
                ?? ContainsDefinition(s, productDefinitions) ?? AsMean(s));
            if (rewritten.Key == e.Key) break;
            e = rewritten.Simplified();
        }
        // √x squared is x (x ≥ 0 where √x is defined): the ‖a‖² of a norm's derivative reads sum(a^2).
        return e.Rewrite(s => s is { Kind: SymKind.Power, Args: [{ Kind: SymKind.Call, Op.Name: "sqrt" } root, { IsNumber: true } k] } && k.Value % 2 == 0
            ? Sym.Pow(root.Args[0], Sym.Num(k.Value / 2)) : null);
    }

    /// <summary>
    /// A product that holds every factor of a named product (d·s⁻¹ of xhat = d/s) written with that
    /// name: sum(r ⊙ d)·d/(4s³) is sum(r ⊙ d)·xhat/(4s²). Null when no definition fits.
    /// </summary>
    private static Sym? ContainsDefinition(Sym s, List<(Sym Definition, Sym Name)> definitions)
    {
        if (s.Kind != SymKind.Product || definitions.Count == 0) return null;
        static Dictionary<string, double>? Powers(Sym p)
        {
            var powers = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var f in p.Args)
            {
                if (f.IsNumber) continue;
                if (f.Kind == SymKind.Power && !f.Args[1].IsNumber) return null;
                var (b, x) = f.Kind == SymKind.Power ? (f.Args[0], f.Args[1].Value) : (f, 1.0);
                powers[b.Key] = powers.GetValueOrDefault(b.Key) + x;
            }
            return powers;
        }
        var have = Powers(s);
        if (have is null) return null;
        foreach (var (definition, name) in definitions)
        {
            var need = Powers(definition);
            if (need is null || need.Count < 2) continue;
            if (!need.All(kv => have.TryGetValue(kv.Key, out var h) && Math.Sign(h) == Math.Sign(kv.Value) && Math.Abs(h) >= Math.Abs(kv.Value))) continue;
            return Regrouped(s, Sym.Pow(definition, Sym.Num(-1)), name);
        }
        // A single number multiplying a sum can go inside it where that completes a definition: sum(r ⊙ d)/s is sum(r ⊙ xhat).
        foreach (var f in s.Args)
        {
            if (f is not { Kind: SymKind.Call, Op.Name: "sum" } sum) continue;
            foreach (var u in s.Args)
            {
                if (ReferenceEquals(u, f) || u.IsNumber || u.IsShaped) continue;
                var unit = u.Kind == SymKind.Power && u.Args[1].IsNumber ? Sym.Pow(u.Args[0], Sym.Num(Math.Sign(u.Args[1].Value))) : u;
                if (ContainsDefinition(Sym.Mul(sum.Args[0], unit), definitions) is not { } inner) continue;
                return Regrouped(s, Sym.Pow(Sym.Mul(f, unit), Sym.Num(-1)), Sym.Call("sum", inner));
            }
        }
        return null;

        // s's own factors with the new ones: a product read with its shape is not flattened by Mul, so
        // multiplying it whole would keep the definition inside and find it again at every pass.
        static Sym Regrouped(Sym s, params Sym[] more)
        {
            var r = Sym.Mul([.. s.Args, .. more]);
            return s.Shape is { } shape ? r.WithShape([.. shape]) : r;
        }
    }

    /// <summary>c·sum(v)/n with n the number of elements of v is c·mean(v), as the engine's mean computes it; null otherwise.</summary>
    private static Sym? AsMean(Sym s)
    {
        if (s.Kind != SymKind.Product || s.Args.Count == 0 || !s.Args[0].IsNumber
            || s.Args.FirstOrDefault(f => f is { Kind: SymKind.Call, Op.Name: "sum", Args.Count: > 0 }) is not { } sum || sum.Args[0].Shape is not { } shape) return null;
        double n = shape.Aggregate(1, (a, b) => a * b), c = s.Args[0].Value * n;
        // Only a real division is a mean: 2·sum(v) stays a sum, not 4·mean(v). And only one by about v's count: the 2/n of
        // a squared error is 2·mean(v), but sum(v)/4 over 16 elements (a pooling's quarter) is not 4·mean(v).
        bool whole = Math.Abs(s.Args[0].Value - Math.Round(s.Args[0].Value)) < 1e-12;
        return n > 1 && !whole && Math.Abs(c - Math.Round(c)) < 1e-12 && Math.Round(c) != 0 && Math.Abs(Math.Round(c)) <= 2
            ? Sym.Mul([Sym.Num(Math.Round(c)), .. s.Args.Skip(1).Select(f => ReferenceEquals(f, sum) ? Sym.Call("mean", sum.Args[0]) : f)])
            : null;
    }

    /// <summary>The expression of a named tensor's own op (not its name).</summary>
    private static Sym Definition(Tensor t, Node fn, Func<Tensor, Sym> expr)
    {
        var operands = fn.Operands.Select(expr).ToArray();
        return OpExpression(fn.Op, fn.Attributes ?? new OpAttributes(), operands, t.Shape.ToArray());
    }

    /// <summary>Σ of a one-hot target or a softmax along its rows is 1 (all of it: the number of rows); null when <paramref name="s"/> is no such sum.</summary>
    private static Sym? FoldOneHot(Sym s, Dictionary<string, int[]> oneHot)
    {
        Sym inner;
        bool all;
        if (s.Kind == SymKind.SumOver && s.Name is null) { inner = s.Args[0]; all = false; }
        else if (s.Kind == SymKind.Call && s.Op?.Name == "sum" && s.Args.Count == 1) { inner = s.Args[0]; all = true; }
        else return null;
        double c = 1;
        if (inner.Kind == SymKind.Product && inner.Args.Count == 2 && inner.Args[0].IsNumber) { c = inner.Args[0].Value; inner = inner.Args[1]; }
        int[]? shape = null;
        if (inner is { Kind: SymKind.Call, Op.Name: "softmax", Shape: { } rows }) shape = [.. rows];
        else if (inner.Kind != SymKind.Variable || inner.Index is not null || !oneHot.TryGetValue(inner.Name!, out shape)) return null;
        if (all) return Sym.Num(c * (shape.Length == 0 ? 1 : shape.Aggregate(1, (a, b) => a * b) / shape[^1]));
        // Only the sum along the last axis (the classes) is 1 per row.
        return s.Axes.Count == 1 && s.Axes[0] == shape.Length - 1 ? Sym.Num(c) : null;
    }

    /// <summary>The tensors <paramref name="root"/> is computed from, operands first; nothing below a tensor of <paramref name="stop"/> is visited.</summary>
    private static List<Tensor> TopologicalOrder(Tensor root, IReadOnlySet<Tensor> stop)
    {
        var order = new List<Tensor>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor T, int Next)>();
        stack.Push((root, 0));
        seen.Add(root);
        while (stack.Count > 0)
        {
            var (t, next) = stack.Pop();
            var inputs = stop.Contains(t) ? [] : t.GradFn?.Inputs ?? [];
            if (next < inputs.Count)
            {
                stack.Push((t, next + 1));
                if (inputs[next] is { } child && seen.Add(child)) stack.Push((child, 0));
                continue;
            }
            order.Add(t);
        }
        return order;
    }

    /// <summary>The expression of an engine tensor: the program's name where it has one, otherwise its op applied to its operands.</summary>
    private static Sym Build(Tensor t, Dictionary<Tensor, GraphNode> names, IReadOnlyDictionary<Tensor, Composite> composites, HashSet<Tensor> divisors,
        Func<Tensor, Sym> expr, ProgramEvaluation evaluation)
    {
        var shape = t.Shape.ToArray();
        if (names.TryGetValue(t, out var node))
            return Sym.Var(node.Name!, shape);
        if (t.GradFn is { Op: OpCode.Index } index && index.Inputs[0] is { } source)
            return IndexRead(expr(source), source, t);
        // An unnamed composite shows as itself, as the rule of its backward reads it.
        if (composites.TryGetValue(t, out var composite))
            return Sym.Call(composite.Node.Op!, composite.Operands.Select(expr).ToArray()).WithShape(shape);
        if (t.GradFn is not { } fn || fn.Operands.Count == 0)
        {
            var values = t.ToDoubleArray();
            if (values.Length > 0 && values.All(v => v == values[0])) return divisors.Contains(t) ? SizeOrNumber(values[0], evaluation) : Sym.Num(values[0]);
            throw new NotSupportedException("a constant tensor inside the program has no name to print it by.");
        }
        return OpExpression(fn.Op, fn.Attributes ?? new OpAttributes(), fn.Operands.Select(expr).ToArray(), shape);
    }

    /// <summary>The formula of one engine op applied to operand expressions.</summary>
    private static Sym OpExpression(OpCode op, OpAttributes a, Sym[] x, int[] shape)
    {
        IGradientAlgebra<Sym> x0 = x[0];
        return op switch
        {
            OpCode.Add => Sym.Add(x[0], x[1]),
            OpCode.Sub => Sym.Sub(x[0], x[1]),
            OpCode.Mul => Sym.Mul(x[0], x[1]),
            OpCode.Div => MeanOrQuotient(x[0], x[1]),
            OpCode.Neg => Sym.Neg(x[0]),
            OpCode.Pow => Sym.Pow(x[0], x[1]),
            OpCode.PowScalar => Sym.Pow(x[0], Sym.Num(a.Scalar)),
            OpCode.Exp => x0.Exp(),
            OpCode.Log => x0.Log(),
            OpCode.Sqrt => x0.Sqrt(),
            OpCode.Sin => x0.Sin(),
            OpCode.Cos => x0.Cos(),
            OpCode.Erf => x0.Erf(),
            OpCode.Tanh => x0.Tanh(),
            OpCode.Sigmoid => x0.Sigmoid(),
            OpCode.Relu => Sym.Call("relu", x[0]),
            OpCode.Softplus => Sym.Call("softplus", x[0]),
            OpCode.Gelu => Sym.Call("gelu", x[0]),
            OpCode.Floor => Sym.Call("floor", x[0]),
            // The language's leaky_relu has PyTorch's slope; the op with another slope has no name to print it by.
            OpCode.LeakyRelu when OpTable.TryGetFunction("leaky_relu", 1, out var leaky) && leaky.Attributes?.Scalar == a.Scalar => Sym.Call(leaky, x[0]),
            OpCode.Abs => Sym.Call("abs", x[0]),
            OpCode.Maximum => Sym.Call("max", x[0], x[1]),
            OpCode.Minimum => Sym.Call("min", x[0], x[1]),
            OpCode.Sum => x0.Sum([.. a.Dims], a.KeepDim),
            // Along one axis of a matrix, the reduction keeps its axis: max(A, axis=0), not the largest element of A.
            OpCode.Max or OpCode.Min when a.Dims is [var d] && x[0].Shape is { Count: > 1 } =>
                Sym.Call(OpTable.Reduce(op == OpCode.Max ? "max" : "min", d, a.KeepDim), x[0]).WithShape(shape),
            OpCode.Max => Sym.Call("max", x[0]),
            OpCode.Min => Sym.Call("min", x[0]),
            OpCode.MatMul => Sym.MatMul(x[0], x[1]),
            OpCode.Reshape => x[0].WithShape(shape),
            OpCode.Expand or OpCode.Clone => x[0],
            OpCode.Permute => x0.Permute([.. a.Dims]),
            OpCode.Where => Where(x[0], x[1], x[2]),
            // Along the last axis, the only one the language's log_softmax takes.
            OpCode.LogSoftmax when a.Dims is [var d] && d == shape.Length - 1 => Sym.Call("log_softmax", x[0]),
            _ => throw new NotSupportedException($"{op} has no matrix formula; use --form factored."),
        };

        static Sym Where(Sym c, Sym p, Sym q) => SymWhere<Sym>(c, p, q);
    }

    private static T SymWhere<T>(T c, T a, T b) where T : class, IGradientAlgebra<T> => T.Where(c, a, b);

    /// <summary>sum(x)/n, as the engine computes a mean, is printed as mean(x).</summary>
    private static Sym MeanOrQuotient(Sym numerator, Sym denominator)
    {
        if (numerator.Kind == SymKind.Call && numerator.Op?.Name == "sum" && denominator.IsNumber
            && numerator.Args[0].Shape is { } s && s.Aggregate(1, (p, d) => p * d) == (int)denominator.Value)
            return Sym.Call("mean", numerator.Args[0]);
        return Sym.Div(numerator, denominator);
    }

    /// <summary>A divisor that equals exactly one of the program's size symbols is written as that symbol (1/n, not 1/4).</summary>
    private static Sym SizeOrNumber(double value, ProgramEvaluation evaluation)
    {
        var matches = evaluation.Sizes.Where(kv => kv.Value == value && value > 1).Select(kv => kv.Key).ToArray();
        return matches.Length == 1 ? Sym.Var(matches[0]) : Sym.Num(value);
    }
}
