using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>Values and gradients of the example programs against the numbers of the spec (seed-exercises.md).</summary>
public class EvaluationTests
{
    private static void AssertClose(double expected, double actual, double tolerance) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"expected {expected}, got {actual}");

    private static void AssertClose(double[] expected, Tensor actual, double tolerance)
    {
        var a = actual.ToDoubleArray();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++) AssertClose(expected[i], a[i], tolerance);
    }

    [Fact]
    public void AValueOfMoreThan2To24Numbers_IsALocatedError()
    {
        // 5000 × 5000 = 25 000 000 numbers, more than 2^24 = 16 777 216: refused before it is computed.
        var p = GradProgram.Parse("input c[5000, 1]\ninput x[5000]\nM = c * x\nJ = sum(M)");
        var sets = new Dictionary<string, Tensor> { ["c"] = Tensor.Ones([5000, 1], DType.Float64), ["x"] = Tensor.Ones([5000], DType.Float64) };
        var e = Assert.Throws<GradProgramException>(() => p.Evaluate(sets));
        Assert.Equal((3, 7), (e.Line, e.Column));   // at the *
        Assert.Equal("M would hold 25000000 numbers ([5000, 5000]); a value of a program holds at most 16777216 (2^24)", e.Reason);
    }

    [Fact]
    public void ValuesOfMoreThan2To26NumbersInAll_AreALocatedError()
    {
        // Each value 4096 × 4096 = 2^24 numbers, within its cap; by the fourth the program holds more than 2^26 in all.
        var p = GradProgram.Parse("input c[4096, 1]\ninput x[4096]\na0 = c * x\na1 = a0 * 2\na2 = a1 * 2\na3 = a2 * 2\nJ = sum(a3)");
        var sets = new Dictionary<string, Tensor> { ["c"] = Tensor.Ones([4096, 1], DType.Float64), ["x"] = Tensor.Ones([4096], DType.Float64) };
        var e = Assert.Throws<GradProgramException>(() => p.Evaluate(sets));
        Assert.Equal(6, e.Line);
        Assert.StartsWith("the program's values hold more than 67108864 numbers (2^26) in all by a3", e.Reason);
    }

    [Fact]
    public void LeakyReluSoftplusAndGelu_MatchPyTorch()
    {
        // PyTorch 1.13, float64: F.leaky_relu (slope 0.01), F.softplus and F.gelu (exact, with erf) of z = w ⊙ x, summed.
        var p = GradProgram.Parse("input x[3] = [1, -2, 0.5]\nparam w[3] = [0.3, 0.4, -0.8]\nz = w * x\nL = sum(leaky_relu(z) + softplus(z) + gelu(z))");
        var e = p.Evaluate();
        AssertClose(1.9045289672503556, e.Value("L").Item(), 1e-12);
        AssertClose([2.3067702836387687, -0.600255350493196, 0.30429127107794723], e.Gradient("w"), 1e-12);
        // Their derivatives come from the same rules, written by hand or as f′.
        Assert.True(DerivativeChecker.Check(p, "z", "leaky_relu'(z) + softplus'(z) + gelu'(z)").IsCorrect);
        Assert.True(DerivativeChecker.Check(p, "z", "I[z > 0] + 0.01 I[z < 0] + σ(z) + gelu'(z)").IsCorrect);
        Assert.False(DerivativeChecker.Check(p, "z", "relu'(z) + σ(z) + gelu'(z)").IsCorrect);
    }

    [Fact]
    public void E9_ForwardAndBackwardMatchTheSpec()
    {
        var r = ExplainFiles.Load("e9.grad").Evaluate();
        Assert.Equal("J", r.ObjectiveName);
        AssertClose([3, -3], r.Value("a1"), 0);
        AssertClose([3, 0], r.Value("h1"), 0);
        AssertClose([-3, 3], r.Value("a2"), 0);
        AssertClose([0, 3], r.Value("h2"), 0);
        AssertClose([3], r.Value("yhat"), 0);
        Assert.Equal(9, r.ObjectiveValue);
        AssertClose([-6], r.Gradient("yhat"), 0);
        AssertClose([0, -18], r.Gradient("W3"), 0);
        AssertClose([0, -6], r.Gradient("a2"), 0);
        AssertClose([0, 0, -18, 0], r.Gradient("W2"), 0);
        AssertClose([-6, 0], r.Gradient("a1"), 0);
        AssertClose([-18, 0], r.Gradient("W1"), 0);
        AssertClose([1], r.Gradient("J"), 0);
        Assert.Equal([2, 2], r.Gradient("W2").Shape.ToArray());
        Assert.Equal(DType.Float64, r.Gradient("W2").DType);
    }

    [Fact]
    public void E5_DirectDerivativesMatchTheSpec()
    {
        var r = ExplainFiles.Load("e5.grad").Evaluate();
        AssertClose(0.778, r.ObjectiveValue, 1e-12);
        string[] phi = ["phi0", "phi1", "phi2"], psi = ["psi01", "psi11", "psi21", "psi02", "psi12", "psi22"], theta = ["theta01", "theta11", "theta02", "theta12"];
        AssertClose([1, 0.69, 0.51], Tensor.FromArray(phi.Select(n => r.Gradient(n).Item()).ToArray()), 1e-12);
        AssertClose([1.5, 1.2, 0.45, -0.7, -0.56, -0.21], Tensor.FromArray(psi.Select(n => r.Gradient(n).Item()).ToArray()), 1e-12);
        AssertClose([0.78, 0.78, -1.52, -1.52], Tensor.FromArray(theta.Select(n => r.Gradient(n).Item()).ToArray()), 1e-12);
    }

    [Fact]
    public void E6_ChainOfSinExpCosMatchesTheSpec()
    {
        var r = ExplainFiles.Load("e6.grad").Evaluate();
        AssertClose(0.704069, r.ObjectiveValue, 5e-7);
        AssertClose([-0.537387, -1.238476, 1.311015, 1.678176],
            Tensor.FromArray(new[] { "beta0", "beta1", "beta2", "beta3" }.Select(n => r.Gradient(n).Item()).ToArray()), 5e-7);
        AssertClose([-0.322432, -0.615374, 1.376084, 1.341364],
            Tensor.FromArray(new[] { "omega0", "omega1", "omega2", "omega3" }.Select(n => r.Gradient(n).Item()).ToArray()), 5e-7);
        // The local derivatives the spec lists, through the intermediates: ∂ℓ/∂f2 = ∂ℓ/∂h3 · (−sin f2).
        AssertClose(r.Gradient("h3").Item() * -Math.Sin(r.Value("f2").Item()), r.Gradient("f2").Item(), 1e-12);
        AssertClose(r.Gradient("h1").Item() * Math.Cos(r.Value("f0").Item()), r.Gradient("f0").Item(), 1e-12);
    }

    [Theory]
    [InlineData(0.5, -1.0)]
    [InlineData(-1.0, 0.5)]
    [InlineData(0.3, 0.3)]   // a tie: max and min share the gradient, the sum is unchanged
    public void E7_MaxMinDagGivesSigmoidDerivativeForBothInputs(double x1, double x2)
    {
        var r = ExplainFiles.Load("e7.grad").Evaluate(new Dictionary<string, Tensor>
        {
            ["x1"] = Tensor.Scalar(x1, DType.Float64),
            ["x2"] = Tensor.Scalar(x2, DType.Float64),
        });
        static double DSigmoid(double x) => Math.Exp(-x) / ((1 + Math.Exp(-x)) * (1 + Math.Exp(-x)));
        AssertClose(DSigmoid(x1), r.Gradient("x1").Item(), 1e-12);
        AssertClose(DSigmoid(x2), r.Gradient("x2").Item(), 1e-12);
    }

    [Fact]
    public void E8_BatchNormGradientsMatchTheClosedForm()
    {
        var r = ExplainFiles.Load("e8.grad").Evaluate();
        var x = r.Value("x").ToDoubleArray();
        var g = r.Value("r").ToDoubleArray();   // ∂E/∂y_i = r_i
        int n = x.Length;
        double mu = x.Average(), variance = x.Select(v => (v - mu) * (v - mu)).Average(), s = Math.Sqrt(variance + 1e-5);
        var xhat = x.Select(v => (v - mu) / s).ToArray();
        double meanG = g.Average(), meanGx = Enumerable.Range(0, n).Select(i => g[i] * xhat[i]).Average();
        var expected = Enumerable.Range(0, n).Select(i => (g[i] - meanG - xhat[i] * meanGx) / s).ToArray();
        AssertClose(expected, r.Gradient("x"), 1e-12);
        AssertClose(g.Sum(), r.Gradient("beta").Item(), 1e-12);
        AssertClose(g, r.Gradient("y"), 0);
    }

    [Theory]
    [InlineData("e1.grad", new[] { "w_2_5", "v_1_1", "x2", "n4" })]
    [InlineData("e2.grad", new[] { "v_2_2", "w_2_4", "n1" })]
    public void NeuronGraphs_GradientsMatchFiniteDifferences(string file, string[] names)
    {
        var program = ExplainFiles.Load(file);
        var r = program.Evaluate();
        foreach (var name in names.Where(n => program.Graph[n].IsDeclaration))
        {
            var value = r.Value(name).ToDoubleArray();
            var shape = r.Value(name).Shape.ToArray();
            var numeric = new double[value.Length];
            for (int i = 0; i < value.Length; i++)
            {
                double Objective(double delta)
                {
                    var v = (double[])value.Clone();
                    v[i] += delta;
                    var t = shape.Length == 0 ? Tensor.Scalar(v[0], DType.Float64) : Tensor.FromArray(v, shape);
                    return program.Evaluate(new Dictionary<string, Tensor> { [name] = t }).ObjectiveValue;
                }
                numeric[i] = (Objective(1e-6) - Objective(-1e-6)) / 2e-6;
            }
            AssertClose(numeric, r.Gradient(name), 1e-7);
        }
    }

    [Fact]
    public void E1_IntermediateGradientFollowsTheSpecChain()
    {
        // E1.1: ∂E/∂n4 = ∂E/∂n6 · ∂n6/∂n4, with n6 = g(b6 + w36·n3 + w46·n4) and g evaluated as tanh.
        var r = ExplainFiles.Load("e1.grad").Evaluate();
        double n6 = r.Value("n6").Item();
        double dn6dn4 = (1 - n6 * n6) * r.Value("w_4_6").Item();
        AssertClose(r.Gradient("n6").Item() * dn6dn4, r.Gradient("n4").Item(), 1e-12);
    }

    [Fact]
    public void EveryFunction_GradientMatchesFiniteDifferences()
    {
        foreach (var op in OpTable.All.Where(o => o.IsFunction))
        {
            var call = op.Arity == 1 ? $"{op.Name}(a)" : $"{op.Name}(a, b)";
            // The binary cross-entropy takes probabilities.
            var a = op.Name == "binary_cross_entropy" ? "[0.7, 0.9, 0.4]" : "[0.7, 1.9, 0.4]";
            var program = GradProgram.Parse($"input a = {a}\ninput b = [1.2, 0.3, 0.5]\ninput w = [2, -1, 3]\ny = sum({call} * w)");
            var r = program.Evaluate();
            foreach (var name in op.Arity == 1 ? new[] { "a" } : ["a", "b"])
            {
                var value = r.Value(name).ToDoubleArray();
                for (int i = 0; i < value.Length; i++)
                {
                    double At(double delta)
                    {
                        var v = (double[])value.Clone();
                        v[i] += delta;
                        return program.Evaluate(new Dictionary<string, Tensor> { [name] = Tensor.FromArray(v) }).ObjectiveValue;
                    }
                    AssertClose((At(1e-6) - At(-1e-6)) / 2e-6, r.Gradient(name).ToDoubleArray()[i], 1e-6);
                }
            }
        }
    }

    [Fact]
    public void GradientsOfUnusedNodes_AreZeroAndTheObjectiveCanBeChosen()
    {
        var p = GradProgram.Parse("input x = 2\nparam w = 3\nparam unused = 1\na = w * x\nb = a^2\nc = a + 1");
        var r = p.Evaluate(objective: "b");
        Assert.Equal("b", r.ObjectiveName);
        Assert.Equal(36, r.ObjectiveValue);
        Assert.Equal(2 * 6 * 2, r.Gradient("w").Item());
        Assert.Equal(0, r.Gradient("unused").Item());
        Assert.Equal(0, r.Gradient("c").Item());
        Assert.Equal(1, r.Gradient("b").Item());
        Assert.Equal(7, r.Value("c").Item());
        Assert.Equal("c", p.Evaluate().ObjectiveName);
    }

    [Fact]
    public void Overrides_ReplaceValuesBindSizesAndAcceptDroppedUnitDimensions()
    {
        var p = GradProgram.Parse("input x1[D]\nparam v11[D]\nparam W[2, 1]\nn = v11 @ x1\nE = n + sum(W)");
        var r = p.Evaluate(new Dictionary<string, Tensor>
        {
            ["x1"] = Tensor.FromArray([1.0, 2, 3]),
            ["v11"] = Tensor.FromArray([0.5f, -1f, 2f]),   // float32 is converted
            ["W"] = Tensor.FromArray([4.0, 5]),            // a 2-vector fits [2, 1]
        });
        Assert.Equal(3, r.Sizes["D"]);
        Assert.Equal(0.5 - 2 + 6 + 9, r.ObjectiveValue);
        Assert.Equal([2, 1], r.Value("W").Shape.ToArray());
        Assert.Equal([1.0, 2, 3], r.Gradient("v11").ToDoubleArray());

        var e9 = ExplainFiles.Load("e9.grad").Evaluate(new Dictionary<string, Tensor> { ["x"] = Tensor.Scalar(1, DType.Float64) });
        Assert.Equal(25, e9.ObjectiveValue);   // a1 = (1, −1), h2 = (0, 1), ŷ = 1, J = (6 − 1)²
    }

    [Theory]
    [InlineData("input x\ny = x * 2", null, 1, 7, "input x has no value; give one with --set x=... (or write input x = ... in the program)")]
    [InlineData("input x = 1\ny = x * 2", "x=[1, 2]", 1, 7,
        "--set x: 'x' is declared as a scalar, but the value given has shape [2]")]
    [InlineData("input x\ny = x * 2", "x=[1, 2]", 1, 7,
        "--set x: 'x' is declared as a scalar (it has no size and no value in the program; declare a size such as x[3] for a vector), but the value given has shape [2]")]
    [InlineData("input a[D]\ninput b[D]\ny = sum(a * b)", "a=[1, 2];b=[1, 2, 3]", 2, 7, "--set b: the value given for 'b' makes D = 3, but another value already made D = 2")]
    [InlineData("param w[D]\nJ = w[3]", "w=[1, 2]", 2, 6,
        "shapes do not fit 'w[3]': index 3 is out of range for axis 0 of size 2 (positions 0 to 1)")]
    [InlineData("param W[R, C]\nJ = W[1, 5]", "W=[[1, 2], [3, 4]]", 2, 6,
        "shapes do not fit 'W[1, 5]': index 5 is out of range for axis 1 of size 2 (positions 0 to 1)")]
    [InlineData("input x = 1\ny = x * 2", "y=3", 0, 0, "--set y: it is computed by the program (line 2); only param, input and target declarations take values")]
    [InlineData("input x = 1\ny = x * 2", "q=3", 0, 0, "--set q: the program declares no such name (its declarations are x)")]
    public void ValueErrors_NameTheDeclaration(string text, string? sets, int line, int column, string reason)
    {
        var overrides = sets?.Split(';').Select(s => s.Split('=')).ToDictionary(kv => kv[0], kv => GradProgram.ParseValue(kv[1]));
        var p = GradProgram.Parse(text, "t.grad");
        var e = Assert.Throws<GradProgramException>(() => p.Evaluate(overrides));
        Assert.Equal(reason, e.Reason);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Equal("t.grad", e.FileName);
    }

    [Fact]
    public void FailureMessages_DropTheParameterSuffix()
    {
        Assert.Equal("Index 3 is out of range.", Evaluator.MessageOf(new ArgumentOutOfRangeException("indices", "Index 3 is out of range.")));
        Assert.Equal("bad shape", Evaluator.MessageOf(new ArgumentException("bad shape", "shape")));
        Assert.Equal("no parameter", Evaluator.MessageOf(new ArgumentException("no parameter")));
        Assert.Equal("not an argument", Evaluator.MessageOf(new InvalidOperationException("not an argument")));
    }

    [Fact]
    public void Objective_MustBeDefinedAndHoldOneNumber()
    {
        var p = ExplainFiles.Load("e9.grad");
        var e = Assert.Throws<GradProgramException>(() => p.Evaluate(objective: "a1"));
        Assert.Equal("the objective 'a1' has shape [2], but an objective must be a single number; reduce it with sum(...) or mean(...), or choose another with --of", e.Reason);
        Assert.Equal((7, 1), (e.Line, e.Column));
        var unknown = Assert.Throws<GradProgramException>(() => p.Evaluate(objective: "loss"));
        Assert.Equal("the objective 'loss' is not defined (the program defines x, y, W1, W2, W3, a1, h1, a2, h2, yhat, J)", unknown.Reason);
        Assert.False(unknown.Position.IsKnown);

        // A symbolic size is only known at run time; the check happens then.
        var symbolic = GradProgram.Parse("input x[D]\ny = x * 2");
        var late = Assert.Throws<GradProgramException>(() => symbolic.Evaluate(new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray([1.0, 2]) }));
        Assert.StartsWith("the objective 'y' has shape [2]", late.Reason);
        Assert.Equal(1.5 * 2, symbolic.Evaluate(new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray([1.5]) }).ObjectiveValue);
    }

    [Fact]
    public void ConstantAssignmentsAndAliases_HaveGradients()
    {
        var r = GradProgram.Parse("input x = 3\nc = 2\nk = 2 * 5\nalias = x\ny = c * k * alias^2").Evaluate();
        Assert.Equal(2 * 10 * 9, r.ObjectiveValue);
        Assert.Equal(10 * 9, r.Gradient("c").Item());
        Assert.Equal(2 * 9, r.Gradient("k").Item());
        Assert.Equal(2 * 10 * 2 * 3, r.Gradient("alias").Item());
        Assert.Equal(2 * 10 * 2 * 3, r.Gradient("x").Item());
    }

    [Fact]
    public void Evaluate_WorksInsideANoGradScope()
    {
        using (SharpGrad.Autograd.NoGrad())
            Assert.Equal(-18, ExplainFiles.Load("e9.grad").Evaluate().Gradient("W1").ToDoubleArray()[0]);
    }
}
