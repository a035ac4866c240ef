using System.Diagnostics;
using System.Numerics;
using System.Text;
using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>The chain rule written out (paths, factored, closed) for the seed exercises, and the 12×12 graph.</summary>
public class DerivationTests
{
    private static string Explain(string file, string wrt, string form, OutputFormat format = OutputFormat.Text, string? of = null) =>
        DerivationRenderer.Render(ChainDerivation.Create(ExplainFiles.Load(file), wrt, of), form, format);

    private static string Formula(string file, string wrt, string form) => Explain(file, wrt, form).Split('\n')[1];

    [Theory]
    [InlineData("e1.grad", "n4", "factored", "∂E/∂n4 = ∂E/∂n6 · ∂n6/∂n4")]
    [InlineData("e1.grad", "w_2_5", "paths", "∂E/∂w_{2,5} = ∂E/∂n7 · ∂n7/∂n5 · ∂n5/∂w_{2,5}")]
    [InlineData("e1.grad", "v_1_1", "factored", "∂E/∂(v_{1,1})_d = (∂E/∂n6 · ∂n6/∂n3 · ∂n3/∂n1 + ∂E/∂n6 · ∂n6/∂n4 · ∂n4/∂n1) · ∂n1/∂(v_{1,1})_d")]
    [InlineData("e1.grad", "x2", "factored", "∂E/∂(x2)_d = (∂E/∂n6 · ∂n6/∂n4 · ∂n4/∂n2 + ∂E/∂n7 · ∂n7/∂n5 · ∂n5/∂n2) · ∂n2/∂(x2)_d")]
    [InlineData("e2.grad", "v_2_2", "factored", "∂E/∂(v_{2,2})_d = (∂E/∂n6 · ∂n6/∂n4 + ∂E/∂n8 · ∂n8/∂n4) · ∂n4/∂n2 · ∂n2/∂(v_{2,2})_d")]
    [InlineData("e2.grad", "w_2_4", "factored", "∂E/∂w_{2,4} = (∂E/∂n6 · ∂n6/∂n4 + ∂E/∂n8 · ∂n8/∂n4) · ∂n4/∂w_{2,4}")]
    [InlineData("e2.grad", "n1", "factored", "∂E/∂n1 = (∂E/∂n6 · ∂n6/∂n3 + ∂E/∂n8 · ∂n8/∂n3) · ∂n3/∂n1 + ∂E/∂n7 · ∂n7/∂n5 · ∂n5/∂n1")]
    [InlineData("e2.grad", "n1", "paths", "∂E/∂n1 = ∂E/∂n6 · ∂n6/∂n3 · ∂n3/∂n1 + ∂E/∂n8 · ∂n8/∂n3 · ∂n3/∂n1 + ∂E/∂n7 · ∂n7/∂n5 · ∂n5/∂n1")]
    [InlineData("e5.grad", "phi1", "closed", "∂y/∂phi1 = relu(g1)")]
    [InlineData("e5.grad", "psi11", "closed", "∂y/∂psi11 = phi1·I[g1 > 0]·h1")]
    [InlineData("e5.grad", "theta01", "closed", "∂y/∂theta01 = (phi1·I[g1 > 0]·psi11 + phi2·I[g2 > 0]·psi12)·I[theta01 + theta11·x > 0]")]
    [InlineData("e5.grad", "theta12", "closed", "∂y/∂theta12 = (phi1·I[g1 > 0]·psi21 + phi2·I[g2 > 0]·psi22)·I[theta02 + theta12·x > 0]·x")]
    [InlineData("e6.grad", "beta0", "closed", "∂loss/∂beta0 = −2·(f3 − y)·omega3·sin(f2)·omega2·exp(f1)·omega1·cos(f0)")]
    [InlineData("e7.grad", "x1", "closed", "∂y/∂x1 = σ(x1)·(1 − σ(x1))")]
    public void SeedExercises_MatchTheSpec(string file, string wrt, string form, string expected) =>
        Assert.Equal(expected, Formula(file, wrt, form));

    [Fact]
    public void PathCountsAndFactors_AreReported()
    {
        var text = Explain("e2.grad", "n1", "paths");
        Assert.Contains("paths: 3; factors per path: 3 (3 paths)", text);
        Assert.Contains("paths: 0;", Explain("e1.grad", "y6", "factored", of: "n7"));
    }

    [Fact]
    public void Golden_E1ToE7_TextAndLatex()
    {
        var cases = new (string File, string Wrt, string Form)[]
        {
            ("e1.grad", "n4", "paths"), ("e1.grad", "w_2_5", "paths"), ("e1.grad", "v_1_1", "factored"), ("e1.grad", "x2", "factored"),
            ("e2.grad", "v_2_2", "factored"), ("e2.grad", "w_2_4", "factored"), ("e2.grad", "n1", "factored"), ("e2.grad", "n1", "paths"),
            ("e5.grad", "theta01", "closed"), ("e5.grad", "theta11", "closed"), ("e5.grad", "psi21", "closed"),
            ("e6.grad", "beta0", "factored"), ("e6.grad", "beta0", "closed"), ("e7.grad", "x1", "closed"),
        };
        foreach (var format in new[] { OutputFormat.Text, OutputFormat.Latex })
        {
            var sb = new StringBuilder();
            foreach (var (file, wrt, form) in cases) sb.Append($"# {file} --wrt {wrt} --form {form}\n").Append(Explain(file, wrt, form, format)).Append('\n');
            ExplainFiles.AssertGolden(format == OutputFormat.Text ? "explain-e1-e7.txt" : "explain-e1-e7.tex", sb.ToString());
        }
    }

    /// <summary>A fully connected stack of 12 layers of 12 neurons: 12¹¹ paths from a first-layer neuron.</summary>
    public static string FullyConnected(int layers, int width)
    {
        var sb = new StringBuilder("input x = 0.5\n");
        for (int j = 1; j <= width; j++) sb.Append($"n_1_{j} = g({0.1 * j} * x)\n");
        for (int l = 2; l <= layers; l++)
            for (int j = 1; j <= width; j++)
                sb.Append($"n_{l}_{j} = g(").Append(string.Join(" + ", Enumerable.Range(1, width).Select(k => $"n_{l - 1}_{k}"))).Append(")\n");
        sb.Append("E = ").Append(string.Join(" + ", Enumerable.Range(1, width).Select(k => $"n_{layers}_{k}"))).Append('\n');
        return sb.ToString();
    }

    [Fact]
    public void TwelveByTwelve_FactoredInSeconds_PathsRefused()
    {
        var program = GradProgram.Parse(FullyConnected(12, 12));
        var watch = Stopwatch.StartNew();
        var derivation = ChainDerivation.Create(program, "n_1_1");
        var text = DerivationRenderer.Render(derivation, "factored", OutputFormat.Text);
        watch.Stop();
        Assert.Equal(BigInteger.Pow(12, 11), derivation.PathCount);
        Assert.Contains($"paths: {BigInteger.Pow(12, 11)}; factors per path: 12 ({BigInteger.Pow(12, 11)} paths)", text);
        Assert.Contains("recurrence", text);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        var e = Assert.Throws<ArgumentException>(() => DerivationRenderer.Render(derivation, "paths", OutputFormat.Text));
        Assert.Contains("more than the limit", e.Message);
    }

    [Fact]
    public void ClosedForm_AgreesWithAutograd_OnE5AndE6()
    {
        foreach (var (file, wrts) in new[] { ("e5.grad", new[] { "theta01", "theta12", "psi21", "phi2" }), ("e6.grad", new[] { "beta0", "omega1", "beta3" }) })
        {
            var program = ExplainFiles.Load(file);
            var evaluation = program.Evaluate();
            foreach (var wrt in wrts)
            {
                var d = ChainDerivation.Create(program, wrt);
                var closed = d.Closed(d.Factored()!);
                double value = closed.Evaluate(n => evaluation.Value(n).Item());
                double expected = evaluation.Gradient(wrt).Item();
                Assert.True(Math.Abs(value - expected) < 1e-9, $"{file} {wrt}: closed {closed} = {value}, autograd {expected}");
            }
        }
    }

    [Theory]
    [InlineData("K")]
    [InlineData("c")]
    [InlineData("H")]
    public void ClosedForm_ThroughAPoolingWithoutAFormula_IsTheFactoredChain(string wrt)
    {
        // ∂P/∂H of an overlapping pooling has no formula, so ∂L/∂P beside it must stay the whole Jacobian ∂L/∂P, not (R)_d.
        var program = ConvReluPool("avgpool(H, 3, stride=1)");
        var derivation = ChainDerivation.Create(program, wrt);
        var closed = DerivationRenderer.Equations(derivation, "closed", out _).Single().Right;
        var factored = DerivationRenderer.Equations(derivation, "factored", out _).Single().Right;
        Assert.Equal(factored.ToString(), closed.ToString());
        var check = DerivativeChecker.Check(program, wrt, closed.ToString());
        Assert.True(check.IsCorrect, check.ToText());
    }

    [Theory]
    // Windows that tile H share each gradient among their four elements: ∂L/∂H = upsample(R, 2)/4, then relu′ and the
    // kernel's conv2d(X, ·) (by hand).
    [InlineData("H", "upsample(R, 2)/4")]
    [InlineData("K", "conv2d(X, (upsample(R, 2) ⊙ I[C > 0])/4)")]
    // A bias broadcast over C collects the sum, a quarter of it (not 4·mean over the 16 elements).
    [InlineData("c", "sum(upsample(R, 2) ⊙ I[C > 0])/4")]
    public void ClosedForm_ThroughATilingPooling_SpreadsTheGradientOverItsWindows(string wrt, string expected)
    {
        var program = ConvReluPool("avgpool(H, 2)");
        var closed = DerivationRenderer.Equations(ChainDerivation.Create(program, wrt), "closed", out _).Single().Right.ToString();
        Assert.Equal(expected, closed);
        var check = DerivativeChecker.Check(program, wrt, closed);
        Assert.True(check.IsCorrect, check.ToText());
    }

    [Theory]
    // Losses of two numbers: mean((y − t)²) over one element is (y − t)², whose derivative is 2(y − t); the binary
    // cross-entropy of σ(y) is σ(y) − t (by hand). Both are written out in every form, not left as ∂L/∂y.
    [InlineData("param y = 1.5\ntarget t = 0.3\nL = mse_loss(y, t)", "2·(y − t)")]
    [InlineData("param y = [1.5]\ntarget t = [0.3]\nL = mse_loss(y, t)", "2·(y − t)")]
    [InlineData("param y = 1.5\ntarget t = 0.3\nL = binary_cross_entropy(sigmoid(y), t)", "σ(y) − t")]
    public void LossesOfTwoNumbers_AreWrittenOut(string text, string expected)
    {
        var program = GradProgram.Parse(text);
        foreach (var form in new[] { "paths", "factored", "closed" })
        {
            var right = DerivationRenderer.Equations(ChainDerivation.Create(program, "y"), form, out _).Single().Right.ToString();
            Assert.Equal(expected, right);
            Assert.True(DerivativeChecker.Check(program, "y", right).IsCorrect, right);
        }
    }

    /// <summary>A 5×5 image through a 2×2 kernel, a bias and relu, pooled by <paramref name="pool"/> to 2×2 and weighted by R.</summary>
    private static GradProgram ConvReluPool(string pool) => GradProgram.Parse($"""
        input X[5, 5] = [[1, 0, -1, 2, 0.5], [0, 1, 2, -1, 1], [0.5, -2, 1, 0, 1], [1, 1, 0, -1, 2], [-1, 0.5, 2, 1, 0]]
        param K[2, 2] = [[0.5, -0.3], [0.2, 0.8]]
        param c = 0.1
        input R[2, 2] = [[1, -1], [0.5, 2]]
        C = conv2d(X, K) + c
        H = relu(C)
        P = {pool}
        L = sum(R * P)
        """);

    [Theory]
    [InlineData("paths")]
    [InlineData("factored")]
    public void MeanCount_IsTheNumberAveraged_EvenBesideAProgramsOwnN(string form)
    {
        // L = mean((z − y)²) over 4 points: ∂L/∂(z)_d = 2((z)_d − (y)_d)/4 (by hand); the program's n = 10 plays no part.
        var program = GradProgram.Parse("""
            param z[4] = [0.5, -1, 2, 0]
            target y[4] = [1, 0, 1, 0]
            const n = 10
            L = mean((z - y)^2)
            """);
        var right = DerivationRenderer.Equations(ChainDerivation.Create(program, "z"), form, out _).Single().Right;
        Assert.DoesNotContain("n", right.Variables());
        var check = DerivativeChecker.Check(program, "z", right.ToString());
        Assert.True(check.IsCorrect, check.ToText());
    }

    [Theory]
    // s broadcast over x's 4 elements: L = Σ_i (s + x_i), so ∂L/∂s = 4 (by hand), in every form, not 1.
    [InlineData("param s = 0.5\ninput x = [1, 2, 3, 4]\nL = sum(s + x)", "s", "paths", "∂L/∂s = 4")]
    [InlineData("param s = 0.5\ninput x = [1, 2, 3, 4]\nL = sum(s + x)", "s", "closed", "∂L/∂s = 4")]
    // L = mean(s + s·x²): ∂L/∂s = mean(1 + x²) = 1 + mean(x²), not 1/4 + mean(x²).
    [InlineData("param s = 0.5\ninput x = [1, 2, 3, 4]\nL = mean(s + x^2 * s)", "s", "closed", "∂L/∂s = 1 + mean(x^2)")]
    // b broadcast down 3 rows: every component collects 3.
    [InlineData("param b = [0.5, 1]\ninput X = [[1, 2], [3, 4], [5, 6]]\nL = sum(X + b)", "b", "closed", "∂L/∂b = 3·ones(2)")]
    // Component d of b reaches one element per row: 3 of them in a sum, 3 of 6 in a mean.
    [InlineData("param b = [0.5, 1]\ninput X = [[1, 2], [3, 4], [5, 6]]\nL = sum(X + b)", "b", "paths", "∂L/∂(b)_d = 3")]
    [InlineData("param b = [0.5, 1]\ninput X = [[1, 2], [3, 4], [5, 6]]\nL = mean(X + b)", "b", "paths", "∂L/∂(b)_d = 0.5")]
    // Term by term: 2·Σ(X + b) gives each component 2·3 = 6, Σ b² gives 2·(b)_d.
    [InlineData("param b = [0.5, 1]\ninput X = [[1, 2], [3, 4], [5, 6]]\nL = 2 * sum(X + b) + sum(b^2)", "b", "paths", "∂L/∂(b)_d = 6 + 2·(b)_d")]
    // Logistic regression's bias: −(y/p − (1 − y)/(1 − p))·p·(1 − p) cancels to p − y once σ(z) is read as p.
    [InlineData("input x = [1.5, -0.5, 2]\ntarget y = 1\nparam w = [0.2, -0.4, 0.1]\nparam b = -0.3\nz = dot(w, x) + b\np = sigmoid(z)\nL = -(y * log(p) + (1 - y) * log(1 - p))", "b", "closed", "∂L/∂b = p − y")]
    // A 1×1 matrix product is a product: ∂(W x)/∂W = x, not the tautology ∂J/∂W = ∂J/∂W.
    [InlineData("param W = [[3]]\ninput x = [[2]]\nJ = sum(W @ x)", "W", "closed", "∂J/∂W = x")]
    // A node named n beside a mean: L = mean(n ⊙ w) over 2 gives ∂L/∂n_d = w_d/2 and the direct term n_d/2 in ∂L/∂w_d
    // (by hand); the mean's count is 2, never the node n.
    [InlineData("param w = [0.2, 0.5]\ninput x = [0.8, -0.5]\nn = tanh(w * x)\nL = mean(n * w)", "n", "paths", "∂L/∂(n)_d = (w)_d/2")]
    [InlineData("param w = [0.2, 0.5]\ninput x = [0.8, -0.5]\nn = tanh(w * x)\nL = mean(n * w)", "w", "paths", "∂L/∂(w)_d = ∂L/∂n · ∂n/∂(w)_d + (n)_d/2")]
    [InlineData("param w = [0.2, 0.5]\ninput x = [0.8, -0.5]\nn = tanh(w * x)\nL = mean(n * w)", "w", "factored", "∂L/∂(w)_d = ∂L/∂n · ∂n/∂(w)_d + (n)_d/2")]
    public void ConstantsBroadcastIntoASum_AreCountedOncePerElement(string program, string wrt, string form, string expected)
    {
        var parsed = GradProgram.Parse(program);
        var equation = DerivationRenderer.Equations(ChainDerivation.Create(parsed, wrt), form, out _).Single();
        Assert.Equal(expected, $"{equation.Left} = {equation.Right}");
        var right = expected[(expected.IndexOf(" = ", StringComparison.Ordinal) + 3)..];
        Assert.True(DerivativeChecker.Check(parsed, wrt, right).IsCorrect, right);
    }

    [Fact]
    public void AVectorObjective_IsRefused_AsGradStepAndCheckRefuseIt()
    {
        var program = GradProgram.Parse("param w = [0.5, -1]\ninput x = [1, 2]\nh = relu(w * x)\nL = sum(h)", "t.grad");
        var e = Assert.Throws<GradProgramException>(() => DerivationRenderer.Equations(ChainDerivation.Create(program, "w", "h"), "closed", out _));
        Assert.Equal("the objective 'h' has shape [2], but an objective must be a single number; reduce it with sum(...) or mean(...), or choose another with --of", e.Reason);
        Assert.Equal(("t.grad", 3), (e.FileName, e.Line));
    }

    [Fact]
    public void AVectorReadBothElementwiseAndThroughItsSum_HasNoFormulaPerComponent()
    {
        // L = Σ exp(z − Σz): ∂L/∂z_d = exp(z_d − S) − Σ_i exp(z_i − S) = exp(z − S) − L (by hand). Per component, the reduction's
        // share from every component was lost (the paths form printed 0): the paths form is the matrix formula instead.
        var program = GradProgram.Parse("param z = [0.5, -1, 2]\nL = sum(exp(z - sum(z)))");
        foreach (var form in new[] { "paths", "factored" })
        {
            var equation = DerivationRenderer.Equations(ChainDerivation.Create(program, "z"), form, out _).Single();
            Assert.Equal("∂L/∂z = exp(z − sum(z)) − L", $"{equation.Left} = {equation.Right}");
        }
        Assert.True(DerivativeChecker.Check(program, "z", "exp(z − sum(z)) − L").IsCorrect);
        // L = Σ z ⊙ Σz: ∂L/∂z_d = 2Σz (by hand), never Σz + z_d.
        var product = GradProgram.Parse("param z = [0.5, -1, 2]\nL = sum(z * sum(z))");
        try
        {
            var equation = DerivationRenderer.Equations(ChainDerivation.Create(product, "z"), "paths", out _).Single();
            Assert.True(DerivativeChecker.Check(product, "z", equation.Right.ToString()).IsCorrect, equation.Right.ToString());
        }
        catch (ArgumentException e)
        {
            Assert.StartsWith("∂L/∂z has no paths form but itself", e.Message);
        }
    }

    [Fact]
    public void ARecurrence_KeepsTheWholeGradientsOfTheLinesAbove_InItsClosedForm()
    {
        // A ladder p_k = p_{k−1}·q_{k−1}, q_k = p_{k−1} + q_{k−1} of depth 8 has 256 paths of 9 factors, past the inline limit.
        var text = new StringBuilder("param x = 0.5\np1 = sin(x)\nq1 = cos(x)\n");
        for (int k = 2; k <= 8; k++) text.Append($"p{k} = p{k - 1} * q{k - 1}\nq{k} = p{k - 1} + q{k - 1}\n");
        text.Append("E = p8 + q8\n");
        var program = GradProgram.Parse(text.ToString());
        var derivation = ChainDerivation.Create(program, "x");
        var closed = DerivationRenderer.Equations(derivation, "closed", out var note);
        Assert.StartsWith($"The factored form has more than {ChainDerivation.InlineLimit} factors", note);
        // dE/dq6 = dE/dp7·∂p7/∂q6 + dE/dq7·∂q7/∂q6 = dE/dp7·p6 + dE/dq7: the lines above stay whole gradients, never 0.
        Assert.Contains(closed, l => l.Left.ToString() == "dE/dq6" && l.Right.ToString() == "dE/dp7 · p6 + dE/dq7");
        Assert.Equal("∂E/∂x = dE/dp1 · cos(x) − dE/dq1 · sin(x)", $"{closed[^1].Left} = {closed[^1].Right}");
        Assert.StartsWith("closed form of ∂E/∂x\n", DerivationRenderer.Render(derivation, "closed", OutputFormat.Text));
        // The last line, the derivative asked for, is an answer check accepts.
        foreach (var form in new[] { "factored", "closed" })
            Assert.True(DerivativeChecker.Check(program, "x", DerivationRenderer.Equations(derivation, form, out _)[^1].Right.ToString()).IsCorrect, form);
    }

    [Fact]
    public void MatrixForm_InTheNumeratorLayout_SaysItIsTheTransposeOfWhatItPrints()
    {
        var program = GradProgram.Parse("input X = [[1, 2], [0.5, -1], [-1.5, 0.3]]\ntarget y = [1, 0, 1]\nparam w = [0.1, -0.2]\np = sigmoid(X @ w)\nL = mean(-(y * log(p) + (1 - y) * log(1 - p)))\n");
        var numerator = DerivationRenderer.Render(ChainDerivation.Create(program, "w"), "closed", OutputFormat.Text, Layout.Numerator, expand: false, standalone: false);
        Assert.Contains("as the gradient (the shape of w); in the numerator layout ∂L/∂w is its transpose", numerator);
        Assert.Contains("∂L/∂w = Xᵀ(p − y)/3", numerator);
        var gradient = DerivationRenderer.Render(ChainDerivation.Create(program, "w"), "closed", OutputFormat.Text, Layout.Gradient, expand: false, standalone: false);
        Assert.Contains("in the layout where the gradient has the shape of w", gradient);
    }

    [Fact]
    public void AbstractActivation_OnVectors_HasAClosedForm()
    {
        // c = g(z), h = g(c), L = Σ h ⊙ v: ∂L/∂(z)_d = v_d · g′(c_d) · g′(z_d), the chain through two diagonal Jacobians.
        var program = GradProgram.Parse("param z = [-1.5, -0.2, 0.3]\ninput v = [1, 2, -0.5]\nc = g(z)\nh = g(c)\nL = sum(h * v)\n");
        var derivation = ChainDerivation.Create(program, "z");
        Assert.Equal("(v)_d·g′((c)_d)·g′((z)_d)", derivation.Closed(derivation.Factored()!).ToString());
    }
}
