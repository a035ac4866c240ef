namespace SharpGrad.Explain;

/// <summary>
/// Builds a <see cref="StepReport"/>. The backward order is the reverse of the graph order, and
/// a leaf is listed as soon as its last gradient contribution has arrived (after its first
/// consumer), as spec E9 lists ∂J/∂W3 right after ∂J/∂ŷ. By default only named nodes get rows,
/// and the unnamed parts of an assignment are folded into its local derivative; with every node
/// shown, each unnamed part of an expression gets a row of its own.
/// </summary>
internal sealed class StepWalker
{
    private readonly ProgramEvaluation evaluation;
    private readonly bool allNodes;
    private readonly Dictionary<GraphNode, Sym> expressions = [];

    private StepWalker(ProgramEvaluation evaluation, bool allNodes)
    {
        this.evaluation = evaluation;
        this.allNodes = allNodes;
    }

    public static StepReport Walk(ProgramEvaluation evaluation, double learningRate, bool allNodes, Layout layout) =>
        new StepWalker(evaluation, allNodes).Walk(learningRate, layout);

    private bool Shown(GraphNode n) => n.IsNamed || (allNodes && n.Kind == GraphNodeKind.Operation && n.HasGradient);

    private StepReport Walk(double learningRate, Layout layout)
    {
        var graph = evaluation.Graph;
        var objective = evaluation.Objective;
        var relevant = graph.AncestorsAndSelf(objective).Where(n => n.HasGradient).ToHashSet();
        var forward = graph.Nodes.Where(Shown).ToList();

        // The shown nodes each shown node feeds, looking through the unnamed parts between them.
        var users = new Dictionary<GraphNode, List<GraphNode>>();
        foreach (var c in forward)
            if (c.Kind == GraphNodeKind.Operation && relevant.Contains(c))
                foreach (var m in Inputs(c))
                {
                    if (!users.TryGetValue(m, out var list)) users[m] = list = [];
                    list.Add(c);
                }

        var rows = new List<BackwardRow>();
        var emitted = new HashSet<GraphNode>();
        void Emit(GraphNode node)
        {
            if (!emitted.Add(node)) return;
            var terms = new List<ChainTerm>();
            if (node != objective)
                foreach (var c in (users.GetValueOrDefault(node) ?? []).OrderByDescending(c => c.Index))
                    terms.Add(Term(c, node));
            rows.Add(new BackwardRow(node, evaluation.GradientOf(node)!, terms, node == objective, relevant.Contains(node)));
        }

        bool IsLeaf(GraphNode n) => n.Kind != GraphNodeKind.Operation;
        if (IsLeaf(objective)) Emit(objective);
        for (int i = forward.Count - 1; i >= 0; i--)
        {
            var node = forward[i];
            if (IsLeaf(node) || !relevant.Contains(node)) continue;
            Emit(node);
            foreach (var operand in Inputs(node))
                if (IsLeaf(operand) && relevant.Contains(operand) && users[operand].All(emitted.Contains))
                    Emit(operand);
        }
        foreach (var node in graph.Nodes)
            if (node.IsNamed && IsLeaf(node) && node.HasGradient && (relevant.Contains(node) || node.IsDeclaration))
                Emit(node);

        var updates = new List<UpdateRow>();
        using (Autograd.NoGrad())
            foreach (var p in graph.Parameters)
            {
                var old = evaluation.ValueOf(p);
                var gradient = evaluation.GradientOf(p)!;
                updates.Add(new UpdateRow(p, old, gradient, old.Sub(gradient.Mul(learningRate))));
            }
        return new StepReport(evaluation, learningRate, forward, rows, updates, allNodes, layout);
    }

    /// <summary>The shown nodes that c's expression reads, each once, in the order met (unnamed parts looked through).</summary>
    private List<GraphNode> Inputs(GraphNode c)
    {
        if (!inputs.TryGetValue(c, out var known)) inputs[c] = known = FindInputs(c);
        return known;
    }

    private readonly Dictionary<GraphNode, List<GraphNode>> inputs = [];

    private List<GraphNode> FindInputs(GraphNode c)
    {
        var result = new List<GraphNode>();
        var seen = new HashSet<GraphNode>();
        var stack = new Stack<GraphNode>(c.Operands.Reverse());
        while (stack.Count > 0)
        {
            var o = stack.Pop();
            if (!o.HasGradient || !seen.Add(o)) continue;
            if (Shown(o) || o.Kind != GraphNodeKind.Operation) result.Add(o);
            else
                for (int k = o.Operands.Count - 1; k >= 0; k--) stack.Push(o.Operands[k]);
        }
        return result;
    }

    /// <summary>
    /// The term ∂J/∂c · ∂c/∂m: c's expression is re-run alone on fresh leaves holding its inputs'
    /// values, and autograd gives the vector–Jacobian product with the upstream gradient and, where
    /// c depends on m elementwise or c is one number, the local derivative itself.
    /// </summary>
    private ChainTerm Term(GraphNode c, GraphNode m, bool withFormula = true)
    {
        var upstream = evaluation.GradientOf(c)!;
        var outputShape = evaluation.ValueOf(c).Shape.ToArray();
        var inputs = Inputs(c);
        var depends = new Dictionary<GraphNode, bool>();
        bool Depends(GraphNode n) => depends.TryGetValue(n, out var d) ? d
            : depends[n] = n == m || (n.Kind == GraphNodeKind.Operation && !Shown(n) && n.Operands.Any(Depends));
        bool elementwise = OnPath(c).All(n => n.Op!.Kind is OpKind.Elementwise or OpKind.Identity);
        bool singleMatMul = c.Op!.Kind == OpKind.MatMul && c.Operands.Contains(m);

        var contribution = Contribution(c, m);
        Tensor? local = null;
        bool summed = false;
        using (Autograd.EnableGrad())
        {
            // Of c's own shape (or c one number), m's local derivative is c's gradient seeded with ones, found once for all its inputs.
            if ((elementwise && evaluation.ValueOf(m).Shape.ToArray().SequenceEqual(outputShape)) || (!elementwise && !singleMatMul && evaluation.ValueOf(c).Count == 1))
                local = OnesSeeded(c)[m];
            else if (elementwise)
            {
                var leaves = inputs.ToDictionary(n => n, n => Fresh(evaluation.ValueOf(n)));
                // Broadcast m to c's shape first, so that the gradient of Σ c is the diagonal of ∂c/∂m.
                var value = evaluation.ValueOf(m);
                Tensor expanded;
                using (Autograd.NoGrad())
                    expanded = value.Expand(outputShape).Contiguous().Clone();
                leaves[m] = expanded.Detach().RequireGrad();
                var output = Run(c, leaves);
                local = Autograd.Grad([output], [leaves[m]], [Tensor.OnesLike(output)], allowUnused: true)[0];
                summed = value.Count != output.Count;
            }
        }
        return new ChainTerm(c, m, upstream, local, contribution, summed, withFormula ? Formula(c, m, Depends) : null, inputs.Where(n => n != m).ToArray());

        IEnumerable<GraphNode> OnPath(GraphNode n)
        {
            yield return n;
            foreach (var o in n.Operands.Distinct())
                if (o != m && Depends(o))
                    foreach (var inner in OnPath(o)) yield return inner;
        }
    }

    /// <summary>
    /// The terms of the chain rule for <paramref name="m"/>: ∂J/∂c · ∂c/∂m for each named node c
    /// (the objective too) whose expression reads m, the other named inputs held fixed. They add up
    /// to ∂J/∂m, one per consumer, so a term left out of an answer is one of them.
    /// </summary>
    internal static IReadOnlyList<ChainTerm> Shares(ProgramEvaluation evaluation, GraphNode m)
    {
        var walker = new StepWalker(evaluation, allNodes: false);
        var shares = new List<ChainTerm>();
        foreach (var c in evaluation.Graph.Nodes)
            if (c.IsNamed && c.Kind == GraphNodeKind.Operation && evaluation.GradientOf(c) is not null && walker.Inputs(c).Contains(m))
                shares.Add(walker.Term(c, m, withFormula: false));
        return shares;
    }

    /// <summary>
    /// ∂J/∂c · ∂c/∂m: c's expression re-run alone on fresh leaves holding its inputs' values, seeded with ∂J/∂c. One
    /// backward pass gives every input's share, kept for the others: L = a0 + … + a3999 is run once, not 4000 times.
    /// </summary>
    private Tensor Contribution(GraphNode c, GraphNode m, Tensor? upstream = null)
    {
        if (upstream is null && contributions.TryGetValue(c, out var known)) return known[m] ?? Tensor.ZerosLike(evaluation.ValueOf(m));
        var shares = Backward(c, upstream ?? evaluation.GradientOf(c)!);
        if (upstream is null) contributions[c] = shares;
        return shares[m] ?? Tensor.ZerosLike(evaluation.ValueOf(m));
    }

    private readonly Dictionary<GraphNode, Dictionary<GraphNode, Tensor?>> contributions = [];

    /// <summary>
    /// c's gradient by each input from one pass seeded with ones: the diagonal of ∂c/∂m for an elementwise c and an m of
    /// its shape, ∂c/∂m itself for a c of one number.
    /// </summary>
    private Dictionary<GraphNode, Tensor?> OnesSeeded(GraphNode c)
    {
        if (!locals.TryGetValue(c, out var known)) locals[c] = known = Backward(c, seed: null);
        return known;
    }

    private readonly Dictionary<GraphNode, Dictionary<GraphNode, Tensor?>> locals = [];

    /// <summary>The gradients of c's expression alone, seeded with <paramref name="seed"/> (ones where null), by each of its inputs.</summary>
    private Dictionary<GraphNode, Tensor?> Backward(GraphNode c, Tensor? seed)
    {
        var inputs = Inputs(c);
        using (Autograd.EnableGrad())
        {
            var leaves = inputs.ToDictionary(n => n, n => Fresh(evaluation.ValueOf(n)));
            var output = Run(c, leaves);
            var grads = Autograd.Grad([output], inputs.Select(n => leaves[n]).ToList(), [seed ?? Tensor.OnesLike(output)], allowUnused: true);
            return inputs.Select((n, i) => (n, grads[i])).ToDictionary(p => p.n, p => (Tensor?)p.Item2);
        }
    }

    /// <summary>
    /// One path's share of ∂J/∂path[0]: the local vector–Jacobian products of its edges (each
    /// consumer's expression alone, the other named inputs held), from the objective path[^1] down.
    /// </summary>
    internal static Tensor AlongPath(ProgramEvaluation evaluation, IReadOnlyList<GraphNode> path)
    {
        var walker = new StepWalker(evaluation, allNodes: false);
        var g = Tensor.OnesLike(evaluation.ValueOf(path[^1]));
        for (int i = path.Count - 2; i >= 0; i--) g = walker.Contribution(path[i + 1], path[i], g);
        return g;
    }

    /// <summary>
    /// The share of ∂J/∂m that arrives through each place c's expression reads m: the skip x and the x
    /// inside tanh(W x + b) of r = x + tanh(W x + b). Each place alone reads a fresh copy of m; the others
    /// hold its value. Reader is the op node reading m there, Slot its operand position.
    /// </summary>
    internal static IReadOnlyList<(GraphNode Reader, int Slot, Tensor Share)> PlaceShares(ProgramEvaluation evaluation, GraphNode c, GraphNode m)
    {
        var walker = new StepWalker(evaluation, allNodes: false);
        var held = walker.Inputs(c).ToDictionary(n => n, evaluation.ValueOf);
        if (!held.ContainsKey(m) || evaluation.GradientOf(c) is not { } upstream) return [];
        var places = new List<(GraphNode Reader, int Slot)>();
        void Find(GraphNode n)
        {
            for (int k = 0; k < n.Operands.Count; k++)
                if (n.Operands[k] == m) places.Add((n, k));
                else if (!held.ContainsKey(n.Operands[k]) && n.Operands[k] is { Kind: GraphNodeKind.Operation, HasGradient: true } part) Find(part);
        }
        Find(c);
        var shares = new List<(GraphNode, int, Tensor)>();
        foreach (var (reader, slot) in places)
            using (Autograd.EnableGrad())
            {
                var fresh = Fresh(evaluation.ValueOf(m));
                var share = Autograd.Grad([walker.Run(c, held, (reader, slot, fresh))], [fresh], [upstream], allowUnused: true)[0] ?? Tensor.ZerosLike(fresh);
                shares.Add((reader, slot, share));
            }
        return shares;
    }

    /// <summary>c's expression evaluated on <paramref name="leaves"/>; parts that read no input keep their recorded values.</summary>
    /// <remarks>With <paramref name="place"/>, that one operand slot reads its value instead (one place of m, see <see cref="PlaceShares"/>).</remarks>
    private Tensor Run(GraphNode n, Dictionary<GraphNode, Tensor> leaves, (GraphNode Reader, int Slot, Tensor Value)? place = null)
    {
        if (leaves.TryGetValue(n, out var leaf)) return leaf;
        if (n.Kind != GraphNodeKind.Operation || !n.HasGradient) return evaluation.ValueOf(n);
        var args = new Tensor[n.Operands.Count];
        for (int k = 0; k < args.Length; k++)
            args[k] = place is { } at && at.Reader == n && at.Slot == k ? at.Value : Run(n.Operands[k], leaves, place);
        return n.Op!.Apply(args);
    }

    private static Tensor Fresh(Tensor value)
    {
        using (Autograd.NoGrad())
            return value.Contiguous().Clone().Detach().RequireGrad();
    }

    /// <summary>
    /// ∂J/∂c · ∂c/∂m as a formula: reverse mode over c's expression down to m, each op's step the
    /// shared rule of <see cref="Derivatives"/> (or <see cref="OpInfo.Derivative"/>) evaluated on
    /// symbols, seeded with <see cref="ChainTerm.UpstreamSymbol"/> (1 for the objective).
    /// </summary>
    private Sym? Formula(GraphNode c, GraphNode m, Func<GraphNode, bool> depends)
    {
        var up = ChainTerm.UpstreamSymbol;
        var seed = c == evaluation.Objective ? Sym.One : ShapeOf(c) is { Length: 2 } matrix ? Sym.Partial(up.Name!, up.Wrt!, matrix) : up.WithShape(ShapeOf(c));
        var total = Sym.Zero;
        void Visit(GraphNode n, Sym g)
        {
            for (int k = 0; k < n.Operands.Count; k++)
            {
                var o = n.Operands[k];
                if (o != m && !depends(o)) continue;
                // A composite's rule (concat(s, s)) is reverse mode over the ops it was recorded as, which sums every slot
                // an operand fills: its first slot stands for all of them.
                if (n.Op!.Code is null && n.Op.Name is not ("mean" or "sum") && Enumerable.Range(0, k).Any(j => n.Operands[j] == o)) continue;
                var part = Step(n, k, g);
                if (o == m) total = Sym.Add(total, Repeated(part));
                else Visit(o, part);
            }
        }
        Sym Repeated(Sym share) => ShapeOf(m) is [var rows, var columns] shape && (share.Shape is [_, 1] && columns > 1 || share.Shape is [1, _] && rows > 1)
            ? share.BroadcastTo(shape) : share;
        try
        {
            Visit(c, seed);
            // A row mean's share is a column (∂L/∂m/4 for m = mean(X, axis=1)), which does not broadcast across the row the
            // way a column mean's row does: it is written repeated, ∂L/∂m ones(4)ᵀ/4.
            // A column mean's share is a row (∂L/∂m/2 for m = mean(P, axis=0)), written repeated down the rows: ones(2) ∂L/∂mᵀ/2.
            // Each share is repeated on its own, so that one added to a whole matrix's (ones(3)/2 + 2·M) is not read as a row.
            var formula = ShapeOf(m) is [> 1] vector ? MatrixDerivation.AsVector(total, vector) : Repeated(total);
            // Shapes are inferred when first asked for; ask now, so that a formula whose parts do not fit (relu of a
            // conv2d, whose rule broadcasts the kernel against the input) is dropped here rather than when printed.
            static void Fits(Sym s) { foreach (var a in s.Args) Fits(a); _ = s.Shape; }
            Fits(formula);
            // A vector's ∂J/∂c standing as a column beside another column (∂L/∂rm ⊙ s for a row mean's share) would print
            // as the vector, which broadcasts as a row where check (like the program) reads it: the chain says it instead.
            static bool Upstream(Sym a) => a.Kind == SymKind.Partial && ReferenceEquals(a.Name, ChainTerm.UpstreamSymbol.Name);
            static bool ColumnUpstream(Sym s) => (s.Kind == SymKind.Product && s.Shape is [_, 1]
                && s.Args.Any(a => Upstream(a) && a.Shape is [_, 1]) && s.Args.Any(a => !Upstream(a) && a.Shape is [> 1, 1])) || s.Args.Any(ColumnUpstream);
            return ShapeOf(c) is [> 1] && ColumnUpstream(formula) ? null : formula;
        }
        // An op whose symbolic shape is not elementwise (conv2d's output is neither operand's shape) has no formula here.
        catch (Exception e) when (e is NotSupportedException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>One op's vector–Jacobian product on symbols: the gradient of operand k given the output's gradient g.</summary>
    private Sym Step(GraphNode n, int k, Sym g)
    {
        var op = n.Op!;
        var args = n.Operands.Select(Expression).ToArray();
        if (op.IsAbstract) return Sym.Mul(g, op.Derivative(args, 0));
        if (op.Kind == OpKind.MatMul)
        {
            // A vector on the left of @ is a row, on the right a column (as the engine multiplies them).
            var a = Promote(args[0], n.Operands[0], n.Operands[1], row: true);
            var b = Promote(args[1], n.Operands[1], n.Operands[0], row: false);
            var product = Sym.MatMul(a, b);
            // One number standing for a whole gradient (q from q·sum(C x)) is that number at every element of the product:
            // Cᵀ(q·ones(2)), not Cᵀq.
            var spread = g.IsNumber || g.IsShaped || product.Shape is not { } productShape || productShape.Aggregate(1, (x, y) => x * y) == 1
                ? g.IsNumber ? g : g.WithShape(product.Shape?.ToArray())
                : g.BroadcastTo([.. productShape]);
            var part = Derivatives.Backward(OpCode.MatMul, k, spread, [a, b], product, null)!;
            return part.WithShape(ShapeOf(n.Operands[k]));
        }
        var output = Sym.Call(op, args);
        if (op.Code is not { } code)
        {
            // sum or mean, of everything or along one axis: the sum's rule, divided by the count each mean averages.
            // A composite (cross_entropy, softmax): the shared rules of the primitives it was recorded as.
            if (op.Name is not ("mean" or "sum")) return MatrixDerivation.Through(evaluation, n, k, g, Expression);
            var (input, result) = (evaluation.ValueOf(n.Operands[0]), evaluation.ValueOf(n));
            var attributes = result.Count == 1 ? null : ReducedAxis(input, result, op.Name == "mean");
            var sum = Derivatives.Backward(OpCode.Sum, 0, g, args, output, attributes)!;
            return op.Name == "sum" ? sum : Sym.Mul(sum, Sym.Num((double)result.Count / input.Count));
        }
        return Derivatives.Backward(code, k, g, args, output, op.Attributes) ?? Sym.Zero;
    }

    /// <summary>
    /// The axis a one-axis reduction took from <paramref name="input"/> to give <paramref name="output"/>. A square
    /// matrix summed along either axis gives the same shape, so the values decide: the axis whose sum (or mean) they are.
    /// </summary>
    private static OpAttributes ReducedAxis(Tensor input, Tensor output, bool mean)
    {
        var (shape, result) = (input.Shape.ToArray(), output.Shape.ToArray());
        bool keep = shape.Length == result.Length;
        OpAttributes? fits = null;
        for (int axis = 0; axis < shape.Length; axis++)
        {
            var rest = keep ? shape.Select((d, i) => i == axis ? 1 : d) : shape.Where((_, i) => i != axis);
            if (!rest.SequenceEqual(result) || (shape[axis] == 1 && keep)) continue;
            fits ??= new OpAttributes { Dims = [axis], KeepDim = keep };
            using (Autograd.NoGrad())
            {
                var reduced = mean ? input.Mean([axis], keep) : input.Sum([axis], keep);
                var (r, o) = (reduced.ToDoubleArray(), output.ToDoubleArray());
                if (r.Zip(o).All(p => Math.Abs(p.First - p.Second) <= 1e-9 * (1 + Math.Abs(p.Second))))
                    return new OpAttributes { Dims = [axis], KeepDim = keep };
            }
        }
        return fits ?? throw new NotSupportedException("a reduction over more than one axis");
    }

    /// <summary>A vector times a matrix is read as a row (on the left) or a column (on the right); vector·vector stays a dot product.</summary>
    private Sym Promote(Sym s, GraphNode node, GraphNode other, bool row)
    {
        var shape = evaluation.ValueOf(node).Shape.ToArray();
        return shape.Length == 1 && evaluation.ValueOf(other).Rank >= 2 ? s.WithShape(row ? [1, shape[0]] : [shape[0], 1]) : s;
    }

    private int[] ShapeOf(GraphNode n)
    {
        var value = evaluation.ValueOf(n);
        return value.Count == 1 ? [] : value.Shape.ToArray();
    }

    /// <summary>A node as a shaped symbolic expression: names as variables, literals as numbers, the rest its op applied.</summary>
    private Sym Expression(GraphNode n)
    {
        if (expressions.TryGetValue(n, out var done)) return done;
        Sym result;
        if (n.IsNamed) result = Sym.Var(n.Name!, ShapeOf(n));
        else if (n.Kind == GraphNodeKind.Constant) result = Sym.Num(n.ConstantValue!.Value);
        // A vector's transpose is the vector (as the engine's x.T is): written xᵀ it would read as a row beside a column.
        else if (n.Op == OpTable.Transpose && evaluation.ValueOf(n.Operands[0]).Rank < 2) result = Expression(n.Operands[0]);
        else if (n.Op!.Kind == OpKind.MatMul)
            // The product of a matrix and a vector read as a column is the vector again, so that b in W x + b adds to it, not across it.
            result = Sym.MatMul(Promote(Expression(n.Operands[0]), n.Operands[0], n.Operands[1], true), Promote(Expression(n.Operands[1]), n.Operands[1], n.Operands[0], false)).WithShape(ShapeOf(n));
        else
        {
            result = Sym.Call(n.Op, n.Operands.Select(Expression).ToArray());
            // Operands of one element are written as numbers, so a call of them (concat(a, b) of two one-element vectors)
            // would infer no shape: it has its value's.
            if (!result.IsShaped && ShapeOf(n) is { Length: > 0 } shape) result = result.WithShape(shape);
        }
        return expressions[n] = result;
    }
}
