using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>
/// The constructs of the program and check languages beyond scalar arithmetic (softmax, cross-entropy,
/// transposes, indexing, per-axis reductions, conv2d and pooling, floor, ln, e, pi, dot, norm, n-ary
/// max/min, <c>**</c>): each parses, evaluates to hand-computed values, and differentiates as central
/// finite differences do; the course exercises under Exercises/ give their hand-worked answers.
/// </summary>
public class LanguageTests
{
    private static GradProgram Exercise(string name) =>
        GradProgram.Load(Path.Combine(ExplainFiles.RepoRoot, "tests", "SharpGrad.Tests", "Explain", "Exercises", name));

    private static void Close(double[] expected, Tensor actual, double tolerance = 1e-9)
    {
        var a = actual.ToDoubleArray();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(expected[i] - a[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {a[i]}");
    }

    /// <summary>Autograd's gradient of every param against central differences of the objective.</summary>
    private static void MatchesFiniteDifferences(GradProgram program, string? objective = null)
    {
        var at = program.Evaluate(null, objective);
        foreach (var d in program.Declarations.Where(d => d.Kind == DeclarationKind.Param))
        {
            var value = at.Value(d.Name).ToDoubleArray();
            var shape = at.Value(d.Name).Shape.ToArray();
            var grad = at.Gradient(d.Name).ToDoubleArray();
            for (int i = 0; i < value.Length; i++)
            {
                double Objective(double delta)
                {
                    var moved = (double[])value.Clone();
                    moved[i] += delta;
                    return program.Evaluate(new Dictionary<string, Tensor> { [d.Name] = Tensor.FromArray(moved, shape) }, objective).ObjectiveValue;
                }
                const double h = 1e-6;
                double numeric = (Objective(h) - Objective(-h)) / (2 * h);
                Assert.True(Math.Abs(numeric - grad[i]) <= 1e-5 * Math.Max(1, Math.Abs(numeric)), $"∂/∂{d.Name}[{i}]: autograd {grad[i]}, finite differences {numeric}");
            }
        }
    }

    [Fact]
    public void SoftmaxCrossEntropy_Exercise()
    {
        var r = Exercise("language-softmax-ce.grad").Evaluate();
        Assert.Equal(Math.Log(3), r.ObjectiveValue, 12);
        Close([1.0 / 3, 1.0 / 3, 1.0 / 3], r.Value("p"));
        Close([1.0 / 3, -2.0 / 3, 1.0 / 3], r.Gradient("z"));
        Close([1.0 / 3, 2.0 / 3, -2.0 / 3, -4.0 / 3, 1.0 / 3, 2.0 / 3], r.Gradient("W"));
        Close([1.0 / 3, -2.0 / 3, 1.0 / 3], r.Gradient("b"));
    }

    [Fact]
    public void LogisticRegression_Exercise()
    {
        var r = Exercise("language-logreg.grad").Evaluate();
        Assert.Equal(Math.Log(2), r.ObjectiveValue, 12);
        Close([0.5, 0.5], r.Gradient("w"));
        Close([0], r.Gradient("b"));
    }

    [Fact]
    public void Attention_Exercise()
    {
        var r = Exercise("language-attention.grad").Evaluate();
        Assert.Equal(2, r.ObjectiveValue, 12);
        Close([-1.0 / 3, -1.0 / 3, 2.0 / 3], r.Gradient("s"));
        Close([1.0 / 3, 1.0 / 3], r.Gradient("q"));
        Close(Enumerable.Repeat(1.0 / 3, 6).ToArray(), r.Gradient("V"));
    }

    [Fact]
    public void Ridge_Exercise()
    {
        var r = Exercise("language-ridge.grad").Evaluate();
        Assert.Equal(5, r.ObjectiveValue, 12);
        Close([2, 4], r.Gradient("w"));
    }

    [Fact]
    public void ConvolutionAndPooling_Exercise()
    {
        var program = Exercise("language-conv-pool.grad");
        Assert.Equal(5, program.ConvLayers[0].Kernel);
        var r = program.Evaluate();
        Close([6, 8, 9, 8], r.Value("O"));
        Close([12, 16, 15, 19], r.Gradient("K"));
        Close([6, 8, 14, 16], r.Value("P"));
        Close([20, 24], r.Value("c"));
        Assert.Equal(31 + 44, r.ObjectiveValue);
        Close([0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0], r.Gradient("X"));
        var s = program.Evaluate(null, "s");
        Assert.Equal(31, s.ObjectiveValue);
        Assert.Equal([2, 2], program.Graph["O"].Shape.Resolve(r.Sizes)!);
    }

    [Fact]
    public void ConvolutionInputGradient_CountsTheWindowsThroughTheDiagonalKernel()
    {
        var program = GradProgram.Parse("param I[3, 3] = [[1, 2, 3], [4, 5, 6], [1, 5, 3]]\ninput K[2, 2] = [[1, 0], [0, 1]]\ns = sum(conv2d(I, K))\n");
        Close([1, 1, 0, 1, 2, 1, 0, 1, 1], program.Evaluate().Gradient("I"));
    }

    [Fact]
    public void Pi_DefinedByTheProgram_IsAlsoWhatπMeans()
    {
        // As check reads π as the program's pi, and explain prints pi as π.
        var r = GradProgram.Parse("input pi = 2\nz = π * 3\n").Evaluate();
        Assert.Equal(6, r.Value("z").Item());
        Assert.Equal(Math.PI * 3, GradProgram.Parse("input x = 1\nz = π * 3\n").Evaluate().Value("z").Item(), 12);
    }

    [Fact]
    public void AConvolutionTooLargeToCompute_IsRefusedBeforeItRuns()
    {
        // A padding of 16 000 on a 2×2 image is a 32 002² padded input: about 10⁹ numbers, refused with its size.
        var e = Assert.Throws<GradProgramException>(() => GradProgram.Parse("input X = [[1, 2], [3, 4]]\nparam K = [[1]]\ny = sum(conv2d(X, K, padding=16000))\n"));
        Assert.Contains("its padded input has 1024128004 numbers", e.Message);
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void ChannelsStrideAndPadding_GiveTorchShapes()
    {
        // 2 channels of 5×5, 3 filters of 2×3×3, stride 2, padding 1: ⌊(5 + 2 − 3)/2⌋ + 1 = 3 per axis.
        var program = GradProgram.Parse("param X[2, 5, 5]\nparam F[3, 2, 3, 3]\nparam c[3]\nY = conv2d(X, F, c, stride=2, padding=1)\nA = avgpool(Y, 2, stride=1)\nL = sum(A)\n");
        Assert.Equal("[3, 3, 3]", program.Graph["Y"].Shape.ToString());
        Assert.Equal("[3, 2, 2]", program.Graph["A"].Shape.ToString());
        Assert.Equal("conv2d(X, F, c, stride=2, padding=1)", program.Graph["Y"].Expression!.ToString());
        var random = new Random(3);
        var values = new Dictionary<string, Tensor>
        {
            ["X"] = Tensor.FromArray(Enumerable.Range(0, 50).Select(_ => random.NextDouble()).ToArray(), [2, 5, 5]),
            ["F"] = Tensor.FromArray(Enumerable.Range(0, 54).Select(_ => random.NextDouble() - 0.5).ToArray(), [3, 2, 3, 3]),
            ["c"] = Tensor.FromArray([0.1, -0.2, 0.3], [3]),
        };
        var text = "param X[2, 5, 5] = " + Literal(values["X"]) + "\nparam F[3, 2, 3, 3] = " + Literal(values["F"]) + "\nparam c[3] = [0.1, -0.2, 0.3]\nY = conv2d(X, F, c, stride=2, padding=1)\nA = avgpool(Y, 2, stride=1)\nL = sum(A)\n";
        MatchesFiniteDifferences(GradProgram.Parse(text));
    }

    private static string Literal(Tensor t)
    {
        var v = t.ToDoubleArray();
        var shape = t.Shape.ToArray();
        int at = 0;
        string Write(int axis) => axis == shape.Length
            ? v[at++].ToString("R", System.Globalization.CultureInfo.InvariantCulture)
            : "[" + string.Join(", ", Enumerable.Range(0, shape[axis]).Select(_ => Write(axis + 1))) + "]";
        return Write(0);
    }

    private const string Matrix = "param X[2, 3] = [[1, 2, 3], [4, 5, 6]]\n";

    [Theory]
    [InlineData("sum(X, 0)", new[] { 5.0, 7, 9 })]
    [InlineData("sum(X, -1)", new[] { 6.0, 15 })]
    [InlineData("mean(X, axis=1)", new[] { 2.0, 5 })]
    [InlineData("max(X, axis=0)", new[] { 4.0, 5, 6 })]
    [InlineData("min(X, axis=1)", new[] { 1.0, 4 })]
    [InlineData("X.T @ [1]", null)]
    [InlineData("Xᵀ[2, :]", new[] { 3.0, 6 })]
    [InlineData("transpose(X)[0, 1]", new[] { 4.0 })]
    [InlineData("X[1]", new[] { 4.0, 5, 6 })]
    [InlineData("X[-1, 1:]", new[] { 5.0, 6 })]
    [InlineData("X[0, 1:3]", new[] { 2.0, 3 })]
    [InlineData("X[:, 2]", new[] { 3.0, 6 })]
    [InlineData("X[1][2] ** 2", new[] { 36.0 })]
    [InlineData("2 ** 3 ** 2", new[] { 512.0 })]
    [InlineData("max(X[0, 0], X[1, 1], X[0, 2])", new[] { 5.0 })]
    [InlineData("min(3, X[1, 1], 4, 7)", new[] { 3.0 })]
    [InlineData("dot(X[0], X[1])", new[] { 32.0 })]
    [InlineData("norm(X[0])", new[] { 3.7416573867739413 })]
    // softmax along the last axis, written with it as attention code does: e¹/(e¹ + e² + e³) and e⁶/(e⁴ + e⁵ + e⁶).
    [InlineData("softmax(X, axis=1)[0, 0]", new[] { 0.09003057317038046 })]
    [InlineData("softmax(X, axis=-1)[1, 2]", new[] { 0.6652409557748219 })]
    // PyTorch's dim= reads as axis=.
    [InlineData("sum(X, dim=0)", new[] { 5.0, 7, 9 })]
    [InlineData("softmax(X, dim=1)[0, 0]", new[] { 0.09003057317038046 })]
    [InlineData("ln(e) + floor(2.5) + floor(-0.5)", new[] { 2.0 })]
    [InlineData("pi", new[] { Math.PI })]
    [InlineData("softmax(X[0] * 0)", new[] { 1.0 / 3, 1.0 / 3, 1.0 / 3 })]
    [InlineData("log_softmax(X[0] * 0)", new[] { -1.0986122886681098, -1.0986122886681098, -1.0986122886681098 })]
    public void Construct_EvaluatesToItsHandValue(string expression, double[]? expected)
    {
        if (expected is null)
        {
            Assert.Throws<GradProgramException>(() => GradProgram.Parse(Matrix + "y = " + expression + "\n"));
            return;
        }
        var program = GradProgram.Parse(Matrix + "y = " + expression + "\nL = sum(y)\n");
        Close(expected, program.Evaluate().Value("y"), 1e-12);
        // Printed back in program syntax, the expression parses to the same tree.
        var printed = program.Graph["y"].Expression!.ToString();
        var again = GradProgram.Parse(Matrix + "y = " + printed + "\nL = sum(y)\n");
        Assert.Equal(printed, again.Graph["y"].Expression!.ToString());
        Close(expected, again.Evaluate().Value("y"), 1e-12);
    }

    [Fact]
    public void Softmax_RowsOfABatch_AndCrossEntropyAveragesThem()
    {
        // Row 1: logits (0, ln 3) give p = (1/4, 3/4); row 2: equal logits give (1/2, 1/2).
        var program = GradProgram.Parse($"param Z[2, 2] = [[0, {Math.Log(3).ToString("R", System.Globalization.CultureInfo.InvariantCulture)}], [1, 1]]\ntarget Y[2, 2] = [[0, 1], [1, 0]]\nP = softmax(Z)\nL = cross_entropy(Z, Y)\n");
        var r = program.Evaluate();
        Close([0.25, 0.75, 0.5, 0.5], r.Value("P"), 1e-12);
        Assert.Equal((-Math.Log(0.75) - Math.Log(0.5)) / 2, r.ObjectiveValue, 12);
        // (P − Y)/2 for a batch of two.
        Close([0.125, -0.125, -0.25, 0.25], r.Gradient("Z"), 1e-12);
    }

    [Theory]
    [InlineData("language-softmax-ce.grad")]
    [InlineData("language-logreg.grad")]
    [InlineData("language-attention.grad")]
    [InlineData("language-ridge.grad")]
    [InlineData("language-conv-pool.grad")]
    public void Exercises_GradientsMatchFiniteDifferences(string file)
    {
        var text = File.ReadAllText(Path.Combine(ExplainFiles.RepoRoot, "tests", "SharpGrad.Tests", "Explain", "Exercises", file));
        // Away from the symmetric starting points (and the ties of max pooling), with the same constructs.
        var moved = text.Replace("[[0, 0], [0, 0], [0, 0]]", "[[0.2, -0.1], [0.3, 0.4], [-0.5, 0.1]]").Replace("[0, 0, 0]", "[0.1, 0.2, -0.3]")
            .Replace("param q[2] = [0, 0]", "param q[2] = [0.3, -0.7]").Replace("param w[2] = [0, 0]", "param w[2] = [0.2, -0.1]");
        MatchesFiniteDifferences(GradProgram.Parse(moved));
    }

    [Fact]
    public void StructuralOps_GradientsMatchFiniteDifferences()
    {
        MatchesFiniteDifferences(GradProgram.Parse(
            "param X[2, 3] = [[0.1, 0.7, -0.3], [0.4, -0.5, 0.9]]\n" +
            "param v[3] = [0.2, -0.6, 1.1]\n" +
            "a = sum(X, 0) * v + mean(X, axis=1)[1] + max(X, axis=0) - min(X, axis=1)[0]\n" +
            "b = Xᵀ @ X[:, 1] + X.T[1:3, 0][0] * transpose(X)[2, 1]\n" +
            "c = log_softmax(X)[0, 2] + softmax(v)[1] + cross_entropy(X, softmax(X * 2))\n" +
            "d = max(v[0], v[1], v[2]) * dot(v, X[0]) + norm(v) ** 2 + ln(e + v[0] ** 2) * pi + floor(v[2] * 3)\n" +
            "L = sum(a) + sum(b) + c + d\n"));
    }

    [Fact]
    public void CompositeLosses_AndLayerNorm_GivePyTorchsValuesAndGradients()
    {
        // PyTorch 1.13, float64: F.layer_norm(z, [3]) row by row, F.mse_loss with a broadcast target, F.binary_cross_entropy.
        var norm = GradProgram.Parse("param Z = [[0.5, -1, 2], [0.1, 0.2, -0.3]]\nconst R = [[1, -2, 0.5], [0, 1, 2]]\nL = sum(R * layer_norm(Z))\n").Evaluate();
        Assert.Equal(1.2104101309206006, norm.ObjectiveValue, 12);
        Close([0.9525761691670751, -0.4762948886536713, -0.4762812805134039, -3.306429468604159, 2.644350269802385, 0.6620791988017745], norm.Gradient("Z"), 1e-12);
        // By hand: a − t = [[−0.5, −1], [1, 0.25]]; the mean square is 2.3125/4 and the gradient 2(a − t)/4.
        var mse = GradProgram.Parse("param a = [[0.5, -1], [2, 0.25]]\ntarget t = [1, 0]\nL = mse_loss(a, t)\n").Evaluate();
        Assert.Equal(0.578125, mse.ObjectiveValue, 14);
        Close([-0.25, -0.5, 0.5, 0.125], mse.Gradient("a"), 1e-14);
        // −(log 0.8 + log 0.7 + log 0.9)/3, and (p − y)/(p(1 − p))/3.
        var bce = GradProgram.Parse("param p = [0.2, 0.7, 0.9]\ntarget y = [0, 1, 1]\nL = binary_cross_entropy(p, y)\n").Evaluate();
        Assert.Equal(-(Math.Log(0.8) + Math.Log(0.7) + Math.Log(0.9)) / 3, bce.ObjectiveValue, 14);
        Close([0.2 / 0.16 / 3, -0.3 / 0.21 / 3, -0.1 / 0.09 / 3], bce.Gradient("p"), 1e-12);
    }

    [Fact]
    public void CompositeLosses_AndLayerNorm_MatchFiniteDifferences()
    {
        MatchesFiniteDifferences(GradProgram.Parse(
            "param W[3, 2] = [[0.5, -1], [1, 0.25], [-0.5, 2]]\n" +
            "param X[2, 2] = [[1, -2], [0.5, 1]]\n" +
            "const R = [[1, -2, 0.5], [0, 1, 2]]\n" +
            "target y = [1, 0, 1]\n" +
            "H = layer_norm(X @ W.T)\n" +
            "L = sum(R * H) + mse_loss(H, R) + binary_cross_entropy(sigmoid(H[0]), y) + sum(layer_norm(W[:, 0]))\n"));
    }

    [Fact]
    public void Flip_TurnsAMatrixHalfATurn_AndItsGradientBack()
    {
        // flip([[1, 2], [3, 4]]) = [[4, 3], [2, 1]] (by hand), so L = Σ W ⊙ flip(K) = 4·1 + 3·2 + 2·3 + 1·4 and ∂L/∂K = flip(W).
        var flip = GradProgram.Parse("param K = [[1, 2], [3, 4]]\nconst W = [[1, 2], [3, 4]]\nL = sum(W * flip(K)) + sum(rot180(K[0]))\n").Evaluate();
        Assert.Equal(20 + 3, flip.ObjectiveValue, 14);
        Close([4 + 1, 3 + 1, 2, 1], flip.Gradient("K"), 1e-14);
        MatchesFiniteDifferences(GradProgram.Parse("param K = [[1, 2, 0.5], [3, 4, -1]]\nparam x = [0.5, -2]\nL = sum(tanh(flip(K)) * K) + sum(flip(x)^3 * x)\n"));
        var e = Assert.Throws<GradProgramException>(() => GradProgram.Parse("param s = 2\nL = sum(flip(s))\n"));
        Assert.Contains("flip takes a vector or a matrix (a kernel), got a scalar", e.Message);
    }

    [Fact]
    public void Concat_JoinsAlongAnAxis_AndGivesEachOperandItsBlockOfTheGradient()
    {
        // concat([1, 2], [3]) = [1, 2, 3], so Σ r ⊙ it = 1 − 2 + 6 = 5 with r = [1, −1, 2], and ∂/∂a = [1, −1], ∂/∂c = [2] (by hand).
        var vectors = GradProgram.Parse("param a = [1, 2]\nparam c = [3]\nconst r = [1, -1, 2]\nL = sum(r * concat(a, c))\n").Evaluate();
        Assert.Equal(5, vectors.ObjectiveValue, 14);
        Close([1, -1], vectors.Gradient("a"), 1e-14);
        Close([2], vectors.Gradient("c"), 1e-14);
        // Rows joined (axis 0) and columns joined (axis=1): each operand gets the entries of R that cover it.
        var rows = GradProgram.Parse("param B = [[1, 2], [3, 4]]\nparam C = [[0.5, -1]]\nconst R = [[1, 2], [3, 4], [5, 6]]\nL = sum(R * concat(B, C))\n").Evaluate();
        Assert.Equal(1 + 4 + 9 + 16 + 2.5 - 6, rows.ObjectiveValue, 14);
        Close([5, 6], rows.Gradient("C"), 1e-14);
        var columns = GradProgram.Parse("param B = [[1, 2], [3, 4]]\nparam D = [[-1], [2]]\nconst R = [[1, 2, 3], [4, 5, 6]]\nL = sum(R * concat(B, D, axis=1))\n").Evaluate();
        Assert.Equal(1 + 4 + 12 + 20 - 3 + 12, columns.ObjectiveValue, 14);
        Close([1, 2, 4, 5], columns.Gradient("B"), 1e-14);
        Close([3, 6], columns.Gradient("D"), 1e-14);
        MatchesFiniteDifferences(GradProgram.Parse("param B = [[1, 2, 0.5], [3, 4, -1]]\nparam x = [0.5, -2]\nparam y = [0.3]\nL = sum(tanh(concat(B.T, B.T[:, 0:1] * 2, axis=1)) * concat(B, B[1:2, :])) + sum(concat(x, y, x)^3)\n"));
        // Numbers join as one-element vectors: concat(u·v, s) of a dot product and a number is a 2-vector, L = 3(u·v) + 4s
        // for weights (3, 4), so ∂L/∂u = 3v and ∂L/∂s = 4 (by hand).
        var numbers = GradProgram.Parse("param u = [0.5, -1]\nparam v = [2, 0.25]\nparam s = 0.7\nconst w = [3, 4]\nL = sum(w * concat(dot(u, v), s))\n").Evaluate();
        Assert.Equal(3 * (1 - 0.25) + 4 * 0.7, numbers.ObjectiveValue, 14);
        Close([6, 0.75], numbers.Gradient("u"), 1e-14);
        Close([4], numbers.Gradient("s"), 1e-14);
        MatchesFiniteDifferences(GradProgram.Parse("param u = [0.5, -1]\nparam v = [2, 0.25]\nparam s = 0.7\nconst k = [1, 2, 3, 4]\nL = sum(softmax(concat(dot(u, v), s, u)) * k)\n"));
    }

    [Theory]
    [InlineData("input x = [1, 2]\ninput A = [[1, 2]]\nL = sum(concat(x, A))", 3, 9, "concat joins numbers and vectors, or matrices, of one rank; got [2] and [1, 2]")]
    [InlineData("input s = 1\ninput A = [[1, 2]]\nL = sum(concat(s, A))", 3, 9, "concat joins numbers and vectors, or matrices, of one rank; got scalar and [1, 2]")]
    [InlineData("input A = [[1, 2]]\ninput B = [[1, 2, 3]]\nL = sum(concat(A, B))", 3, 9, "concat along axis 0 needs every other size to match; got [1, 2] and [1, 3]")]
    [InlineData("input A = [[1, 2]]\nL = sum(concat(A))", 2, 9, "'concat' is written concat(a, b, ...), concat(A, B, ..., axis=1); got 1 argument")]
    public void Concat_OfOperandsThatDoNotFit_SaysWhereAndWhy(string source, int line, int column, string reason)
    {
        var e = Assert.Throws<GradProgramException>(() => GradProgram.Parse(source));
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Upsample_RepeatsEachElementIntoABlock_AndSumsItsGradient()
    {
        // upsample([[1, 2], [3, 4]], 2) holds each element four times (by hand): Σ of it is 40, and ∂/∂X of Σ R ⊙ upsample(X, 2)
        // is the sum of R over each block.
        var up = GradProgram.Parse("param X = [[1, 2], [3, 4]]\nconst R = [[1, 2, 0, 0], [0, 1, 1, 1], [2, 0, 0, 0], [0, 0, 0, 5]]\nL = sum(upsample(X, 2)) + sum(R * upsample(X, 2))\n").Evaluate();
        Assert.Equal(40 + (1 + 2 + 1) * 1 + 2 * 2 + 2 * 3 + 5 * 4, up.ObjectiveValue, 14);
        Close([4 + 4, 4 + 2, 4 + 2, 4 + 5], up.Gradient("X"), 1e-14);
        MatchesFiniteDifferences(GradProgram.Parse("param X = [[[1, 2, 0.5], [3, 4, -1]]]\nL = sum(tanh(upsample(X, 3)) * upsample(X, 3))\n"));
        var e = Assert.Throws<GradProgramException>(() => GradProgram.Parse("param v = [1, 2]\nL = sum(upsample(v, 2))\n"));
        Assert.Contains("upsample takes an H×W or C×H×W input, got [2]", e.Message);
    }

    [Theory]
    [InlineData("L = mse_loss(x, v)", "the target must have the shape of the prediction [3], got [2]")]
    [InlineData("L = binary_cross_entropy(x)", "'binary_cross_entropy' takes 2 arguments, got 1")]
    [InlineData("L = sum(layer_norm(s))", "it takes a vector or a matrix")]
    public void CompositeLosses_AndLayerNorm_RefuseWrongShapes(string line, string message)
    {
        var e = Assert.Throws<GradProgramException>(() => GradProgram.Parse("param x = [0.1, 0.2, 0.3]\nparam s = 2\nparam v = [1, 2]\n" + line + "\n"));
        Assert.Contains(message, e.Message);
        Assert.Equal(4, e.Line);
    }

    [Fact]
    public void Floor_MakesE10sSizeWhole()
    {
        var e10 = ExplainFiles.Load("e10.grad");
        var stride2 = e10.Evaluate(new Dictionary<string, Tensor> { ["H"] = Tensor.Scalar(5.0), ["stride"] = Tensor.Scalar(2.0) });
        Assert.Equal(2, stride2.Value("size").Item());   // ⌊(5 + 0 − 2)/2⌋ + 1 = ⌊1.5⌋ + 1
        Assert.Equal(3, e10.Evaluate().Value("size").Item());
        Assert.Equal(0, stride2.Gradient("stride").Item());
    }

    [Fact]
    public void NamesEAndPi_AreTheProgramsOwnWhenDefined()
    {
        var r = GradProgram.Parse("param e = 2\npi = e * 3\nL = pi + e\n").Evaluate();
        Assert.Equal(8, r.ObjectiveValue);
    }

    [Fact]
    public void SubscriptBraces_NameTheUnderscoredName()
    {
        var r = GradProgram.Parse("param w_2_5 = 3\nL = w_{2,5} * w_{2, 5}\n").Evaluate();
        Assert.Equal(9, r.ObjectiveValue);
        Assert.Equal(6, r.Gradient("w_2_5").Item());
    }

    [Theory]
    [InlineData("y = X[2, 0]", 1, 6, "index 2 is out of range for axis 0 of size 2")]
    [InlineData("y = X[0, 1, 2]", 1, 6, "3 indices for shape [2, 3]")]
    [InlineData("y = X[0, 2:2]", 1, 6, "the slice 2:2 of axis 1 (size 3) is empty")]
    [InlineData("y = X[0.5]", 1, 7, "expected a whole number or ':' in the index")]
    [InlineData("y = sum(X, 2)", 1, 5, "axis 2 is out of range for shape [2, 3]")]
    [InlineData("y = sum(X, X)", 1, 5, "the second argument of 'sum' is an axis")]
    [InlineData("y = max(X, axes=0)", 1, 5, "'max' takes axis= or keepdim=, not 'axes='")]
    [InlineData("y = relu(X, axis=0)", 1, 5, "'relu' takes no setting 'axis='")]
    [InlineData("y = sum(axis=0, X)", 1, 17, "write the settings last")]
    [InlineData("y = sum(X, axis=0.5)", 1, 5, "'axis=' takes a whole number")]
    [InlineData("y = softmax(X[0, 0])", 1, 5, "softmax(X[0, 0])': it takes a vector or a matrix")]
    [InlineData("y = softmax(X, axis=0)", 1, 5, "softmax is taken along the last axis (axis=1 or -1 here), not axis=0")]
    [InlineData("y = conv2d(X, X[0])", 1, 5, "conv2d takes an H×W image and an F×F kernel")]
    [InlineData("y = maxpool(X, 4)", 1, 5, "maxpool takes an H×W or C×H×W input at least 4×4")]
    [InlineData("y = dot(X)", 1, 5, "'dot' is written dot(a, b); got 1 argument")]
    [InlineData("y = Xᵀ ᵀ @ foo", 1, 12, "undefined name 'foo'")]
    [InlineData("y = frob(X)", 1, 5, "unknown function 'frob'")]
    [InlineData("y = sigmod(X)", 1, 5, "unknown function 'sigmod'; did you mean 'sigmoid'?")]
    // NumPy would cut X[0:5] back to the two rows there are; written in a derivation it is a slip.
    [InlineData("y = X[0:5, :]", 1, 6, "the slice 0:5 of axis 0 (size 2) runs past the axis at 5 (its ends go from -2 to 2)")]
    [InlineData("y = X[0, -4:]", 1, 6, "the slice -4: of axis 1 (size 3) runs past the axis at -4")]
    public void BadConstructs_AreLocatedErrors(string line, int errorLine, int column, string message)
    {
        var e = Assert.Throws<GradProgramException>(() => GradProgram.Parse(Matrix + line + "\n", "t.grad").Evaluate());
        Assert.Contains(message, e.Message);
        Assert.Equal((errorLine + 1, column), (e.Line, e.Column));
    }

    [Fact]
    public void ConvLine_ReadsKernel5x5_AndRefusesNonSquare()
    {
        var layer = GradProgram.Parse("conv c1: in 2, out 96, kernel 5x5\nx = 1\n").ConvLayers[0];
        Assert.Equal((2, 96, 5, 5 * 5 * 2 * 96 + 96), (layer.InChannels, layer.OutChannels, layer.Kernel, (int)layer.ParameterCount));
        Assert.Equal(5, GradProgram.Parse("conv c1: in 2, out 96, kernel 5×5, input 9x9\nx = 1\n").ConvLayers[0].OutputSize(9));
        var e = Assert.Throws<GradProgramException>(() => GradProgram.Parse("conv c1: in 2, out 96, kernel 5x3\nx = 1\n"));
        Assert.Contains("5×3 kernel", e.Message);
        Assert.Throws<GradProgramException>(() => GradProgram.Parse("y = 5x5\n"));
    }

    private static CheckResult Check(GradProgram program, string wrt, string expr) => DerivativeChecker.Check(program, wrt, expr);

    [Theory]
    // What explain and step print, pasted back: σ, Greek names, w_{2,5}, ⊙, ·, −, ᵀ, ∂E/∂x, I[...].
    [InlineData("e1.grad", "w_2_5", "∂E/∂n7 · ∂n7/∂n5 · ∂n5/∂w_{2,5}")]
    [InlineData("e5.grad", "psi11", "φ1 · I[g1 > 0] · h1")]
    [InlineData("e5.grad", "psi11", "φ_1 ⊙ I[g1 > 0] ⊙ h1")]
    [InlineData("e7.grad", "x1", "∂y/∂omax · σ(x1)(1 − σ(x1))")]
    [InlineData("e9.grad", "W2", "∂J/∂a2 h1ᵀ")]
    [InlineData("e9.grad", "W2", "outer(dJ/da2, h1.T)")]
    [InlineData("e9.grad", "h1", "W2ᵀ(∂J/∂a2)")]
    [InlineData("e9.grad", "h1", "transpose(W2) @ dJ/da2")]
    [InlineData("e9.grad", "yhat", "2 * (yhat - y) ** 1")]
    [InlineData("e9.grad", "h1", "W2ᵀ · ∂J/∂a2")]
    [InlineData("e9.grad", "W2", "∂J/∂a2 · h1ᵀ")]
    [InlineData("e9.grad", "a2", "∂J/∂h2 ⊙ I[a2 > 0]")]
    [InlineData("language-logreg.grad", "b", "sum(∂L/∂p · σ(matmul(X, w) + b) · (1 − σ(matmul(X, w) + b)))")]
    public void CheckAcceptsPrintedNotation(string file, string wrt, string expr)
    {
        var program = file.StartsWith("language-", StringComparison.Ordinal) ? Exercise(file) : ExplainFiles.Load(file);
        var r = Check(program, wrt, expr);
        Assert.True(r.IsCorrect, r.ToText());
    }

    [Theory]
    [InlineData("language-logreg.grad", "w", "Xᵀ(p − y)/4")]
    [InlineData("language-logreg.grad", "w", "X.T @ (p - y) / 4")]
    [InlineData("language-logreg.grad", "b", "mean(p − y)")]
    [InlineData("language-logreg.grad", "b", "sum(p - y, 0) / 4")]
    [InlineData("language-attention.grad", "q", "Kᵀ(a ⊙ (sum(V, 1) − dot(a, sum(V, axis=1))))")]
    [InlineData("language-ridge.grad", "w", "2 Xᵀ(X @ w − y)/2 + 2 lam w")]
    [InlineData("language-ridge.grad", "w", "Xᵀ r + 2 · lam · norm(w) · w / norm(w)")]
    // The lasso's λ sign(w), written as a board writes it: w/|w| (by hand, w has no zero component).
    [InlineData("teacher-14-l1-regularisation.grad", "w", "Xᵀr + λ w/|w|")]
    [InlineData("teacher-14-l1-regularisation.grad", "w", "X.T @ (X @ w - y) + lam * |w| / w")]
    // ∂L/∂w = Xᵀr + 2λw by hand (the program's lam is the λ of the formula).
    [InlineData("language-ridge.grad", "w", "Xᵀ r + 2 λ w")]
    [InlineData("language-softmax-ce.grad", "z", "softmax(z) * sum(y) − y")]
    [InlineData("language-conv-pool.grad", "P", "1 + 0 * P")]
    public void CheckAcceptsHandAnswersToTheExercises(string file, string wrt, string expr)
    {
        var r = Check(Exercise(file), wrt, expr);
        Assert.True(r.IsCorrect, r.ToText());
    }

    [Theory]
    [InlineData("language-logreg.grad", "w", "X(p − y)/4")]
    [InlineData("language-logreg.grad", "w", "Xᵀ(p − y)/2")]
    [InlineData("language-attention.grad", "q", "Kᵀ(sum(V, 1) − dot(a, sum(V, 1)))")]
    [InlineData("language-ridge.grad", "w", "Xᵀ r + lam · w")]
    [InlineData("language-ridge.grad", "w", "Xᵀ r + λ w")]
    [InlineData("teacher-14-l1-regularisation.grad", "w", "Xᵀr + λ |w|")]
    public void CheckRejectsWrongHandAnswers(string file, string wrt, string expr)
    {
        CheckResult r;
        try
        {
            r = Check(Exercise(file), wrt, expr);
        }
        catch (ArgumentException)
        {
            return;   // a shape that cannot fit is refused too
        }
        Assert.False(r.IsCorrect, r.ToText());
    }

    [Theory]
    [InlineData("x[5]", "5 is out of")]
    [InlineData("sum(x, axis=x)", "'axis=' takes a number")]
    [InlineData("max(x, axes=0)", "'max' takes axis= or keepdim=, not 'axes='")]
    [InlineData("frob(x)", "unknown function 'frob'")]
    [InlineData("x[1:", "expected a whole number or ':' in the index")]
    public void CheckLanguage_BadConstructsAreLocated(string expr, string message)
    {
        var program = GradProgram.Parse("param x[3] = [1, 2, 3]\nL = sum(x ** 2)\n");
        var e = Assert.ThrowsAny<ArgumentException>(() => Check(program, "x", expr));
        Assert.Contains("--expr column", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("x @ x @ x", "shapes [1, 1] and [3, 1] are not aligned")]
    [InlineData("sum(x, 3)", "axis 3 is out of range for shape [3]")]
    [InlineData("conv2d(x, x)", "conv2d takes an H×W image and an F×F kernel")]
    [InlineData("maxpool(x, 2)", "maxpool takes an H×W or C×H×W input")]
    public void CheckLanguage_OperandsAnOpDoesNotTake_AreAGradedWrongShape(string expr, string message)
    {
        // L = Σ x²: operands of the wrong shape make an answer that cannot be evaluated, graded as such, in the
        // answer's own terms: no engine op name and no .NET parameter name.
        var program = GradProgram.Parse("param x[3] = [1, 2, 3]\nL = sum(x ** 2)\n");
        var r = Check(program, "x", expr);
        Assert.Equal(CheckMistake.Shape, r.Mistake);
        Assert.Contains(message, r.Reason);
        Assert.DoesNotContain("(Parameter", r.Reason);
        Assert.DoesNotContain("MatMul:", r.Reason);
    }
}
