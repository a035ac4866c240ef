namespace SharpGrad.Explain;

/// <summary>
/// Evaluates a hand-derived expression (<see cref="CheckExpr"/>) at one evaluated point of the
/// program, with tensors and the library's ops (broadcasting as the program does). A name is the
/// node's value; ∂objective/∂n is autograd's gradient (n's shape); a local partial ∂c/∂x between
/// adjacent named nodes is the Jacobian of c's own expression with the other named inputs held
/// fixed, in numerator layout (c's shape followed by x's); any other ∂c/∂x of a single number c is
/// autograd's total derivative. A product of derivatives that chain by name (∂L/∂p · ∂p/∂z, or
/// ∂p/∂z · ∂L/∂p) contracts the shared node's axes, so chain notation between vector nodes means
/// Jacobian products whatever order it is written in. Operands whose shapes do not fit raise a
/// <see cref="CheckShapeException"/>, which the checker grades. Records how close each kink (relu,
/// abs, max, min, an indicator) comes to switching, so the checker can reject points on kinks.
/// </summary>
internal sealed partial class CheckExprEvaluator
{
    private readonly GradProgram program;
    private readonly ProgramEvaluation evaluation;
    private readonly IReadOnlyDictionary<string, Tensor> point;
    private readonly Dictionary<(string, string), Tensor> partials = [];

    /// <summary>The derivative ∂Of/∂Wrt a value stands for, kept through sums, signs and scalar factors.</summary>
    private readonly Dictionary<Tensor, (string Of, string Wrt)> chains = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// The Jacobian products among them (kept through signs, scalar factors and sums of such): the shared node's
    /// index is summed already, so Σ_i ∂L/∂(z)_i · ∂(z)_i/∂w is that product, w's shape, not the sum of its elements.
    /// </summary>
    private readonly HashSet<Tensor> contracted = new(ReferenceEqualityComparer.Instance);

    public CheckExprEvaluator(GradProgram program, ProgramEvaluation evaluation, IReadOnlyDictionary<string, Tensor> point)
    {
        this.program = program;
        this.evaluation = evaluation;
        this.point = point;
    }

    /// <summary>The smallest relative distance to a kink met while evaluating.</summary>
    public double KinkDistance { get; private set; } = double.PositiveInfinity;

    /// <summary>Exactly equal sides of any kink are so by construction (at a drawn point), not near a switch.</summary>
    public bool ExactTiesBuilt { get; init; }

    public ProgramEvaluation Evaluation => evaluation;

    /// <summary>The nodes of the expression whose values are changed (multiplied by a factor, transposed): where a mistake is tried.</summary>
    public (IReadOnlyCollection<CheckExpr> Nodes, Func<Tensor, Tensor> Change)? Inserted { get; init; }

    public Tensor Evaluate(CheckExpr e)
    {
        if (mentionedParts is null)
        {
            mentionedParts = [];
            void Collect(CheckExpr x)
            {
                if (x.Kind == CheckExpr.Kinds.Partial)
                    foreach (var name in new[] { x.Name!, x.Wrt! })
                        if (program.Graph.TryGetNode(name, out var node) && !node.IsNamed) mentionedParts.Add(node);
                foreach (var a in x.Args) Collect(a);
            }
            Collect(e);
        }
        work = 0;
        root = e;
        StartIndices(e);
        using (Autograd.NoGrad()) return Eval(e);
    }

    /// <summary>
    /// The unnamed parts the answer writes derivatives of or by (∂L/∂(V @ r)): a local partial between names, ∂s/∂r,
    /// holds them, so that the path through such a part is not counted in ∂s/∂r as well, as step --all-nodes writes it.
    /// </summary>
    private HashSet<GraphNode>? mentionedParts;

    private static Tensor Num(double v) => Tensor.Scalar(v, DType.Float64);

    /// <summary>
    /// Records how close a and b come to switching a kink; with <paramref name="equality"/> (an indicator) equal values
    /// are the point of the indicator, as in I[v = max(v)], and only near-equal ones count.
    /// </summary>
    private void Kink(Tensor a, Tensor b, bool equality = false)
    {
        var x = a.ToDoubleArray();
        var y = b.ToDoubleArray();
        int n = Math.Max(x.Length, y.Length);
        for (int i = 0; i < n; i++)
        {
            double u = x[x.Length == 1 ? 0 : i % x.Length], v = y[y.Length == 1 ? 0 : i % y.Length];
            if (!(equality || ExactTiesBuilt) || u != v) KinkDistance = Math.Min(KinkDistance, Math.Abs(u - v) / (1 + Math.Abs(u) + Math.Abs(v)));
        }
    }

    private Tensor Tag(Tensor t, (string, string) chain)
    {
        chains[t] = chain;
        return t;
    }

    /// <summary>The result keeps the derivative <paramref name="from"/> stands for (a sign, a division by a number).</summary>
    private Tensor Keep(Tensor result, Tensor from)
    {
        if (contracted.Contains(from)) contracted.Add(result);
        return chains.TryGetValue(from, out var c) ? Tag(result, c) : result;
    }

    /// <summary>
    /// A sum of two values standing for derivatives with respect to the same node stands for a derivative with respect
    /// to it too (of the sum of their numerators), so a factored chain such as (A·∂i/∂z + B·∂f/∂z)·∂z/∂w still contracts
    /// z's axes: the Jacobian product distributes over the sum.
    /// </summary>
    private Tensor Same(Tensor result, Tensor a, Tensor b)
    {
        if (!chains.TryGetValue(a, out var x) || !chains.TryGetValue(b, out var y) || x.Wrt != y.Wrt) return result;
        if (contracted.Contains(a) && contracted.Contains(b)) contracted.Add(result);
        return Tag(result, x == y ? x : (x.Of == y.Of ? x.Of : $"{x.Of}+{y.Of}", x.Wrt));
    }

    /// <summary>A derivative times a plain number stays that derivative.</summary>
    private Tensor Scaled(Tensor result, Tensor a, Tensor b) =>
        b.Count == 1 && !chains.ContainsKey(b) ? Keep(result, a) : a.Count == 1 && !chains.ContainsKey(a) ? Keep(result, b) : result;

    /// <summary>
    /// The Jacobian ∂A/∂b of a single-number b ([1], a bias of one unit) read as A's shape beside a factor of that
    /// shape: Σ_i ((P)_i − (Y)_i) · ∂(P)_i/∂b multiplies element by element, as it does for a scalar b.
    /// </summary>
    private Tensor PerElement(Tensor jacobian, Tensor other)
    {
        if (!chains.TryGetValue(jacobian, out var c) || chains.ContainsKey(other) || evaluation.Value(c.Wrt) is not { Count: 1, Rank: > 0 } wrt) return jacobian;
        var of = jacobian.Shape.ToArray()[..^wrt.Rank];
        return of.Length > 0 && of.SequenceEqual(other.Shape.ToArray()) ? Keep(jacobian.Reshape(of), jacobian) : jacobian;
    }

    /// <summary>
    /// ∂g/∂u of an elementwise g (a diagonal Jacobian) beside a plain value of g's shape, as in δ ⊙ a ⊙ ∂g/∂u: backprop's
    /// g′(u), the diagonal, multiplied element by element. Beside ∂L/∂g it chains as a Jacobian product instead.
    /// </summary>
    private Tensor Diagonal(Tensor jacobian, Tensor other)
    {
        if (!chains.TryGetValue(jacobian, out var c) || other.Count < 2
            || (chains.TryGetValue(other, out var o) && (o.Wrt == c.Of || o.Of == c.Wrt))) return jacobian;
        var shape = evaluation.Value(c.Of).Shape.ToArray();
        if (!evaluation.Value(c.Wrt).Shape.ToArray().SequenceEqual(shape) || !other.Shape.ToArray().SequenceEqual(shape)
            || !jacobian.Shape.ToArray().SequenceEqual(shape.Concat(shape))) return jacobian;
        int n = other.Count;
        var values = jacobian.ToDoubleArray();
        var diagonal = new double[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (i == j) diagonal[i] = values[i * n + j];
                else if (values[i * n + j] != 0) return jacobian;
            }
        return Tensor.FromArray(diagonal, n).Reshape(shape);
    }

    /// <summary>
    /// A plain value v of z's shape beside a full Jacobian ∂z/∂w, as in Σ_i (μ − y)_i · ∂(η)_i/∂w: the vector–Jacobian
    /// product vᵀ ∂z/∂w, with w's shape, as ∂L/∂z in v's place would chain; null where they are not such a pair.
    /// </summary>
    private Tensor? VectorJacobian(Tensor plain, Tensor jacobian)
    {
        if (chains.ContainsKey(plain) || !chains.TryGetValue(jacobian, out var c)) return null;
        int[] of = evaluation.Value(c.Of).Shape.ToArray(), wrt = evaluation.Value(c.Wrt).Shape.ToArray();
        if (of.Length == 0 || wrt.Length == 0 || !plain.Shape.ToArray().SequenceEqual(of) || !jacobian.Shape.ToArray().SequenceEqual(of.Concat(wrt))) return null;
        var product = OpTable.Binary(BinaryOperator.MatMul).Apply(plain.To(jacobian.DType).Reshape(1, plain.Count), jacobian.Reshape(plain.Count, jacobian.Count / plain.Count)).Reshape(wrt);
        contracted.Add(product);
        return product;
    }

    /// <summary>
    /// ∂A/∂B · ∂B/∂C (or ∂B/∂C · ∂A/∂B) as the Jacobian product ∂A/∂C: B's axes contracted; null
    /// when the two factors do not chain.
    /// </summary>
    private Tensor? Chain(Tensor a, Tensor b)
    {
        if (!chains.TryGetValue(a, out var x) || !chains.TryGetValue(b, out var y)) return null;
        if (x.Wrt != y.Of && y.Wrt == x.Of) (a, b, x, y) = (b, a, y, x);
        if (x.Wrt != y.Of) return null;
        int rank = evaluation.Value(x.Wrt).Rank, shared = evaluation.Value(x.Wrt).Count;
        if (a.Rank < rank || b.Rank < rank || a.Count % shared != 0 || b.Count % shared != 0) return null;
        var shape = a.Shape.ToArray()[..(a.Rank - rank)].Concat(b.Shape.ToArray()[rank..]).ToArray();
        var product = OpTable.Binary(BinaryOperator.MatMul).Apply(a.Reshape(a.Count / shared, shared), b.Reshape(shared, b.Count / shared));
        var chained = product.Reshape(shape);
        contracted.Add(chained);
        return Tag(chained, (x.Of, y.Wrt));
    }

    private static void Broadcastable(Tensor a, Tensor b)
    {
        var x = a.Shape.ToArray();
        var y = b.Shape.ToArray();
        for (int i = 1; i <= Math.Min(x.Length, y.Length); i++)
            if (x[^i] != y[^i] && x[^i] != 1 && y[^i] != 1)
                throw new CheckShapeException($"the shapes {ValueFormat.Shape(a)} and {ValueFormat.Shape(b)} do not fit an elementwise operation (sizes {x[^i]} and {y[^i]})");
    }

    /// <summary>The most multiply-adds one matrix product of an answer may take: 2^30.</summary>
    private const double MaxWork = 1 << 30;

    /// <summary>The most numbers an answer's parts may hold together at one point: 2^28, a dozen steps on the largest value.</summary>
    private const double MaxNumbers = 1 << 28;

    /// <summary>The numbers computed so far at this point.</summary>
    private double work;

    /// <summary>The most elements an answer's outer product or diagonal matrix may have, as a program's value: 2^24.</summary>
    private const int MaxElements = 1 << 24;

    private static Tensor MatMul(Tensor a, Tensor b)
    {
        if (a.Rank > 2 || b.Rank > 2)
            throw new CheckShapeException($"@ multiplies vectors and matrices, not {ValueFormat.Shape(a.Rank > 2 ? a : b)}");
        int inner = a.Rank == 0 ? 1 : a.Shape[a.Rank - 1], rows = b.Rank == 0 ? 1 : b.Shape[0];
        // A 1×1 matrix is its number where it does not conform (∂L/∂H · Xᵀ for a hidden layer of one unit and a batch of one).
        if (a.Rank > 0 && b.Rank > 0 && inner != rows && (a.Count == 1 || b.Count == 1))
            return a.Count == 1 ? b.Mul(a.Reshape()) : a.Mul(b.Reshape());
        if (a.Rank > 0 && b.Rank > 0 && inner != rows)
            throw new CheckShapeException($"{ValueFormat.Shape(a)} @ {ValueFormat.Shape(b)}: the left side has {inner} columns but the right side has {rows} rows");
        // An answer is evaluated at 41 points: a product of two 4096 × 4096 matrices at each would take minutes.
        double multiplyAdds = (double)a.Count * (b.Rank == 2 ? b.Shape[1] : 1);
        if (multiplyAdds > MaxWork)
            throw new ArgumentException($"{ValueFormat.Shape(a)} @ {ValueFormat.Shape(b)} takes {multiplyAdds:0} multiply-adds, more than an answer may ({MaxWork:0}) at each point it is graded");
        return Apply(OpTable.Binary(BinaryOperator.MatMul), a, b);
    }

    private static readonly Dictionary<string, int> NoSizes = [];

    /// <summary>
    /// An op of the answer applied; operands it does not take (a scalar @ a vector, an axis or index out of
    /// range) make the answer a graded wrong shape, said without the engine's op name or parameter.
    /// </summary>
    private static Tensor Apply(OpInfo op, params Tensor[] args)
    {
        // The op's own shape rule first: conv2d of two vectors is a wrong shape, not an index out of range inside it.
        // An index out of range is a typo in the answer, located like a parse error, not a graded shape.
        if (op.Shape is { } rule && rule([.. args.Select(a => SymbolicShape.FromSizes(a.Shape.ToArray()))], NoSizes, out var problem) is null)
            throw op.Name == "index" ? new ArgumentException(problem) : new CheckShapeException(problem ?? $"{op.Name} does not take operands of shapes {string.Join(", ", args.Select(ValueFormat.Shape))}");
        try
        {
            return op.Apply(args);
        }
        catch (ArgumentException ex) when (ex is not CheckShapeException)
        {
            var message = ex.Message.Split(" (Parameter '")[0];
            var colon = message.IndexOf(": ", StringComparison.Ordinal);
            throw new CheckShapeException(colon > 0 && message[..colon].All(char.IsLetter) ? message[(colon + 2)..] : message);
        }
    }

    /// <summary>
    /// Evaluates one node; a failure inside it (shapes that do not fit an op, a derivative without a
    /// value) becomes an <see cref="ArgumentException"/> that points at the node, as a parse error does.
    /// </summary>
    private Tensor Eval(CheckExpr e)
    {
        try
        {
            var value = EvalNode(e);
            // Every number an answer computes counts: sums of exp(ones(4000, 4000)) would run for minutes over 41 points.
            work += value.Count;
            if (work > MaxNumbers)
                throw new ArgumentException($"your expression computes more than {MaxNumbers:0} numbers at one point (the values of its parts together), more than an answer may");
            if (value.Count > MaxElements)
                throw new ArgumentException($"{ValueFormat.Shape(value)} holds more than {MaxElements} numbers, the most a value may hold");
            return Inserted is { } at && at.Nodes.Contains(e) ? at.Change(value.To(DType.Float64)) : value;
        }
        catch (CheckShapeException ex) when (!ex.Message.StartsWith("column", StringComparison.Ordinal))
        {
            throw new CheckShapeException($"column {e.Start + 1}, {e.Text}: {ex.Message}");
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException && ex is not CheckShapeException && !ex.Message.StartsWith("--expr column", StringComparison.Ordinal))
        {
            var reason = ex.Message.StartsWith("--expr: ", StringComparison.Ordinal) ? ex.Message["--expr: ".Length..] : $"{e.Text}: {ex.Message}";
            throw new ArgumentException($"--expr column {e.Start + 1}: {reason}", ex);
        }
    }

    private Tensor EvalNode(CheckExpr e)
    {
        if (IsIndexNotation(e)) return IndexNotation(e);
        switch (e.Kind)
        {
            case CheckExpr.Kinds.Number: return Num(e.Value);
            case CheckExpr.Kinds.Name: return evaluation.Value(e.Name!);
            case CheckExpr.Kinds.Partial when e.Held is { } held: return Tag(HeldPartial(e.Name!, e.Wrt!, held), (e.Name!, e.Wrt!));
            case CheckExpr.Kinds.Partial when e.Total: return Tag(evaluation.Gradient(e.Wrt!), (e.Name!, e.Wrt!));
            case CheckExpr.Kinds.Partial: return Tag(Partial(e.Name!, e.Wrt!), (e.Name!, e.Wrt!));
            case CheckExpr.Kinds.Negate: { var a = Eval(e.Args[0]); return Keep(a.Neg(), a); }
            case CheckExpr.Kinds.Vector:
            {
                // A one-element part is a number (a slice gates[3:4] of one element among zeros, as step writes a scatter),
                // except a row written as one ([[0.24], [−0.27]] is a [2, 1] column).
                var parts = e.Args.Select(a => Eval(a).To(DType.Float64) is var p && p.Count == 1 && a.Kind != CheckExpr.Kinds.Vector ? p.Reshape() : p).ToArray();
                if (parts.Any(p => !p.Shape.ToArray().SequenceEqual(parts[0].Shape.ToArray())))
                    // A ragged array is not an answer of some shape but a malformed one, refused as --value refuses it.
                    throw new ArgumentException($"--expr column {e.Start + 1}: the components of {e.Text} have different shapes ({string.Join(", ", parts.Select(p => "[" + string.Join(", ", p.Shape.ToArray()) + "]"))})");
                return Tensor.Stack(parts);
            }
            case CheckExpr.Kinds.Binary:
            {
                var a = Eval(e.Args[0]);
                var b = Eval(e.Args[1]);
                if (e.Operator == '*' && Chain(a, b) is { } chained) return chained;
                if (e.Operator == '*')
                {
                    var (pa, pb) = (PerElement(a, b), PerElement(b, a));
                    (a, b) = (Diagonal(pa, pb), Diagonal(pb, pa));
                    if ((VectorJacobian(a, b) ?? VectorJacobian(b, a)) is { } product) return product;
                }
                if (e.Operator is '+' or '-' or '*' or '/' or '^') Broadcastable(a, b);
                return e.Operator switch
                {
                    '+' => Same(a.Add(b), a, b),
                    '-' => Same(a.Sub(b), a, b),
                    '*' => Scaled(a.Mul(b), a, b),
                    '/' => b.Count == 1 && !chains.ContainsKey(b) ? Keep(a.Div(b), a) : a.Div(b),
                    '^' => a.Pow(b),
                    // A column vector times a transposed one (h xᵀ) is an outer product, as matrix notation reads it.
                    '@' when a.Rank == 1 && b.Rank == 1 && e.Args[1] is { Kind: CheckExpr.Kinds.Call, Name: "transpose" } && e.Args[0] is not { Kind: CheckExpr.Kinds.Call, Name: "transpose" } => a.Reshape(a.Count, 1).Mul(b.Reshape(1, b.Count)),
                    // ∂L/∂rᵀ · hᵀ, the numerator layout's row ∂L/∂r turned into a column, times a row: the same outer product.
                    '@' when a.Rank == 1 && b.Rank == 1 && e.Args[1] is { Kind: CheckExpr.Kinds.Call, Name: "transpose" }
                        && e.Args[0] is { Kind: CheckExpr.Kinds.Call, Name: "transpose", Args: [{ Kind: CheckExpr.Kinds.Partial }] } => a.Reshape(a.Count, 1).Mul(b.Reshape(1, b.Count)),
                    // ∂L/∂gᵀ · x with x of one element (a hidden size of 1): the same column times a 1×1 matrix, whose transpose
                    // is itself.
                    '@' when a.Rank == 1 && b.Rank == 1 && b.Count == 1 && a.Count > 1
                        && e.Args[0] is { Kind: CheckExpr.Kinds.Call, Name: "transpose", Args: [{ Kind: CheckExpr.Kinds.Partial }] } => a.Reshape(a.Count, 1).Mul(b.Reshape(1, 1)),
                    // A column (a row sum kept as [n, 1]) times a transposed vector is the same outer product: ∂L/∂mu · ones(3)ᵀ.
                    '@' when a.Rank == 2 && a.Shape[1] == 1 && b.Rank == 1 && e.Args[1] is { Kind: CheckExpr.Kinds.Call, Name: "transpose" } => a.Mul(b.Reshape(1, b.Count)),
                    '@' => MatMul(a, b),
                    _ => a.Reshape(a.Count, 1).Mul(b.Reshape(1, b.Count)),
                };
            }
            case CheckExpr.Kinds.Indicator:
            {
                var a = Eval(e.Args[0]);
                var b = Eval(e.Args[1]);
                Broadcastable(a, b);
                // Sides that are exactly equal are so by construction (X ≥ upsample(maxpool(X, 2), 2) at each window's
                // maximum, h > 0 where h = relu(z) is 0), and the relation gives the value meant there; only near-equal
                // sides are a kink to stay away from.
                Kink(a, b, equality: true);
                return (e.Relation switch { ">" => a.Gt(b), "<" => a.Lt(b), "≥" => a.Ge(b), "≤" => a.Le(b), _ => a.Eq(b) }).To(DType.Float64);
            }
            case CheckExpr.Kinds.Prime:
            {
                var z = Eval(e.Args[0]);
                if (e.Name is "relu" or "abs" or "leaky_relu") Kink(z, Num(0));
                // f′(z) by the engine's own backward rule for f (g′ as g evaluates, through tanh): the table's one rule per op.
                var op = OpTable.All.Single(o => o.Kind == OpKind.Elementwise && o.Arity == 1 && (o.IsAbstract ? e.Name == "g" : o.IsFunction && o.Name == e.Name));
                using (Autograd.EnableGrad())
                {
                    var leaf = z.Detach().Clone().RequireGrad();
                    var y = op.Apply(leaf);
                    return Autograd.Grad([y], [leaf], [Tensor.OnesLike(y)])[0];
                }
            }
            case CheckExpr.Kinds.Call:
            {
                var args = e.Args.Select(Eval).ToArray();
                switch (e.Name)
                {
                    // diag(M) of a matrix is its diagonal, as NumPy and PyTorch read it: diag(X̂ᵀ G) for a batch norm's ∂L/∂γ.
                    case "diag" when args[0].Rank == 2:
                    {
                        int rows = args[0].Shape[0], columns = args[0].Shape[1], n = Math.Min(rows, columns);
                        var flat = args[0].ToDoubleArray();
                        return Tensor.FromArray(Enumerable.Range(0, n).Select(i => flat[i * columns + i]).ToArray(), n);
                    }
                    case "diag" when args[0].Rank > 2:
                        throw new ArgumentException($"--expr column {e.Start + 1}: diag takes a vector (to make a diagonal matrix) or a matrix (to read its diagonal), not {ValueFormat.Shape(args[0])}");
                    case "outer" or "diag" when (double)args[0].Count * args[^1].Count > MaxElements:
                        throw new ArgumentException($"{e.Name} of {ValueFormat.Shape(args[0])}{(e.Name == "outer" ? " and " + ValueFormat.Shape(args[1]) : "")} would hold more than {MaxElements} numbers, the most a value may hold");
                    case "outer": return args[0].Reshape(args[0].Count, 1).Mul(args[1].Reshape(1, args[1].Count));
                    case "ones" or "zeros" when args.All(a => a.Count == 1 && a.Item() is var k && k >= 1 && k == Math.Floor(k) && k <= 1 << 20)
                                     && args.Aggregate(1.0, (p, a) => p * a.Item()) <= MaxElements:
                        return Tensor.Full([.. args.Select(a => (int)a.Item())], e.Name == "ones" ? 1.0 : 0.0, DType.Float64);
                    case "ones" or "zeros": throw new ArgumentException($"{e.Name}(n) or {e.Name}(rows, columns) takes whole numbers ≥ 1 (the sizes of the all-{e.Name} vector or matrix), each at most 1048576 and 16777216 elements in all");
                    case "Σ": return args[0].Count > 1 && !contracted.Contains(args[0]) ? args[0].Sum() : args[0];
                    case "diag": return args[0].Reshape(args[0].Count, 1).Mul(Tensor.Eye(args[0].Count, dtype: DType.Float64));
                    case "clip":
                        Kink(args[0], args[1]);
                        Kink(args[0], args[2]);
                        return args[0].Clamp(args[1].Item(), args[2].Item());
                    case "transpose": return args[0].Rank < 2 ? args[0] : args[0].Transpose(0, 1).Contiguous();
                    case "sign": Kink(args[0], Num(0)); return args[0].Sign();
                    case "relu" or "abs": Kink(args[0], Num(0)); break;
                    case "max" or "min" when args.Length == 2: Kink(args[0], args[1]); break;
                }
                return Apply(e.Op!, args);
            }
            default: throw new InvalidOperationException(e.Kind.ToString());
        }
    }

    /// <summary>The value of ∂of/∂wrt at this point (see the class summary).</summary>
    public Tensor Partial(string of, string wrt)
    {
        if (partials.TryGetValue((of, wrt), out var done)) return done;
        Tensor result;
        var node = program.Graph[of];
        if (of == evaluation.ObjectiveName && !DirectAmongOthers(node, program.Graph[wrt]))
            result = evaluation.Gradient(wrt);
        else if (of == wrt)
            result = Num(1);
        else
        {
            var x = program.Graph[wrt];
            // ∂(0.5 · q^2 + abs(d) − q)/∂q: where a part is on either side, the derivative of the one op by its own operand,
            // the other operands held, as step --all-nodes gives each part a row (−1 here; the q in q^2 is another row's).
            if (node.Kind == GraphNodeKind.Operation && !(node.IsNamed && x.IsNamed) && node.Operands.Contains(x))
                result = Local(node, x, operandsHeld: true);
            else if (node.Kind == GraphNodeKind.Operation && node.NamedInputs().Any(n => n.Name == wrt))
                result = Local(node, x, held: mentionedParts);
            else if (node.Shape.IsSurelyMultiElement)
                result = TotalJacobian(node, x) ?? throw new ArgumentException($"--expr: ∂{of}/∂{wrt}: {of} holds several numbers and does not use {wrt} directly, so the checker cannot give this derivative a value");
            else
                result = program.Evaluate(point, of).Gradient(wrt);
        }
        return partials[(of, wrt)] = result;
    }

    /// <summary>
    /// The total derivative d(of)/d(wrt) between vector nodes that are not adjacent (dL/do · do/ds), as a Jacobian with
    /// of's axes first: one backward pass of the recorded graph per element of of. Null where the graph does not lead
    /// from wrt to of, or of is too large to take element by element.
    /// </summary>
    private Tensor? TotalJacobian(GraphNode of, GraphNode wrt)
    {
        var (y, w) = (evaluation.Recorded[of.Index], evaluation.Recorded[wrt.Index]);
        if (!y.RequiresGrad || !w.RequiresGrad || !of.DependsOn(wrt) || y.Count > 4096 || (long)y.Count * w.Count > 1 << 22) return null;
        var rows = new double[y.Count * w.Count];
        var seed = new double[y.Count];
        var shape = y.Shape.ToArray();
        for (int i = 0; i < y.Count; i++)
        {
            seed[i] = 1;
            var row = Autograd.Grad([y], [w], [Tensor.FromArray(seed, shape).To(y.DType)], retainGraph: true, allowUnused: true)[0].ToDoubleArray();
            seed[i] = 0;
            row.CopyTo(rows, i * w.Count);
        }
        return Tensor.FromArray(rows, [.. shape, .. w.Shape.ToArray()]);
    }

    /// <summary>
    /// ∂of/∂wrt with <paramref name="held"/> fixed: the local partial of of's own expression. Every other name of
    /// the expression that depends on wrt must be held, or the partial would be a total one through it.
    /// </summary>
    private Tensor HeldPartial(string of, string wrt, IReadOnlyList<string> held)
    {
        var graph = program.Graph;
        var node = graph[of];
        var x = graph[wrt];
        var heldNodes = held.Select(h => graph[h]).ToHashSet();
        // The names and parts the expression reads, a held part hiding what is inside it (∂L/∂w|(tanh(w · x) · w)).
        var parts = new HashSet<GraphNode>();
        var names = node.NamedInputs(parts, heldNodes);
        string written = $"∂{of}/∂{wrt}|{string.Join(", ", held)}";
        if (node.Kind != GraphNodeKind.Operation || !names.Contains(x))
            throw new ArgumentException($"--expr: {written}: the expression of {of} does not use {wrt} directly{(heldNodes.Any(h => !h.IsNamed) ? " outside what is held" : "")}, so nothing is held fixed");
        if (heldNodes.FirstOrDefault(h => h == x || !(names.Contains(h) || parts.Contains(h))) is { } stray)
            throw new ArgumentException($"--expr: {written}: {stray.Name} is {(stray == x ? "the variable itself" : $"not a name the expression of {of} uses")}; the names it uses are {string.Join(", ", node.NamedInputs().Select(n => n.Name))}");
        // A name that reads wrt only through held names does not move with it (∂L/∂h1|h2 where h3 reads h1 through h2).
        var moves = new Dictionary<GraphNode, bool>();
        bool Moves(GraphNode n) => n == x || (!heldNodes.Contains(n) && (moves.TryGetValue(n, out var m) ? m : moves[n] = n.DependsOn(x) && n.Operands.Any(Moves)));
        if (names.FirstOrDefault(n => n != x && !heldNodes.Contains(n) && Moves(n)) is { } free)
            throw new ArgumentException($"--expr: {written}: {free.Name} depends on {wrt} and is not held fixed; hold it too (|{string.Join(", ", held.Append(free.Name!))}) or write the path through it");
        var heldParts = heldNodes.Where(h => !h.IsNamed).ToHashSet();
        var key = (of, "|" + wrt + "|" + string.Join(",", heldParts.Select(h => h.Name)));
        return partials.TryGetValue(key, out var done) ? done : partials[key] = Local(node, x, held: heldParts);
    }

    /// <summary>The Jacobian of node's own expression by <paramref name="x"/>, named inputs (with <paramref name="operandsHeld"/>, every operand; and the parts in <paramref name="held"/>) held.</summary>
    private Tensor Local(GraphNode node, GraphNode x, bool operandsHeld = false, IReadOnlySet<GraphNode>? held = null)
    {
        var leaves = new Dictionary<GraphNode, Tensor>();
        Tensor Build(GraphNode n, bool root)
        {
            // A named number (h0 = 0.2) differentiated by is a leaf like any named input.
            if (n.Kind == GraphNodeKind.Constant && n != x) return Num(n.ConstantValue!.Value);
            if ((!root && (n.IsNamed || operandsHeld || held?.Contains(n) == true)) || n.IsDeclaration)
            {
                if (!leaves.TryGetValue(n, out var leaf))
                    leaves[n] = leaf = evaluation.ValueOf(n).Detach().Clone().RequireGrad();
                return leaf;
            }
            return n.Op!.Apply(n.Operands.Select(o => Build(o, false)).ToArray());
        }
        using (Autograd.EnableGrad())
        {
            var output = Build(node, true);
            var leaf = leaves[x];
            var jacobian = new double[output.Count * leaf.Count];
            for (int i = 0; i < output.Count; i++)
            {
                // One backward pass per element of the output: row i of the Jacobian.
                var seed = new double[output.Count];
                seed[i] = 1;
                var g = Autograd.Grad([output], [leaf], [Tensor.FromArray(seed, seed.Length).Reshape(output.Shape.ToArray())], retainGraph: true, allowUnused: true)[0];
                g?.ToDoubleArray().CopyTo(jacobian, i * leaf.Count);
            }
            return Tensor.FromArray(jacobian, jacobian.Length).Reshape(output.Shape.ToArray().Concat(leaf.Shape.ToArray()).ToArray());
        }
    }

    /// <summary>
    /// Whether ∂objective/∂wrt can mean the local partial of one path among others: the objective
    /// uses wrt directly and also through another named node (y = f(x, h(x))).
    /// </summary>
    public static bool DirectAmongOthers(GraphNode objective, GraphNode wrt)
    {
        var inputs = objective.NamedInputs();
        return inputs.Contains(wrt) && inputs.Any(n => n != wrt && n.DependsOn(wrt));
    }
}

/// <summary>
/// A hand-derived expression whose operands do not fit each other's shapes: a wrong answer that
/// <see cref="DerivativeChecker"/> grades as incorrect with this message, not a malformed input.
/// </summary>
internal sealed class CheckShapeException(string message) : ArgumentException(message);
