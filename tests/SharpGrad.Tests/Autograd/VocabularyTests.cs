using SharpGrad.Explain;
using SharpGrad.NN;

namespace SharpGrad.Tests.Autograd;

/// <summary>
/// Walks the whole op vocabulary: every <see cref="OpCode"/> is recorded by some operation, each op
/// has exactly one rule (the shared table refuses a second, closure-based one), and for the math
/// primitives the symbolic derivative that Explain prints evaluates to the same number as the
/// backward pass, at ordinary points and at ties and kinks (relu and |x| at 0, clamp bounds,
/// max/min ties, 0^0), where textbook formulas and engines most often disagree.
/// </summary>
public class VocabularyTests
{
    private static IEnumerable<Tensor> Ancestry(Tensor root)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Tensor>([root]);
        while (stack.Count > 0)
        {
            var t = stack.Pop();
            if (!seen.Add(t)) continue;
            yield return t;
            if (t.GradFn is null) continue;
            foreach (var i in t.GradFn.Inputs) if (i is not null) stack.Push(i);
        }
    }

    /// <summary>Computations that together record every op, including the adjoint ops a differentiable backward pass records.</summary>
    private static IEnumerable<Tensor> Catalogue()
    {
        var g = new Generator(3);
        Tensor L(params int[] shape) => Tensor.Uniform(shape, 0.2, 1.5, g, DType.Float64).RequireGrad();
        var a = L(2, 3);
        var b = L(2, 3);
        yield return a.Add(b).Sub(b).Mul(b).Div(b).Neg().Pow(b).Pow(2.0).Exp().Log().Sqrt().Abs().Sin().Cos().Erf().Tanh().Sigmoid()
            .Relu().LeakyRelu(0.1).Gelu().Softplus().Clamp(-1, 1);
        yield return Tensor.Maximum(a, b).Add(Tensor.Minimum(a, b)).Add(Tensor.Where(a.Gt(b), a, b));
        yield return a.Sum([1]).Add(a.Max([1])).Add(a.Min([1])).Add(a.Floor().Sum([1])).Add(a.LogSoftmax(1).Sum([1]));
        yield return a.MatMul(b.T).Reshape(4).Expand(2, 4).Permute(1, 0).Clone().Contiguous().To(DType.Float32);
        yield return Functional.Linear(a, b, null);
        var linearWeight = L(4, 3);
        foreach (var t in DifferentiateTwice(w => Functional.Linear(L(5, 3), w, null), linearWeight)) yield return t;
        yield return Tensor.Cat([a, b], 0)[0, 1..3].Add(a.IndexSelect(1, Tensor.FromArray([0, 2])).Sum()).Add(a.Gather(1, Tensor.FromArray([1, 0], [2, 1])).Sum()).Pad([1, 1]).Sum();
        yield return a.T.Contiguous();
        // Adjoint ops are recorded when a backward pass is itself differentiated: squaring makes the
        // incoming gradient depend on the inputs, and a second pass records the adjoints' adjoints.
        foreach (var t in DifferentiateTwice(x => x[0, 1..3], L(2, 3))) yield return t;
        foreach (var t in DifferentiateTwice(x => x.IndexSelect(0, Tensor.FromArray([1, 1])), L(2, 3))) yield return t;
        foreach (var t in DifferentiateTwice(x => x.Gather(1, Tensor.FromArray([1, 0], [2, 1])), L(2, 3))) yield return t;
        var weight = L(1, 1, 3, 3);
        var bias = L(1);
        foreach (var x in new[] { L(1, 1, 4, 4), weight, bias })
        {
            var image = ReferenceEquals(x, weight) || ReferenceEquals(x, bias) ? L(1, 1, 4, 4) : x;
            foreach (var t in DifferentiateTwice(_ => Functional.Conv2d(image, weight, bias, padding: [1, 1]), x)) yield return t;
        }
        foreach (var t in DifferentiateTwice(x => Functional.MaxPool2d(x, [2, 2]), L(1, 1, 4, 4))) yield return t;
        foreach (var t in DifferentiateTwice(x => Functional.AvgPool2d(x, [2, 2]), L(1, 1, 4, 4))) yield return t;
        foreach (var t in DifferentiateTwice(x => Functional.AdaptiveAvgPool2d(x, [3]), L(1, 1, 4, 4))) yield return t;
        yield return Functional.BatchNorm(L(4, 2), null, null, null, null, training: true).Sum();
        yield return Functional.LayerNorm(L(4, 3), [3], L(3), L(3)).Sum();
        yield return Functional.CrossEntropy(a, Tensor.FromArray([0, 2])).Add(Functional.BinaryCrossEntropy(a.Sigmoid(), b.Sigmoid().Detach()));
        yield return Functional.ScaledDotProductAttention(a, b, b, isCausal: true);
        yield return new Square().Apply(a);
    }

    private static IEnumerable<Tensor> DifferentiateTwice(Func<Tensor, Tensor> f, Tensor x)
    {
        var y = f(x);
        yield return y;
        var first = SharpGrad.Autograd.Grad(y.Pow(2.0).Sum(), x, createGraph: true);
        yield return first;
        yield return SharpGrad.Autograd.Grad(first.Pow(2.0).Sum(), x, createGraph: true, allowUnused: true);
    }

    private sealed class Square : AutogradFunction
    {
        protected override Tensor Forward(FunctionContext context, Tensor[] inputs)
        {
            context.SaveForBackward(inputs[0]);
            return inputs[0].Mul(inputs[0]);
        }

        protected override Tensor?[] Backward(FunctionContext context, Tensor gradOutput) => [gradOutput.Mul(context.SavedTensors[0]).Mul(2.0)];
    }

    [Fact]
    public void EveryOpCode_IsRecordedBySomeOperation()
    {
        var recorded = Catalogue().SelectMany(Ancestry).Where(t => t.GradFn is not null).Select(t => t.GradFn!.Op).ToHashSet();
        // A copy between devices needs a device backend, which this project does not reference; SharpGrad.Cuda.Tests records it.
        var missing = Enum.GetValues<OpCode>().Where(op => op != OpCode.ToDevice && !recorded.Contains(op)).ToArray();
        Assert.True(missing.Length == 0, "never recorded: " + string.Join(", ", missing));
    }

    [Fact]
    public void RecordedNodes_AreNamedAfterTheirOpCode()
    {
        var x = Tensor.Ones([2], DType.Float64).RequireGrad();
        Assert.Equal(OpCode.Mul, x.Mul(x).GradFn!.Op);
        Assert.Equal("MulBackward", x.Mul(x).GradFn!.Name);
        Assert.Equal(OpCode.PowScalar, x.Pow(3.0).GradFn!.Op);
        Assert.Equal(3.0, x.Pow(3.0).GradFn!.Attributes!.Scalar);
    }

    [Fact]
    public void EachPrimitive_HasExactlyOneRule()
    {
        var x = Tensor.Ones([2], DType.Float64).RequireGrad();
        foreach (var op in Enum.GetValues<OpCode>())
        {
            // A shared-table op cannot also be given a closure, and an op outside the table cannot be recorded without one.
            if (Derivatives.Covers(op))
                Assert.Throws<InvalidOperationException>(() => SharpGrad.Autograd.Record(x.Detach(), op, [x], g => [g]));
            else
                Assert.Throws<InvalidOperationException>(() => SharpGrad.Autograd.Record(x.Detach(), op, [x]));
        }
    }

    public static TheoryData<OpCode> ElementwisePrimitives => new(Enum.GetValues<OpCode>().Where(op => Derivatives.Covers(op) && Arity(op) > 0));

    private static int Arity(OpCode op) => op switch
    {
        OpCode.Add or OpCode.Sub or OpCode.Mul or OpCode.Div or OpCode.Pow or OpCode.Maximum or OpCode.Minimum => 2,
        OpCode.Where => 3,
        OpCode.Neg or OpCode.PowScalar or OpCode.Exp or OpCode.Log or OpCode.Sqrt or OpCode.Abs or OpCode.Sin or OpCode.Cos or OpCode.Floor
            or OpCode.Erf or OpCode.Tanh or OpCode.Sigmoid or OpCode.Relu or OpCode.LeakyRelu or OpCode.Gelu or OpCode.Softplus
            or OpCode.Clamp or OpCode.Clone => 1,
        _ => 0,
    };

    private static readonly OpAttributes ClampBounds = new() { Low = -0.5, High = 1.0 };

    private static (Tensor Output, OpAttributes? Attributes) Apply(OpCode op, Tensor[] x) => op switch
    {
        OpCode.Add => (x[0].Add(x[1]), null),
        OpCode.Sub => (x[0].Sub(x[1]), null),
        OpCode.Mul => (x[0].Mul(x[1]), null),
        OpCode.Div => (x[0].Div(x[1]), null),
        OpCode.Pow => (x[0].Pow(x[1]), null),
        OpCode.Maximum => (Tensor.Maximum(x[0], x[1]), null),
        OpCode.Minimum => (Tensor.Minimum(x[0], x[1]), null),
        OpCode.Where => (Tensor.Where(x[0], x[1], x[2]), null),
        OpCode.Neg => (x[0].Neg(), null),
        OpCode.PowScalar => (x[0].Pow(3.0), new OpAttributes { Scalar = 3.0 }),
        OpCode.Exp => (x[0].Exp(), null),
        OpCode.Log => (x[0].Log(), null),
        OpCode.Sqrt => (x[0].Sqrt(), null),
        OpCode.Abs => (x[0].Abs(), null),
        OpCode.Sin => (x[0].Sin(), null),
        OpCode.Cos => (x[0].Cos(), null),
        OpCode.Erf => (x[0].Erf(), null),
        OpCode.Floor => (x[0].Floor(), null),
        OpCode.Tanh => (x[0].Tanh(), null),
        OpCode.Sigmoid => (x[0].Sigmoid(), null),
        OpCode.Relu => (x[0].Relu(), null),
        OpCode.LeakyRelu => (x[0].LeakyRelu(0.1), new OpAttributes { Scalar = 0.1 }),
        OpCode.Gelu => (x[0].Gelu(), null),
        OpCode.Softplus => (x[0].Softplus(), null),
        OpCode.Clamp => (x[0].Clamp(ClampBounds.Low, ClampBounds.High), ClampBounds),
        OpCode.Clone => (x[0].Clone(), null),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>Test points, one per element, chosen to include each op's kinks and ties.</summary>
    private static double[][] Points(OpCode op) => op switch
    {
        OpCode.Log or OpCode.Sqrt => [[0.3, 1.0, 2.5, 7.0]],
        OpCode.Div => [[-1.5, 0.0, 2.0, 3.0, 0.7], [2.0, 0.5, -4.0, 3.0, -0.1]],
        OpCode.Pow => [[0.0, 0.0, 2.0, 1.5, 0.5, 3.0], [0.0, 2.0, 0.0, -1.0, 2.5, 1.0]],
        OpCode.Maximum or OpCode.Minimum => [[1.5, -2.0, 0.3, 0.0], [1.5, 1.0, -0.7, 0.0]],
        OpCode.Where => [[1, 0, 1, 0], [0.5, -1.0, 2.0, 0.0], [3.0, 0.25, -2.0, 1.0]],
        OpCode.Clamp => [[-2.0, -0.5, 0.0, 0.3, 1.0, 4.0]],
        _ when Arity(op) == 2 => [[-1.5, 0.0, 2.0, 1.5], [2.0, 0.5, -4.0, 1.5]],
        _ => [[-1.7, -0.3, 0.0, 0.4, 2.1]],
    };

    [Theory]
    [MemberData(nameof(ElementwisePrimitives))]
    public void SymbolicDerivative_EqualsTheBackwardPass_AtOrdinaryPointsTiesAndKinks(OpCode op)
    {
        var points = Points(op);
        var inputs = points.Select(p => Tensor.FromArray(p).RequireGrad()).ToArray();
        if (op == OpCode.Where) inputs[0] = Tensor.FromArray(points[0]);
        var (output, attributes) = Apply(op, inputs);
        Assert.Equal(op, output.GradFn!.Op);
        var differentiable = Enumerable.Range(0, inputs.Length).Where(k => inputs[k].RequiresGrad).ToArray();
        var numeric = SharpGrad.Autograd.Grad([output.Sum()], differentiable.Select(k => inputs[k]).ToArray());

        var names = new[] { "a", "b", "c" };
        var symbols = Enumerable.Range(0, inputs.Length).Select(k => Sym.Var(names[k])).ToArray();
        var y = Sym.Var("y");
        var outputs = output.ToDoubleArray();
        for (int d = 0; d < differentiable.Length; d++)
        {
            int k = differentiable[d];
            var formula = Derivatives.Backward(op, k, Sym.One, symbols, y, attributes)!;
            var expected = numeric[d].ToDoubleArray();
            for (int i = 0; i < points[0].Length; i++)
            {
                double value = formula.Evaluate(name => name == "y" ? outputs[i] : points[Array.IndexOf(names, name)][i]);
                string where = $"{op}: ∂/∂{names[k]} = {formula} at {string.Join(", ", points.Select(p => p[i]))}";
                if (double.IsNaN(expected[i]) || double.IsInfinity(expected[i]))
                    Assert.True(expected[i].Equals(value), $"{where}: symbolic {value}, backward {expected[i]}");
                else
                    Assert.True(Math.Abs(value - expected[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"{where}: symbolic {value}, backward {expected[i]}");
            }
        }
    }

    [Fact]
    public void Reductions_HaveTheirRuleInTheTable()
    {
        var v = Sym.Var("v");
        Assert.Equal("1", Derivatives.Backward(OpCode.Sum, 0, Sym.One, [v], Sym.Var("s"), new OpAttributes())!.ToString());
        // The maximum's gradient is shared between tied elements: I[v = max]/(number of ties).
        var max = Derivatives.Backward(OpCode.Max, 0, Sym.One, [v], Sym.Var("m"), new OpAttributes())!.ToString();
        Assert.Equal("I[v = m]/sum(I[v = m])", max);
    }

    [Fact]
    public void LogSoftmax_SymbolicRule_EqualsTheBackwardPass_AtTiesToo()
    {
        // Two tied logits and a large one: the rule g − softmax(x)·Σg, evaluated on symbols, gives the
        // vector–Jacobian product the backward pass computes.
        var x = Tensor.FromArray([0.5, 0.5, -1.0, 30.0]).RequireGrad();
        var g = Tensor.FromArray([1.0, -2.0, 0.5, 0.25]);
        var y = x.LogSoftmax();
        Assert.Equal(OpCode.LogSoftmax, y.GradFn!.Op);
        var numeric = SharpGrad.Autograd.Grad([y.Mul(g).Sum()], [x])[0].ToDoubleArray();
        var formula = Derivatives.Backward(OpCode.LogSoftmax, 0, Sym.Var("g", [4]), [Sym.Var("x", [4])], Sym.Var("y", [4]), y.GradFn.Attributes)!;
        var symbolic = formula.EvaluateTensor(s => s.Name switch { "g" => g, "x" => x.Detach(), _ => y.Detach() }).ToDoubleArray();
        // By hand at the tie: softmax = (e^0.5, e^0.5, e^−1, e^30)/Σ, Σg = −0.25.
        double z = 2 * Math.Exp(0.5) + Math.Exp(-1) + Math.Exp(30);
        Assert.Equal(1.0 + 0.25 * Math.Exp(0.5) / z, numeric[0], 12);
        for (int i = 0; i < 4; i++) Assert.Equal(numeric[i], symbolic[i], 12);
    }

    [Fact]
    public void SeedE7_ClosedFormAtATie_EqualsTheEngine()
    {
        // At x1 = x2, max and min tie; both share the gradient, and the closed form must say what grad computes.
        var program = GradProgram.Parse("input x1 = 0.5\ninput x2 = 0.5\ni1 = sigmoid(x1)\ni2 = sigmoid(x2)\nomax = max(i1, i2)\nomin = min(i1, i2)\ny = omax + omin");
        var evaluation = program.Evaluate();
        double engine = evaluation.Gradient("x1").Item();
        var derivation = ChainDerivation.Create(program, "x1");
        var closed = derivation.Closed(derivation.Factored()!);
        double s = 1 / (1 + Math.Exp(-0.5));
        Assert.Equal(s * (1 - s), engine, 12);
        Assert.Equal(engine, closed.Evaluate(name => name == "x1" || name == "x2" ? 0.5 : evaluation.Value(name).Item()), 12);
    }
}
