using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>
/// Whatever explain prints is accepted back by check: for every example program, the derivative of
/// its objective with respect to each of its first declarations, in every form (paths, factored,
/// closed), pasted into the checker as a student would paste it, is graded correct. The truth the
/// checker compares with is autograd's gradient, so this also proves every printed formula right.
/// </summary>
public class RoundTripTests
{
    /// <summary>How many declarations of each program are taken (e1, e2 and e12 have dozens of weights that all read alike).</summary>
    private const int DeclarationsPerProgram = 6;

    /// <summary>
    /// e6-vector has symbolic sizes and no values, which explain does not need but check does: these
    /// values give each size a number (D1 = 3, D2 = D3 = Df = Dx = 2), as a student would with --set.
    /// </summary>
    private static readonly Dictionary<string, string> VectorE6Values = new()
    {
        ["x"] = "[0.3, -0.7]", ["y"] = "[0.5, 1]",
        ["W0"] = "[[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]", ["beta0"] = "[0.1, 0, -0.1]",
        ["W1"] = "[[0.2, -0.1, 0.3], [0.4, 0.1, -0.2]]", ["beta1"] = "[0.05, -0.05]",
        ["W2"] = "[[0.3, 0.1], [-0.2, 0.4]]", ["beta2"] = "[0.2, 0.1]",
        ["W3"] = "[[0.5, -0.3], [0.2, 0.6]]", ["beta3"] = "[0, 0.1]",
    };

    /// <summary>
    /// Printed derivatives check does not grade correct yet (none today); the test fails when one of them starts
    /// to pass, so the list only shrinks.
    /// </summary>
    private static readonly HashSet<string> KnownRejected = [];

    public static TheoryData<string> Examples => new(Directory.GetFiles(Path.Combine(ExplainFiles.RepoRoot, "examples"), "*.grad")
        .Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Examples))]
    public void ExplainOutput_PastedIntoCheck_IsCorrect(string file)
    {
        var program = ExplainFiles.Load(file);
        var overrides = file == "e6-vector.grad" ? VectorE6Values.ToDictionary(kv => kv.Key, kv => GradProgram.ParseValue(kv.Value)) : null;
        var failures = new List<string>();
        int checkedCount = 0;
        foreach (var declaration in program.Declarations.Take(DeclarationsPerProgram))
        {
            foreach (var form in DerivationRenderer.Forms)
            {
                var text = DerivationRenderer.Render(ChainDerivation.Create(program, declaration.Name), form, OutputFormat.Text);
                var equations = text.Split('\n').Where(l => l.Contains(" = ", StringComparison.Ordinal)).ToArray();
                // A recurrence (one line per node) is not one expression; none of the examples needs one.
                Assert.True(equations.Length == 1, $"{file} --wrt {declaration.Name} --form {form}: {equations.Length} equations");
                var expression = equations[0][(equations[0].IndexOf(" = ", StringComparison.Ordinal) + 3)..];
                var result = DerivativeChecker.Check(program, declaration.Name, expression, overrides: overrides, points: 8);
                checkedCount++;
                string key = $"{file} --wrt {declaration.Name} --form {form.ToString().ToLowerInvariant()}";
                if (KnownRejected.Contains(key))
                    Assert.False(result.IsCorrect, $"{key} is now graded correct: take it off the known list");
                else if (!result.IsCorrect)
                    failures.Add($"--wrt {declaration.Name} --form {form}: {expression}\n{result.ToText()}");
            }
        }
        Assert.True(checkedCount > 0);
        Assert.True(failures.Count == 0, $"{file}: {failures.Count} of {checkedCount} printed derivatives rejected:\n" + string.Join("\n", failures));
    }

    [Theory]
    // A conv bias of one unit: the closed form sums over the output's components, read at i inside Σ_i, and a
    // Jacobian with respect to the single number multiplies each component.
    [InlineData("input X = [[[1, 0.5, -0.2], [0.3, 0.8, 1.1], [-0.4, 0.2, 0.6]]]\nparam K = [[[[0.2, -0.1], [0.3, 0.4]]]]\nparam kb = [0.1]\nYc = conv2d(X, K, kb)\nL = sum(tanh(Yc)^2)\n", "kb")]
    // A batch's output bias of size [1] under a mean.
    [InlineData("input X = [[0.5, -1], [1.5, 0.2], [-0.3, 0.8]]\ntarget Y = [[1], [0], [0.5]]\nparam W = [[0.5], [-0.3]]\nparam b = [0.1]\nP = X @ W + b\nL = mean((P - Y)^2)\n", "b")]
    // An axis mean's gradient: an outer product (u(uᵀF) ones(3)ᵀ) inside elementwise products.
    [InlineData("param W = [[0.2, -0.1, 0.3], [0.5, 0.4, -0.2]]\ninput X = [[1, 2, 0.5], [-1, 0.3, 1.2]]\nparam u = [0.7, -0.4]\nF = mean(exp(W * X), 1)\nL = dot(u, F)^2\n", "W")]
    [InlineData("param W = [[0.2, -0.1, 0.3], [0.5, 0.4, -0.2]]\ninput X = [[1, 2, 0.5], [-1, 0.3, 1.2]]\nparam u = [0.7, -0.4]\nF = mean(exp(W * X), 1)\nL = dot(u, F)^2\n", "u")]
    // A scalar times a whole sum of a matrix product: ones(2, 2) W is a matrix product.
    [InlineData("param W = [[1, 2], [3, 4]]\nconst s = 3\nM = W @ Wᵀ\nL = sum(M) * s\n", "W")]
    // A row's max compared with its row: the kept column m repeated across X's columns, on a wide and a square X.
    [InlineData("param X = [[1, 5, 2], [2, -1, 0]]\nm = max(X, axis=1)\nL = sum(m)\n", "X")]
    [InlineData("param X = [[1, 5, 2], [2, -1, 0], [0.5, 3, 4]]\nm = max(X, axis=1)\nL = sum(m * m)\n", "X")]
    // Reductions of a 3-D tensor, where no matrix form is printed rather than one of the wrong shape.
    [InlineData("param P = [[[1, 2], [3, 4]], [[5, 6], [7, 9]]]\nf0 = mean(P, 2)\nf1 = sum(f0, axis=1)\nL = max(f1[0], f1[-1])\n", "P")]
    // A column sum of a matrix product: its row gradient repeated down the rows before the product, Xᵀ(ones(3) gᵀ).
    [InlineData("param W = [[0.2, -0.3, 0.4], [0.5, 0.1, -0.6]]\ninput X = [[1, 0.5], [-0.3, 0.8], [0.2, -1]]\ns = sum(X @ W, 0)\nJ = sum(tanh(s))\n", "W")]
    [InlineData("param W = [[0.2, -0.3, 0.4], [0.5, 0.1, -0.6]]\ninput X = [[1, 0.5], [-0.3, 0.8], [0.2, -1]]\ntarget y = [0, 1, 0]\ns = sum(X @ W, 0)\np = softmax(s)\nJ = -sum(y * log(p))\n", "W")]
    // The abstract g on vectors: each elementwise layer's Jacobian is diagonal, read at component d.
    [InlineData("param z = [-1.5, -0.2, 0.3]\ninput v = [1, 2, -0.5]\nc = g(z)\nh = g(c)\nL = sum(h * v)\n", "z")]
    public void EveryForm_OfSmallPrograms_PastedIntoCheck_IsCorrect(string source, string wrt)
    {
        var program = GradProgram.Parse(source);
        foreach (var form in DerivationRenderer.Forms)
        {
            var text = DerivationRenderer.Render(ChainDerivation.Create(program, wrt), form, OutputFormat.Text);
            var line = text.Split('\n').Single(l => l.Contains(" = ", StringComparison.Ordinal));
            var expression = line[(line.IndexOf(" = ", StringComparison.Ordinal) + 3)..];
            var result = DerivativeChecker.Check(program, wrt, expression, points: 8);
            Assert.True(result.IsCorrect, $"--form {form}: {expression}\n{result.ToText()}");
        }
    }

    [Theory]
    // The LSTM cell's factored closed form: the gates' chain factors summed, then one Jacobian product with ∂gates/∂b.
    [InlineData("(o * (1 - tanh(c)^2) * g * ∂i/∂gates + o * (1 - tanh(c)^2) * c0 * ∂f/∂gates + o * (1 - tanh(c)^2) * i * ∂g/∂gates + tanh(c) * ∂o/∂gates) * ∂gates/∂(b_{ih})_d", true)]
    // The same with the output gate's path left out, and with one sign flipped.
    [InlineData("(o * (1 - tanh(c)^2) * g * ∂i/∂gates + o * (1 - tanh(c)^2) * c0 * ∂f/∂gates + o * (1 - tanh(c)^2) * i * ∂g/∂gates) * ∂gates/∂(b_{ih})_d", false)]
    [InlineData("(o * (1 - tanh(c)^2) * g * ∂i/∂gates - o * (1 - tanh(c)^2) * c0 * ∂f/∂gates + o * (1 - tanh(c)^2) * i * ∂g/∂gates + tanh(c) * ∂o/∂gates) * ∂gates/∂(b_{ih})_d", false)]
    public void FactoredSumOfChains_ContractsTheSharedNode(string expression, bool correct)
    {
        var program = GradProgram.Parse(File.ReadAllText(Path.Combine(ExplainFiles.RepoRoot, "examples", "lstm-cell.grad")));
        var result = DerivativeChecker.Check(program, "b_ih", expression);
        Assert.True(result.IsCorrect == correct, result.ToText());
    }

    [Theory]
    // explain writes a mean's count as n; with numeric sizes (4 points here) check reads n as that count.
    [InlineData("(2·((yhat)_d − (y)_d))/n", true)]
    [InlineData("(2·((yhat)_d − (y)_d))/4", true)]
    [InlineData("(2·((yhat)_d − (y)_d))/(2*n)", false)]
    public void MeanCount_n_IsTheNumberOfAveragedElements(string expression, bool correct)
    {
        var program = GradProgram.Parse(File.ReadAllText(Path.Combine(ExplainFiles.RepoRoot, "tests", "SharpGrad.Tests", "Explain", "Exercises", "teacher-18-linear-regression-batch.grad")));
        var result = DerivativeChecker.Check(program, "yhat", expression);
        Assert.True(result.IsCorrect == correct, result.ToText());
    }

    [Theory]
    // Matrix notation as students write it: juxtaposed products, ^T, a name before a bracket.
    [InlineData("(p - y) x^T")]
    [InlineData("(p − y) xᵀ")]
    [InlineData("outer(p - y, x)")]
    [InlineData("(p - y) @ x.T")]
    public void SoftmaxRegression_WeightGradient_AcceptedInEveryNotation(string expression)
    {
        var result = DerivativeChecker.Check(GradProgram.Parse(SoftmaxRegression), "W", expression, points: 8);
        Assert.True(result.IsCorrect, result.ToText());
    }

    private const string SoftmaxRegression = """
        input x = [0.5, -1, 2]
        target y = [0, 1, 0, 0]
        param W = [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6], [0.7, 0.8, -0.9], [0.2, 0.1, 0]]
        param b = [0.1, -0.2, 0.3, 0]
        z = W @ x + b
        p = softmax(z)
        L = cross_entropy(z, y)
        """;

    [Theory]
    // By hand: ∂L/∂W = (p − y) xᵀ is [4, 3]; each wrong answer is named by its class.
    [InlineData("x (p - y)ᵀ", CheckMistake.Transposed, "transposed?")]
    [InlineData("(y - p) xᵀ", CheckMistake.SignFlipped, "the sign is flipped")]
    [InlineData("2*(p - y) xᵀ", CheckMistake.ConstantFactor, "off by a constant factor")]
    public void SoftmaxRegression_WrongAnswers_AreNamedByTheirClass(string expression, CheckMistake mistake, string words)
    {
        var result = DerivativeChecker.Check(GradProgram.Parse(SoftmaxRegression), "W", expression, points: 8);
        Assert.False(result.IsCorrect);
        Assert.Equal(mistake, result.Mistake);
        Assert.Contains(words, result.ToText().Split('\n')[0]);
    }

    [Theory]
    // Logistic regression over three examples: ∂L/∂w = Xᵀ(p − y)/3 by hand.
    [InlineData("Xᵀ(p − y)/3", true)]
    [InlineData("X^T (p - y) / 3", true)]
    [InlineData("Xᵀ(p − y)/n", true)]
    [InlineData("Xᵀ(p − y)", false)]
    public void LogisticRegression_MeanAndSizeNames(string expression, bool correct)
    {
        const string program = """
            input X[n, 2] = [[0.5, -1], [1, 0.5], [2, 1]]
            target y[n] = [1, 0, 1]
            param w = [0.3, -0.2]
            p = sigmoid(X @ w)
            L = -mean(y * log(p) + (1 - y) * log(1 - p))
            """;
        var result = DerivativeChecker.Check(GradProgram.Parse(program), "w", expression, points: 8);
        Assert.Equal(correct, result.IsCorrect);
        if (!correct) Assert.Equal(CheckMistake.MissingMean, result.Mistake);
    }

    [Theory]
    // Ridge regression r = X w − y, L = Σ r² + λ Σ w²: ∂L/∂w = 2Xᵀr + 2λw, and X w juxtaposed is a product.
    [InlineData("2 Xᵀ(X w - y) + 2 lam w")]
    [InlineData("2*transpose(X) @ r + 2*lam*w")]
    [InlineData("2 X^T r + 2 lam w")]
    public void Ridge_JuxtaposedMatrixProducts(string expression)
    {
        var result = DerivativeChecker.Check(GradProgram.Load(Path.Combine(ExplainFiles.RepoRoot, "tests", "SharpGrad.Tests", "Explain", "Exercises", "derivation-ridge.grad")),
            "w", expression, points: 8);
        Assert.True(result.IsCorrect, result.ToText());
    }

    [Theory]
    // e9 by hand: ∂J/∂x = −6 and ∂J/∂W1 = [[−18], [0]]; e8: ∂E/∂β = Σ_i r_i = 1.6.
    [InlineData("e9.grad", "x", "[-6]")]
    [InlineData("e9.grad", "W1", "[[-18], [0]]")]
    [InlineData("e8.grad", "beta", "Σ_i (r)_i")]
    [InlineData("e8.grad", "beta", "1.6")]
    [InlineData("e8.grad", "r", "(y)_d")]
    [InlineData("e8.grad", "x", "(r - mean(r) - xhat * mean(r * xhat)) / sqrt(var + 1e-5)")]
    public void NumericLiteralsSumsAndComponents_AreAccepted(string file, string wrt, string expression)
    {
        var result = DerivativeChecker.Check(ExplainFiles.Load(file), wrt, expression, points: 8);
        Assert.True(result.IsCorrect, result.ToText());
    }

    [Fact]
    public void DiagAndClip_AreFunctionsOfTheCheckLanguage()
    {
        // y = clamp-free softmax Jacobian: ∂(Σ c ⊙ p)/∂z = (diag(p) − p pᵀ) c; and clip(z, −10, 10) = z at these values.
        const string program = """
            param z = [0.5, -1, 2]
            input c = [1, 2, -1]
            p = softmax(z)
            L = sum(c * p)
            """;
        var parsed = GradProgram.Parse(program);
        Assert.True(DerivativeChecker.Check(parsed, "z", "(diag(p) - p pᵀ) @ c", points: 8).IsCorrect);
        Assert.True(DerivativeChecker.Check(parsed, "z", "(diag(p) - outer(p, p)) @ clip(c, -10, 10)", points: 8).IsCorrect);
    }
}
