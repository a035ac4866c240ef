using System.Numerics;

namespace SharpGrad.Explain;

/// <summary>
/// The chain rule for ∂objective/∂wrt written out between the program's NAMED nodes (unnamed parts
/// of expressions are contracted into the local partial of the named node that contains them):
/// the sum over every path (<see cref="Paths"/>), the factored form backpropagation computes
/// (<see cref="Factored"/>), and the closed form with every local partial replaced by its formula
/// (<see cref="Closed"/>). Path counts come from dynamic programming with big integers, so graphs
/// with astronomically many paths are counted and factored without enumerating them.
/// </summary>
public sealed class ChainDerivation
{
    /// <summary>Above this many partial symbols the factored form is written as a recurrence (one line per node).</summary>
    public const int InlineLimit = 400;

    private readonly GradProgram program;
    private readonly Dictionary<string, List<string>> consumers = new(StringComparer.Ordinal);
    private readonly HashSet<string> relevant = new(StringComparer.Ordinal);
    private readonly List<string> order = [];
    private readonly Dictionary<string, BigInteger> pathCount = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<int, BigInteger>> lengths = new(StringComparer.Ordinal);

    private ChainDerivation(GradProgram program, GraphNode objective, GraphNode wrt)
    {
        this.program = program;
        Objective = objective.Name!;
        Wrt = wrt.Name!;
        IsComponent = !wrt.Shape.IsScalar && !wrt.Shape.IsSingleElement;
        var graph = program.Graph;
        var ancestors = graph.AncestorsAndSelf(objective);
        foreach (var node in graph.NamedNodes)
        {
            if (!ancestors.Contains(node) || node.Kind != GraphNodeKind.Operation) continue;
            foreach (var input in node.NamedInputs())
            {
                if (!consumers.TryGetValue(input.Name!, out var list)) consumers[input.Name!] = list = [];
                list.Add(node.Name!);
            }
        }
        // The named nodes between wrt and the objective, in program (topological) order.
        var stack = new Stack<string>([Wrt]);
        relevant.Add(Wrt);
        while (stack.Count > 0)
            foreach (var c in consumers.GetValueOrDefault(stack.Pop()) ?? [])
                if (relevant.Add(c)) stack.Push(c);
        var reaches = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.NamedNodes.Reverse())
        {
            var n = node.Name!;
            if (!relevant.Contains(n)) continue;
            if (n == Objective || (consumers.GetValueOrDefault(n) ?? []).Any(reaches.Contains)) reaches.Add(n);
        }
        relevant.IntersectWith(reaches);
        order.AddRange(graph.NamedNodes.Select(n => n.Name!).Where(relevant.Contains));
        foreach (var n in Enumerable.Reverse(order))
        {
            if (n == Objective) { pathCount[n] = 1; lengths[n] = new() { [0] = 1 }; continue; }
            BigInteger count = 0;
            var byLength = new Dictionary<int, BigInteger>();
            foreach (var c in Consumers(n))
            {
                count += pathCount[c];
                foreach (var (len, k) in lengths[c])
                    byLength[len + 1] = byLength.GetValueOrDefault(len + 1) + k;
            }
            pathCount[n] = count;
            lengths[n] = byLength;
        }
    }

    /// <summary>Sets up the derivation of ∂objective/∂wrt (objective: the program's default unless named).</summary>
    public static ChainDerivation Create(GradProgram program, string wrt, string? objective = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        var graph = program.Graph;
        var of = objective ?? program.DefaultObjective.Name;
        return new ChainDerivation(program, graph.Named("--of", of), graph.Named("--wrt", wrt));
    }

    /// <summary>The program derived.</summary>
    internal GradProgram Program => program;

    /// <summary>The node differentiated.</summary>
    public string Objective { get; }

    /// <summary>The node differentiated with respect to.</summary>
    public string Wrt { get; }

    /// <summary>True when wrt is a vector or matrix, so the last factor is with respect to one component ((v)_d).</summary>
    public bool IsComponent { get; }

    /// <summary>True when wrt or a node between it and the objective is a vector or matrix (and g is not abstract): the closed form is then written in matrix notation.</summary>
    public bool IsMatrix => (order.Any(n => program.Graph[n].Shape is { IsScalar: false, IsSingleElement: false }) || ThroughVectors())
        // The engine evaluates the abstract g as tanh: its matrix form would print tanh′ for g′.
        && !program.Graph.Nodes.Any(n => n.Op is { IsAbstract: true });

    /// <summary>True when some node, named or not, between wrt and the objective is a vector or matrix (a scalar wrt inside Σ|w|^p).</summary>
    private bool ThroughVectors()
    {
        var graph = program.Graph;
        var ancestors = graph.AncestorsAndSelf(graph[Objective]);
        var depends = new HashSet<GraphNode> { graph[Wrt] };
        foreach (var n in graph.Nodes)
            if (n.Operands.Any(depends.Contains)) depends.Add(n);
        return depends.Any(n => ancestors.Contains(n) && n.Shape is { IsScalar: false, IsSingleElement: false });
    }

    /// <summary>
    /// ∂objective/∂wrt in matrix notation, in the layout where the gradient has wrt's shape (see
    /// <see cref="MatrixDerivation"/>), derived from the engine graph of an evaluation; null when
    /// the path goes through an op without a matrix formula or the program cannot be evaluated.
    /// </summary>
    public Sym? MatrixForm()
    {
        if (!FitsInline) return null;
        try
        {
            var evaluation = MatrixDerivation.Evaluate(program, Objective);
            var form = MatrixDerivation.Gradient(evaluation, Wrt);
            // A form that does not give autograd's numbers (a shape lost on the way through a 3-D reduction) is not
            // printed: the component form is right where it is less compact.
            var value = form.EvaluateTensor(s => s.Kind == SymKind.Variable && evaluation.Graph.TryGetNode(s.Name!, out var node)
                ? evaluation.ValueOf(node) : Tensor.Scalar(evaluation.Sizes[s.Name!], DType.Float64)).ToDoubleArray();
            var expected = evaluation.Gradient(Wrt).ToDoubleArray();
            if (!Agree(value, expected)) return null;
            // Nor is one whose text reads otherwise: a vector standing as a column (rm ⊙ s for a row mean's share) prints
            // as the vector, which broadcasts as a row where check, like the program, reads it.
            // (A size left symbolic, the n of Xᵀ(p − y)/n, is read only once values give it: such a form is kept.)
            var point = program.Declarations.ToDictionary(d => d.Name, d => evaluation.Value(d.Name), StringComparer.Ordinal);
            double[] printed;
            try
            {
                printed = new CheckExprEvaluator(program, evaluation, point).Evaluate(CheckExprParser.Parse(form.ToString(), program.Graph)).ToDoubleArray();
            }
            catch (CheckShapeException)
            {
                return null;
            }
            catch (ArgumentException)
            {
                return form;
            }
            return Agree(printed, expected) ? form : null;

            static bool Agree(double[] a, double[] b) => a.Length == b.Length && a.Zip(b).All(p => DerivativeChecker.Agrees(p.First, p.Second));
        }
        catch (Exception e) when (e is NotSupportedException or GradProgramException or ArgumentException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The number of paths from the objective down to wrt through named nodes.</summary>
    public BigInteger PathCount => pathCount.GetValueOrDefault(Wrt);

    /// <summary>How many paths have each number of factors.</summary>
    public IReadOnlyDictionary<int, BigInteger> PathsByFactorCount => lengths.GetValueOrDefault(Wrt) ?? new();

    /// <summary>The named nodes on some path, in program order (wrt first, the objective last).</summary>
    public IReadOnlyList<string> NodesOnPaths => order;

    /// <summary>The named nodes that use <paramref name="name"/> directly and lie on a path to the objective.</summary>
    public IReadOnlyList<string> Consumers(string name) =>
        (consumers.GetValueOrDefault(name) ?? []).Where(relevant.Contains).ToArray();

    /// <summary>
    /// The left-hand side ∂objective/∂wrt (∂E/∂(v)_d for a vector wrt); written as the total
    /// derivative dE/dw when the objective also uses wrt directly and that direct partial has no
    /// formula, so the two never share a symbol.
    /// </summary>
    public Sym Left => Consumers(Wrt).Contains(Objective) && Direct() is null ? Sym.Total(Objective, Wrt, IsComponent) : Sym.Partial(Objective, Wrt, IsComponent);

    /// <summary>The formula of the direct partial ∂objective/∂wrt (holding the other named nodes fixed), or null.</summary>
    public Sym? Direct() => LocalFormula(Objective, Wrt);

    /// <summary>
    /// One term of the chain rule through the edge c → x: upstream (∂E/∂c written out; null when c
    /// is the objective) times ∂c/∂x. Where c is a vector and x a single number, the chain rule sums
    /// over c's components: Σ_i ∂E/∂(c)_i · ∂(c)_i/∂x. A direct partial ∂E/∂wrt is written as its
    /// formula where it has one, since its symbol would be the left-hand side's.
    /// </summary>
    private Sym Term(Sym? upstream, string c, string x, bool partialsOnly = false)
    {
        if (upstream is null) return x == Wrt && !partialsOnly && Direct() is { } direct ? direct : LocalPartial(c, x);
        var graph = program.Graph;
        if (!graph[c].Shape.IsSurelyMultiElement || graph[x].Shape.IsSurelyMultiElement) return Sym.Mul(upstream, LocalPartial(c, x));
        // The index must not be a name of the program: in an LSTM cell the input gate is i, and Σ_i … i … would read it as the index.
        string i = new[] { "i", "j", "k", "l", "m", "q", "r", "s" }.FirstOrDefault(k => !upstream.Key.Contains($"SumOver[{k}", StringComparison.Ordinal)
            && !graph.TryGetNode(k, out _)) ?? "i";
        var indexed = upstream.Substitute(s => s.Kind == SymKind.Partial && s.Wrt == c && s.Index is null ? Sym.Partial(s.Name!, s.OfIndex, c, i) : null);
        return Sym.IndexSum(i, Sym.Mul(indexed, Sym.Partial(c, i, x, x == Wrt && IsComponent ? "d" : null)));
    }

    /// <summary>The local partial ∂of/∂x as a symbol.</summary>
    public Sym LocalPartial(string of, string x) => Sym.Partial(of, x, x == Wrt && IsComponent);

    /// <summary>The sum over every path of the product of local partials; refuses beyond <paramref name="limit"/> paths.</summary>
    /// <remarks>With <paramref name="partialsOnly"/> the direct edge is its partial too, not its formula, as a path
    /// inside a longer derivative reads it.</remarks>
    /// <exception cref="ArgumentException">There are more than <paramref name="limit"/> paths.</exception>
    public Sym Paths(int limit = 10_000, bool partialsOnly = false)
    {
        if (PathCount > limit)
            throw new ArgumentException($"∂{Objective}/∂{Wrt} has {PathCount} paths, more than the limit of {limit} for --form paths; use --form factored, which writes it as backpropagation computes it.");
        if (Wrt == Objective) return Sym.One;
        var terms = new List<Sym>();
        var path = new List<string> { Wrt };
        void Walk(string n)
        {
            if (n == Objective)
            {
                Sym? product = null;
                for (int i = path.Count - 1; i > 0; i--) product = Term(product, path[i], path[i - 1], partialsOnly);
                terms.Add(product!);
                return;
            }
            foreach (var c in Consumers(n))
            {
                path.Add(c);
                Walk(c);
                path.RemoveAt(path.Count - 1);
            }
        }
        Walk(Wrt);
        return Sym.Add(terms);
    }

    /// <summary>
    /// The factored form: ∂E/∂x = Σ over the consumers c of x of (∂E/∂c written out) · ∂c/∂x, which
    /// pulls common factors out as backpropagation computes them; null when it would have more
    /// than <see cref="InlineLimit"/> symbols (then use <see cref="Recurrence"/>).
    /// </summary>
    public Sym? Factored()
    {
        if (Wrt == Objective) return Sym.One;
        if (!FitsInline) return null;
        var memo = new Dictionary<string, Sym>(StringComparer.Ordinal);
        Sym F(string x)
        {
            if (memo.TryGetValue(x, out var done)) return done;
            var terms = Consumers(x).Select(c => Term(c == Objective ? null : F(c), c, x));
            return memo[x] = Sym.Add(terms);
        }
        return F(Wrt);
    }

    /// <summary>
    /// Whether the factored form has at most <see cref="InlineLimit"/> symbols. Beyond, every form
    /// written out as one expression (factored, closed, matrix) grows with the number of paths, which
    /// can be exponential in the depth of the graph.
    /// </summary>
    public bool FitsInline
    {
        get
        {
            var size = new Dictionary<string, BigInteger>(StringComparer.Ordinal);
            foreach (var n in Enumerable.Reverse(order))
                size[n] = n == Objective ? 0 : Consumers(n).Aggregate(BigInteger.Zero, (s, c) => s + (c == Objective ? 1 : size[c] + 1));
            return size.GetValueOrDefault(Wrt) <= InlineLimit;
        }
    }

    /// <summary>
    /// Backpropagation's recurrence, one line per named node on a path from the objective down to
    /// wrt: dE/dx = Σ_c dE/dc · ∂c/∂x, the whole gradients (d) of the lines above times local partials (∂).
    /// Linear in the number of edges, whatever the number of paths.
    /// </summary>
    public IReadOnlyList<(Sym Left, Sym Right)> Recurrence() =>
        order.Where(n => n != Objective).Reverse()
            .Select(n => (n == Wrt ? Left : Sym.Total(Objective, n, component: false),
                Sym.Add(Consumers(n).Select(c => Term(c == Objective ? null : Sym.Total(Objective, c, component: false), c, n)))))
            .ToArray();

    /// <summary>
    /// <paramref name="form"/> with every local partial ∂c/∂x replaced by its formula (the symbolic
    /// derivative of c's expression, other named nodes kept as names), simplified. A partial through
    /// an op without a scalar formula (the matrix product, a vector wrt) stays a symbol.
    /// </summary>
    public Sym Closed(Sym form)
    {
        ArgumentNullException.ThrowIfNull(form);
        // A Jacobian between two vectors that has no formula (∂P/∂H of a pooling) stays a chain of
        // Jacobian products, which its neighbours must join as Jacobians too: the closed form is the factored one.
        var graph = program.Graph;
        bool open = false;
        form.Substitute(s =>
        {
            // (∂P/∂(H)_d too: with no formula for it, its neighbour ∂L/∂P cannot be read at component d of H.)
            if (s is { Kind: SymKind.Partial, IsTotal: false, OfIndex: null } && Varies(s.Name!) && Varies(s.Wrt!) && LocalFormula(s.Name!, s.Wrt!) is null
                && HasStructure(program.Graph[s.Name!])) open = true;
            return null;
        });
        if (open) return form;
        // A whole gradient dE/dc (a recurrence's line above) is not a local partial: it stays as written.
        // A component formula reads its vectors at d; inside Σ_i the partial ∂L/∂(c)_i is read at i.
        static Sym? At(Sym? formula, string? index) => formula is null || index is null or "d" ? formula
            : formula.Substitute(v => v is { Kind: SymKind.Variable, Index: "d" } ? Sym.ComponentOf(v.Name!, index) : null);
        var closed = form.Substitute(s => s is { Kind: SymKind.Partial, IsTotal: false } ? At(LocalFormula(s.Name!, s.Wrt!), s.Index) : null);
        // A local derivative written through its node's name (σ(z)·(1 − σ(z)) as p·(1 − p)) can let the rest cancel:
        // −(y/p − (1 − y)/(1 − p))·p·(1 − p) is p − y. That form is taken when it is at most half as long; a mere
        // renaming (e7's σ(x1)·(1 − σ(x1)), i1·(1 − i1)) keeps the derivative written out.
        var definitions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var n in order)
            if (graph[n] is { Kind: GraphNodeKind.Operation, IsNamed: true } node && n != Wrt) definitions.TryAdd(ToSym(node, root: true).Key, n);
        if (definitions.Count == 0) return closed;
        var named = closed.Rewrite(s => s.Kind == SymKind.Call && definitions.TryGetValue(s.Key, out var name) ? Sym.Var(name) : null).Simplified();
        return named.ToString().Length * 2 <= closed.ToString().Length ? named : closed;
    }

    /// <summary>Whether the node's expression, down to the names it reads, holds an op that is not elementwise (A @ X[:, 0:1] + …).</summary>
    private static bool HasStructure(GraphNode node) => node.Op is { Kind: not OpKind.Elementwise }
        || node.Operands.Any(o => o is { IsNamed: false, IsDeclaration: false, Kind: GraphNodeKind.Operation } && HasStructure(o));

    /// <summary>The formula of the local partial ∂of/∂x, or null when there is no scalar one.</summary>
    public Sym? LocalFormula(string of, string x)
    {
        if (!localFormulas.TryGetValue((of, x), out var formula)) localFormulas[(of, x)] = formula = FindLocalFormula(of, x);
        return formula;
    }

    private readonly Dictionary<(string Of, string X), Sym?> localFormulas = [];

    private Sym? FindLocalFormula(string of, string x)
    {
        var graph = program.Graph;
        if (!graph.TryGetNode(of, out var node) || node.Kind != GraphNodeKind.Operation) return null;
        var shape = graph[x].Shape;
        bool component = !shape.IsScalar && !shape.IsSingleElement;
        // One component of the objective's gradient with respect to a vector: outside reductions
        // (whose argument is the whole vector) every vector of x's shape is read at component d. Below the objective
        // that holds for an elementwise node of x's own shape (c = g(z)): its Jacobian is diagonal, ∂(c)_d/∂(z)_d.
        if (component && of != Objective && !(node.Op is { Kind: OpKind.Elementwise } && node.Shape.Equals(shape))) return null;
        try
        {
            return WithMeanCount(node, component ? Component(node, x, shape) : ScalarDerivative(OneByOneProducts(ToSym(node, root: true)), x));
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The derivative of <paramref name="node"/> with respect to x, read at component d of x's shape; null where another vector's component would be needed.</summary>
    private Sym? Component(GraphNode node, string x, SymbolicShape shape)
    {
        var graph = program.Graph;
        var expression = ToSym(node, root: true);
        // x both read element by element and reduced within one expression (z − sum(z), z ⊙ max(z)): component d's
        // derivative has a term from every component through the reduction, which a formula per component written
        // here would lose. The chain keeps the local partial as a symbol, and the closed form has the matrix formula.
        if (MixesReducedAndElementwise(expression, x)) return null;
        var d = ComponentDerivative(expression, x);
        bool other = false;
        var result = d.Substitute(s =>
        {
            if (s.Kind != SymKind.Variable || !graph.TryGetNode(s.Name!, out var v) || v.Shape.IsScalar || v.Shape.IsSingleElement) return null;
            if (!v.Shape.Equals(shape)) other = true;
            return Sym.ComponentOf(s.Name!, "d");
        }, descend: s => s.Op is not { Kind: OpKind.Reduction });
        return other ? null : result;
    }

    /// <summary>
    /// ∂e/∂(x)_d term by term. A reduction of x broadcast into a larger tensor with the same derivative at every
    /// element (sum(X + b)) collects one per element that component d reaches, a count that the component-wise
    /// derivative of the reduction drops; every other part is differentiated component-wise.
    /// </summary>
    private Sym ComponentDerivative(Sym e, string x)
    {
        if (!e.Variables().Contains(x)) return Sym.Zero;
        if (e.Kind == SymKind.Sum) return Sym.Add(e.Args.Select(t => ComponentDerivative(t, x)));
        if (e.Kind == SymKind.Product && e.Args.Count(f => f.Variables().Contains(x)) == 1)
            return Sym.Mul(e.Args.Select(f => f.Variables().Contains(x) ? ComponentDerivative(f, x) : f));
        if (e.Kind == SymKind.Call && e.Op is { Kind: OpKind.Reduction, Name: "sum" or "mean" })
        {
            try
            {
                var counted = ScalarDerivative(e, x);
                if (!counted.Variables().Any(Varies))
                    return counted;
            }
            catch (NotSupportedException)
            {
            }
        }
        return e.Differentiate(x);
    }

    /// <summary>
    /// A mean's derivative writes its count as <see cref="OpInfo.MeanCount"/>; where every mean of the node's own
    /// expression averages as many elements, that is the count (4, or N·D where the sizes are symbols), otherwise n.
    /// </summary>
    private static Sym? WithMeanCount(GraphNode node, Sym? formula)
    {
        if (formula is null || !formula.Variables().Contains(OpInfo.MeanCount)) return formula;
        Sym? count = null;
        var stack = new Stack<GraphNode>([node]);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (n.Kind != GraphNodeKind.Operation || (n.IsNamed && n != node)) continue;
            if (n.Op!.Name == "mean" && n.Operands.Count == 1)
            {
                // A mean along an axis averages that axis alone: the count is the input's size over the output's.
                static Sym Size(IEnumerable<Dim> dims) => Sym.Mul(dims.Select(d => d.IsKnown ? Sym.Num(d.Size) : Sym.Var(d.Symbol!)));
                var c = Sym.Div(Size(n.Operands[0].Shape.Dims), Size(n.Shape.Dims)).Simplified();
                if (count is not null && count.Key != c.Key) return Counted(Sym.Var("n"));
                count = c;
            }
            foreach (var o in n.Operands) stack.Push(o);
        }
        return Counted(count ?? Sym.Var("n"));

        Sym Counted(Sym n) => formula.Substitute(s => s is { Kind: SymKind.Variable, Name: OpInfo.MeanCount } ? n : null).Simplified();
    }

    /// <summary>
    /// ∂e/∂x for a single-number x, or for component d of a vector x. A reduction over a vector that depends
    /// on x keeps its Σ: the derivative of Σ_i f(w_i, p) with respect to p is Σ_i ∂f/∂p, not one component's ∂f/∂p.
    /// </summary>
    private Sym ScalarDerivative(Sym e, string x)
    {
        if (!ReducesOver(e, x)) return e.Differentiate(x);
        switch (e.Kind)
        {
            case SymKind.Sum: return Sym.Add(e.Args.Select(a => ScalarDerivative(a, x)));
            case SymKind.Product:
                return Sym.Add(e.Args.Select((f, i) => Sym.Mul(e.Args.Select((a, j) => j == i ? ScalarDerivative(a, x) : a))));
            case SymKind.Power:
            {
                var pow = OpTable.Binary(BinaryOperator.Power);
                var (b, p) = (e.Args[0], e.Args[1]);
                return Sym.Add(Sym.Mul(pow.Derivative([b, p], 0), ScalarDerivative(b, x)), Sym.Mul(pow.Derivative([b, p], 1), ScalarDerivative(p, x)));
            }
            case SymKind.Call when e.Op is { Kind: OpKind.Reduction, Name: "sum" or "mean" } op:
            {
                var inner = ScalarDerivative(e.Args[0], x);
                // The same number at every element (x broadcast into a vector, ∂/∂s of sum(s + x)): a sum collects
                // one per element that x (or its component d) reaches, n of them, n/k for a vector x of k elements.
                if (inner.Variables().Any(Varies))
                    return Sym.Call(op, inner);
                var reached = Sym.Div(op.Name == "sum" ? ElementCount(e.Args[0]) : Sym.One, ElementCount(Sym.Var(x)));
                return Sym.Mul(reached, inner);
            }
            case SymKind.Call when e.Op is { Kind: OpKind.Elementwise, HasDerivative: true } op:
                return Sym.Add(e.Args.Select((a, i) => Sym.Mul(op.Derivative(e.Args, i), ScalarDerivative(a, x))));
            default: throw new NotSupportedException($"{e} has no scalar formula through its reduction.");
        }
    }

    /// <summary>A matrix product of single elements ([[3]] @ [[2]]) is their product, which has a scalar derivative.</summary>
    private Sym OneByOneProducts(Sym e) => e.Rewrite(s =>
        (s.Kind == SymKind.MatMul || s is { Kind: SymKind.Call, Op.Name: "matmul" }) && s.Variables().All(v => program.Graph.TryGetNode(v, out var n) && (n.Shape.IsScalar || n.Shape.IsSingleElement))
            ? Sym.Mul(OneByOneProducts(s.Args[0]).WithShape(null), OneByOneProducts(s.Args[1]).WithShape(null))
            : null);

    /// <summary>Whether the name can hold more than one element (a name the program does not define is taken to).</summary>
    private bool Varies(string name) => !program.Graph.TryGetNode(name, out var n) || !n.Shape.IsSingleElement;

    /// <summary>How many elements <paramref name="e"/> has: the names it reads, broadcast against each other (4, or N·D).</summary>
    private Sym ElementCount(Sym e)
    {
        var shapes = e.Variables().Select(v => program.Graph.TryGetNode(v, out var n) ? n.Shape.Dims : []).ToList();
        int rank = shapes.Count == 0 ? 0 : shapes.Max(s => s.Count);
        var sizes = new List<Sym>();
        for (int fromEnd = 1; fromEnd <= rank; fromEnd++)
        {
            var at = shapes.Where(s => s.Count >= fromEnd).Select(s => s[^fromEnd]).Where(d => !(d.IsKnown && d.Size == 1)).ToList();
            if (at.Count > 0) sizes.Add(at.FirstOrDefault(d => d.IsKnown) is { IsKnown: true } known && at.All(d => d.IsKnown) ? Sym.Num(known.Size) : Sym.Var(at.First(d => !d.IsKnown).Symbol!));
        }
        return Sym.Mul(sizes);
    }

    /// <summary>Whether some part of <paramref name="e"/> joins x outside any reduction with a reduction over x.</summary>
    private static bool MixesReducedAndElementwise(Sym e, string x)
    {
        bool Reduced(Sym s) => s.Kind == SymKind.Call && s.Op is { Kind: OpKind.Reduction } ? s.Variables().Contains(x) : s.Args.Any(Reduced);
        bool Elementwise(Sym s) => s is { Kind: SymKind.Variable } v ? v.Name == x : !(s.Kind == SymKind.Call && s.Op is { Kind: OpKind.Reduction }) && s.Args.Any(Elementwise);
        if (e.Kind == SymKind.Call && e.Op is { Kind: OpKind.Reduction }) return e.Args.Any(a => MixesReducedAndElementwise(a, x));
        return (Reduced(e) && Elementwise(e)) || e.Args.Any(a => MixesReducedAndElementwise(a, x));
    }

    private static bool ReducesOver(Sym e, string x) =>
        (e.Kind == SymKind.Call && e.Op is { Kind: OpKind.Reduction } && e.Args.Any(a => a.Variables().Contains(x)))
        || e.Args.Any(a => ReducesOver(a, x));

    /// <summary>A node's expression as a symbolic expression, named operands as variables.</summary>
    public static Sym ToSym(GraphNode node, bool root = false)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.IsNamed && !root || node.IsDeclaration) return Sym.Var(node.Name!);
        if (node.Kind == GraphNodeKind.Constant) return Sym.Num(node.ConstantValue!.Value);
        // A node's expression is asked for once per partial through it: L = a0 + … + a999 would be rebuilt 1000 times.
        return Expressions.GetValue(node, n => Sym.Call(n.Op!, n.Operands.Select(o => ToSym(o)).ToArray()));
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<GraphNode, Sym> Expressions = [];
}
