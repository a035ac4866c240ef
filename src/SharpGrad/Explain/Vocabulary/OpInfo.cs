namespace SharpGrad.Explain;

/// <summary>
/// One row of the op vocabulary (<see cref="OpTable"/>): the name and arity, how shapes map,
/// how to evaluate it with the library's own tensor ops (so values and gradients come from
/// the real autograd engine), and how to print it (templates with <c>$a</c> and <c>$b</c> for the
/// first and second argument). Its local derivative is <see cref="Derivative"/>, computed from the
/// one rule of <see cref="Derivatives"/>; there is no second, display-only definition.
/// </summary>
public sealed class OpInfo
{
    private readonly Func<Tensor[], Tensor> evaluate;

    internal OpInfo(string name, int arity, OpKind kind, Func<Tensor[], Tensor> evaluate, string description,
        string textTemplate, string latexTemplate,
        bool isFunction = true, bool isAbstract = false, BinaryOperator? binaryOperator = null, int precedence = AtomPrecedence,
        OpCode? code = null, ShapeRule? shape = null, OpAttributes? attributes = null)
    {
        Shape = shape;
        Attributes = attributes;
        Code = code;
        Precedence = precedence;
        Name = name;
        Arity = arity;
        Kind = kind;
        this.evaluate = evaluate;
        Description = description;
        TextTemplate = textTemplate;
        LatexTemplate = latexTemplate;
        IsFunction = isFunction;
        IsAbstract = isAbstract;
        BinaryOperator = binaryOperator;
    }

    /// <summary>
    /// The engine primitive this row applies, whose rule in <see cref="Derivatives"/> gives the
    /// symbolic derivative; null for <c>mean</c> (a sum divided by n) and the abstract <c>g</c>.
    /// </summary>
    public OpCode? Code { get; }

    /// <summary>The fixed attributes the row's engine op records (leaky_relu's slope), given to its derivative rule.</summary>
    internal OpAttributes? Attributes { get; }

    /// <summary>
    /// The shape rule of a <see cref="OpKind.Structural"/> op (the operands' static shapes and the
    /// bound sizes to the result's shape, or null and a reason); null for the other kinds, whose
    /// rule follows from the kind.
    /// </summary>
    internal ShapeRule? Shape { get; }

    /// <summary>The function name as called in programs ("relu", "max"), or an internal name for operators ("add", "neg").</summary>
    public string Name { get; }

    /// <summary>The number of arguments.</summary>
    public int Arity { get; }

    /// <summary>How the op maps shapes.</summary>
    public OpKind Kind { get; }

    /// <summary>True for functions called by name; false for the infix operators, negation and identity.</summary>
    public bool IsFunction { get; }

    /// <summary>
    /// The settings a call was made with, which its composite rule in <see cref="MatrixDerivation"/> reads: a pooling's or
    /// an upsample's window (Size) and Stride, a convolution's Stride and Padding; zeros for every other op.
    /// </summary>
    internal (int Size, int Stride, int Padding) Settings { get; init; }

    /// <summary>
    /// True for the abstract activation <c>g</c>: printed as g, its derivative as g′, and evaluated
    /// numerically through a concrete stand-in (tanh) so that programs using it still run.
    /// </summary>
    public bool IsAbstract { get; }

    /// <summary>The precedence of atoms and function calls, which never need parentheses.</summary>
    public const int AtomPrecedence = 6;

    /// <summary>
    /// How tightly the op binds when printed: + − 1, · / 2, @ 3, unary − 4, ^ 5 (right-associative),
    /// calls and atoms 6. The parser uses the same order.
    /// </summary>
    public int Precedence { get; }

    /// <summary>The infix operator this row evaluates, or null for functions.</summary>
    public BinaryOperator? BinaryOperator { get; }

    /// <summary>One line for help and error messages.</summary>
    public string Description { get; }

    /// <summary>How an application prints in text ("relu($a)", "$a − $b", "$a · $b"; Unicode minus and dot).</summary>
    public string TextTemplate { get; }

    /// <summary>How an application prints in LaTeX ("\mathrm{ReLU}($a)").</summary>
    public string LatexTemplate { get; }

    /// <summary>
    /// Applies the op to float64 tensors with the library's tensor ops, recording the autograd
    /// graph when the arguments require gradients.
    /// </summary>
    public Tensor Apply(params Tensor[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (arguments.Length != Arity)
            throw new ArgumentException($"{Name} takes {Arity} argument(s), got {arguments.Length}.", nameof(arguments));
        return evaluate(arguments);
    }

    /// <summary>True when the op has a scalar symbolic derivative (every op but the matrix product).</summary>
    public bool HasDerivative => IsAbstract || (Name == "mean" && Kind == OpKind.Reduction) || (Code is { } c && c != OpCode.MatMul && Derivatives.Covers(c));

    /// <summary>
    /// The count a mean's derivative divides by, until the derivation puts in the number it is: a name no program can
    /// have, so that a program's own n is never taken for it.
    /// </summary>
    internal const string MeanCount = "#n";

    /// <summary>
    /// The symbolic local partial ∂op(args)/∂args[k] (for elementwise ops the diagonal of the
    /// Jacobian, for reductions the factor each element receives), evaluated from the same rule
    /// of <see cref="Derivatives"/> that the backward pass runs, with an output gradient of 1:
    /// relu′ = I[z &gt; 0], σ′ = σ(1 − σ), tanh′ = 1 − tanh², max/min an indicator of which
    /// argument wins with ties sharing equally; g′ stays abstract.
    /// </summary>
    /// <exception cref="NotSupportedException">The op has none (<see cref="HasDerivative"/> is false).</exception>
    public Sym Derivative(IReadOnlyList<Sym> args, int k)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (!HasDerivative) throw new NotSupportedException($"{Name} has no scalar symbolic derivative.");
        if (k < 0 || k >= Arity) throw new ArgumentOutOfRangeException(nameof(k));
        if (IsAbstract) return Sym.Prime(this, args[0]);
        // mean(x) = sum(x)/n: the sum's rule, scaled.
        // (A mean along one axis averages its own elements only: it has no per-component formula, hence not here.)
        if (Name == "mean") return Sym.Mul(Derivatives.Backward(OpCode.Sum, 0, Sym.One, args, Sym.Call("sum", args[0]), null)!, Sym.Pow(Sym.Var(MeanCount), Sym.Num(-1)));
        var output = Sym.Call(this, [.. args]);
        return Derivatives.Backward(Code!.Value, k, Sym.One, args, output, Attributes) ?? Sym.Zero;
    }

    /// <summary>The result shape of a structural op, or null with <paramref name="problem"/> saying why the operands do not fit.</summary>
    internal delegate SymbolicShape? ShapeRule(IReadOnlyList<SymbolicShape> operands, IReadOnlyDictionary<string, int> sizes, out string? problem);

    /// <summary>"relu/1".</summary>
    public override string ToString() => $"{Name}/{Arity}";
}
