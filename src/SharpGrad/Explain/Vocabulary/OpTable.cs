namespace SharpGrad.Explain;

/// <summary>
/// The one table of ops a <c>.grad</c> program can use: the infix operators, negation, the
/// identity of <c>a = b</c>, and the callable functions. Each row evaluates through the
/// library's tensor ops (whose backward rules live beside them in <c>Ops/</c>), so this table
/// adds no derivative rules of its own: a row's local derivative is <see cref="OpInfo.Derivative"/>,
/// the shared rule of <see cref="Derivatives"/> evaluated on symbols.
/// </summary>
public static partial class OpTable
{
    private static readonly OpInfo[] Rows = BuildRows();

    /// <summary>Every row, operators first, then functions in alphabetical order.</summary>
    public static IReadOnlyList<OpInfo> All => Rows;

    /// <summary>The names callable as functions, alphabetically (each once, even when several arities exist).</summary>
    public static IReadOnlyList<string> FunctionNames { get; } =
        Rows.Where(r => r.IsFunction).Select(r => r.Name).Concat(Spellings).Distinct().Order(StringComparer.Ordinal).ToArray();

    /// <summary>Unary minus.</summary>
    public static OpInfo Negate { get; } = Rows.Single(r => r.Name == "neg");

    /// <summary>The identity of an assignment whose right side is a bare name (<c>a = b</c>).</summary>
    public static OpInfo Identity { get; } = Rows.Single(r => r.Name == "identity");

    /// <summary>The row of an infix operator.</summary>
    public static OpInfo Binary(BinaryOperator op) => Rows.Single(r => r.BinaryOperator == op);

    /// <summary>True when <paramref name="name"/> is callable with some number of arguments.</summary>
    public static bool IsFunction(string name) => FunctionNames.Contains(name);

    /// <summary>The function called <paramref name="name"/> taking <paramref name="arity"/> arguments, if any.</summary>
    public static bool TryGetFunction(string name, int arity, out OpInfo op)
    {
        op = Rows.FirstOrDefault(r => r.IsFunction && r.Name == name && r.Arity == arity)!;
        return op is not null;
    }

    /// <summary>The arities with which <paramref name="name"/> can be called.</summary>
    public static IReadOnlyList<int> AritiesOf(string name) =>
        Rows.Where(r => r.IsFunction && r.Name == name).Select(r => r.Arity).Order().ToArray();

    private static OpInfo[] BuildRows()
    {
        var rows = new List<OpInfo>
        {
            Operator(BinaryOperator.Add, OpCode.Add, "add", 1, a => a[0].Add(a[1]), "addition", "$a + $b", "$a + $b"),
            Operator(BinaryOperator.Subtract, OpCode.Sub, "sub", 1, a => a[0].Sub(a[1]), "subtraction", "$a − $b", "$a - $b"),
            Operator(BinaryOperator.Multiply, OpCode.Mul, "mul", 2, a => a[0].Mul(a[1]), "elementwise product", "$a · $b", "$a \\cdot $b"),
            Operator(BinaryOperator.Divide, OpCode.Div, "div", 2, a => a[0].Div(a[1]), "elementwise quotient", "$a / $b", "\\frac{$a}{$b}"),
            Operator(BinaryOperator.Power, OpCode.Pow, "pow", 5, a => a[0].Pow(a[1]), "elementwise power", "$a^$b", "{$a}^{$b}"),
            new("matmul", 2, OpKind.MatMul, a => MatMul(a[0], a[1]), "matrix product (dot product of two vectors)",
                "$a @ $b", "$a\\,$b", isFunction: false, binaryOperator: BinaryOperator.MatMul, precedence: 3, code: OpCode.MatMul),
            new("neg", 1, OpKind.Elementwise, a => a[0].Neg(), "negation", "−$a", "-$a", isFunction: false, precedence: 4, code: OpCode.Neg),
            new("identity", 1, OpKind.Identity, a => a[0].Clone(), "identity", "$a", "$a", isFunction: false, code: OpCode.Clone),

            Unary("abs", OpCode.Abs, t => t.Abs(), "absolute value |x|", "\\left|$a\\right|"),
            Unary("cos", OpCode.Cos, t => t.Cos(), "cosine", "\\cos($a)"),
            Unary("erf", OpCode.Erf, t => t.Erf(), "error function", "\\operatorname{erf}($a)"),
            Unary("exp", OpCode.Exp, t => t.Exp(), "exponential", "\\exp($a)"),
            Unary("gelu", OpCode.Gelu, t => t.Gelu(), "Gaussian error linear unit x·Φ(x), Φ the standard normal CDF", "\\mathrm{GELU}($a)"),
            new("g", 1, OpKind.Elementwise, a => a[0].Tanh(),
                "abstract activation g (printed as g, derivative g′; evaluated numerically as tanh)",
                "g($a)", "g($a)", isAbstract: true),
            new("binary_cross_entropy", 2, OpKind.Structural, a => BinaryCrossEntropy(a[0], a[1]),
                "binary cross-entropy of probabilities p against targets y: −mean(y·log p + (1 − y)·log(1 − p)) over every element",
                "binary_cross_entropy($a, $b)", "\\operatorname{BCE}($a, $b)", shape: LossShape),
            new("cross_entropy", 2, OpKind.Structural, a => CrossEntropy(a[0], a[1]),
                "cross-entropy of logits z against a one-hot (or probability) target y: −Σ y·log_softmax(z), averaged over the rows of a batch",
                "cross_entropy($a, $b)", "\\operatorname{CE}($a, $b)", shape: CrossEntropyShape),
            new("flip", 1, OpKind.Structural, a => Flip(a[0]),
                "the vector or matrix turned half a turn (every axis reversed): a kernel as a convolution's input gradient meets it",
                "flip($a)", "\\operatorname{rot180}($a)", shape: FlipShape),
            new("floor", 1, OpKind.Elementwise, a => a[0].Floor(), "floor ⌊x⌋, the largest whole number not above x (gradient 0)",
                "floor($a)", "\\lfloor $a \\rfloor", code: OpCode.Floor),
            new("leaky_relu", 1, OpKind.Elementwise, a => a[0].LeakyRelu(LeakySlope), "leaky ReLU: x where x > 0, 0.01·x elsewhere (PyTorch's default slope)",
                "leaky_relu($a)", "\\mathrm{LeakyReLU}($a)", code: OpCode.LeakyRelu, attributes: new OpAttributes { Scalar = LeakySlope }),
            new("layer_norm", 1, OpKind.Structural, a => LayerNorm(a[0]),
                "layer normalisation along the last axis: (z − mean z)/√(var z + 10⁻⁵), the variance biased as in PyTorch, no scale or shift",
                "layer_norm($a)", "\\operatorname{LN}($a)", shape: SameShape),
            Unary("log", OpCode.Log, t => t.Log(), "natural logarithm", "\\log($a)"),
            new("max", 1, OpKind.Reduction, a => a[0].Max(), "largest element of a vector (ties share the gradient)",
                "max($a)", "\\max($a)", code: OpCode.Max),
            new("max", 2, OpKind.Elementwise, a => Tensor.Maximum(a[0], a[1]), "elementwise maximum (ties share the gradient)",
                "max($a, $b)", "\\max($a, $b)", code: OpCode.Maximum),
            new("mean", 1, OpKind.Reduction, a => a[0].Mean(), "mean of all elements",
                "mean($a)", "\\operatorname{mean}($a)"),
            new("mse_loss", 2, OpKind.Structural, a => MseLoss(a[0], a[1]), "mean squared error mean((a − b)^2) over every element",
                "mse_loss($a, $b)", "\\operatorname{MSE}($a, $b)", shape: LossShape),
            new("min", 1, OpKind.Reduction, a => a[0].Min(), "smallest element of a vector (ties share the gradient)",
                "min($a)", "\\min($a)", code: OpCode.Min),
            new("min", 2, OpKind.Elementwise, a => Tensor.Minimum(a[0], a[1]), "elementwise minimum (ties share the gradient)",
                "min($a, $b)", "\\min($a, $b)", code: OpCode.Minimum),
            new("log_softmax", 1, OpKind.Structural, a => a[0].LogSoftmax(-1), "log of the softmax along the last axis: z − log Σ e^z",
                "log_softmax($a)", "\\log\\operatorname{softmax}($a)", shape: SameShape),
            Unary("relu", OpCode.Relu, t => t.Relu(), "rectified linear unit max(x, 0) (derivative 0 at 0)", "\\mathrm{ReLU}($a)"),
            Unary("sigmoid", OpCode.Sigmoid, t => t.Sigmoid(), "logistic sigmoid σ(x) = 1/(1 + e^−x)", "\\sigma($a)"),
            new("softmax", 1, OpKind.Structural, a => a[0].Softmax(-1), "softmax along the last axis: e^z / Σ e^z",
                "softmax($a)", "\\operatorname{softmax}($a)", shape: SameShape),
            Unary("softplus", OpCode.Softplus, t => t.Softplus(), "softplus log(1 + e^x), whose derivative is σ(x)", "\\operatorname{softplus}($a)"),
            Unary("sin", OpCode.Sin, t => t.Sin(), "sine", "\\sin($a)"),
            Unary("sqrt", OpCode.Sqrt, t => t.Sqrt(), "square root", "\\sqrt{$a}"),
            new("sum", 1, OpKind.Reduction, a => a[0].Sum(), "sum of all elements", "sum($a)", "\\sum\\left($a\\right)", code: OpCode.Sum),
            Unary("tanh", OpCode.Tanh, t => t.Tanh(), "hyperbolic tangent", "\\tanh($a)"),
        };
        return [.. rows];
    }

    /// <summary>The negative slope of leaky_relu, PyTorch's default.</summary>
    private const double LeakySlope = 0.01;

    private static OpInfo Operator(BinaryOperator op, OpCode code, string name, int precedence, Func<Tensor[], Tensor> evaluate, string description,
        string text, string latex) =>
        new(name, 2, OpKind.Elementwise, evaluate, description, text, latex,
            isFunction: false, binaryOperator: op, precedence: precedence, code: code);

    private static OpInfo Unary(string name, OpCode code, Func<Tensor, Tensor> f, string description, string latex) =>
        new(name, 1, OpKind.Elementwise, a => f(a[0]), description, name + "($a)", latex, code: code);

    /// <summary>
    /// <c>@</c> with the library's MatMul rules (vector·vector is the dot product, a vector on the
    /// left is a row, on the right a column); a scalar operand is read as a vector of length 1,
    /// so <c>W1 @ x</c> works for a 2×1 matrix and a scalar x, as spec E9 writes it.
    /// </summary>
    private static Tensor MatMul(Tensor a, Tensor b) =>
        (a.Rank == 0 ? a.Reshape(1) : a).MatMul(b.Rank == 0 ? b.Reshape(1) : b);
}
