namespace SharpGrad.Explain;

/// <summary>
/// The one table of ops a <c>.grad</c> program can use: the infix operators, negation, the
/// identity of <c>a = b</c>, and the callable functions. Each row evaluates through the
/// library's tensor ops (whose backward rules live beside them in <c>Ops/</c>), so this table
/// adds no derivative rules of its own; the derivative templates only say how to print the
/// local factor that autograd computes. Later phases (symbolic derivation) extend these rows
/// rather than keeping a second list.
/// </summary>
public static class OpTable
{
    private static readonly OpInfo[] Rows = BuildRows();

    /// <summary>Every row, operators first, then functions in alphabetical order.</summary>
    public static IReadOnlyList<OpInfo> All => Rows;

    /// <summary>The names callable as functions, alphabetically (each once, even when several arities exist).</summary>
    public static IReadOnlyList<string> FunctionNames { get; } =
        Rows.Where(r => r.IsFunction).Select(r => r.Name).Distinct().Order(StringComparer.Ordinal).ToArray();

    /// <summary>Unary minus.</summary>
    public static OpInfo Negate { get; } = Rows.Single(r => r.Name == "neg");

    /// <summary>The identity of an assignment whose right side is a bare name (<c>a = b</c>).</summary>
    public static OpInfo Identity { get; } = Rows.Single(r => r.Name == "identity");

    /// <summary>The row of an infix operator.</summary>
    public static OpInfo Binary(BinaryOperator op) => Rows.Single(r => r.BinaryOperator == op);

    /// <summary>True when <paramref name="name"/> is callable with some number of arguments.</summary>
    public static bool IsFunction(string name) => Rows.Any(r => r.IsFunction && r.Name == name);

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
            Operator(BinaryOperator.Add, OpCode.Add, "add", 1, a => a[0].Add(a[1]), "addition", "$a + $b", "$a + $b", ["1", "1"], ["1", "1"]),
            Operator(BinaryOperator.Subtract, OpCode.Sub, "sub", 1, a => a[0].Sub(a[1]), "subtraction", "$a − $b", "$a - $b", ["1", "−1"], ["1", "-1"]),
            Operator(BinaryOperator.Multiply, OpCode.Mul, "mul", 2, a => a[0].Mul(a[1]), "elementwise product", "$a · $b", "$a \\cdot $b", ["$b", "$a"], ["$b", "$a"]),
            Operator(BinaryOperator.Divide, OpCode.Div, "div", 2, a => a[0].Div(a[1]), "elementwise quotient", "$a / $b", "\\frac{$a}{$b}",
                ["1/$b", "−$a/$b^2"], ["\\frac{1}{$b}", "-\\frac{$a}{$b^{2}}"]),
            Operator(BinaryOperator.Power, OpCode.Pow, "pow", 5, a => a[0].Pow(a[1]), "elementwise power", "$a^$b", "{$a}^{$b}",
                ["$b·$a^($b − 1)", "$a^$b·log($a)"], ["$b\\,$a^{$b - 1}", "$a^{$b}\\ln $a"]),
            new("matmul", 2, OpKind.MatMul, a => MatMul(a[0], a[1]), "matrix product (dot product of two vectors)",
                "$a @ $b", "$a\\,$b", [], [], isFunction: false, binaryOperator: BinaryOperator.MatMul, precedence: 3, code: OpCode.MatMul),
            new("neg", 1, OpKind.Elementwise, a => a[0].Neg(), "negation", "−$a", "-$a", ["−1"], ["-1"], isFunction: false, precedence: 4, code: OpCode.Neg),
            new("identity", 1, OpKind.Identity, a => a[0].Clone(), "identity", "$a", "$a", ["1"], ["1"], isFunction: false, code: OpCode.Clone),

            Unary("abs", OpCode.Abs, t => t.Abs(), "absolute value |x|", "\\left|$a\\right|", "sign($a)", "\\operatorname{sign}($a)"),
            Unary("cos", OpCode.Cos, t => t.Cos(), "cosine", "\\cos($a)", "−sin($a)", "-\\sin($a)"),
            Unary("erf", OpCode.Erf, t => t.Erf(), "error function", "\\operatorname{erf}($a)", "2/sqrt(π)·exp(−$a^2)", "\\frac{2}{\\sqrt{\\pi}} e^{-$a^{2}}"),
            Unary("exp", OpCode.Exp, t => t.Exp(), "exponential", "\\exp($a)", "exp($a)", "\\exp($a)"),
            new("g", 1, OpKind.Elementwise, a => a[0].Tanh(),
                "abstract activation g (printed as g, derivative g′; evaluated numerically as tanh)",
                "g($a)", "g($a)", ["g′($a)"], ["g'($a)"], isAbstract: true),
            Unary("log", OpCode.Log, t => t.Log(), "natural logarithm", "\\log($a)", "1/$a", "\\frac{1}{$a}"),
            new("max", 1, OpKind.Reduction, a => a[0].Max(), "largest element of a vector (ties share the gradient)",
                "max($a)", "\\max($a)", ["I[$a = max($a)]"], ["\\mathbb{I}[$a = \\max $a]"], code: OpCode.Max),
            new("max", 2, OpKind.Elementwise, a => Tensor.Maximum(a[0], a[1]), "elementwise maximum (ties share the gradient)",
                "max($a, $b)", "\\max($a, $b)", ["I[$a > $b]", "I[$b > $a]"], ["\\mathbb{I}[$a > $b]", "\\mathbb{I}[$b > $a]"], code: OpCode.Maximum),
            new("mean", 1, OpKind.Reduction, a => a[0].Mean(), "mean of all elements",
                "mean($a)", "\\operatorname{mean}($a)", ["1/n"], ["\\frac{1}{n}"]),
            new("min", 1, OpKind.Reduction, a => a[0].Min(), "smallest element of a vector (ties share the gradient)",
                "min($a)", "\\min($a)", ["I[$a = min($a)]"], ["\\mathbb{I}[$a = \\min $a]"], code: OpCode.Min),
            new("min", 2, OpKind.Elementwise, a => Tensor.Minimum(a[0], a[1]), "elementwise minimum (ties share the gradient)",
                "min($a, $b)", "\\min($a, $b)", ["I[$a < $b]", "I[$b < $a]"], ["\\mathbb{I}[$a < $b]", "\\mathbb{I}[$b < $a]"], code: OpCode.Minimum),
            Unary("relu", OpCode.Relu, t => t.Relu(), "rectified linear unit max(x, 0) (derivative 0 at 0)", "\\mathrm{ReLU}($a)", "I[$a > 0]", "\\mathbb{I}[$a > 0]"),
            Unary("sigmoid", OpCode.Sigmoid, t => t.Sigmoid(), "logistic sigmoid σ(x) = 1/(1 + e^−x)", "\\sigma($a)", "σ($a)(1 − σ($a))", "\\sigma($a)(1 - \\sigma($a))"),
            Unary("sin", OpCode.Sin, t => t.Sin(), "sine", "\\sin($a)", "cos($a)", "\\cos($a)"),
            Unary("sqrt", OpCode.Sqrt, t => t.Sqrt(), "square root", "\\sqrt{$a}", "1/(2·sqrt($a))", "\\frac{1}{2\\sqrt{$a}}"),
            new("sum", 1, OpKind.Reduction, a => a[0].Sum(), "sum of all elements", "sum($a)", "\\sum $a", ["1"], ["1"], code: OpCode.Sum),
            Unary("tanh", OpCode.Tanh, t => t.Tanh(), "hyperbolic tangent", "\\tanh($a)", "1 − tanh($a)^2", "1 - \\tanh^{2}($a)"),
        };
        return [.. rows];
    }

    private static OpInfo Operator(BinaryOperator op, OpCode code, string name, int precedence, Func<Tensor[], Tensor> evaluate, string description,
        string text, string latex, string[] dText, string[] dLatex) =>
        new(name, 2, OpKind.Elementwise, evaluate, description, text, latex, dText, dLatex,
            isFunction: false, binaryOperator: op, precedence: precedence, code: code);

    private static OpInfo Unary(string name, OpCode code, Func<Tensor, Tensor> f, string description, string latex, string dText, string dLatex) =>
        new(name, 1, OpKind.Elementwise, a => f(a[0]), description, name + "($a)", latex, [dText], [dLatex], code: code);

    /// <summary>
    /// <c>@</c> with the library's MatMul rules (vector·vector is the dot product, a vector on the
    /// left is a row, on the right a column); a scalar operand is read as a vector of length 1,
    /// so <c>W1 @ x</c> works for a 2×1 matrix and a scalar x, as spec E9 writes it.
    /// </summary>
    private static Tensor MatMul(Tensor a, Tensor b) =>
        (a.Rank == 0 ? a.Reshape(1) : a).MatMul(b.Rank == 0 ? b.Reshape(1) : b);
}
