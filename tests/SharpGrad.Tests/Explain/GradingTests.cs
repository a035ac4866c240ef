using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>
/// Grading that holds: the checker's verdicts and mistake classes on the grading exercises
/// (tests/SharpGrad.Tests/Explain/Exercises/grading-*.grad, answers worked out by hand in their
/// comments) and on the seed examples, each case a right or a wrong answer a student could give.
/// </summary>
public class GradingTests
{
    private static string Exercise(string name) => Path.Combine(ExplainFiles.RepoRoot, "tests", "SharpGrad.Tests", "Explain", "Exercises", name);

    private static GradProgram Load(string file) => GradProgram.Load(file.StartsWith("grading-", StringComparison.Ordinal) ? Exercise(file) : ExplainFiles.Example(file));

    /// <summary>program, wrt, answer, the class of mistake it has (None: a right answer).</summary>
    public static TheoryData<string, string, string, CheckMistake> Cases => new()
    {
        // Softmax + cross-entropy, one-hot target: ∂L/∂z = p − y, ∂L/∂W = (p − y) xᵀ.
        { "grading-softmax-ce.grad", "z", "p - y", CheckMistake.None },
        { "grading-softmax-ce.grad", "z", "exp(z)/sum(exp(z)) - y", CheckMistake.None },
        { "grading-softmax-ce.grad", "z", "dL/dp · dp/de · de/dz", CheckMistake.None },
        { "grading-softmax-ce.grad", "p", "-y/p", CheckMistake.None },
        { "grading-softmax-ce.grad", "W", "outer(p - y, x)", CheckMistake.None },
        { "grading-softmax-ce.grad", "W", "dL/dz ⊗ x", CheckMistake.None },
        { "grading-softmax-ce.grad", "z", "y - p", CheckMistake.SignFlipped },
        { "grading-softmax-ce.grad", "z", "p", CheckMistake.Value },
        { "grading-softmax-ce.grad", "W", "outer(x, p - y)", CheckMistake.Transposed },
        { "grading-softmax-ce.grad", "z", "dL/dz", CheckMistake.Circular },
        // Logistic regression, n = 4: ∂L/∂w = Xᵀ(p − y)/4, ∂L/∂b = Σ(p − y)/4.
        { "grading-logreg.grad", "w", "transpose(X) @ (p - y) / 4", CheckMistake.None },
        { "grading-logreg.grad", "w", "(p - y) @ X / 4", CheckMistake.None },
        { "grading-logreg.grad", "b", "sum(p - y) / 4", CheckMistake.None },
        { "grading-logreg.grad", "b", "mean(p - y)", CheckMistake.None },
        { "grading-logreg.grad", "w", "transpose(X) @ (p - y)", CheckMistake.MissingMean },
        { "grading-logreg.grad", "w", "transpose(X) @ (y - p) / 4", CheckMistake.SignFlipped },
        { "grading-logreg.grad", "w", "transpose(X) @ (p - y) / 8", CheckMistake.ConstantFactor },
        { "grading-logreg.grad", "b", "(p - y) / 4", CheckMistake.MissingSum },
        { "grading-logreg.grad", "b", "dL/dz", CheckMistake.MissingSum },
        { "grading-logreg.grad", "w", "X @ (p - y) / 4", CheckMistake.Shape },
        // Ridge regression with const λ = 0.5: ∂J/∂w = 2Xᵀr + 2λw = 2Xᵀr + w.
        { "grading-ridge.grad", "w", "2*transpose(X) @ r + w", CheckMistake.None },
        { "grading-ridge.grad", "w", "2*transpose(X) @ r + 2*lambda*w", CheckMistake.None },
        { "grading-ridge.grad", "w", "transpose(X) @ r + lambda*w", CheckMistake.ConstantFactor },
        { "grading-ridge.grad", "w", "2*transpose(X) @ r", CheckMistake.MissingPath },   // the regulariser, J's own use of w, left out
        // Two-layer tanh network: ∂L/∂a = ∂L/∂h ⊙ (1 − h²), ∂L/∂W1 = (∂L/∂a) xᵀ.
        { "grading-mlp.grad", "a", "dL/dh * (1 - h^2)", CheckMistake.None },
        { "grading-mlp.grad", "a", "dL/dh · dh/da", CheckMistake.None },
        { "grading-mlp.grad", "a", "dh/da · dL/dh", CheckMistake.None },
        { "grading-mlp.grad", "a", "2*(yhat - y)*v*(1 - h^2)", CheckMistake.None },
        { "grading-mlp.grad", "h", "dL/dyhat · dyhat/dh", CheckMistake.None },
        { "grading-mlp.grad", "W1", "dL/da ⊗ x", CheckMistake.None },
        { "grading-mlp.grad", "v", "2*(yhat - y)*h", CheckMistake.None },
        { "grading-mlp.grad", "W1", "outer(x, dL/da)", CheckMistake.Transposed },
        { "grading-mlp.grad", "a", "dL/dh", CheckMistake.MissingFactor },   // tanh′ = 1 − h² left out
        { "grading-mlp.grad", "v", "2*(yhat - y)*v", CheckMistake.Value },
        { "grading-mlp.grad", "a", "dL/dx", CheckMistake.Circular },
        // Max pooling: ∂L/∂v = 2(m − t)·I[v = max(v)].
        { "grading-maxpool.grad", "v", "2*(m - t)*I[v = max(v)]", CheckMistake.None },
        { "grading-maxpool.grad", "v", "2*(m - t)*I[v = m]", CheckMistake.None },
        { "grading-maxpool.grad", "v", "2*(m - t)", CheckMistake.Shape },
        { "grading-maxpool.grad", "v", "2*(t - m)*I[v = max(v)]", CheckMistake.SignFlipped },
        // The seed examples' defect reproductions.
        { "e2.grad", "n1", "dE/dn1", CheckMistake.Circular },
        { "e1.grad", "n4", "dE/dn6*dn6/dn4 + dE/dn7*dn7/dn4", CheckMistake.NotAPath },
        { "e1.grad", "w_2_5", "dE/dn7 * dn7/dn5 * dn5/dw_5_2", CheckMistake.IndexTypo },
        { "e1.grad", "n4", "-dE/dn6 * dn6/dn4", CheckMistake.SignFlipped },
        { "e2.grad", "n1", "(dE/dn6 * dn6/dn3 + dE/dn8 * dn8/dn3) * dn3/dn1", CheckMistake.MissingPath },
        { "e8.grad", "beta", "dE/dy", CheckMistake.MissingSum },
        { "e8.grad", "beta", "sum(dE/dy)", CheckMistake.None },
        { "e11.grad", "w", "2*(w - t) + alpha*p*abs(w)^(p-1)*sign(w)", CheckMistake.None },
        { "e11.grad", "w", "2*(w-t) + alpha*p*w^(p-1) + 100*I[w < 0]", CheckMistake.Value },   // wrong at w = (0.5, −2, 1.5) already
        { "e9.grad", "yhat", "-6", CheckMistake.None },
        { "e9.grad", "yhat", "6", CheckMistake.SignFlipped },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Verdict_AndClassOfMistake_AgreeWithTheTeacher(string file, string wrt, string answer, CheckMistake expected)
    {
        var r = DerivativeChecker.Check(Load(file), wrt, answer);
        Assert.True(expected == CheckMistake.None == r.IsCorrect, r.ToText());
        Assert.True(expected == r.Mistake, $"expected {expected}, got {r.Mistake}\n{r.ToText()}");
    }

    [Fact]
    public void Const_IsHeldFixed_AnInputIsNot()
    {
        Assert.True(DerivativeChecker.Check(Load("grading-ridge.grad"), "w", "2*transpose(X) @ r + w").IsCorrect);
        var asInput = GradProgram.Parse(File.ReadAllText(Exercise("grading-ridge.grad")).Replace("const lambda", "input lambda", StringComparison.Ordinal));
        Assert.False(DerivativeChecker.Check(asInput, "w", "2*transpose(X) @ r + w").IsCorrect);
        Assert.Equal(DeclarationKind.Const, Load("grading-ridge.grad").Declarations.Single(d => d.Name == "lambda").Kind);
    }

    [Fact]
    public void OneHotTarget_StaysOneHot()
    {
        var r = DerivativeChecker.Check(Load("grading-softmax-ce.grad"), "z", "p - y");
        Assert.True(r.IsCorrect, r.ToText());
        Assert.Contains("y (one-hot target)", r.Fixed);
        Assert.Contains("held fixed: y (one-hot target)", r.ToText());
    }

    [Fact]
    public void Set_IsHeldAtEveryPoint()
    {
        // With p = 2 the penalty α·Σ|w|^p has gradient 2αw: right only while p stays 2.
        var program = Load("e11.grad");
        var p2 = new Dictionary<string, Tensor> { ["p"] = Tensor.Scalar(2.0, DType.Float64) };
        var r = DerivativeChecker.Check(program, "w", "2*(w - t) + 2*alpha*w", overrides: p2);
        Assert.True(r.IsCorrect, r.ToText());
        Assert.Equal(41, r.PointsTried);
        Assert.False(DerivativeChecker.Check(program, "w", "2*(w - t) + 2*alpha*w").IsCorrect);
    }

    [Fact]
    public void NotFinite_IsACounterexample_NotSkipped()
    {
        var w = new Dictionary<string, Tensor> { ["w"] = GradProgram.ParseValue("[0.5, 2, 1.5]") };
        var r = DerivativeChecker.Check(Load("e11.grad"), "w", "2*(w-t) + alpha*p*w^(p-1) + 100*I[w < 0]", overrides: w);
        Assert.False(r.IsCorrect, r.ToText());
        Assert.Equal(CheckMistake.NotFinite, r.Mistake);
        Assert.Contains(r.StudentValue!.ToDoubleArray(), double.IsNaN);
        Assert.All(r.TrueValue!.ToDoubleArray(), v => Assert.True(double.IsFinite(v)));
        Assert.StartsWith("your expression is NaN at this point", r.Diagnostics[0]);
    }

    [Fact]
    public void MissingSum_SaysBothShapes()
    {
        var r = DerivativeChecker.Check(Load("e8.grad"), "beta", "dE/dy");
        Assert.Equal("your expression is [4], ∂E/∂beta is scalar — a sum over the broadcast dimension is missing (your expression sums to the true value)", r.Reason);
        Assert.Equal(1.6, r.TrueValue!.Item(), 12);   // Σ r = 0.3 − 1.2 + 0.5 + 2.0
    }

    [Fact]
    public void WrongShape_IsGraded_WithTransposedHint()
    {
        var r = DerivativeChecker.Check(Load("grading-mlp.grad"), "W1", "outer(x, dL/da)");
        Assert.StartsWith("incorrect: your expression is [3, 2], ∂L/∂W1 is [2, 3] — transposed?\n", r.ToText());
        // Operands that do not fit are a graded answer too, without the engine's op names.
        var e9 = DerivativeChecker.Check(ExplainFiles.Load("e9.grad"), "W2", "W1 @ W2");
        Assert.Equal(CheckMistake.Shape, e9.Mistake);
        Assert.Equal("your expression cannot be evaluated: column 1, W1 @ W2: [2, 1] @ [2, 2]: the left side has 1 columns but the right side has 2 rows", e9.Reason);
    }

    [Fact]
    public void ARowForAColumn_IsTransposed_WhileAVectorIsEither()
    {
        // ∂J/∂W1 of e9 is the column [[−18], [0]] (spec E9); the same numbers as a row are its transpose.
        var e9 = ExplainFiles.Load("e9.grad");
        var row = DerivativeChecker.Check(e9, "W1", "[[-18, 0]]");
        Assert.Equal(CheckMistake.Transposed, row.Mistake);
        Assert.Equal("your expression is [1, 2], ∂J/∂W1 is [2, 1] — transposed?", row.Reason);
        Assert.True(DerivativeChecker.Check(e9, "W1", "[-18, 0]").IsCorrect);
        Assert.True(DerivativeChecker.Check(e9, "W1", "[[-18], [0]]").IsCorrect);
    }

    private const string SquareSigmoid = """
        param A = [[0.5, -1.0], [0.3, 0.8]]
        input X = [[1.0, 0.2], [-0.4, 0.6]]
        const W = [[1.0, -2.0], [0.5, 1.5]]
        S = A @ X
        P = sigmoid(S)
        L = sum(W * P)
        """;

    [Theory]
    // ∂L/∂S = W ⊙ σ(S) ⊙ (1 − σ(S)); S is square, so a matrix product would evaluate too, to other numbers.
    [InlineData("W ⊙ σ(S)(1 − σ(S))", CheckMistake.None)]
    [InlineData("W * sigmoid(S)(1 - sigmoid(S))", CheckMistake.None)]
    [InlineData("W ⊙ σ′(S)", CheckMistake.None)]
    [InlineData("W ⊙ σ(S)(σ(S) − 1)", CheckMistake.SignFlipped)]
    public void ABracketAfterAnElementwiseCall_MultipliesElementwise(string answer, CheckMistake mistake)
    {
        var r = DerivativeChecker.Check(GradProgram.Parse(SquareSigmoid), "S", answer);
        Assert.Equal(mistake, r.Mistake);
    }

    [Fact]
    public void ASeparatedBracketAfterAName_IsStillAMatrixProduct()
    {
        // A(X) with A a matrix is A @ X: ∂L/∂X = Aᵀ(W ⊙ P ⊙ (1 − P)), and A(…) written with the bracket reads as documented.
        var r = DerivativeChecker.Check(GradProgram.Parse(SquareSigmoid), "X", "transpose(A)(W * P * (1 - P))");
        Assert.True(r.IsCorrect, r.ToText());
    }

    private const string Broadcasts = """
        param r = [[0.1, -0.2, 0.3]]
        param c = [[0.5], [-0.4]]
        input X = [[1.0, 0.0, -1.0], [0.5, 2.0, -0.5]]
        const W = [[1.0, -1.0, 2.0], [0.5, 0.3, -0.7]]
        S = r + c + X
        L = sum(sigmoid(S) * W)
        """;

    [Theory]
    // S = r + c + X broadcasts the row r down the 2 rows and the column c across the 3 columns: the true gradients
    // sum W ⊙ σ′(S) over those axes. Without the sum, the answer is the whole [2, 3] matrix.
    [InlineData("c", "W * sigmoid'(S)", CheckMistake.MissingSum)]
    [InlineData("r", "W * sigmoid'(S)", CheckMistake.MissingSum)]
    [InlineData("c", "sum(W * sigmoid'(S), axis=1, keepdim=1)", CheckMistake.None)]
    [InlineData("r", "sum(W * sigmoid'(S), axis=0)", CheckMistake.None)]
    // Summed over the wrong axis: the shape is wrong, and nothing sums to the truth.
    [InlineData("c", "sum(W * sigmoid'(S), axis=0)", CheckMistake.Shape)]
    public void AMissingSum_IsNamed_OverATrailingAxisToo(string wrt, string answer, CheckMistake mistake)
    {
        var r = DerivativeChecker.Check(GradProgram.Parse(Broadcasts), wrt, answer);
        Assert.Equal(mistake, r.Mistake);
    }

    [Fact]
    public void AZeroGradient_NamesNoMissingSum()
    {
        // x is never broadcast and its gradient is 0 at 0: a matrix of zeros has the wrong shape, and no sum is missing.
        var program = GradProgram.Parse("param x = [0, 0]\nL = sum(x^2)\n");
        var r = DerivativeChecker.CheckValue(program, "x", "[[0, 0], [0, 0]]");
        Assert.Equal(CheckMistake.Shape, r.Mistake);
    }

    [Theory]
    // leaky ReLU: z = (0.8, −0.39) gives h = (0.8, −0.0039), h − y = (0.75, 0.39) and, with the mean over 2 cancelling
    // the 2 of the square, ∂L/∂b = (h − y) ⊙ (1, 0.01) = (0.75, 0.0039).
    [InlineData("[0.75, 0.0039]", true)]
    [InlineData("[0.75, 0.00]", true)]    // 0.0039 to two decimals
    [InlineData("[0.75, 0]", false)]      // a whole 0 is exact: relu's derivative where leaky relu's is 0.01
    [InlineData("[0.7500, 0.0039]", true)]
    [InlineData("[0.75, 0.004]", true)]
    [InlineData("[0.750, 0]", false)]
    public void ANumericAnswer_IsRoundedNumberByNumber(string answer, bool correct)
    {
        var program = GradProgram.Parse("""
            param b = [0, 0]
            const z0 = [0.8, -0.39]
            target y = [0.05, -0.3939]
            z = z0 + b
            h = max(z, 0.01 * z)
            L = mean((h - y)^2)
            """);
        Assert.Equal(correct, DerivativeChecker.CheckValue(program, "b", answer).IsCorrect);
    }

    [Fact]
    public void N_IsTheCountOfAMeanAlongAnAxis()
    {
        // mu = mean(X, 0) over 3 rows: every row of ∂L/∂X is c/3, written with n as explain writes a mean's count.
        var program = GradProgram.Parse("input X = [[1, 2], [3, 4], [5, 7]]\nconst c = [0.5, -2]\nmu = mean(X, 0)\nL = sum(c * mu)\n");
        Assert.True(DerivativeChecker.Check(program, "mu", "c").IsCorrect);
        Assert.True(DerivativeChecker.Check(program, "X", "ones(3) cᵀ/n").IsCorrect);
        Assert.Equal(CheckMistake.MissingMean, DerivativeChecker.Check(program, "X", "ones(3) cᵀ").Mistake);
    }

    [Fact]
    public void AnIndicatorOfShapesThatDoNotFit_IsAGradedWrongShape()
    {
        var program = GradProgram.Parse("param X = [[1, 5, 2], [2, -1, 0]]\nm = max(X, axis=1)\nL = sum(m)\n");
        var r = DerivativeChecker.Check(program, "X", "I[X = m]");
        Assert.Equal(CheckMistake.Shape, r.Mistake);
        Assert.Equal("your expression cannot be evaluated: column 1, I[X = m]: the shapes [2, 3] and [2] do not fit an elementwise operation (sizes 3 and 2)", r.Reason);
    }

    /// <summary>relu(w·x) at its kink: x = 0, so ∂L/∂x = 0 there (relu′(0) = 0, as in PyTorch).</summary>
    private const string ReluAtZero = "param x = 0\nparam w = 2\nh = relu(w * x)\nL = 3 * h\n";

    [Fact]
    public void GreaterOrEqual_IsNotStrict_AtTheKinkItIsEvaluatedOn()
    {
        // relu(w·x) at x = 0: I[w·x ≥ 0] is 1 there where relu′ is 0; away from the kink the two agree.
        var program = GradProgram.Parse(ReluAtZero);
        foreach (var answer in new[] { "3 * w * I[w*x >= 0]", "3 * w * I[w*x ≥ 0]" })
        {
            var r = DerivativeChecker.Check(program, "x", answer);
            Assert.NotEqual("symbolic", r.Method);
            Assert.Equal(6, ValueAtTheProgramsPoint(program, answer), 12);
        }
        Assert.Equal(0, ValueAtTheProgramsPoint(program, "3 * w * I[w*x > 0]"), 12);
    }

    private static double ValueAtTheProgramsPoint(GradProgram program, string answer)
    {
        var evaluation = program.Evaluate();
        var point = program.Declarations.ToDictionary(d => d.Name, d => evaluation.Value(d.Name));
        return new CheckExprEvaluator(program, evaluation, point).Evaluate(CheckExprParser.Parse(answer, program.Graph)).Item();
    }

    [Theory]
    // Rounded to their decimals, wrong numbers still name their mistake: −∂L/∂b, ∂L/∂W's transpose, 3 × ∂L/∂w.
    [InlineData("[8, 0.8889, 0.375]", "b", CheckMistake.SignFlipped)]
    [InlineData("[[1.5, 3.5], [2.5, 4.5]]", "W", CheckMistake.Transposed)]
    [InlineData("[[1.5, 2.5], [3.5, 4.5]]", "W", CheckMistake.None)]
    [InlineData("[[-1.5, -2.5], [-3.5, -4.5]]", "W", CheckMistake.SignFlipped)]
    public void ARoundedNumericAnswer_IsClassified(string value, string wrt, CheckMistake mistake)
    {
        // L = sum(−b/x) + sum(C ⊙ W) with x = (0.125, 1.125, 2.666…): ∂L/∂b = −1/x = (−8, −0.888889, −0.375); ∂L/∂W = C.
        var program = GradProgram.Parse("input x = [0.125, 1.125, 2.6666666666666665]\nparam b = [1, 1, 1]\nconst C = [[1.5, 2.5], [3.5, 4.5]]\nparam W = [[0, 0], [0, 0]]\nL = sum(-b / x) + sum(C * W)\n");
        Assert.Equal(mistake, DerivativeChecker.CheckValue(program, wrt, value).Mistake);
    }

    [Fact]
    public void AWrongNumber_WhereTheDerivativeIsZero_NamesNoMissingFactor()
    {
        var program = GradProgram.Parse(ReluAtZero);
        var r = DerivativeChecker.CheckValue(program, "x", "1");
        Assert.Equal(CheckMistake.Value, r.Mistake);
        Assert.Empty(r.Diagnostics);
    }

    [Fact]
    public void NormBars_AreTheNormAsLatexPrintsIt()
    {
        // L = 1 − u·v/(‖u‖‖v‖): ∂L/∂u = (d/‖u‖² · u − v)/(‖u‖‖v‖) with d = u·v.
        var program = GradProgram.Parse("param u = [1, 2, -1]\ninput v = [0.5, -1, 2]\nd = u @ v\nL = 1 - d / (norm(u) * norm(v))\n");
        Assert.True(DerivativeChecker.Check(program, "u", "(d/‖u‖²·u − v)/(‖u‖‖v‖)").IsCorrect);
        Assert.True(DerivativeChecker.Check(program, "u", "(d/norm(u)^2*u - v)/(norm(u)*norm(v))").IsCorrect);
        Assert.Equal(CheckMistake.SignFlipped, DerivativeChecker.Check(program, "u", "(v − d/‖u‖²·u)/(‖u‖ ‖v‖)").Mistake);
    }

    [Fact]
    public void AGreekLetterAgainstAName_IsTheirProduct()
    {
        var program = GradProgram.Parse("param w = [1, -2]\nconst lam = 0.1\nL = lam * sum(w^2)\n");
        Assert.True(DerivativeChecker.Check(program, "w", "2λw").IsCorrect);
        Assert.Equal(CheckMistake.ConstantFactor, DerivativeChecker.Check(program, "w", "λw").Mistake);
    }

    [Fact]
    public void ChainNotation_BetweenVectors_IsAJacobianProduct()
    {
        // ∂p/∂e of p = e/Σe is (I − p 1ᵀ)/Σe: its column sums are 0, so the old elementwise reading gave 0.
        var program = Load("grading-softmax-ce.grad");
        var r = DerivativeChecker.Check(program, "z", "dL/dp · dp/de · de/dz");
        Assert.True(r.IsCorrect, r.ToText());
        var p = program.Evaluate().Value("p").ToDoubleArray();
        var expected = new[] { p[0], p[1] - 1, p[2] };   // p − y with y = (0, 1, 0)
        var actual = r.StudentValue!.ToDoubleArray();
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], actual[i], 12);
    }

    [Theory]
    // z = X w, L = Σ(z − y)²/2: ∂L/∂w = Xᵀ(z − y) = (−1.025, −2.55) (by hand: z − y = (−1.1, 0.55, 0.2)). In Σ_i ∂L/∂(z)_i · ∂(z)_i/∂w
    // the Jacobian product already sums over z's index i, and leaves w's: the answer is a vector, not the sum of its elements.
    [InlineData("Σ_i ∂L/∂(z)_i · ∂(z)_i/∂w", CheckMistake.None)]
    [InlineData("Σ_i ∂L/∂(z)_i · ∂(z)_i/∂(w)_d", CheckMistake.None)]
    [InlineData("Σ_i (∂L/∂(z)_i · ∂(z)_i/∂w)", CheckMistake.None)]
    [InlineData("Σ_i 2 ∂L/∂(z)_i · ∂(z)_i/∂w / 2", CheckMistake.None)]
    [InlineData("[-1.025, -2.55]", CheckMistake.None)]
    [InlineData("-Σ_i ∂L/∂(z)_i · ∂(z)_i/∂w", CheckMistake.SignFlipped)]
    [InlineData("Σ_i ∂L/∂(z)_i", CheckMistake.Shape)]
    public void AnIndexSum_OverAJacobianProduct_IsThatProduct(string answer, CheckMistake mistake)
    {
        var program = GradProgram.Parse("input X[3, 2] = [[1, 2], [0.5, -1], [-1, 1]]\ntarget y[3] = [1, 0, -1]\nparam w[2] = [0.5, -0.3]\nz = X @ w\nL = sum((z - y)^2)/2");
        var r = DerivativeChecker.Check(program, "w", answer);
        Assert.True(r.Mistake == mistake, r.ToText());
    }

    [Theory]
    // sig = softplus(s), L = Σ sig²: ∂L/∂s = 2 sig ⊙ σ(s), since softplus′ is the sigmoid (by hand). σ(…) is that sigmoid, as
    // the program's own formulas print it, not the name sig (nor sigma) times a bracket.
    [InlineData("sig", "2*sig ⊙ σ(s)", true)]
    [InlineData("sig", "2 sig ⊙ sigmoid(s)", true)]
    [InlineData("sig", "2*sig ⊙ sig", false)]
    [InlineData("sigma", "2·(sigma ⊙ σ(s))", true)]
    [InlineData("sigma", "2 σ ⊙ σ(s)", true)]
    public void Sigma_IsTheSigmoid_WhereTheProgramPrintsOne(string name, string answer, bool correct)
    {
        var program = GradProgram.Parse($"param s[2] = [0.2, -0.8]\n{name} = softplus(s)\nL = sum({name}^2)");
        Assert.Equal(correct, DerivativeChecker.Check(program, "s", answer).IsCorrect);
    }

    [Theory]
    // A SwiGLU-like gate, m = a ⊙ g(u) with g(u) = u σ(u): ∂L/∂V = (W2ᵀ(y − t) ⊙ a ⊙ g′(u)) xᵀ with g′(u) = σ(u) + u σ(u)(1 − σ(u))
    // (by hand). ∂g/∂u beside a plain vector is backprop's g′(u), element by element, not g's diagonal Jacobian as a matrix.
    [InlineData("(dL/dm * a * dg/du) xᵀ", true)]
    [InlineData("(dL/dm ⊙ a ⊙ ∂g/∂u) xᵀ", true)]
    [InlineData("(W2ᵀ(y − t) ⊙ a ⊙ (σ(u) + u σ(u)(1 − σ(u)))) xᵀ", true)]
    [InlineData("(dL/dg * dg/du) xᵀ", true)]
    [InlineData("(dL/dm * dg/du) xᵀ", false)]
    [InlineData("(W2ᵀ(y − t) ⊙ a ⊙ σ(u)) xᵀ", false)]
    public void AnElementwiseJacobian_BesideAPlainVector_IsItsDiagonal(string answer, bool correct)
    {
        var program = GradProgram.Parse("input x[2] = [0.8, -0.6]\nparam W1[3, 2] = [[0.5, -0.2], [0.3, 0.7], [-0.4, 0.1]]\nparam V[3, 2] = [[0.6, 0.2], [-0.5, 0.4], [0.9, -0.3]]\n"
            + "param W2[2, 3] = [[0.3, -0.6, 0.2], [0.1, 0.4, -0.5]]\ntarget t[2] = [0.2, -0.1]\na = W1 @ x\nu = V @ x\ng = u * sigmoid(u)\nm = a * g\ny = W2 @ m\nL = 0.5 * sum((y - t)^2)");
        var r = DerivativeChecker.Check(program, "V", answer);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Theory]
    // E = 3w, L = Σ E²: ∂L/∂w = 6E (by hand). A number before a name E or e is their product, not an exponent without digits.
    [InlineData("6E", true)]
    [InlineData("2E·3", true)]
    [InlineData("18w", true)]
    [InlineData("6e", false)]     // six times Euler's e
    public void ANumberBeforeAnE_IsAProduct(string answer, bool correct) =>
        Assert.Equal(correct, DerivativeChecker.Check(GradProgram.Parse("param w = [1, 2]\nE = w * 3\nL = sum(E^2)"), "w", answer).IsCorrect);

    [Theory]
    // z = X w + b, L = mean(softplus(z) − y ⊙ z) over 4: ∂L/∂b = Σ_i (σ(z_i) − y_i)/4 (by hand); σ(z)_i reads component i as (y)_i does.
    [InlineData("Σ_i (σ(z)_i − (y)_i)/4", true)]
    [InlineData("Σ_i (sigmoid(z)_i - (y)_i)/4", true)]
    [InlineData("Σ_i (σ(z)_i − (y)_i)/3", false)]
    public void ASubscriptAfterACall_IsItsComponent(string answer, bool correct) =>
        Assert.Equal(correct, DerivativeChecker.Check(GradProgram.Parse("input X[4, 3] = [[0.5, -1.2, 0.3], [1.5, 0.2, -0.7], [-0.4, 0.9, 1.1], [0.8, -0.3, -1.5]]\n"
            + "target y[4] = [1, 0, 1, 0]\nparam w[3] = [0.4, -0.6, 0.25]\nparam b = -0.1\nz = X @ w + b\nL = mean(softplus(z) - y * z)"), "b", answer).IsCorrect);

    [Fact]
    public void TheHalfOfASquaredSum_IsNoMean_EvenOverTwoRows()
    {
        // L = Σ W²/2 over a 2×2 W: ∂L/∂W = W (by hand). 2W forgets the ½, a constant factor, not a mean over W's 2 rows.
        var program = GradProgram.Parse("param W = [[0.5, -1], [2, 0.3]]\nL = sum(W^2) / 2");
        Assert.True(DerivativeChecker.Check(program, "W", "W").IsCorrect);
        Assert.Equal(CheckMistake.ConstantFactor, DerivativeChecker.Check(program, "W", "2W").Mistake);
        // Divided by its 2 rows without a square, it is a mean written out.
        Assert.Equal(CheckMistake.MissingMean, DerivativeChecker.Check(GradProgram.Parse("input c = [[1, 2], [3, 4]]\nparam W = [[0.5, -1], [2, 0.3]]\nL = sum(W * c) / 2"), "W", "c").Mistake);
    }

    [Theory]
    // L = Σ w²: ∂L/∂w = 2w = (0.002, 0.004) at w = (0.001, 0.002), and (0, 0) at w = 0 (by hand). Zeros everywhere, rounded from a
    // derivative that is not 0, are "the gradient is zero", not its value.
    [InlineData("[0.001, 0.002]", "[0.00, 0.00]", false)]
    [InlineData("[0.001, 0.002]", "[0.002, 0.004]", true)]
    [InlineData("[0.001, 0.002]", "[0.002, 0.00]", true)]
    [InlineData("[0, 0]", "[0.00, 0.00]", true)]
    public void ANumericAnswerOfZeros_ForADerivativeThatIsNot_IsWrong(string w, string answer, bool correct)
    {
        var r = DerivativeChecker.Check(GradProgram.Parse($"param w = {w}\nL = sum(w^2)"), "w", answer);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Theory]
    // a = w ⊙ x with a const x holding a 0 puts relu(a) on its kink at every point; ∂L/∂h of h = relu(a), s = Σh, L = s² + Σw²
    // is 2s·ones(2) (by hand), whatever that kink: it comes after h. ∂L/∂w = 2s·I[a > 0] ⊙ x + 2w is graded as before.
    [InlineData("h", "2·s·ones(2)", true)]
    [InlineData("h", "2·s·ones(2) + 1", false)]
    [InlineData("w", "2·s·I[a > 0] ⊙ x + 2w", true)]
    public void ATieBuiltInBeforeAnIntermediate_IsNoKinkOfItsDerivative(string wrt, string answer, bool correct)
    {
        var program = GradProgram.Parse("const x = [0, -1]\nparam w = [0.5, 0.7]\na = w * x\nh = relu(a)\ns = sum(h)\nL = s^2 + sum(w^2)");
        Assert.Equal(correct, DerivativeChecker.Check(program, wrt, answer).IsCorrect);
    }

    private const string TanhLayer = "input x[3] = [1, -2, 0.5]\ntarget t[2] = [0.5, -1]\nparam W1[4, 3] = [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6], [-0.7, 0.8, 0.9], [0.2, 0.1, -0.1]]\n"
        + "param b1[4] = [0.1, 0, -0.1, 0.2]\nparam W2[2, 4] = [[0.3, -0.2, 0.1, 0.5], [-0.4, 0.6, 0.2, -0.1]]\nh = tanh(W1 @ x + b1)\nL = sum((W2 @ h - t)^2)";

    private const string HeldPart = "param w = 0.7\ninput x = 1.5\nL = tanh(w * x) * w + w";

    private const string TwoAlikeParts = "input x[2] = [0.5, -1]\nparam W[2, 2] = [[0.3, -0.6], [0.8, 0.2]]\nparam v[2] = [1, 2]\n"
        + "L = sum(tanh(W @ x)) + sum(abs(v)) * sum(abs(v)) + (W @ x)[1]";

    [Theory]
    [InlineData(TanhLayer, "W1", "∂L/∂(W1 @ x) · xᵀ", true)]
    [InlineData(TanhLayer, "W1", "∂L/∂(W1 x + b1) xᵀ", true)]
    [InlineData(TanhLayer, "W1", "∂L/∂(W1 @ x) · ∂(W1 @ x)/∂W1", true)]
    [InlineData(TanhLayer, "h", "W2ᵀ · ∂L/∂(W2 @ h)", true)]
    [InlineData(TanhLayer, "h", "W2ᵀ · ∂L/∂(W2 @ h − t)", true)]
    [InlineData(TanhLayer, "h", "∂L/∂(W2 @ h − t)", false)]
    // Calls, indices and transposes are labelled bare, a second part that prints alike with a subscript, as step --all-nodes prints them.
    [InlineData(TwoAlikeParts, "x", "Wᵀ · ∂L/∂(W @ x)₂ + Wᵀ · ∂L/∂(W @ x)", true)]
    [InlineData(TwoAlikeParts, "x", "Wᵀ · ∂L/∂(W @ x)", false)]
    [InlineData(TwoAlikeParts, "x", "Wᵀ · (∂L/∂tanh(W @ x) ⊙ (1 − tanh(W x)^2)) + Wᵀ · [0, ∂L/∂(W @ x)[1]]", true)]
    [InlineData(TwoAlikeParts, "v", "∂L/∂abs(v)₂ ⊙ sign(v) + ∂L/∂abs(v) ⊙ sign(v)", true)]
    [InlineData(TwoAlikeParts, "v", "∂L/∂sum(abs(v))₂ · sign(v) + ∂L/∂sum(abs(v)) · sign(v)", true)]
    [InlineData(TwoAlikeParts, "v", "∂L/∂sum(abs(v)) · sign(v)", false)]
    // A part held fixed, as step --all-nodes writes a direct use beside a part: ∂L/∂w = 1 + tanh(wx) + w·x·(1 − tanh²(wx)) (by hand).
    [InlineData(HeldPart, "w", "∂L/∂w|(tanh(w · x) · w) + ∂L/∂(tanh(w · x) · w) · tanh(w·x) + ∂L/∂(w · x) · x", true)]
    [InlineData(HeldPart, "w", "1 + tanh(w x) + w x (1 - tanh(w x)^2)", true)]
    [InlineData(HeldPart, "w", "∂L/∂w|(tanh(w · x) · w) + ∂L/∂(tanh(w · x) · w) · tanh(w·x)", false)]
    [InlineData(HeldPart, "w", "∂L/∂w|(tanh(w · x) · w)", false)]
    public void UnnamedParts_AsStepLabelsThem_ReadBack(string program, string wrt, string answer, bool correct) =>
        Assert.Equal(correct, DerivativeChecker.Check(GradProgram.Parse(program), wrt, answer).IsCorrect);

    [Fact]
    public void APartsDerivative_ByItsOwnOperand_HoldsItsOtherOperands()
    {
        // L = mean(0.5·q² + |d| − q): step --all-nodes writes ∂L/∂q through the part S = 0.5·q² + |d| − q, whose own op
        // gives ∂S/∂q = −1, and through the part q², ∂(q²)/∂q = 2q; together (q − 1)/3 per component.
        var p = GradProgram.Parse("input d[3] = [0.3, -2, 0.5]\nq = min(abs(d), 1)\nL = mean(0.5 * q^2 + abs(d) - q)");
        Assert.True(DerivativeChecker.Check(p, "q", "∂L/∂(0.5 · q^2 + abs(d) − q) · ∂(0.5 · q^2 + abs(d) − q)/∂q + ∂L/∂(q^2) · ∂(q^2)/∂q").IsCorrect);
        Assert.True(DerivativeChecker.Check(p, "q", "(q - 1)/3").IsCorrect);
    }

    [Fact]
    public void ALocalPartialBetweenNames_HoldsThePartsTheAnswerWritesPathsThrough()
    {
        // s = r + tanh(V r + c): step --all-nodes writes ∂L/∂r as ∂L/∂s · ∂s/∂r + ∂L/∂(V @ r) · ∂(V @ r)/∂r, where ∂s/∂r
        // is the skip alone (the identity); written without the part, ∂s/∂r is the whole local derivative I + diag(…)V.
        var p = GradProgram.Parse("input x = [0.5, -1.0]\ntarget t = [0.2, 0.4]\nparam V = [[-0.5, 0.4], [0.7, 0.3]]\nparam c = [0.0, 0.2]\n"
            + "r = x * 2\ns = r + tanh(V @ r + c)\nL = 0.5 * sum((s - t)^2)");
        Assert.True(DerivativeChecker.Check(p, "r", "∂L/∂s · ∂s/∂r + ∂L/∂(V @ r) · ∂(V @ r)/∂r").IsCorrect);
        Assert.True(DerivativeChecker.Check(p, "r", "∂L/∂s · ∂s/∂r").IsCorrect);
        Assert.True(DerivativeChecker.Check(p, "r", "(s - t) + Vᵀ((s - t) ⊙ (1 − tanh(V r + c)^2))").IsCorrect);
        Assert.False(DerivativeChecker.Check(p, "r", "∂L/∂s · ∂s/∂r + ∂L/∂s · ∂s/∂r").IsCorrect);
    }

    [Fact]
    public void TransposeLabel_IsThePart_WhereTheProgramHasOne()
    {
        // L = sum(X @ Kᵀ): step writes ∂L/∂K as (∂L/∂Kᵀ)ᵀ, the gradient of the part Kᵀ transposed.
        var p = GradProgram.Parse("input X = [[1.0, 0.5], [-0.5, 1.0]]\nparam Wk = [[1.1, 0.3], [-0.4, 0.7]]\nK = X @ Wk\nL = sum(X @ Kᵀ)");
        Assert.True(DerivativeChecker.Check(p, "K", "(∂L/∂Kᵀ)ᵀ").IsCorrect);
        Assert.Equal(CheckMistake.Transposed, DerivativeChecker.Check(p, "K", "∂L/∂Kᵀ").Mistake);
        // Without such a part, ∂L/∂Wᵀ is (∂L/∂W)ᵀ, as before: the derivative asked for itself.
        Assert.Equal(CheckMistake.Circular, DerivativeChecker.Check(GradProgram.Parse(TanhLayer), "W2", "(∂L/∂W2ᵀ)ᵀ").Mistake);
    }

    [Fact]
    public void UnnamedPart_ThatNoExpressionHas_IsNamedInTheError()
    {
        var e = Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(GradProgram.Parse(TanhLayer), "W1", "∂L/∂(W1 @ t) · xᵀ"));
        Assert.Equal("--expr column 5: '(W1 @ t)' in the denominator of the derivative is neither a name nor a part of the program's expressions", e.Message);
    }

    [Theory]
    // ∂L/∂h = 2 W2ᵀ(W2 h − t): the 2 may stand anywhere between the matrix and what it multiplies.
    [InlineData("W2ᵀ · 2(W2 h − t)", true)]
    [InlineData("W2ᵀ 2 (W2 h − t)", true)]
    [InlineData("W2ᵀ · 2 · (W2 h − t)", true)]
    [InlineData("W2ᵀ · 3(W2 h − t)", false)]
    public void ANumber_BetweenAMatrixAndWhatItMultiplies_StandsAside(string answer, bool correct) =>
        Assert.Equal(correct, DerivativeChecker.Check(GradProgram.Parse(TanhLayer), "h", answer).IsCorrect);

    [Fact]
    public void SignLabels_StayLabels_AtEveryPoint()
    {
        // Hinge loss: with y ∈ {−1, 1}, y² = 1, so I[y(y − s) > 0] is I[1 − y s > 0]; both are the teacher's answer.
        var svm = GradProgram.Parse("input X = [[1, 2], [0.5, -1], [2, 0.3], [-1, 1]]\ntarget y = [1, -1, 1, -1]\nparam w = [0.8, -0.2]\nparam b = 0.1\n"
            + "const lam = 0.05\ns = X @ w + b\nL = mean(relu(1 - y * s)) + lam * sum(w^2)");
        var r = DerivativeChecker.Check(svm, "w", "-X.T @ (y * I[y*(y - s) > 0]) / 4 + 2*lam*w");
        Assert.True(r.IsCorrect);
        Assert.Contains("y (±1 labels)", r.Fixed);
        Assert.False(DerivativeChecker.Check(svm, "w", "-X.T @ (y * I[y*(y - s) > 0]) / 4 + lam*w").IsCorrect);
    }

    [Fact]
    public void N_WhereTheMeansAverageDifferentCounts_IsNamedAsSuch()
    {
        var p = GradProgram.Parse("input X = [[1, 2], [0.5, -1], [2, 0.3]]\ntarget Y = [[1, 0, 2, -1], [0, 1, -1, 0.5], [2, 1, 0, 1]]\n"
            + "param W = [[0.1, -0.2, 0.3, 0.5], [0.4, 0.0, -0.1, 0.2]]\nYh = X @ W\nL = mean(mean((Yh - Y)^2, 1))");
        var e = Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(p, "W", "2 * X.T @ (Yh - Y) / (n * 4)"));
        Assert.Equal("--expr column 23: 'n' is not one number in this program: its means average 4 and 3 elements; write the count itself", e.Message);
        Assert.True(DerivativeChecker.Check(p, "W", "2 * X.T @ (Yh - Y) / 12").IsCorrect);
    }

    [Fact]
    public void IndexTypo_SuggestsTheName()
    {
        var r = DerivativeChecker.Check(ExplainFiles.Load("e1.grad"), "w_2_5", "dE/dn7 * dn7/dn5 * dn5/dw_5_2");
        Assert.Equal("w_5_2 is not in the program; did you mean w_2_5? (the indices of w_5_2 are swapped)", r.Reason);
    }

    [Fact]
    public void Circular_AndNotAPath_AreRejectedEvenWhereTheyEvaluateRight()
    {
        // dE/dn7·dn7/dn4 is 0 everywhere, so the sum has the right value, but it is not a path.
        var e1 = DerivativeChecker.Check(ExplainFiles.Load("e1.grad"), "n4", "dE/dn6*dn6/dn4 + dE/dn7*dn7/dn4");
        Assert.Equal("the term dE/dn7*dn7/dn4 is not a path from E to n4: n7 does not depend on n4, so dn7/dn4 is 0", e1.Reason);
        var e2 = DerivativeChecker.Check(ExplainFiles.Load("e2.grad"), "n1", "dE/dn1");
        Assert.Equal("dE/dn1 is the derivative asked for: the answer must not use it", e2.Reason);
        // y = f(x, h(x)): ∂y/∂x is the local partial of the direct path, a legitimate factor.
        var both = GradProgram.Parse("input x = 0.7\nh = sin(x)\ny = x * h");
        Assert.True(DerivativeChecker.Check(both, "x", "dy/dx + dy/dh * dh/dx").IsCorrect);
    }

    [Fact]
    public void NumericAnswer_IsComparedAtTheGivenValues()
    {
        var e9 = ExplainFiles.Load("e9.grad");
        Assert.Equal("value", DerivativeChecker.Check(e9, "yhat", "-6").Method);
        Assert.True(DerivativeChecker.CheckValue(e9, "yhat", "-6").IsCorrect);
        Assert.Equal(CheckMistake.SignFlipped, DerivativeChecker.CheckValue(e9, "yhat", "6").Mistake);
        // e7 at x1 = 0.5: σ′(0.5) = 0.2350037...; written with decimals, the rounded value is accepted.
        var e7 = ExplainFiles.Load("e7.grad");
        Assert.True(DerivativeChecker.CheckValue(e7, "x1", "0.235").IsCorrect);
        Assert.False(DerivativeChecker.CheckValue(e7, "x1", "0.236").IsCorrect);
        Assert.False(DerivativeChecker.CheckValue(e7, "x1", "0.2").IsCorrect);
        Assert.True(DerivativeChecker.CheckValue(ExplainFiles.Load("e11.grad"), "w", "[-0.925, -5.2, 1.675]").IsCorrect);
    }

    // GELU (tanh approximation) neuron; PyTorch (float64): ∂L/∂b = −0.108386295, ∂L/∂w = (−0.130063554, −0.075870407).
    private const string GeluNeuron = "param w = [0.5, -0.3]\nparam b = 0.1\ninput x = [1.2, 0.7]\ntarget y = 0.4\nz = w @ x + b\n"
        + "u = sqrt(2/pi) * (z + 0.044715 * z^3)\nh = 0.5 * z * (1 + tanh(u))\nL = (h - y)^2";

    [Fact]
    public void NumericAnswer_OffInItsLastDigit_IsARoundingSlipNotAMissingEpsilon()
    {
        var program = GradProgram.Parse(GeluNeuron);
        var b = DerivativeChecker.CheckValue(program, "b", "-0.1085");
        Assert.False(b.IsCorrect);
        Assert.Contains("it rounds to −0.1084", Assert.Single(b.Diagnostics));
        Assert.DoesNotContain("ε", b.Diagnostics[0]);
        Assert.True(DerivativeChecker.CheckValue(program, "b", "-0.1084").IsCorrect);
        // Each element to its own digits: −0.0758704 rounds to −0.0759.
        var w = DerivativeChecker.CheckValue(program, "w", "[-0.1301, -0.0758]");
        Assert.Contains("it rounds to (−0.1301, −0.0759)", Assert.Single(w.Diagnostics));
    }

    // SiLU layer; PyTorch (float64): ∂L/∂W = [[0.293431250, −0.146715625], [−0.312543501, 0.156271751]] = δ xᵀ.
    private const string SiluLayer = "param W = [[0.4, -0.2], [0.3, 0.8]]\nparam b = [0.1, -0.1]\ninput x = [1.0, -0.5]\ntarget t = [0.2, 0.3]\n"
        + "z = W @ x + b\nh = z * sigmoid(z)\nL = sum((h - t)^2)";

    [Theory]
    // ∂L/∂W_ij = δ_i x_j: two components with different indices are an entry of the outer product, the earlier letter the row.
    [InlineData("(dL/dz)_i (x)_j")]
    [InlineData("(x)_j · (dL/dz)_i")]
    // The bracket that defines z, as the denominator, is z.
    [InlineData("∂L/∂(W @ x + b) xᵀ")]
    // zσ(z), a name against a Greek letter's call, is their product.
    [InlineData("(2(h − t) ⊙ (σ(z) + zσ(z)(1 − σ(z)))) xᵀ")]
    // xᵀ after an elementwise run of vectors is the outer product of the whole run: a vector ⊙ a matrix is no matrix notation.
    [InlineData("2(h − t) ⊙ (σ(z) + z σ(z)(1 − σ(z))) xᵀ")]
    public void SiluLayer_MatrixGradient_InStudentNotations_IsCorrect(string answer)
    {
        var r = DerivativeChecker.Check(GradProgram.Parse(SiluLayer), "W", answer);
        Assert.True(r.IsCorrect, r.ToText());
        Assert.Equal([0.2934312498065118, -0.1467156249032559, -0.31254350118642593, 0.15627175059321297], r.TrueValue!.ToDoubleArray(), new Tolerance(1e-12));
    }

    [Fact]
    public void SiluLayer_SwappedIndices_AreTheTranspose()
    {
        var r = DerivativeChecker.Check(GradProgram.Parse(SiluLayer), "W", "(dL/dz)_j (x)_i");
        Assert.Equal(CheckMistake.Transposed, r.Mistake);
    }

    [Theory]
    // L = tanh(wx)²: ∂L/∂w = 2h(1 − h²)x by hand. A power on a function's name is its value's (tanh²(a) = tanh(a)²), and
    // sech² = 1 − tanh² is tanh′ as calculus books write it.
    [InlineData("2 h (1 − tanh²(a)) x", true)]
    [InlineData("2 h sech²(a) x", true)]
    [InlineData("2 tanh(a) sech(a)^2 x", true)]
    [InlineData("2 h sech(a) x", false)]
    [InlineData("2 tanh³(a) x", false)]
    public void FunctionPowers_AndSech_AreRead(string answer, bool correct)
    {
        var program = GradProgram.Parse("param w = 0.6\ninput x = 1.5\na = w*x\nh = tanh(a)\nL = h^2");
        Assert.True(DerivativeChecker.Check(program, "w", "2 h (1 - h^2) x").IsCorrect);
        Assert.Equal(correct, DerivativeChecker.Check(program, "w", answer).IsCorrect);
    }

    [Theory]
    // L = Σ(tanh(Wx) − t)², W 3×2: ∂L/∂W_ij = 2(h − t)_i (1 − h_i²) x_j by hand. Equal letters on vectors multiply
    // elementwise in any order, a bracket with its own letters is one factor, and a subscript may sit on a call.
    [InlineData("(2(h - t))_i (1 - (h)_i^2) (x)_j", true)]
    [InlineData("(x)_j (2(h - t))_i (1 - (h)_i^2)", true)]
    [InlineData("(2(h - t) * (1 - h^2))_i (x)_j", true)]
    [InlineData("2 (h - t)_i sech²((z)_i) (x)_j", true)]
    [InlineData("∂L/∂(z)_i (x)_j", true)]
    [InlineData("2 (h - t)_k (1 - (h)_k^2) δ_ki (x)_j", true)]
    [InlineData("(∂L/∂h)_i (1 - tanh(z)^2)_i (x)_j", true)]
    // Letters that differ in the bracket make an outer product: a vector's derivative of a matrix is the wrong shape.
    [InlineData("2 (h - t)_i (1 - (h)_j^2) (x)_j", false)]
    public void IndexNotation_ElementwiseAndOuter_InAnyOrder(string answer, bool correct)
    {
        var program = GradProgram.Parse("param W = [[0.5, -0.3], [0.2, 0.8], [-0.7, 0.4]]\ninput x = [1.5, -0.5]\ntarget t = [0.2, -0.4, 0.6]\n"
            + "z = W @ x\nh = tanh(z)\nL = sum((h - t)^2)");
        Assert.True(DerivativeChecker.Check(program, "W", "2((h - t) * (1 - h^2)) xᵀ").IsCorrect);
        Assert.Equal(correct, DerivativeChecker.Check(program, "W", answer).IsCorrect);
    }

    [Theory]
    // L = (uᵀWv − t)²: ∂L/∂t = −2(s − t), ∂L/∂u_i = 2(s − t) W_ij v_j. Letters shared with a matrix are summed whatever
    // their names, and a vector's bias is added along its own letter: ∂L/∂Z of Z = XW + b (b per column) takes (b)_j.
    [InlineData("t", "-2 (u)_k (W)_kl (v)_l + 2t", true)]
    [InlineData("t", "-2 (u)_l (W)_lk (v)_k + 2t", true)]
    [InlineData("t", "-2 Σ_kl (u)_k (W)_kl (v)_l + 2t", true)]
    [InlineData("t", "-2 Σ_{k,l} (u)_k (W)_kl (v)_l + 2t", true)]
    [InlineData("u", "2 ((u)_k (W)_kl (v)_l - t) (W)_ij (v)_j", true)]
    [InlineData("u", "2 ((u)_k (W)_kl (v)_l - t) (W)_ji (v)_j", false)]
    public void IndexNotation_SummedLetters_WhateverTheirNames(string wrt, string answer, bool correct)
    {
        var program = GradProgram.Parse("param u = [0.5, -1.0, 0.7]\nparam W = [[0.2, -0.7], [1.1, 0.3], [-0.4, 0.8]]\n"
            + "param v = [1.2, -0.6]\nparam t = 0.4\ns = u @ (W @ v)\nL = (s - t)^2");
        Assert.Equal(correct, DerivativeChecker.Check(program, wrt, answer).IsCorrect);
    }

    [Theory]
    // Z = XW + b, L = Σ(Z − T)²: ∂L/∂Z = 2(XW + b − T) with b added to every row, so its letter is the column's, j.
    [InlineData("2((X)_il (W)_lj + (b)_j - (T)_ij)", true)]
    [InlineData("2((X)_il (W)_lj + (b)_i - (T)_ij)", false)]
    public void IndexNotation_AVectorInASum_RunsAlongItsLetter(string answer, bool correct)
    {
        var program = GradProgram.Parse("input X = [[1.0, 0.5, -0.2], [0.3, -1.2, 0.8], [0.9, 0.4, 1.1]]\n"
            + "param W = [[0.2, -0.7, 0.1], [1.1, 0.3, -0.5], [-0.4, 0.8, 0.6]]\nparam b = [0.3, -0.1, 0.7]\n"
            + "target T = [[1, 0, 0], [0, 1, 1], [1, 1, 0]]\nZ = X @ W + b\nL = sum((Z - T)^2)");
        Assert.Equal(correct, DerivativeChecker.Check(program, "Z", answer).IsCorrect);
    }

    [Theory]
    // Two-layer net, h = relu(W1 x + b1), L = Σ(W2 h − y)²: ∂L/∂W1_ij = Σ_k W2_ki 2(z2 − y)_k I[z1_i > 0] x_j by hand.
    // An answer that writes its Σ sums only its letters, whatever order the factors stand in; a division is a factor.
    [InlineData("(x)_j Σ_k (W2)_ki 2(z2 − y)_k I[(z1)_i > 0]", true)]
    [InlineData("Σ_k (W2)_ki 2(z2 − y)_k I[(z1)_i > 0] (x)_j", true)]
    [InlineData("Σ_k (W2)_ki (z2 − y)_k / 0.5 I[(z1)_i > 0] (x)_j", true)]
    [InlineData("Σ_k (W2)_ki 2(z2 − y)_k (h)_i / (z1)_i (x)_j", true)]
    [InlineData("(W2ᵀ 2(z2 − y) ⊙ I[z1 > 0])_i xᵀ", true)]
    [InlineData("Σ_k (W2)_ik 2(z2 − y)_k I[(z1)_i > 0] (x)_j", false)]
    public void IndexNotation_WrittenSums_AndMixedMatrixNotation(string answer, bool correct)
    {
        var program = GradProgram.Parse("input x = [0.5, -1.2, 0.8]\nparam W1 = [[0.3, -0.5, 0.2], [0.7, 0.1, -0.4], [-0.6, 0.9, 0.5], [0.2, 0.4, -0.3]]\n"
            + "param b1 = [0.1, 0.5, 0.05, 0.3]\nparam W2 = [[0.5, -0.3, 0.8, 0.1], [-0.2, 0.6, -0.4, 0.9]]\ntarget y = [1.0, -0.5]\n"
            + "z1 = W1 @ x + b1\nh = relu(z1)\nz2 = W2 @ h\nL = sum((z2 - y)^2)");
        var r = DerivativeChecker.Check(program, "W1", answer);
        Assert.Equal(correct, r.IsCorrect);
        if (correct) Assert.Equal([-0.4178, 1.0027, -0.6685, 0.5118, -1.2283, 0.8189, 0, 0, 0, 0, 0, 0], r.TrueValue!.ToDoubleArray(), new Tolerance(1e-4));
    }

    [Theory]
    // Softmax cross-entropy, p = softmax(z), one-hot y: ∂L/∂z_i = Σ_k (−y_k/p_k) p_k (δ_ki − p_i) = p_i − y_i by hand.
    [InlineData("Σ_k (−(y)_k/(p)_k) (p)_k (δ_ki − (p)_i)", true)]
    [InlineData("Σ_k (−(y)_k/(p)_k) (p)_k (δ_ik − (p)_k)", false)]
    [InlineData("Σ_k (−(y)_k/(p)_k) (p)_k (I[k = i] − (p)_i)", true)]
    public void IndexNotation_KroneckerDelta(string answer, bool correct)
    {
        var program = GradProgram.Parse("input x = [0.5, -1.0, 2.0, 0.3]\nparam W = [[0.2, -0.1, 0.4, 0.3], [-0.5, 0.6, 0.1, -0.2], [0.3, 0.2, -0.3, 0.7]]\n"
            + "target y = [0, 1, 0]\nz = W @ x\np = softmax(z)\nL = -sum(y * log(p))");
        Assert.Equal(correct, DerivativeChecker.Check(program, "z", answer).IsCorrect);
    }

    [Theory]
    // Layer norm, L = Σ c ⊙ h: ∂L/∂z = (c − mean(c) − h·mean(c ⊙ h))/σ by hand. A letter inside a Σ_k body that is not k
    // stays free: Σ_k ((c)_k/5 + (h)_i) is mean(c) + 5h_i, wrong.
    [InlineData("(c)_i / S − Σ_k ((c)_k + (h)_i (c)_k (h)_k) / (5 S)", true)]
    [InlineData("((c)_i − Σ_k ((c)_k/5 + (h)_i) − (h)_i Σ_k (c)_k (h)_k / 5) / S", false)]
    public void IndexNotation_ALetterInsideASum_ThatIsNotItsOwn_StaysFree(string answer, bool correct)
    {
        var program = GradProgram.Parse("param z = [0.5, -1.0, 2.0, 0.3, 1.1]\ninput c = [0.7, -0.2, 0.4, 1.3, -0.9]\nh = layer_norm(z)\nL = sum(c * h)");
        Assert.Equal(correct, DerivativeChecker.Check(program, "z", answer.Replace("S", "sqrt(mean((z − mean(z))^2) + 1e-5)")).IsCorrect);
    }

    [Theory]
    // Z = XW + b over 4 rows, L = mean((Z − T)²) of 8 numbers: ∂L/∂b = 1ᵀ 2(Z − T)/8, column sums, by hand. A number
    // between 1ᵀ and the matrix stands aside, as it does after Wᵀ.
    [InlineData("1ᵀ 2(Z − T)/8", true)]
    [InlineData("1ᵀ (Z − T)/4", true)]
    [InlineData("1ᵀ 3(Z − T)/8", false)]
    public void OnesRow_BeforeANumberAndAMatrix_IsColumnSums(string answer, bool correct)
    {
        var program = GradProgram.Parse("input X = [[0.5, -1.0, 0.3], [1.2, 0.4, -0.7], [-0.3, 0.8, 0.9], [0.6, -0.2, -1.1]]\n"
            + "param W = [[0.2, -0.4], [0.7, 0.1], [-0.5, 0.3]]\nparam b = [0.1, -0.2]\n"
            + "target T = [[0.3, 0.1], [-0.4, 0.5], [0.8, -0.6], [0.0, 0.2]]\nZ = X @ W + b\nL = mean((Z - T)^2)");
        Assert.Equal(correct, DerivativeChecker.Check(program, "b", answer).IsCorrect);
    }

    [Theory]
    // L = Σr² + λΣW², r = Wx − y, W 2×3: ∂L/∂W_ij = 2 r_i x_j + 2λ W_ij by hand. A term with its letters the other way
    // round is the transpose of W, 3×2: a wrong answer graded as such, not refused.
    [InlineData("2 (r)_i (x)_j + 2 lam (W)_ij", CheckMistake.None)]
    [InlineData("2 (r)_i (x)_j + 2 lam (W)_ji", CheckMistake.Transposed)]
    public void IndexNotation_TermsOfOtherSizes_AreGraded(string answer, CheckMistake mistake)
    {
        var program = GradProgram.Parse("param lam = 0.5\nparam W = [[0.5, -1.2, 0.3], [1.1, 0.4, -0.7]]\ninput x = [0.9, -0.6, 1.4]\n"
            + "target y = [0.2, -0.5]\nr = W @ x - y\nL = sum(r^2) + lam * sum(W^2)");
        Assert.Equal(mistake, DerivativeChecker.Check(program, "W", answer).Mistake);
    }

    [Fact]
    public void CombiningHatsAndBars_ReadAsTheirNames()
    {
        // r̂ (r and U+0302) has no one-character form: it is rhat, as ŷ is yhat. ∂L/∂u = 2(r̂ − r)v by hand.
        var program = GradProgram.Parse("param u = [0.5, -0.3]\nparam v = [0.7, 0.1]\ntarget r = 4\nrhat = dot(u, v)\nL = (rhat - r)^2");
        Assert.True(DerivativeChecker.Check(program, "u", "2(r\u0302 − r)v").IsCorrect);
    }

    [Fact]
    public void HeldPartial_NeedsOnlyTheNamesThatMoveWithTheVariable()
    {
        // L = v·h1 + v·h2 + v·h3, h_{t+1} = W h_t + x: ∂L/∂h1 with h2 held is v (h3 reads h1 only through h2); with h3
        // held it is not defined by the names alone, since h2 still moves with h1.
        var program = GradProgram.Parse("input h0 = [1, -1]\nparam W = [[0.3, -0.5], [0.8, 0.2]]\nconst v = [1, 2]\n"
            + "h1 = W @ h0\nh2 = W @ h1\nh3 = W @ h2\nL = v @ h1 + v @ h2 + v @ h3");
        Assert.True(DerivativeChecker.Check(program, "h0", "dL/dh3 · dh3/dh2 · dh2/dh1 · dh1/dh0 + dL/dh2 · dh2/dh1 · dh1/dh0 + dL/dh1|h2 · dh1/dh0").IsCorrect);
        var e = Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "h0", "dL/dh1|h3 · dh1/dh0"));
        Assert.Contains("h2 depends on h1 and is not held fixed", e.Message);
    }

    [Fact]
    public void GivenValuesOnAKink_AreSaidNotGraded()
    {
        // L = Σ|w|: at w = (0, 2) the first component sits on abs's kink; sign(w) is right everywhere else.
        var program = GradProgram.Parse("param w = [0, 2]\nL = sum(abs(w))");
        var r = DerivativeChecker.Check(program, "w", "w/|w|");
        Assert.True(r.IsCorrect);
        Assert.Contains("the given values are on or next to a kink", Assert.Single(r.Diagnostics));
        Assert.Empty(DerivativeChecker.Check(GradProgram.Parse("param w = [1, 2]\nL = sum(abs(w))"), "w", "w/|w|").Diagnostics);
    }

    // q = xᵀAx with A not symmetric: ∂q/∂x = (A + Aᵀ)x = (1, −8.75, −9) by hand, at x = (1, −2, 0.5).
    private const string QuadraticForm = "param A = [[1, 2, 0], [-1, 3, 4], [2, 0.5, -2]]\nparam x = [1, -2, 0.5]\nq = x @ A @ x";

    [Theory]
    // A letter shared by a matrix and a vector is summed, with or without the Σ: (A)_ij (x)_j is (Ax)_i.
    [InlineData("(A)_ij (x)_j + (A)_ji (x)_j")]
    [InlineData("Σ_j ((A)_ij + (A)_ji)(x)_j")]
    [InlineData("Σ_j (A)_ij (x)_j + Σ_j (x)_j (A)_ji")]
    [InlineData("(x)_j (A)_ji + (A)_ij * (x)_j")]
    public void IndexNotation_SumsASharedLetter(string answer)
    {
        var r = DerivativeChecker.Check(GradProgram.Parse(QuadraticForm), "x", answer);
        Assert.True(r.IsCorrect, r.ToText());
        Assert.Equal([1, -8.75, -9], r.TrueValue!.ToDoubleArray(), new Tolerance(1e-12));
    }

    [Fact]
    public void IndexNotation_OneOfTwoPaths_IsIncorrect_WithTheOtherNamed()
    {
        // Σ_j A_ji x_j = (Aᵀx)_i = (4, −3.75, −9) by hand: the path through the second x; the first, Ax, is missing.
        var r = DerivativeChecker.Check(GradProgram.Parse(QuadraticForm), "x", "(A)_ji (x)_j");
        Assert.Equal([4, -3.75, -9], r.StudentValue!.ToDoubleArray(), new Tolerance(1e-12));
        Assert.Equal(CheckMistake.MissingPath, r.Mistake);
        Assert.Contains("through the factor x of x @ A", r.Diagnostics[0]);
    }

    [Theory]
    // L = Σ A ⊙ B: ∂L/∂A_ij = B_ij. The letters of an entry run in alphabetical order, rows first: (B)_ji is Bᵀ.
    [InlineData("(B)_ij", CheckMistake.None)]
    [InlineData("(B)_ji", CheckMistake.Transposed)]
    [InlineData("(Bᵀ)_ji", CheckMistake.None)]
    [InlineData("(B)_ij (A)_ij / (A)_ij", CheckMistake.None)]
    public void IndexNotation_MatrixEntry_FollowsItsLetters(string answer, CheckMistake mistake)
    {
        var r = DerivativeChecker.Check(GradProgram.Parse("param A = [[1, -2], [3, 0.5]]\nparam B = [[2, 1], [-1, 4]]\nL = sum(A * B)"), "A", answer);
        Assert.Equal(mistake, r.Mistake);
    }

    [Theory]
    // L = Σ (XW − T)²: ∂L/∂W = Xᵀ · 2(Z − T), so ∂L/∂W_ij = Σ_k X_ki · 2(Z − T)_kj; a number between the entries stands aside.
    [InlineData("Σ_k (X)_ki (2(Z - T))_kj", true)]
    [InlineData("Σ_k (X)_ki 2(Z - T)_kj", true)]
    [InlineData("(X)_ki * 2 * (Z - T)_kj", true)]
    [InlineData("Σ_k (2(Z - T))_kj (X)_ki", true)]
    // Σ_k X_kj · 2(Z − T)_ki is the transpose; Σ_i over a matrix entry sums its column index away.
    [InlineData("Σ_k (X)_kj (2(Z - T))_ki", false)]
    public void IndexNotation_MatrixProduct_OverTheSharedLetter(string answer, bool correct)
    {
        var program = GradProgram.Parse("param W = [[0.2, -0.4, 0.1], [0.5, 0.3, -0.2]]\ninput X = [[1, 2], [0.5, -1], [-1, 0.3]]\n"
            + "target T = [[1, 0, 1], [0, 1, 0], [1, 1, 0]]\nZ = X @ W\nL = sum((Z - T)^2)");
        Assert.Equal(correct, DerivativeChecker.Check(program, "W", answer).IsCorrect);
    }

    [Theory]
    [InlineData("(A)_ii", "repeats its index")]
    [InlineData("(x)_ij", "gives two indices to x, which is a vector")]
    [InlineData("(A)_ijk", "gives 3 indices")]
    [InlineData("(A)_i1", "is no index")]
    [InlineData("Σ_k (A)_ij (x)_j", "k is not an index of what follows it")]
    [InlineData("Σ_j Σ_j (A)_ij (x)_j", "sums a letter summed already")]
    [InlineData("Σ_1 (A)_ij (x)_j", "write the index letters it sums over")]
    [InlineData("(A)_ij δ_jj (x)_j", "δ_jj repeats its index")]
    public void IndexNotation_ThatCannotBeFollowed_IsAnError(string answer, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(GradProgram.Parse(QuadraticForm), "x", answer));
        Assert.Contains(message, e.Message);
    }

    // Batch norm over 3 rows; PyTorch (float64): ∂L/∂γ = (11.031121053, 2.350486422), the diagonal of X̂ᵀ · 2(Y − T).
    [Fact]
    public void Diag_OfAMatrix_IsItsDiagonal()
    {
        var program = GradProgram.Parse("input X = [[1.0, 2.0], [3.0, -1.0], [0.0, 0.5]]\nparam gamma = [1.5, 0.8]\nparam beta = [0.1, -0.2]\n"
            + "target T = [[0.5, 1.0], [-0.5, 0.0], [0.2, 0.3]]\nmu = mean(X, 0)\nDm = X - mu\nvar = mean(Dm^2, 0)\nXhat = Dm / sqrt(var + 1e-5)\n"
            + "Y = gamma * Xhat + beta\nL = sum((Y - T)^2)");
        var r = DerivativeChecker.Check(program, "gamma", "diag(Xhatᵀ (2(Y − T)))");
        Assert.True(r.IsCorrect, r.ToText());
        Assert.Equal([11.031121052984643, 2.3504864223551385], r.TrueValue!.ToDoubleArray(), new Tolerance(1e-9));
        Assert.True(DerivativeChecker.Check(program, "gamma", "sum(Xhat ⊙ 2(Y − T), 0)").IsCorrect);
    }

    // Poisson regression; PyTorch (float64): ∂L/∂w = Xᵀ(μ − y) = (−0.297649449, −1.895792811).
    [Theory]
    [InlineData("Σ_i (mu − y)_i · ∂(eta)_i/∂w", true)]
    [InlineData("Σ_i (exp(eta) − y)_i d(eta)_i/dw", true)]
    [InlineData("(mu − y) · ∂eta/∂w", true)]
    [InlineData("Σ_i (mu + y)_i · ∂(eta)_i/∂w", false)]
    public void PlainVectorBesideAFullJacobian_IsTheVectorJacobianProduct(string answer, bool right)
    {
        var program = GradProgram.Parse("input X = [[1, 0.5], [0.2, -1], [-0.5, 0.3]]\nparam w = [0.4, -0.3]\ntarget y = [2, 0, 1]\n"
            + "eta = X @ w\nmu = exp(eta)\nL = sum(mu - y * eta)");
        var r = DerivativeChecker.Check(program, "w", answer);
        Assert.Equal(right, r.IsCorrect);
        Assert.Equal([-0.2976494492146962, -1.8957928108167845], r.TrueValue!.ToDoubleArray(), new Tolerance(1e-12));
        if (right) Assert.Equal(r.TrueValue!.ToDoubleArray(), r.StudentValue!.ToDoubleArray(), new Tolerance(1e-9));
    }

    // A mixture's log-likelihood; PyTorch (float64): ∂L/∂s = n·softmax(s) − Σ_i softmax(E)_i = (−0.059867586, 0.059867586).
    [Theory]
    [InlineData("3 softmax(s) − 1ᵀ softmax(E)")]
    [InlineData("3 softmax(s) − 1ᵀ exp(log_softmax(E))")]
    [InlineData("3 softmax(s) − 1ᵀ (2 softmax(E)) / 2")]
    public void OnesRow_BeforeASoftmaxOfAMatrix_IsItsColumnSums(string answer)
    {
        var program = GradProgram.Parse("input x = [[0.5], [-1], [2]]\nparam mu = [0, 1.5]\nparam s = [0.2, -0.1]\n"
            + "E = -(x - mu)^2 / 2 + log_softmax(s)\nL = -sum(log(sum(exp(E), 1)))");
        var r = DerivativeChecker.Check(program, "s", answer);
        Assert.True(r.IsCorrect, r.ToText());
        Assert.Equal([-0.05986758645756296, 0.05986758645756313], r.TrueValue!.ToDoubleArray(), new Tolerance(1e-12));
    }

    // L = min(r, clip(r)) for r = eˣ: inside [0.8, 1.2] the two sides are equal by construction and move alike with r, so
    // ∂L/∂r there is 1 (by hand: ½ + ½ from the shared tie, and PyTorch's minimum at x = 0.1 agrees); above 1.2 it is 0,
    // below 0.8 it is 1: ∂L/∂r = I[r ≤ 1.2] = I[r ≤ c]. The points inside the tie are graded, not skipped as kinks.
    [Theory]
    [InlineData("I[r <= c]", true)]
    [InlineData("I[r < 1.2]", true)]
    [InlineData("I[r < c]", false)]
    [InlineData("I[r < 0.8] + 7*I[r > 0.8]*I[r < 1.2]", false)]
    [InlineData("I[r > 0.8]", false)]
    public void TieThatHoldsOnAnInterval_AfterAnIntermediateVariable_IsGraded(string answer, bool right)
    {
        var program = GradProgram.Parse("param x = 0.3\nr = exp(x)\nc = max(min(r, 1.2), 0.8)\nL = min(r, c)");
        Assert.Equal(right, DerivativeChecker.Check(program, "r", answer).IsCorrect);
    }

    // PPO's clipped objective with A = −1: ∂L/∂r = −A·I[r ≥ 1 − ε] by hand (the unclipped side is the minimum of rA and
    // cA exactly where r ≥ 1 − ε, tied inside the clip).
    [Theory]
    [InlineData("r", "-A*I[r ≥ 1 - eps]", true)]
    [InlineData("r", "-A * I[r*A < c*A]", false)]
    [InlineData("logp", "-A*r*I[r ≥ 1 - eps]", true)]
    [InlineData("logp", "-A*r*I[r > 1 + eps]", false)]
    public void PpoClip_AtAnIntermediateRatio_IsGradedInsideTheClip(string wrt, string answer, bool right)
    {
        var program = GradProgram.Parse("param theta = [0.3, -0.2, 0.1]\nconst a = [1, 0, 0]\nconst logp_old = -1.2\nconst A = -1.0\nconst eps = 0.2\n"
            + "logp = dot(a, log_softmax(theta))\nr = exp(logp - logp_old)\nc = max(min(r, 1 + eps), 1 - eps)\nL = -min(r * A, c * A)");
        Assert.Equal(right, DerivativeChecker.Check(program, wrt, answer).IsCorrect);
    }

    // ListNet: L = −Σ p log q with q = softmax(z): ∂L/∂z = q − p by hand; softmax's backward q ⊙ (g − g·q) with g = ∂L/∂q
    // reads g·q as their dot product.
    [Theory]
    [InlineData("q ⊙ (∂L/∂q − ∂L/∂q · q)", true)]
    [InlineData("q ⊙ (∂L/∂q − q · ∂L/∂q)", true)]
    [InlineData("q ⊙ (∂L/∂q − ∂L/∂q ⊙ q)", false)]
    public void SoftmaxBackward_GradientDotVector_IsTheirDotProduct(string answer, bool right)
    {
        var program = GradProgram.Parse("input X = [[1.0, 0.5], [0.2, -1.0], [-0.3, 0.8]]\nparam w = [0.4, -0.6]\ntarget t = [2.0, 1.0, 0.0]\n"
            + "p = softmax(t)\nz = X @ w\nq = softmax(z)\nL = -sum(p * log(q))");
        var r = DerivativeChecker.Check(program, "z", answer);
        Assert.Equal(right, r.IsCorrect);
        var e = new[] { Math.Exp(2.0), Math.Exp(1.0), 1.0 };
        var zs = new[] { 1.0 * 0.4 + 0.5 * -0.6, 0.2 * 0.4 + 1.0 * 0.6, -0.3 * 0.4 - 0.8 * 0.6 };
        var q = zs.Select(Math.Exp).ToArray();
        Assert.Equal(q.Select((v, i) => v / q.Sum() - e[i] / e.Sum()).ToArray(), r.TrueValue!.ToDoubleArray(), new Tolerance(1e-12));
    }

    // REINFORCE: L = −A log softmax(θ)[1], ∂L/∂θ = −A(e₁ − softmax(θ)) by hand; the ASCII d before a call is ∂ before it.
    [Theory]
    [InlineData("dL/dlog_softmax(theta)[1] * dlog_softmax(theta)[1]/dtheta")]
    [InlineData("∂L/∂log_softmax(theta)[1] · ∂log_softmax(theta)[1]/∂theta")]
    public void AsciiDerivative_OfACalledPart_ReadsAsTheUnicodeOne(string answer)
    {
        var r = DerivativeChecker.Check(GradProgram.Parse("param theta = [0.2, -0.1, 0.4]\nconst A = 1.5\nL = -log_softmax(theta)[1] * A"), "theta", answer);
        Assert.True(r.IsCorrect, r.ToText());
        var e = new[] { 0.2, -0.1, 0.4 }.Select(Math.Exp).ToArray();
        Assert.Equal(e.Select((v, i) => -1.5 * ((i == 1 ? 1 : 0) - v / e.Sum())).ToArray(), r.TrueValue!.ToDoubleArray(), new Tolerance(1e-12));
    }

    // y = 3m + k: ∂y/∂m = 3 may be written as its number; 3 in front of the k path, where ∂y/∂k = 1, is that path off by 3,
    // not a factor ∂y/∂m missing from the m path, which is right.
    [Fact]
    public void NumberWrittenForALocalFactor_IsThatFactor_AndAWrongNumberIsTheWrongPath()
    {
        var program = GradProgram.Parse("input x1 = 0.5\ninput x2 = 1.2\nparam w1 = 2\nparam w2 = 0.5\np1 = sigmoid(w1 * x1)\np2 = sigmoid(w2 * x2)\n"
            + "m = max(p1, p2)\nk = min(p1, p2)\ny = 3 * m + k");
        Assert.True(DerivativeChecker.Check(program, "p1", "3*dm/dp1 + dk/dp1").IsCorrect);
        var r = DerivativeChecker.Check(program, "p1", "3*dm/dp1 + 3*dk/dp1");
        Assert.Equal(CheckMistake.ConstantFactor, r.Mistake);
        Assert.Equal("the path through k is off by a factor 3: ∂y/∂k is 1", r.Diagnostics[0]);
        Assert.Equal("factor ∂y/∂m is missing in the path through m", DerivativeChecker.Check(program, "p1", "dm/dp1 + dk/dp1").Diagnostics[0]);
    }

    // Projectile range R = v² sin(2θ)/g: ∂R/∂θ = 2v² cos(2θ)/g by hand. A name spelled as the letter a declared name prints
    // as (theta for θ) is that name, as θ is for a declared theta.
    [Theory]
    [InlineData("2 v^2 cos(2 theta)/g")]
    [InlineData("2 v^2 cos(2θ)/g")]
    public void SpelledGreekLetter_NamesTheDeclaredLetter(string answer)
    {
        var program = GradProgram.Parse("param v = 20\nparam θ = 0.6\nconst g = 9.81\nR = v^2*sin(2*θ)/g");
        var r = DerivativeChecker.Check(program, "theta", answer);
        Assert.True(r.IsCorrect, r.ToText());
        Assert.Equal(2 * 400 * Math.Cos(1.2) / 9.81, r.TrueValue!.ToDoubleArray()[0], 1e-9);
    }

    // An empty name is no name, said as any unknown one is (the spelled-letter reading must not choke on it).
    [Fact]
    public void EmptyWrt_IsAnUnknownName()
    {
        var program = GradProgram.Parse("param v = 20\nparam θ = 0.6\nconst g = 9.81\nR = v^2*sin(2*θ)/g");
        Assert.Null(program.Graph.Resolve(""));
        Assert.StartsWith("--wrt: the program defines no ''", Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "", "1")).Message);
    }

    [Fact]
    public void FunctionWithoutItsBrackets_IsSaidAsSuch()
    {
        var program = GradProgram.Parse("param v = 20\nparam θ = 0.6\nconst g = 9.81\nR = v^2*sin(2*θ)/g");
        Assert.Equal("--expr column 7: 'cos' is a function: write its argument in brackets right after it, as cos(θ), and a power after them, as cos(θ)^2",
            Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "θ", "2 v^2 cos θ / g")).Message);
    }

    // U = k q1 q2 / r for two charges: ∂U/∂x1 = −k q1 q2 (x1 − x2)/r³ by hand; √(…)^3 is the root cubed, as sqrt(…)^3 is.
    [Fact]
    public void PowerAfterARoot_IsThePowerOfTheRoot()
    {
        var program = GradProgram.Parse("const k = 8.99\nparam q1 = 1.0\nparam q2 = -2.0\nparam x1 = 0.0\nparam y1 = 0.0\nparam x2 = 1.0\nparam y2 = 0.5\n"
            + "U = k*q1*q2/sqrt((x1 - x2)^2 + (y1 - y2)^2)");
        var r = DerivativeChecker.Check(program, "x1", "-k*q1*q2*(x1-x2)/√((x1-x2)^2+(y1-y2)^2)^3");
        Assert.True(r.IsCorrect, r.ToText());
        Assert.Equal(-8.99 * -2.0 * -1.0 / Math.Pow(1.25, 1.5), r.TrueValue!.ToDoubleArray()[0], 1e-9);
    }

    [Fact]
    public void Agreement_OnTheGradingCases_IsComplete()
    {
        int right = 0, rightAccepted = 0, wrong = 0, wrongRejected = 0, classNamed = 0;
        foreach (var row in Cases)
        {
            var (file, wrt, answer, expected) = ((string)row[0], (string)row[1], (string)row[2], (CheckMistake)row[3]);
            var r = DerivativeChecker.Check(Load(file), wrt, answer);
            if (expected == CheckMistake.None) { right++; if (r.IsCorrect) rightAccepted++; }
            else
            {
                wrong++;
                if (!r.IsCorrect) wrongRejected++;
                if (r.Mistake == expected) classNamed++;
            }
        }
        Assert.Equal((right, wrong, wrong), (rightAccepted, wrongRejected, classNamed));
    }
}
