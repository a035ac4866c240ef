namespace SharpGrad.Explain;

/// <summary>
/// Evaluates a hand-derived expression (<see cref="CheckExpr"/>) at one evaluated point of the
/// program, with tensors and the library's ops (broadcasting as the program does). A name is the
/// node's value; ∂objective/∂n is autograd's gradient; a local partial ∂c/∂x between adjacent named
/// nodes is autograd's derivative of c's own expression with the other named inputs held fixed;
/// any other ∂c/∂x is autograd's total derivative of c. Records how close each kink (relu, abs,
/// max, min, an indicator) comes to switching, so the checker can reject points on kinks.
/// </summary>
internal sealed class CheckExprEvaluator
{
    private readonly GradProgram program;
    private readonly ProgramEvaluation evaluation;
    private readonly IReadOnlyDictionary<string, Tensor> point;
    private readonly Dictionary<(string, string), Tensor> partials = [];

    public CheckExprEvaluator(GradProgram program, ProgramEvaluation evaluation, IReadOnlyDictionary<string, Tensor> point)
    {
        this.program = program;
        this.evaluation = evaluation;
        this.point = point;
    }

    /// <summary>The smallest relative distance to a kink met while evaluating.</summary>
    public double KinkDistance { get; private set; } = double.PositiveInfinity;

    public ProgramEvaluation Evaluation => evaluation;

    public Tensor Evaluate(CheckExpr e)
    {
        using (Autograd.NoGrad()) return Eval(e);
    }

    private static Tensor Num(double v) => Tensor.Scalar(v, DType.Float64);

    private void Kink(Tensor a, Tensor b)
    {
        var x = a.ToDoubleArray();
        var y = b.ToDoubleArray();
        int n = Math.Max(x.Length, y.Length);
        for (int i = 0; i < n; i++)
        {
            double u = x[x.Length == 1 ? 0 : i % x.Length], v = y[y.Length == 1 ? 0 : i % y.Length];
            KinkDistance = Math.Min(KinkDistance, Math.Abs(u - v) / (1 + Math.Abs(u) + Math.Abs(v)));
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
            return EvalNode(e);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException && !ex.Message.StartsWith("--expr column", StringComparison.Ordinal))
        {
            var reason = ex.Message.StartsWith("--expr: ", StringComparison.Ordinal) ? ex.Message["--expr: ".Length..] : $"{e.Text}: {ex.Message}";
            throw new ArgumentException($"--expr column {e.Start + 1}: {reason}", ex);
        }
    }

    private Tensor EvalNode(CheckExpr e)
    {
        switch (e.Kind)
        {
            case CheckExpr.Kinds.Number: return Num(e.Value);
            case CheckExpr.Kinds.Name: return evaluation.Value(e.Name!);
            case CheckExpr.Kinds.Partial: return Partial(e.Name!, e.Wrt!);
            case CheckExpr.Kinds.Negate: return Eval(e.Args[0]).Neg();
            case CheckExpr.Kinds.Binary:
            {
                var a = Eval(e.Args[0]);
                var b = Eval(e.Args[1]);
                return e.Operator switch
                {
                    '+' => a.Add(b),
                    '-' => a.Sub(b),
                    '*' => a.Mul(b),
                    '/' => a.Div(b),
                    '^' => a.Pow(b),
                    '@' => OpTable.Binary(BinaryOperator.MatMul).Apply(a, b),
                    _ => a.Reshape(a.Count, 1).Mul(b.Reshape(1, b.Count)),
                };
            }
            case CheckExpr.Kinds.Indicator:
            {
                var a = Eval(e.Args[0]);
                var b = Eval(e.Args[1]);
                Kink(a, b);
                return (e.Relation switch { ">" => a.Gt(b), "<" => a.Lt(b), _ => a.Eq(b) }).To(DType.Float64);
            }
            case CheckExpr.Kinds.Prime:
            {
                var z = Eval(e.Args[0]);
                switch (e.Name)
                {
                    case "relu": Kink(z, Num(0)); return z.Gt(Num(0)).To(DType.Float64);
                    case "abs": Kink(z, Num(0)); return z.Sign();
                    case "sigmoid": { var s = z.Sigmoid(); return s.Mul(Num(1).Sub(s)); }
                    case "sin": return z.Cos();
                    case "cos": return z.Sin().Neg();
                    case "exp": return z.Exp();
                    case "log": return Num(1).Div(z);
                    case "sqrt": return Num(0.5).Div(z.Sqrt());
                    default: { var t = z.Tanh(); return Num(1).Sub(t.Mul(t)); }   // tanh′, and g′ as g evaluates (tanh)
                }
            }
            case CheckExpr.Kinds.Call:
            {
                var args = e.Args.Select(Eval).ToArray();
                switch (e.Name)
                {
                    case "outer": return args[0].Reshape(args[0].Count, 1).Mul(args[1].Reshape(1, args[1].Count));
                    case "transpose": return args[0].Rank < 2 ? args[0] : args[0].Transpose(0, 1).Contiguous();
                    case "sign": Kink(args[0], Num(0)); return args[0].Sign();
                    case "relu" or "abs": Kink(args[0], Num(0)); break;
                    case "max" or "min" when args.Length == 2: Kink(args[0], args[1]); break;
                }
                return e.Op!.Apply(args);
            }
            default: throw new InvalidOperationException(e.Kind.ToString());
        }
    }

    /// <summary>The value of ∂of/∂wrt at this point (see the class summary).</summary>
    public Tensor Partial(string of, string wrt)
    {
        if (partials.TryGetValue((of, wrt), out var done)) return done;
        Tensor result;
        if (of == evaluation.ObjectiveName)
            result = evaluation.Gradient(wrt);
        else if (of == wrt)
            result = Num(1);
        else
        {
            var node = program.Graph[of];
            if (node.Kind == GraphNodeKind.Operation && NamedInputs(node).Any(n => n.Name == wrt))
                result = Local(node, wrt);
            else if (node.Shape.IsSurelyMultiElement)
                throw new ArgumentException($"--expr: ∂{of}/∂{wrt}: {of} holds several numbers and does not use {wrt} directly, so the checker cannot give this derivative a value");
            else
                result = program.Evaluate(point, of).Gradient(wrt);
        }
        return partials[(of, wrt)] = result;
    }

    private Tensor Local(GraphNode node, string wrt)
    {
        var leaves = new Dictionary<GraphNode, Tensor>();
        Tensor Build(GraphNode n, bool root)
        {
            if ((n.IsNamed && !root) || n.IsDeclaration)
            {
                if (!leaves.TryGetValue(n, out var leaf))
                    leaves[n] = leaf = evaluation.ValueOf(n).Detach().Clone().RequireGrad();
                return leaf;
            }
            if (n.Kind == GraphNodeKind.Constant) return Num(n.ConstantValue!.Value);
            return n.Op!.Apply(n.Operands.Select(o => Build(o, false)).ToArray());
        }
        using (Autograd.EnableGrad())
        {
            var output = Build(node, true);
            if (output.Count > 1) output = output.Sum();
            var x = leaves.First(kv => kv.Key.Name == wrt).Value;
            var g = Autograd.Grad([output], [x], allowUnused: true)[0];
            return (g ?? Tensor.Zeros(x.Shape.ToArray(), DType.Float64)).Detach();
        }
    }

    /// <summary>The named nodes a node's expression uses directly (unnamed parts looked through).</summary>
    public static IReadOnlyList<GraphNode> NamedInputs(GraphNode node)
    {
        var seen = new HashSet<GraphNode>();
        var result = new List<GraphNode>();
        void Visit(GraphNode n)
        {
            foreach (var o in n.Operands)
            {
                if (!seen.Add(o)) continue;
                if (o.IsNamed) result.Add(o);
                else Visit(o);
            }
        }
        Visit(node);
        return result;
    }
}
