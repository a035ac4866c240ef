using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>
/// Matrix-notation gradients derived from the recorded engine graph: the textbook closed forms
/// (logistic regression's Xᵀ(p − y)/n, a tanh layer's (W2ᵀδ) ⊙ (1 − h²), Σ over a broadcast), and
/// for every program the formula evaluated on tensors equals the gradient autograd computes.
/// </summary>
public class MatrixDerivationTests
{
    private const string LogisticRegression = """
        input X = [[1, 2], [0.5, -1], [-1.5, 0.3], [2, 1]]
        target y = [1, 0, 0, 1]
        param w = [0.1, -0.2]
        z = X @ w
        p = sigmoid(z)
        L = mean(-(y * log(p) + (1 - y) * log(1 - p)))
        """;

    private static Tensor EvaluateFormula(Sym formula, ProgramEvaluation evaluation) =>
        formula.EvaluateTensor(s => s.Kind == SymKind.Variable && evaluation.Graph.TryGetNode(s.Name!, out var node)
            ? evaluation.ValueOf(node)
            : Tensor.Scalar(evaluation.Sizes[s.Name!], DType.Float64));

    private static void AssertEqualsEngine(string program, string wrt, out string formula)
    {
        var evaluation = GradProgram.Parse(program).Evaluate();
        var gradient = MatrixDerivation.Gradient(evaluation, wrt);
        formula = gradient.ToString();
        var expected = evaluation.Gradient(wrt).ToDoubleArray();
        double[] actual;
        try
        {
            actual = EvaluateFormula(gradient, evaluation).ToDoubleArray();
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{formula}: {e.Message}", e);
        }
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-12, $"{formula}: element {i} is {actual[i]}, autograd gives {expected[i]}");
    }

    [Fact]
    public void LogisticRegression_GradientIsXTransposeTimesResidualOverN()
    {
        AssertEqualsEngine(LogisticRegression, "w", out var formula);
        // The residual p − y appears as such: σ′ = p(1 − p) cancelled the denominators of the log-loss.
        Assert.Equal("Xᵀ(p − y)/4", formula);
    }

    [Theory]
    // The quadratic form's gradient is (Aᵀ + A)x/2: A x is a column like Aᵀx, not the row (A x)ᵀ.
    [InlineData("param x = [1, -2, 0.5]\nparam A = [[2, 0.5, -1], [0.3, 1, 0.2], [-0.4, 0.7, 3]]\nq = x @ A @ x\nL = q / 2\n", "x", "(Aᵀx + A x)/2")]
    // d(uᵀF)²/du = 2(uᵀF) F: the number uᵀF times the vector F, not a row Fᵀ.
    [InlineData("param u = [0.7, -0.4]\ninput F = [1.5, 0.25]\nL = dot(u, F)^2\n", "u", "2·uᵀF·F")]
    // o = Vᵀa: ∂L/∂V = a (∂L/∂o)ᵀ = 2·a(o − t)ᵀ, the outer product written as such, not ((o − t) aᵀ)ᵀ (by hand).
    [InlineData("param V = [[1, -0.5], [0.2, 0.8], [-0.7, 0.1]]\ninput a = [0.2, 0.5, 0.3]\ntarget t = [0.1, 0.2]\no = V.T @ a\nL = sum((o - t)^2)\n", "V", "2·a(o − t)ᵀ")]
    // A scaled dot product: ∂/∂q (q·k/√3 − y)² = (2/√3)·k·(s − y), its constant exact rather than 1.154700538 (by hand).
    [InlineData("param q = [0.5, -0.3, 0.8]\ninput k = [0.2, 0.7, -0.1]\ninput y = 0.4\ns = dot(q, k) / sqrt(3)\nL = (s - y)^2\n", "q", "(2/sqrt(3))·k·(s − y)")]
    // Spec E11 with a const p = 3: the guard I[p = 0] is 0 at every point, and the closed form is α·p·|w|^(p−1)·sign(w) + 2(w − t).
    [InlineData("param w = [-0.8, 1.2, 0.3, -2]\ntarget t = [0, 1, -1, -1.5]\nconst alpha = 0.05\nconst p = 3\nJ = sum((w - t)^2)\nJreg = J + alpha * sum(abs(w)^p)\n", "w", "alpha·p·(abs(w)^(p − 1) ⊙ sign(w)) + 2·(w − t)")]
    public void AVectorsGradient_HasNoRowTerms(string program, string wrt, string expected)
    {
        AssertEqualsEngine(program, wrt, out var formula);
        Assert.Equal(expected, formula);
    }

    [Fact]
    public void ALogOfRowSums_HasItsClosedForm()
    {
        // ∂/∂Z_ij Σ_r log Σ_c exp(Z_rc) = exp(Z_ij)/Σ_c exp(Z_ic): each row's softmax, 1/s as a column repeated across (by hand).
        AssertEqualsEngine("param Z = [[1, 2, -1], [0.5, 0, 1]]\nL = sum(log(sum(exp(Z), 1)))", "Z", out var formula);
        Assert.Equal("((1/sum(exp(Z), 1)) ones(3)ᵀ) ⊙ exp(Z)", formula);
        AssertEqualsEngine("param Z = [[1, 2, -1], [0.5, 0, 1]]\ns = sum(exp(Z), 1)\nL = sum(log(s))", "Z", out var named);
        Assert.Equal("((1/s) ones(3)ᵀ) ⊙ exp(Z)", named);
    }

    [Fact]
    public void ASliceOfAProduct_IsBracketedInLatexAsInText()
    {
        // h0 is the last two entries of z = concat(x, h0): ∂L/∂h0 = (Wᵀ(1 − tanh(W z)²))[2:4] (by hand). In LaTeX the subscript
        // 2:4 must apply to the whole product, not to its last factor.
        AssertEqualsEngine("param x = [1, 2]\nparam h0 = [0.5, -1]\nparam W = [[0.1, 0.2, 0.3, 0.4], [0.5, -0.6, 0.7, 0.8], [-0.9, 1, 0.2, 0.1]]\nz = concat(x, h0)\nL = sum(tanh(W @ z))", "h0", out var formula);
        Assert.Equal("(Wᵀ(1 − tanh(W z)^2))[2:4]", formula);
        var gradient = MatrixDerivation.Gradient(GradProgram.Parse("param x = [1, 2]\nparam h0 = [0.5, -1]\nparam W = [[0.1, 0.2, 0.3, 0.4], [0.5, -0.6, 0.7, 0.8], [-0.9, 1, 0.2, 0.1]]\nz = concat(x, h0)\nL = sum(tanh(W @ z))").Evaluate(), "h0");
        Assert.Equal("{\\left({W}^{\\top}\\,\\left(1 - {\\tanh(W\\,z)}^{2}\\right)\\right)}_{2:4}", SymPrinter.Print(gradient, Notation.Latex));
    }

    [Fact]
    public void AConstantBesideAVectorInASum_IsItsNumber()
    {
        // Huber with δ = 1 written through m = min(|d|, 1): ∂L/∂p = (1 + (m − 1) ⊙ (I[a < 1] + I[a = 1]/2)) ⊙ sign(d), the 1 of
        // m − 1 broadcast as a number, not written ones(4) (by hand; the /2 is the engine's even split at a tie of min).
        AssertEqualsEngine("param p = [0.2, 3, -2, 0.5]\ntarget t = [0, 0.5, 0.1, 1]\nd = p - t\na = abs(d)\nm = min(a, 1)\nL = sum(0.5 * m^2 + a - m)", "p", out var formula);
        Assert.Equal("(1 + (m − 1) ⊙ (I[a < 1] + I[a = 1]/2)) ⊙ sign(d)", formula);
    }

    [Fact]
    public void AScalarTimesAWholeSum_ReachesAMatrixProductAtEveryElement()
    {
        // L = s·Σ(W Wᵀ): ∂L/∂(W Wᵀ) = s at every element, so ∂L/∂W = s·(1 W + 1ᵀW) = 2s·1W = [[24, 36], [24, 36]]
        // for s = 3 (each column of W summed, doubled, times s). The number s alone times W would give 2sW = [[6, 12], [18, 24]].
        AssertEqualsEngine("param W = [[1, 2], [3, 4]]\nconst s = 3\nM = W @ Wᵀ\nL = sum(M) * s\n", "W", out var formula);
        Assert.Equal("s·(ones(2, 2) W + ones(2, 2)ᵀW)", formula);
        Assert.Equal([24.0, 36, 24, 36], GradProgram.Parse("param W = [[1, 2], [3, 4]]\nconst s = 3\nM = W @ Wᵀ\nL = sum(M) * s\n").Evaluate().Gradient("W").ToDoubleArray());
    }

    [Fact]
    public void AColumnSumOfAProduct_RepeatsItsGradientDownTheRows()
    {
        AssertEqualsEngine("param W = [[0.2, -0.3, 0.4], [0.5, 0.1, -0.6]]\ninput X = [[1, 0.5], [-0.3, 0.8], [0.2, -1]]\ns = sum(X @ W, 0)\nJ = sum(tanh(s))\n", "W", out var formula);
        Assert.Equal("Xᵀ(ones(3)(1 − tanh(s)^2)ᵀ)", formula);
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
    // By hand: L = −Σ y log softmax(z), ∂L/∂z = softmax(z)·Σy − y = p − y for a one-hot y (Σy = 1),
    // and z = W x + b passes it on as (p − y) xᵀ and p − y. No max-shift constant of the stable
    // forward pass appears, and softmax(z) is written by its name p.
    [InlineData("z", "p − y")]
    [InlineData("W", "(p − y) xᵀ")]
    [InlineData("b", "p − y")]
    public void SoftmaxCrossEntropy_OneHotTarget_GivesTheResidual(string wrt, string expected)
    {
        AssertEqualsEngine(SoftmaxRegression, wrt, out var formula);
        Assert.Equal(expected, formula);
    }

    [Theory]
    // The textbook layer norm backward, (g − mean g − h ⊙ mean(g ⊙ h))/σ, with g = r; not its primitives' rules chained.
    [InlineData("z", "(r − mean(r) − h·mean(r ⊙ h))/sqrt(mean((z − mean(z))^2) + 1e-5)")]
    [InlineData("W", "(r − mean(r) − h·mean(r ⊙ h)) xᵀ/sqrt(mean((z − mean(z))^2) + 1e-5)")]
    public void LayerNorm_GivesTheTextbookBackward(string wrt, string expected)
    {
        const string program = "param W = [[0.5, -1], [1, 0.25], [-0.5, 2]]\ninput x = [1, -2]\nconst r = [1, -2, 0.5]\nz = W @ x\nh = layer_norm(z)\nL = sum(r * h)\n";
        AssertEqualsEngine(program, wrt, out var formula);
        Assert.Equal(expected, formula);
    }

    [Theory]
    // Unnamed, a layer norm is written as itself: ∂L/∂r sums its rows.
    [InlineData("L = sum(layer_norm(Z) @ r)", "r", "sum(layer_norm(Z), 0)")]
    // mean((y − t)^2) over 2 elements: 2(y − t)/2.
    [InlineData("L = mse_loss(Z @ r, t)", "r", "Zᵀ(Z r − t)")]
    // Through a sigmoid the binary cross-entropy's gradient is the residual over n.
    [InlineData("L = binary_cross_entropy(sigmoid(Z @ r), t)", "r", "Zᵀ(σ(Z r) − t)/2")]
    public void CompositeLossesAndLayerNorm_HaveMatrixForms(string line, string wrt, string expected)
    {
        var program = "param r = [0.5, -1, 0.25]\ninput Z = [[1, 2, 4], [0, -1, 1]]\ntarget t = [1, 0]\n" + line + "\n";
        AssertEqualsEngine(program, wrt, out var formula);
        Assert.Equal(expected, formula);
    }

    [Theory]
    // softplus′ = σ, leaky_relu′ = 1 above 0 and 0.01 below, floor′ = 0 (by hand), through a matrix product.
    [InlineData("softplus", "σ(W x) xᵀ")]
    [InlineData("leaky_relu", "(0.99·I[W x > 0] + 0.01) xᵀ")]
    [InlineData("floor", "zeros(2, 2)")]
    [InlineData("gelu", null)]
    public void NewerActivations_HaveMatrixForms(string f, string? expected)
    {
        AssertEqualsEngine($"param W = [[0.5, -1], [2, 0.1]]\ninput x = [1, -2]\nJ = sum({f}(W @ x))\n", "W", out var formula);
        if (expected is not null) Assert.Equal(expected, formula);
    }

    [Fact]
    public void AClosedFormThatClosesNothing_IsAnErrorThatSaysWhy()
    {
        // Overlapping windows (stride 1) have no formula here; windows that tile their input have one (below).
        var derivation = ChainDerivation.Create(GradProgram.Parse("param X = [[1, -2, 0, 1], [1, 1, 1, 0], [0, 2, 1, 3], [1, 0, 2, 1]]\nL = sum(tanh(maxpool(X, 3, stride=1)))\n"), "X");
        var e = Assert.Throws<ArgumentException>(() => DerivationRenderer.Equations(derivation, "closed", out _));
        Assert.Contains("∂L/∂X has no closed form: the chain from L to X runs through maxpool", e.Message);
        // The factored and paths forms would only restate the question (∂L/∂X = ∂L/∂X), which check calls circular.
        foreach (var form in new[] { "factored", "paths" })
            Assert.Contains($"∂L/∂X has no {form} form but itself: the chain from L to X runs through maxpool",
                Assert.Throws<ArgumentException>(() => DerivationRenderer.Equations(derivation, form, out _)).Message);
    }

    [Theory]
    // Two heads that read the columns of X: O = A X[:, 0:1] Wo + A X[:, 1:2] Wp, so ∂L/∂Wo = (A X[:, 0:1])ᵀR (by hand).
    [InlineData("Wo", "X[:, 0:1]ᵀAᵀR")]
    [InlineData("A", "R WpᵀX[:, 1:2]ᵀ + R WoᵀX[:, 0:1]ᵀ")]
    public void ReadsOfAMatrix_AreWrittenAsTheProgramWritesThem(string wrt, string expected)
    {
        const string program = "param A = [[1.0, 0.5], [-0.5, 1.0]]\ninput X = [[1.0, 2.0], [0.3, -1.0]]\nconst R = [[1, 0], [0.5, -1]]\nparam Wo = [[0.3, -0.2]]\nparam Wp = [[0.1, 0.5]]\nO = A @ X[:, 0:1] @ Wo + A @ X[:, 1:2] @ Wp\nL = sum(R * O)\n";
        AssertEqualsEngine(program, wrt, out var formula);
        Assert.Equal(expected, formula);
    }

    [Theory]
    // Each kernel entry meets the image at every output position: ∂L/∂K = conv2d(X, ∂L/∂C), the image correlated with
    // the upstream gradient (by hand from C_ij = Σ_ab X_(i+a)(j+b) K_ab), here ∂L/∂C = 1 − tanh(C)².
    [InlineData("C = conv2d(X, K)\nL = sum(tanh(C))", "conv2d(X, 1 − tanh(C)^2)")]
    [InlineData("L = sum(tanh(conv2d(X, K)))", "conv2d(X, 1 − tanh(conv2d(X, K))^2)")]
    [InlineData("L = sum(conv2d(X, K))", "conv2d(X, ones(2, 2))")]
    public void AKernelsGradient_IsTheImageCorrelatedWithTheUpstreamGradient(string lines, string expected)
    {
        AssertEqualsEngine("param K = [[0.5, -1], [2, 0.1]]\ninput X = [[1, -2, 0], [1, 1, 1], [0, 2, 1]]\n" + lines + "\n", "K", out var formula);
        Assert.Equal(expected, formula);
    }

    [Theory]
    // Each image pixel meets the kernel entries that slid over it: ∂L/∂X = conv2d(∂L/∂C, flip(K), padding=F − 1), a
    // "full" correlation with the kernel turned half a turn (by hand from C_ij = Σ_ab X_(i+a)(j+b) K_ab).
    [InlineData("C = conv2d(X, K)\nL = sum(tanh(C))", "conv2d(1 − tanh(C)^2, flip(K), padding=1)")]
    [InlineData("L = sum(conv2d(X, K))", "conv2d(ones(2, 2), flip(K), padding=1)")]
    public void AnImagesGradient_IsAFullCorrelationWithTheFlippedKernel(string lines, string expected)
    {
        AssertEqualsEngine("input K = [[0.5, -1], [2, 0.1]]\nparam X = [[1, -2, 0], [1, 1, 1], [0, 2, 1]]\n" + lines + "\n", "X", out var formula);
        Assert.Equal(expected, formula);
    }

    [Theory]
    // With padding P the kernel meets the padded image, conv2d(X, g, padding=P), and the image's gradient is the full
    // correlation with P taken off each side, conv2d(g, flip(K), padding=F − 1 − P) (by hand, F = 3, P = 1).
    [InlineData("K", "conv2d(X, R, padding=1)")]
    [InlineData("X", "conv2d(R, flip(K), padding=1)")]
    public void APaddedConvolution_ClosesWithItsPadding(string wrt, string expected)
    {
        const string program = "param X = [[0.3, -0.8, 1.1], [0.6, 0.2, -0.4], [-1.0, 0.7, 0.5]]\nparam K = [[0.1, -0.3, 0.2], [0.4, 0.5, -0.1], [-0.2, 0.3, 0.25]]\n"
            + "const R = [[1.0, -0.5, 0.3], [0.2, 0.8, -1.2], [0.6, -0.4, 0.9]]\nL = sum(R * conv2d(X, K, padding=1))\n";
        AssertEqualsEngine(program, wrt, out var formula);
        Assert.Equal(expected, formula);
    }

    [Fact]
    public void AnImagesGradient_OfASum_CountsTheKernelEntriesOverEachPixel()
    {
        // ∂Σ conv2d(X, K)/∂X_pq is the sum of the kernel entries that cover pixel (p, q) (by hand): K00 at the corner,
        // all four in the middle.
        var evaluation = GradProgram.Parse("input K = [[0.5, -1], [2, 0.1]]\nparam X = [[1, -2, 0], [1, 1, 1], [0, 2, 1]]\nL = sum(conv2d(X, K))\n").Evaluate();
        var actual = EvaluateFormula(MatrixDerivation.Gradient(evaluation, "X"), evaluation).ToDoubleArray();
        double[] expected = [0.5, -0.5, -1, 2.5, 1.6, -0.9, 2, 2.1, 0.1];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 12);
    }

    [Fact]
    public void TwoConvolutionLayers_CloseThroughTheSecondLayersInput()
    {
        // C1 = conv2d(X, K1), H = tanh(C1), C2 = conv2d(H, K2), L = Σ C2²: ∂L/∂C2 = 2·C2, back through C2's image,
        // then tanh′ = 1 − H², then K1's gradient conv2d(X, ·) (by hand, rule by rule).
        const string program = "input X = [[1, 2, 0, -1], [0.5, -1, 2, 1], [1, 0, -0.5, 2], [0, 1, 1, -1]]\nparam K1 = [[0.5, -0.3], [0.2, 0.4]]\n"
            + "param K2 = [[1, -0.5], [0.3, 0.2]]\nC1 = conv2d(X, K1)\nH = tanh(C1)\nC2 = conv2d(H, K2)\nL = sum(C2^2)\n";
        AssertEqualsEngine(program, "K1", out var formula);
        Assert.Equal("conv2d(X, conv2d(2·C2, flip(K2), padding=1) ⊙ (1 − H^2))", formula);
    }

    [Theory]
    // Windows that tile the input: a maximum passes the gradient to the element that is it, a mean shares it among the
    // F² elements, and an upsample's block adds its F² gradients up (by hand).
    [InlineData("L = sum(W * maxpool(X, 2))", "upsample(W, 2) ⊙ I[X = upsample(maxpool(X, 2), 2)]")]
    [InlineData("P = maxpool(X, 2)\nL = sum(tanh(P))", "upsample(1 − tanh(P)^2, 2) ⊙ I[X = upsample(P, 2)]")]
    [InlineData("L = sum(W * avgpool(X, 2))", "upsample(W, 2)/4")]
    [InlineData("L = sum(upsample(X, 2)^2)", "4·avgpool(2·upsample(X, 2), 2)")]
    public void TilingPools_RouteTheGradientBackThroughTheirWindows(string lines, string expected)
    {
        AssertEqualsEngine("param X = [[1, -2, 0, 1], [1, 1.5, 0.5, 0], [0, 2, 1, 3], [1, 0, 2.5, 1]]\nconst W = [[1, -0.5], [0.3, 0.2]]\n" + lines + "\n", "X", out var formula);
        Assert.Equal(expected, formula);
    }

    [Fact]
    public void AMaxPoolWhoseWindowTies_HasNoFormula()
    {
        // X00 = X01 = 1.5 tie in the first window: the engine gives the gradient to the first, as PyTorch does, which
        // I[X = upsample(P, 2)] would not; there is no formula to print, and explain keeps the chain.
        var program = GradProgram.Parse("param X = [[1.5, 1.5, 0, 1], [1, -2, 0.5, 0], [0, 2, 1, 3], [1, 0, 2.5, 1]]\nconst W = [[1, -0.5], [0.3, 0.2]]\nP = maxpool(X, 2)\nL = sum(W * P)\n");
        var evaluation = program.Evaluate();
        Assert.Equal([1, 0, 0, -0.5, 0, 0, 0, 0, 0, 0.3, 0, 0.2, 0, 0, 0, 0], evaluation.Gradient("X").ToDoubleArray());
        Assert.Throws<NotSupportedException>(() => MatrixDerivation.Gradient(evaluation, "X"));
        var closed = DerivationRenderer.Equations(ChainDerivation.Create(program, "X"), "closed", out _).Single().Right.ToString();
        Assert.Equal("∂L/∂P · ∂P/∂(X)_d", closed);
        // What multiplies the pooled values still closes: ∂L/∂V = maxpool(X, 2) (by hand), ties or not.
        AssertEqualsEngine("param X = [[1.5, 1.5, 0, 1], [1, -2, 0.5, 0], [0, 2, 1, 3], [1, 0, 2.5, 1]]\nparam V = [[1, -0.5], [0.3, 0.2]]\nL = sum(maxpool(X, 2) * V)\n", "V", out var formula);
        Assert.Equal("maxpool(X, 2)", formula);
    }

    [Fact]
    public void AMaxPoolsGradient_GoesToEachWindowsLargestElement()
    {
        // The windows' largest elements are X11 = 1.5, X03 = 1, X21 = 2 and X23 = 3 (by hand); each gets its window's W
        // entry and every other element 0.
        var evaluation = GradProgram.Parse("param X = [[1, -2, 0, 1], [1, 1.5, 0.5, 0], [0, 2, 1, 3], [1, 0, 2.5, 1]]\nconst W = [[1, -0.5], [0.3, 0.2]]\nL = sum(W * maxpool(X, 2))\n").Evaluate();
        var actual = EvaluateFormula(MatrixDerivation.Gradient(evaluation, "X"), evaluation).ToDoubleArray();
        double[] expected = [0, 0, 0, -0.5, 0, 1, 0, 0, 0, 0.3, 0, 0.2, 0, 0, 0, 0];
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void ANumberTimesTheSumOfAVectorTimesAMatrix_IsThatNumberAtEveryElement()
    {
        // L = c·Σ_j (x W)_j, so ∂L/∂x = c·W·1, c times the row sums of W (by hand): not W c, a matrix.
        AssertEqualsEngine("param W = [[1, 2, 3], [4, 5, 6]]\nparam x = [1, -1]\ninput c = 2\nL = c * sum(x @ W)\n", "x", out var formula);
        Assert.Equal("c·sum(Wᵀ, 0)", formula);
    }

    [Fact]
    public void AMatrixReadThroughColumnSlices_GetsEachColumnBlockBack()
    {
        // O = A X[:, 0:1] Wo + A X[:, 1:2] Wp and L = Σ R ⊙ O: each column block of X gets Aᵀ R times its own row's transpose
        // (by hand, ∂L/∂(X[:, 0:1]) = Aᵀ R Woᵀ), so ∂L/∂X joins the two along the columns, and check grades it correct.
        const string source = "input A = [[1.0, 0.5], [-0.5, 1.0]]\nparam X = [[1.0, 2.0], [0.3, -1.0]]\nconst R = [[1, 0], [0.5, -1]]\nparam Wo = [[0.3, -0.2]]\nparam Wp = [[0.1, 0.5]]\nO = A @ X[:, 0:1] @ Wo + A @ X[:, 1:2] @ Wp\nL = sum(R * O)\n";
        AssertEqualsEngine(source, "X", out var formula);
        Assert.Equal("concat(Aᵀ(R Woᵀ), Aᵀ(R Wpᵀ), axis=1)", formula);
        // Aᵀ = [[1, -0.5], [0.5, 1]], R Woᵀ = [0.3, 0.35], R Wpᵀ = [0.1, -0.45]: the first column is [0.125, 0.5], the second [0.325, -0.4].
        var value = EvaluateFormula(MatrixDerivation.Gradient(GradProgram.Parse(source).Evaluate(), "X"), GradProgram.Parse(source).Evaluate()).ToDoubleArray();
        Assert.Equal([0.125, 0.325, 0.5, -0.4], value.Select(v => Math.Round(v, 12)));
        var program = GradProgram.Parse(source);
        Assert.True(DerivativeChecker.Check(program, "X", formula).IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "X", "concat(Aᵀ(R Wpᵀ), Aᵀ(R Woᵀ), axis=1)").IsCorrect);
    }

    [Fact]
    public void AnLstmCellsStackedGates_GetTheirGradientsJoinedBack()
    {
        // gates = W x + U h0 + b, cut into i, f, o, u of two units each: c = f ⊙ c0 + i ⊙ u, h = o ⊙ tanh(c), L = Σ r ⊙ h.
        // By hand, ∂L/∂c = r ⊙ o ⊙ (1 − tanh²c), so the four slices get ∂L/∂c ⊙ u ⊙ σ′ for i, ∂L/∂c ⊙ c0 ⊙ σ′ for f,
        // r ⊙ tanh(c) ⊙ σ′ = r ⊙ h ⊙ (1 − o) for o, ∂L/∂c ⊙ i ⊙ (1 − u²) for u; ∂L/∂W is their concat times xᵀ.
        const string source = """
            input x = [1, -0.5]
            input h0 = [0.2, -0.1]
            input c0 = [0.5, -0.3]
            input r = [1, -2]
            param W = [[0.1, 0.2], [-0.3, 0.4], [0.3, -0.1], [0.2, 0.1], [-0.2, 0.3], [0.1, 0.2], [0.5, -0.4], [0.3, 0.2]]
            param U = [[0.2, 0], [0, 0.2], [0.1, 0.1], [-0.1, 0.1], [0.1, 0], [0.1, 0.1], [0.2, -0.1], [0.1, 0.3]]
            param b = [0, 0.1, 0, 0.1, 0, 0.1, 0, 0.1]
            gates = W @ x + U @ h0 + b
            i = sigmoid(gates[0:2])
            f = sigmoid(gates[2:4])
            o = sigmoid(gates[4:6])
            u = tanh(gates[6:8])
            c = f * c0 + i * u
            h = o * tanh(c)
            L = sum(r * h)
            """;
        AssertEqualsEngine(source, "W", out var formula);
        Assert.Equal("concat(r ⊙ o ⊙ (1 − tanh(c)^2) ⊙ u ⊙ i ⊙ (1 − i), r ⊙ o ⊙ (1 − tanh(c)^2) ⊙ c0 ⊙ f ⊙ (1 − f), r ⊙ h ⊙ (1 − o), r ⊙ o ⊙ (1 − tanh(c)^2) ⊙ i ⊙ (1 − u^2)) xᵀ", formula);
        var program = GradProgram.Parse(source);
        Assert.True(DerivativeChecker.Check(program, "W", formula).IsCorrect);
        // The f and i blocks swapped is a wrong answer, and so is a block left at zero.
        Assert.False(DerivativeChecker.Check(program, "W", "concat(r*o*(1 - tanh(c)^2)*c0*f*(1 - f), r*o*(1 - tanh(c)^2)*u*i*(1 - i), r*h*(1 - o), r*o*(1 - tanh(c)^2)*i*(1 - u^2)) @ x.T").IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "W", "concat(r*o*(1 - tanh(c)^2)*u*i*(1 - i), zeros(2), r*h*(1 - o), r*o*(1 - tanh(c)^2)*i*(1 - u^2)) @ x.T").IsCorrect);
        Assert.True(DerivativeChecker.Check(program, "b", "concat(r*o*(1 - tanh(c)^2)*u*i*(1 - i), r*o*(1 - tanh(c)^2)*c0*f*(1 - f), r*h*(1 - o), r*o*(1 - tanh(c)^2)*i*(1 - u^2))").IsCorrect);
    }

    [Fact]
    public void AMatrixReadInRowBlocks_GetsZerosWhereNoBlockWasRead()
    {
        // Only rows 0..1 of the 4×3 matrix X are read: ∂L/∂X is 2·X[0:2] (from Σ X[0:2]²) on them and zeros(2, 3) below.
        const string source = "param X = [[1, 2, 0], [-1, 0.5, 2], [3, 1, 1], [0, 0, 1]]\nL = sum(X[0:2, :]^2)\n";
        AssertEqualsEngine(source, "X", out var formula);
        Assert.Equal("concat(2·X[0:2, :], zeros(2, 3))", formula);
        var program = GradProgram.Parse(source);
        Assert.True(DerivativeChecker.Check(program, "X", formula).IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "X", "concat(zeros(2, 3), 2*X[0:2, :])").IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "X", "concat(2*X[0:2, :], ones(2, 3))").IsCorrect);
    }

    [Fact]
    public void RowsOfAMatrixReadAsVectors_AreOneRowBlocks()
    {
        // Skip-gram: u = E[1, :], v = E[3, :], L = −log σ(u·v). s = 0.4·(−0.2) − 0.5·0.3 + 0.6·0.5 = 0.07 and σ(s) − 1 = −0.482507,
        // so ∂L/∂E is (σ(s) − 1)·v in row 1, (σ(s) − 1)·u in row 3 and zeros elsewhere (by hand).
        const string source = "param E = [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6], [0.7, 0.8, -0.9], [-0.2, 0.3, 0.5]]\nu = E[1, :]\nv = E[3, :]\ns = dot(u, v)\nL = -log(sigmoid(s))\n";
        AssertEqualsEngine(source, "E", out var formula);
        Assert.Equal("concat(zeros(1, 3), [v·(σ(s) − 1)], zeros(1, 3), [u·(σ(s) − 1)])", formula);
        var program = GradProgram.Parse(source);
        Assert.True(DerivativeChecker.Check(program, "E", formula).IsCorrect);
        Assert.True(DerivativeChecker.Check(program, "E", "[[0, 0, 0], [0.0965, -0.1448, -0.2413], [0, 0, 0], [-0.1930, 0.2413, -0.2895]]").IsCorrect);
        // The two rows swapped is wrong.
        Assert.False(DerivativeChecker.Check(program, "E", "concat(zeros(1, 3), [u*(sigmoid(s) - 1)], zeros(1, 3), [v*(sigmoid(s) - 1)])").IsCorrect);
    }

    [Theory]
    // A column W[:, 2] of a 3×4 matrix through L = Σ tanh(c ⊙ x): its gradient is the column x ⊙ (1 − tanh(c ⊙ x)²) (by hand).
    [InlineData("param W = [[0.1, 0.2, -0.3, 0.4], [-0.5, 0.6, 0.7, 0.8], [-0.9, 0.3, 0.5, -0.2]]\ninput x = [1, -2, 0.5]\nc = W[:, 2]\nL = sum(tanh(c * x))",
        "W", "concat(zeros(3, 2), [x ⊙ (1 − tanh(c ⊙ x)^2)]ᵀ, zeros(3, 1), axis=1)")]
    // One element W[0, 1] times a row: ∂(W01·Σ W[1, :])/∂W is Σ W[1, :] at (0, 1) and W01 along row 1 (by hand).
    [InlineData("param W = [[0.1, 0.2, -0.3], [-0.5, 0.6, 0.7]]\nL = W[0, 1] * sum(W[1, :])",
        "W", "concat(concat(zeros(1, 1), [[sum(W[1, :])]], zeros(1, 1), axis=1), [W[0, 1]·ones(3)])")]
    // A Vandermonde matrix V = [1, X, X²] (4×3) in a mean squared error: ∂L/∂V = (2/4)(ŷ − t)wᵀ, and X's gradient is V's
    // column 1 plus 2X ⊙ its column 2 (by hand); X^0's column has no share.
    [InlineData("input X[4, 1] = [[-1], [0.5], [1], [2]]\ntarget t[4] = [1, 0.2, 0.5, 3]\nparam w[3] = [0.1, -0.3, 0.5]\nV = concat(X^0, X, X^2, axis=1)\nyhat = V @ w\nL = mean((yhat - t)^2)",
        "X", "((yhat − t) wᵀ/2)[:, 1:2] + 2·(((yhat − t) wᵀ/2)[:, 2:3] ⊙ X)")]
    // InfoNCE, L = −log_softmax(s/τ)[0] with s = K q: ∂L/∂s = (softmax(s/τ) − e₀)/τ, so ∂L/∂q = Kᵀ(softmax(s/τ) − e₀)/τ (by hand);
    // the sum of the written-out e₀ is its number.
    [InlineData("param q[2] = [0.5, -0.3]\nparam K[3, 2] = [[1, 0.2], [-0.4, 0.8], [0.3, -1]]\nconst tau = 0.5\ns = K @ q\nL = -log_softmax(s / tau)[0]",
        "q", "Kᵀ([−1, 0, 0] + softmax(s/tau))/tau")]
    // A pinball loss, mean(max(q(t − y), (q − 1)(t − y))): q(t − y) > (q − 1)(t − y) exactly where t > y (by hand), so its
    // indicators read I[t > y] and I[y > t], with the tie shared.
    [InlineData("input x[2] = [1.0, 2.0]\nparam W[3, 2] = [[0.5, -0.2], [0.3, 0.4], [-0.6, 0.1]]\ntarget t[3] = [0.4, 0.5, 0.2]\nconst q = 0.3\ny = W @ x\nL = mean(max(q * (t - y), (q - 1) * (t - y)))",
        "W", "(q·(−I[t > y]/3 − I[t = y]/6) − ((I[y > t] + I[t = y]/2)·(q − 1))/3) xᵀ")]
    // A column and one element of W: L = (u·W[:, 1])·W[0, 1] gives u·W01 down column 1 and u·W[:, 1] more at (0, 1) (by hand).
    [InlineData("param W = [[0.2, 0.7], [-0.5, 0.3], [0.6, -0.1]]\nparam u = [0.1, 0.2, 0.3]\nc = W[:, 1]\nL = dot(u, c) * W[0, 1]",
        "W", "concat(concat(zeros(1, 1), [[uᵀc]], axis=1), zeros(2, 2)) + concat(zeros(3, 1), [u W[0, 1]]ᵀ, axis=1)")]
    // L = (u·w)·w[0]: ∂L/∂w = u·w[0] + (u·w)·e₀ (by hand).
    [InlineData("param w = [0.2, 0.7, -0.5]\nparam u = [0.1, 0.2, 0.3]\nL = dot(u, w) * w[0]", "w", "[uᵀw, 0, 0] + u w[0]")]
    // J = max(W) of a 2×2 W: ∂J/∂W is the indicator of the largest element, shared at a tie (by hand); the whole matrix summed is sum(…).
    [InlineData("param W = [[0.1, 0.5], [0.3, -0.2]]\nJ = max(W)", "W", "I[W = J]/sum(I[W = J])")]
    // A multiclass hinge written over the score vector, m = s − y·s + 1 with a one-hot y: ∂L/∂s = g − y Σg for the hinge's
    // g = I[m > 0] (by hand), so ∂L/∂W = (g − y Σg) xᵀ. The dot product's share is the sum of g, one number, not a sum along
    // axis 1 of the vector g (which check could not read back, so that explain refused the form).
    [InlineData("input x[4] = [1, -0.5, 2, 0.3]\nparam W[3, 4] = [[0.2, -0.3, 0.5, 0.1], [0.1, 0.4, 0.3, -0.2], [-0.4, 0.2, -0.6, 0.3]]\nconst y[3] = [0, 1, 0]\ns = W @ x\nm = s - dot(y, s) + 1\nL = sum(max(m, 0)) - 1",
        "W", "(I[m > 0] + I[m = 0]/2 − y sum(I[m > 0] + I[m = 0]/2)) xᵀ")]
    // A row read of a one-column matrix, Y[1, :] of a 3×1 Y: one element, whose gradient r·(1 − tanh²(c r)) goes to row 1
    // (by hand), between rows of zeros.
    [InlineData("param Y = [[0.3], [-0.6], [0.9]]\ninput r = [0.4]\nc = Y[1, :]\nL = sum(tanh(c * r))",
        "Y", "concat(zeros(1), [r·(1 − L^2)], zeros(1))")]
    public void ClosedForms_ThroughReadsOfMatricesConcatsAndComparedMultiples_AreSimpleAndCheckBack(string source, string wrt, string expected)
    {
        AssertEqualsEngine(source, wrt, out var formula);
        Assert.Equal(expected, formula);
        Assert.True(DerivativeChecker.Check(GradProgram.Parse(source), wrt, formula).IsCorrect);
    }

    [Fact]
    public void AConstantTimesOnes_IsWrittenExactly()
    {
        // A linear critic mean(D F) − mean(D R) over 6 and 7 columns: ∂L/∂F = Dᵀ1ᵀ/6 and ∂L/∂R = −Dᵀ1ᵀ/7 (by hand); 0.166667
        // for 1/6 would be 2e-6 off, outside check's tolerance.
        const string source = "param D[1, 2] = [[0.5, -1.0]]\ninput F[2, 6] = [[1, 2, 0, 1, -1, 0.5], [-1, 0.5, 1, 2, 0, 1]]\n"
            + "input R[2, 7] = [[0.2, 1, -1, 0.3, 1, 2, 0], [1, -0.5, 2, 0, 1, 1, -1]]\nL = mean(D @ F) - mean(D @ R)";
        AssertEqualsEngine(source, "F", out var f);
        Assert.Equal("Dᵀ((1/6)·ones(6))ᵀ", f);
        AssertEqualsEngine(source, "R", out var r);
        Assert.Equal("Dᵀ((−1/7)·ones(7))ᵀ", r);
        Assert.True(DerivativeChecker.Check(GradProgram.Parse(source), "F", f).IsCorrect);
    }

    [Theory]
    // A mean along one axis averages that axis alone: L = Σ_i mean_j(D_ij²) gives ∂L/∂D = (2/3)·D (by hand, 3 columns),
    // and L = Σ_i (mean_j D_ij)² gives (2/3)·mean_j D_ij at each element of row i: (2/9)·Σ_j D_ij.
    [InlineData("param D = [[0.5, -0.2, 0.1], [0.3, 0.4, -0.6]]\nL = sum(mean(D * D, axis=1))", "(2/3)·D")]
    [InlineData("param D = [[0.5, -0.2, 0.1], [0.3, 0.4, -0.6]]\nL = sum(mean(D, axis=1)^2)", "(2/9)·sum(D, 1, keepdim=1) ones(3)ᵀ")]
    // A column times a row: ∂Σ(m nᵀ)/∂m is the row sum of n at every row.
    [InlineData("param m = [[0.5], [-0.2], [0.3]]\nparam n = [[0.1, 0.4, -0.6, 0.2]]\nP = m * n\nL = sum(P)", "sum(ones(3) n, 1, keepdim=1)")]
    public void AnAxisReductionOnADirectEdge_IsWrittenInMatrixNotationInEveryForm(string source, string expected)
    {
        var program = GradProgram.Parse(source);
        string wrt = program.Declarations[0].Name;
        foreach (var form in new[] { "paths", "factored", "closed" })
        {
            var line = Assert.Single(DerivationRenderer.Equations(ChainDerivation.Create(program, wrt), form, out _));
            if (form == "closed" || line.Right.ToString() == expected) Assert.Equal(expected, line.Right.ToString());
            Assert.True(DerivativeChecker.Check(program, wrt, line.Right.ToString()).IsCorrect, $"{form}: {line.Right}");
        }
    }

    [Fact]
    public void AClosedFormThatWouldUseTheDerivativeItGives_IsNotPrinted()
    {
        // The direct route through a strided convolution has no formula; a closed form would keep ∂L/∂(C)_d itself beside 4·D.
        var program = GradProgram.Parse("param C = [[0.5, -0.2, 0.1, 0.3], [0.3, 0.4, -0.6, 0.2], [0.1, 0.2, 0.3, 0.4], [0.5, 0.6, -0.1, 0.2]]\n"
            + "const K = [[1, 2], [3, -1]]\nD = 2 * C\nL = sum(D * D) + sum(conv2d(C, K, stride=2)^2)");
        var e = Assert.Throws<ArgumentException>(() => DerivationRenderer.Equations(ChainDerivation.Create(program, "C"), "closed", out _));
        Assert.Contains("has no closed form", e.Message);
        // Through a maximum of row maxima the closed form exists: each row's winner, in the row that wins, gets 1 (by hand,
        // C[0, 0] = 0.5 here), and every element 4·D = 8·C.
        var maxima = GradProgram.Parse("param C = [[0.5, -0.2, 0.1], [0.3, 0.4, -0.6]]\nD = 2 * C\nL = sum(D * D) + max(max(C, axis=1))");
        var closed = Assert.Single(DerivationRenderer.Equations(ChainDerivation.Create(maxima, "C"), "closed", out _)).Right.ToString();
        Assert.DoesNotContain("∂", closed);
        Assert.True(DerivativeChecker.Check(maxima, "C", closed).IsCorrect);
        Assert.True(DerivativeChecker.Check(maxima, "C", "[[4.0, -1.6, 0.8], [2.4, 3.2, -4.8]] + [[1, 0, 0], [0, 0, 0]]").IsCorrect);
    }

    [Fact]
    public void KlDivergence_ASoftmaxSumsToOne()
    {
        // KL(p ‖ q) with p = softmax(t), q = softmax(W x): ∂KL/∂z = q·Σp − p = q − p, since a softmax sums to 1 (by hand).
        const string program = "input x = [1, -0.5]\nconst t = [0.5, -0.2, 1.0]\nparam W = [[0.2, -0.1], [0.4, 0.3], [-0.5, 0.1]]\nz = W @ x\nq = softmax(z)\np = softmax(t)\nL = sum(p * (log(p) - log(q)))\n";
        AssertEqualsEngine(program, "W", out var formula);
        Assert.Equal("(q − p) xᵀ", formula);
    }

    [Fact]
    public void SoftmaxCrossEntropy_WrittenOutWithLog_GivesTheResidual()
    {
        var program = SoftmaxRegression.Replace("L = cross_entropy(z, y)", "L = -sum(y * log(p))");
        AssertEqualsEngine(program, "z", out var formula);
        Assert.Equal("p − y", formula);
    }

    [Fact]
    public void SoftmaxCrossEntropy_Batch_IsTheMeanResidual()
    {
        // Z = X Wᵀ + b, one example per row, L the mean over the two rows: ∂L/∂Z = (P − Y)/2,
        // ∂L/∂W = (P − Y)ᵀX/2 (each row's outer product, averaged).
        const string program = """
            input X = [[0.5, -1, 2], [1, 0.5, -0.5]]
            target Y = [[0, 1, 0, 0], [1, 0, 0, 0]]
            param W = [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6], [0.7, 0.8, -0.9], [0.2, 0.1, 0]]
            param b = [0.1, -0.2, 0.3, 0]
            Z = X @ W.T + b
            P = softmax(Z)
            L = cross_entropy(Z, Y)
            """;
        AssertEqualsEngine(program, "Z", out var dz);
        Assert.Equal("(P − Y)/2", dz);
        AssertEqualsEngine(program, "W", out var dw);
        Assert.Equal("(P − Y)ᵀX/2", dw);
    }

    [Fact]
    public void SoftmaxCrossEntropy_ProbabilityTarget_KeepsTheSumOfTheTarget()
    {
        // A target that is not one-hot does not sum to 1 by declaration: p·Σy − y stays.
        var program = SoftmaxRegression.Replace("target y = [0, 1, 0, 0]", "target y = [0.2, 0.5, 0.3, 0.4]");
        AssertEqualsEngine(program, "z", out var formula);
        Assert.Contains("y", formula.Replace("p − y", ""));
    }

    [Fact]
    public void Attention_SumOfTheValues_IsARowSumNotABareOne()
    {
        // L = Σ Vᵀa, so ∂L/∂a = V 1 = sum(V, 1): the row sums of V, and ∂L/∂s = a ⊙ (r − a·r).
        const string program = """
            param q = [0.3, -0.2]
            param K = [[1, 0], [0, 1], [1, 1]]
            param V = [[1, 0], [0, 1], [2, 2]]
            s = K @ q
            a = softmax(s)
            o = V.T @ a
            L = sum(o)
            """;
        AssertEqualsEngine(program, "s", out var formula);
        Assert.Equal("a ⊙ (sum(V, 1) − sum(sum(V, 1) ⊙ a))", formula);
        // ∂L/∂V = a 1ᵀ: every column of V gets a; the all-ones vector is written as such.
        AssertEqualsEngine(program, "V", out var values);
        Assert.Equal("a ones(2)ᵀ", values);
    }

    [Fact]
    public void GradientThatIsOneNumberEverywhere_KeepsTheParametersShape()
    {
        // L = m² with m = mean(x) over 4 elements: every component is 2m/4, a vector of four equal entries, never the bare number m/2.
        AssertEqualsEngine("param x = [1, 2, 3, 4]\nm = mean(x)\nL = m^2", "x", out var vector);
        Assert.Equal("(m·ones(4))/2", vector);
        // L = c·Σ W / 3 for W of [3, 2]: c/3 in each of the six places, a matrix of ones with its rows and columns.
        AssertEqualsEngine("param W = [[1, 2], [3, 4], [5, 6]]\ninput c = 0.5\nL = c * sum(W) / 3", "W", out var matrix);
        Assert.Equal("(c·ones(3, 2))/3", matrix);
        // L = Σ (H ⊙ c)/3 with c a row of 2 broadcast down H's 3 rows: every row of the gradient is c/3.
        AssertEqualsEngine("param H = [[1, 2], [3, 4], [5, 6]]\ninput c = [1, -2]\nL = sum(H * c) / 3", "H", out var rows);
        Assert.Equal("ones(3) cᵀ/3", rows);
    }

    [Fact]
    public void AnAxisMeansGradient_IsRepeatedAcrossTheAxisItAveraged()
    {
        // m = mean(X, axis=1) over 4 columns, L = Σ (m − t)²: by hand ∂L/∂X_ij = 2(m_i − t_i)/4, the column (m − t)/2
        // repeated across the 4 columns, (m − t) 1ᵀ/2. Written (m − t)/2 it would be a vector, not X's shape.
        const string program = "param X[3, 4] = [[1, 2, 3, 4], [0.5, -1, 2, 0], [-2, 1, 0.5, 3]]\ntarget t[3] = [2, 0.5, 1]\nm = mean(X, axis=1)\nL = sum((m - t)^2)";
        AssertEqualsEngine(program, "X", out var formula);
        Assert.Equal("(m − t) ones(4)ᵀ/2", formula);
        Assert.True(DerivativeChecker.Check(GradProgram.Parse(program), "X", formula).IsCorrect);
    }

    [Fact]
    public void TwoHeadsOnOneLayer_AddTheirGradients_AndAVectorsGradientIsAVector()
    {
        // h = relu(W x), y1 = aᵀh, y2 = cᵀh, L = (y1 − t1)² + ½(y2 − t2)²: by hand ∂L/∂c = (y2 − t2) h, a vector
        // (not the row (y2 − t2) hᵀ), and ∂L/∂W = ((2(y1 − t1) a + (y2 − t2) c) ⊙ I[W x > 0]) xᵀ.
        const string program = "input x[2] = [1, -0.5]\nparam W[3, 2] = [[0.2, -0.3], [0.1, 0.4], [-0.5, 0.2]]\nparam a[3] = [0.3, -0.2, 0.5]\nparam c[3] = [-0.1, 0.4, 0.2]\ntarget t1 = 0.5\ntarget t2 = -0.25\nh = relu(W @ x)\ny1 = dot(a, h)\ny2 = dot(c, h)\nL = (y1 - t1)^2 + 0.5 * (y2 - t2)^2";
        AssertEqualsEngine(program, "c", out var c);
        Assert.Equal("h·(y2 − t2)", c);
        AssertEqualsEngine(program, "W", out var w);
        Assert.Equal("((c(y2 − t2) + 2·(a·(y1 − t1))) ⊙ I[W x > 0]) xᵀ", w);
        Assert.True(DerivativeChecker.Check(GradProgram.Parse(program), "W", w).IsCorrect);
    }

    [Fact]
    public void BatchNorm_InputGradient_SubtractsTheMeanOfTheUpstreamGradient()
    {
        // e8 by hand: with g = ∂E/∂d, ∂E/∂x = g − mean(g) (the centring of d = x − μ passes the
        // gradient on minus its mean); the mean is written as such, not as sum(…)/4, and d/s as xhat.
        AssertEqualsEngine(File.ReadAllText(ExplainFiles.Example("e8.grad")), "x", out var formula);
        // With xhat = d/s named, g = (r − xhat·mean(r ⊙ xhat))/s, the layer-norm hand form; the 1/s
        // that every term shares comes out of the mean as well: (h − mean(h))/s with h = r − xhat·mean(r ⊙ xhat).
        var h = "r − xhat·mean(r ⊙ xhat)";
        Assert.Equal($"({h} − mean({h}))/sqrt(var + 1e-5)", formula);
    }

    [Fact]
    public void TanhLayer_BackpropagatesThroughTheTransposeAndTheDerivativeOfTanh()
    {
        const string program = """
            input x = [0.5, -1, 2]
            param W1 = [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6]]
            param W2 = [[0.7, -0.8]]
            a = W1 @ x
            h = tanh(a)
            o = W2 @ h
            L = sum(o^2)
            """;
        AssertEqualsEngine(program, "a", out var formula);
        Assert.Contains("⊙ (1 − h^2)", formula);
        Assert.Contains("W2ᵀ", formula);
        AssertEqualsEngine(program, "W1", out _);
        AssertEqualsEngine(program, "x", out _);
    }

    [Fact]
    public void CosineSimilarity_NamesTheQuotient_AndFindsTheSquaredNorm()
    {
        // s = aᵀb/(‖a‖‖b‖), L = (1 − s)²: ∂L/∂a = −2(1 − s)(b/(‖a‖‖b‖) − s·a/‖a‖²) (by hand). The factor aᵀb/(‖a‖‖b‖)
        // is written s once, not over and over, ‖a‖² is sum(a^2), and √(Σ a²) is norm(a) as the program wrote it.
        AssertEqualsEngine("param a[3] = [1, 2, -1]\ninput b[3] = [0.5, -1, 2]\ns = dot(a, b) / (norm(a) * norm(b))\nL = (1 - s)^2", "a", out var formula);
        Assert.Equal("2·((s·a·(1 − s))/sum(a^2) − (b·(1 − s))/(norm(a)·norm(b)))", formula);
    }

    [Fact]
    public void BiasBroadcastOverABatch_TheNumberComesOutOfTheAxisSum()
    {
        // H = relu(X W1 + b1), z = H w2, L = mean((z − y)²) over 4 rows: ∂L/∂z = (z − y)/2, and b1, broadcast down the
        // rows, sums ∂L/∂H ⊙ I[X W1 + b1 > 0] over them (by hand): the 1/2 stands outside the sum.
        AssertEqualsEngine("input X[4, 3] = [[1, 2, 0], [0.5, -1, 2], [-1, 0.3, 1], [2, 1, -0.5]]\ntarget y[4] = [1, 0, 1, 0]\nparam W1[3, 2] = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.2]]\nparam b1[2] = [0.05, -0.1]\nparam w2[2] = [0.7, -0.4]\nH = relu(X @ W1 + b1)\nz = H @ w2\nL = mean((z - y)^2)", "b1", out var formula);
        Assert.Equal("sum(((z − y) w2ᵀ) ⊙ I[X W1 + b1 > 0], 0)/2", formula);
    }

    [Fact]
    public void ScalarBroadcastOverAVector_SumsTheGradient()
    {
        // e8's β: y = xhat + β broadcasts β over the batch, so ∂E/∂β sums ∂E/∂y = r over it.
        var text = File.ReadAllText(ExplainFiles.Example("e8.grad"));
        AssertEqualsEngine(text, "beta", out var formula);
        Assert.Equal("sum(r)", formula);
    }

    [Theory]
    [InlineData("e6-vector.grad", "W0")]
    [InlineData("e6-vector.grad", "beta2")]
    [InlineData("e8.grad", "x")]
    [InlineData("e9.grad", "W1")]
    [InlineData("e9.grad", "W2")]
    public void SeedPrograms_MatrixFormulaEqualsAutograd(string file, string wrt)
    {
        var text = File.ReadAllText(ExplainFiles.Example(file));
        if (file == "e6-vector.grad")
        {
            // Give the symbolic sizes values: D's of 3, 2, 2, 2 and Dx = 2.
            text = text.Replace("input x[Dx]", "input x[Dx] = [0.3, -0.7]").Replace("target y[Df]", "target y[Df] = [0.5, 1]")
                .Replace("param W0[D1, Dx]", "param W0[D1, Dx] = [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]")
                .Replace("param beta0[D1]", "param beta0[D1] = [0.1, 0, -0.1]")
                .Replace("param W1[D2, D1]", "param W1[D2, D1] = [[0.2, -0.1, 0.3], [0.4, 0.1, -0.2]]")
                .Replace("param beta1[D2]", "param beta1[D2] = [0.05, -0.05]")
                .Replace("param W2[D3, D2]", "param W2[D3, D2] = [[0.3, 0.1], [-0.2, 0.4]]")
                .Replace("param beta2[D3]", "param beta2[D3] = [0.2, 0.1]")
                .Replace("param W3[Df, D3]", "param W3[Df, D3] = [[0.5, -0.3], [0.2, 0.6]]")
                .Replace("param beta3[Df]", "param beta3[Df] = [0, 0.1]");
        }
        AssertEqualsEngine(text, wrt, out _);
    }

    [Fact]
    public void ARowSumsGradient_IsAColumnRepeatedAcrossTheRow_AndReadsBackSo()
    {
        // s_i = log Σ_j exp(Z_ij), L = Σ c_i s_i: by hand ∂L/∂Z_ij = c_i exp(Z_ij)/Σ_k exp(Z_ik), the column c/rowsum
        // repeated across each row. Printed bare, c/sum(exp(Z), 1) would broadcast down the columns on a square Z.
        const string program = "param Z = [[0.1, 0.5], [1.0, -0.3]]\nconst c = [1.0, 2.0]\ns = log(sum(exp(Z), axis=1))\nL = sum(c * s)";
        AssertEqualsEngine(program, "Z", out var formula);
        Assert.Equal("((c/sum(exp(Z), 1)) ones(2)ᵀ) ⊙ exp(Z)", formula);
        Assert.True(DerivativeChecker.Check(GradProgram.Parse(program), "Z", formula).IsCorrect);
    }
}

/// <summary>
/// Course exercises (Exercises/derivation-*.grad): each closed form printed by explain is checked
/// against autograd element by element, and against the hand-derived formula in the file's header.
/// </summary>
public class DerivationExerciseTests
{
    private static string Closed(string file, string wrt)
    {
        var program = GradProgram.Load(Path.Combine(ExplainFiles.RepoRoot, "tests", "SharpGrad.Tests", "Explain", "Exercises", file));
        var evaluation = program.Evaluate();
        var gradient = MatrixDerivation.Gradient(evaluation, wrt);
        var actual = gradient.EvaluateTensor(s => evaluation.Value(s.Name!)).ToDoubleArray();
        var expected = evaluation.Gradient(wrt).ToDoubleArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-12, $"{file} {wrt}: {gradient} gives {actual[i]} at {i}, autograd {expected[i]}");
        var text = DerivationRenderer.Render(ChainDerivation.Create(program, wrt), "closed", OutputFormat.Text);
        Assert.DoesNotContain("matmul(", text);
        return text.Split('\n')[2];
    }

    [Theory]
    [InlineData("derivation-logistic.grad", "w", "∂L/∂w = Xᵀ(p − y)/4")]
    // The bias's Σ over the batch holds the same σ′ times log-loss′ that cancels to p − y under Xᵀ.
    [InlineData("derivation-logistic-l2.grad", "b", "∂L/∂b = mean(p − y)")]
    [InlineData("derivation-logistic-l2.grad", "w", "∂L/∂w = lam·w + Xᵀ(p − y)/4")]
    // A dot product of vectors: its backward is a product along an axis of size 1, nothing to sum.
    [InlineData("teacher-04-mlp-tanh-mse.grad", "h", "∂L/∂h = 2·w2·(yhat − y)")]
    [InlineData("teacher-04-mlp-tanh-mse.grad", "W1", "∂L/∂W1 = 2·((w2·(yhat − y)) ⊙ (1 − h^2)) xᵀ")]
    [InlineData("teacher-04-mlp-tanh-mse.grad", "w2", "∂L/∂w2 = 2·h·(yhat − y)")]
    [InlineData("teacher-02-logistic-regression.grad", "w", "∂L/∂w = x·(p − y)")]
    [InlineData("derivation-mlp.grad", "W2", "∂L/∂W2 = 2·(o − t) hᵀ")]
    [InlineData("derivation-mlp.grad", "W1", "⊙ (1 − h^2)) xᵀ")]
    [InlineData("derivation-ridge.grad", "w", "∂L/∂w = 2·(lam·w + Xᵀr)")]
    [InlineData("derivation-residual.grad", "x", "I[a > 0]")]
    [InlineData("derivation-tied.grad", "W", "W")]
    public void Exercise_ClosedFormMatchesAutogradAndTheHandDerivation(string file, string wrt, string expected) =>
        Assert.Contains(expected, Closed(file, wrt));

    [Theory]
    // L = Σ x²: 2x, never ∂L/∂(x)_d = ∂L/∂(x)_d.
    [InlineData("param x[3] = [1, 2, 3]\nL = sum(x^2)\n", "x", "factored", "∂L/∂(x)_d = 2·(x)_d")]
    [InlineData("param x[3] = [1, 2, 3]\nL = sum(x^2)\n", "x", "closed", "∂L/∂x = 2·x")]
    // Symbolic sizes without values: the mean's count is written n; e1's literal exponent 2 stays 2 although D = 2.
    [InlineData("input X[n, 2]\ntarget y[n]\nparam w = [0.1, -0.2]\np = sigmoid(X @ w)\nL = mean(-(y * log(p) + (1 - y) * log(1 - p)))\n", "w", "closed", "∂L/∂w = Xᵀ(p − y)/n")]
    [InlineData("input x[D] = [1, 2]\nparam w[D] = [0.5, -1]\nL = sum((w - x)^2)\n", "w", "closed", "∂L/∂w = 2·(w − x)")]
    // cross_entropy has no per-component formula: its direct edge is written in matrix notation, never ∂L/∂(z)_d = ∂L/∂(z)_d.
    [InlineData("param z = [0.5, -1, 2]\ntarget y = [0, 1, 0]\np = softmax(z)\nL = cross_entropy(z, y)\n", "z", "factored", "∂L/∂z = p − y")]
    [InlineData("param z = [0.5, -1, 2]\ntarget y = [0, 1, 0]\np = softmax(z)\nL = cross_entropy(z, y)\n", "z", "paths", "∂L/∂z = p − y")]
    public void NoTautology(string source, string wrt, string form, string expected) =>
        Assert.Contains(expected, DerivationRenderer.Render(ChainDerivation.Create(GradProgram.Parse(source), wrt), form, OutputFormat.Text).Split('\n'));

    [Theory]
    // e8: β is broadcast over the batch, so every form sums over y's components.
    [InlineData("e8.grad", "beta", "paths", "∂E/∂beta = Σ_i ∂E/∂(y)_i · ∂(y)_i/∂beta")]
    [InlineData("e8.grad", "beta", "factored", "∂E/∂beta = Σ_i ∂E/∂(y)_i · ∂(y)_i/∂beta")]
    [InlineData("e8.grad", "beta", "closed", "∂E/∂beta = sum(r)")]
    // A single edge is written as its formula, not as ∂y/∂phi1 = ∂y/∂phi1.
    [InlineData("e5.grad", "phi1", "factored", "∂y/∂phi1 = relu(g1)")]
    [InlineData("e3.grad", "n5", "paths", "∂E/∂n5 = 2·(n5 − y)")]
    // The direct partial of Jreg is its formula, so it shares no symbol with the left side. e11's p is an input, which may be 0,
    // where the engine's guard I[p = 0] keeps 0·∞ out.
    [InlineData("e11.grad", "w", "factored", "∂Jreg/∂(w)_d = ∂Jreg/∂J · ∂J/∂(w)_d + alpha·(1 − I[p = 0])·p·abs((w)_d)^(p − 1)·sign((w)_d)")]
    [InlineData("e11.grad", "w", "closed", "∂Jreg/∂w = (1 − I[p = 0])·alpha·p·(abs(w)^(p − 1) ⊙ sign(w)) + 2·(w − t)")]
    // ∂/∂p of α·Σ|w_i|^p is α·Σ_i |w_i|^p·ln|w_i|: the Σ over w's components stays in every form.
    [InlineData("e11.grad", "p", "factored", "∂Jreg/∂p = alpha·sum((1 − I[abs(w) = 0]·I[p ≥ 0])·abs(w)^p·log(abs(w)))")]
    [InlineData("e11.grad", "p", "closed", "∂Jreg/∂p = alpha·sum((1 − I[abs(w) = 0]·I[p ≥ 0]) ⊙ abs(w)^p ⊙ log(abs(w)))")]
    public void SeedExamples_SumsAndDirectPartials(string file, string wrt, string form, string expected) =>
        Assert.Contains(expected, DerivationRenderer.Render(ChainDerivation.Create(ExplainFiles.Load(file), wrt), form, OutputFormat.Text).Split('\n'));

    [Fact]
    public void ScalarInputThroughVectorStates_IsClosedInMatrixNotation()
    {
        // h1 = tanh(W h0 + u·x1), h2 = tanh(W h1), L = (v·h2 − y)²: by hand ∂L/∂x1 = uᵀ(Wᵀ(2(ŷ − y) v ⊙ (1 − h2²)) ⊙ (1 − h1²)),
        // a sum over u's components, with no leftover chain factor, no shaped 1 and no 4·mean for 2·sum.
        var program = GradProgram.Parse("""
            input x1 = 1
            input h0[2] = [0.1, -0.2]
            param W[2, 2] = [[0.5, -0.3], [0.2, 0.4]]
            param u[2] = [0.7, -0.2]
            param v[2] = [1, -1]
            target y = 0.3
            h1 = tanh(W @ h0 + u * x1)
            h2 = tanh(W @ h1)
            yhat = dot(v, h2)
            L = (yhat - y)^2
            """);
        var line = DerivationRenderer.Render(ChainDerivation.Create(program, "x1"), "closed", OutputFormat.Text).Split('\n').Single(l => l.StartsWith("∂L/∂x1 = ", StringComparison.Ordinal));
        Assert.Equal("∂L/∂x1 = 2·sum((Wᵀ((v·(yhat − y)) ⊙ (1 − h2^2))) ⊙ u ⊙ (1 − h1^2))", line);
        var check = DerivativeChecker.Check(program, "x1", line["∂L/∂x1 = ".Length..]);
        Assert.True(check.IsCorrect, check.ToText());
    }

    [Theory]
    // Reads through indices scatter back (worked by hand): L = (y1 − t[0])² + (y2 − t[1])² gives ∂L/∂t = [2(t[0] − y1), 2(t[1] − y2)];
    // z = W x read as a = z[0], b = z[1] with L = a·b gives ∂L/∂z = [b, a] and ∂L/∂x = Wᵀ[b, a].
    [InlineData("input x[3] = [1, -1, 2]\nparam f[2] = [0.2, -0.4]\ntarget t[2] = [0.5, -0.5]\ny1 = dot(f, x[0:2])\ny2 = dot(f, x[1:3])\nL = (y1 - t[0])^2 + (y2 - t[1])^2",
        "t", "∂L/∂t = [2·(t[0] − y1), 2·(t[1] − y2)]")]
    [InlineData("input x[3] = [1, -1, 2]\nparam f[2] = [0.2, -0.4]\ntarget t[2] = [0.5, -0.5]\ny1 = dot(f, x[0:2])\ny2 = dot(f, x[1:3])\nL = (y1 - t[0])^2 + (y2 - t[1])^2",
        "x", "∂L/∂x = [2·f[0]·(y1 − t[0]), 2·f[0]·(y2 − t[1]) + 2·f[1]·(y1 − t[0]), 2·f[1]·(y2 − t[1])]")]
    [InlineData("param W[2, 3] = [[0.5, -1, 2], [0.3, 0.2, -0.4]]\ninput x[3] = [1, 2, -1]\nz = W @ x\na = z[0]\nb = z[1]\nL = a * b", "z", "∂L/∂z = [b, a]")]
    // u = tanh(a[0:2]), L = Σ u + a[2]: ∂L/∂a = [1 − u[0]², 1 − u[1]², 1], the block 1 − u² joined to the 1 of a[2].
    [InlineData("param a[3] = [0.5, -1, 0.2]\nu = tanh(a[0:2])\nL = sum(u) + a[2]", "a", "∂L/∂a = concat(1 − u^2, [1])")]
    // Σ w[1:3] squared: both elements read get 2·Σ w[1:3] (by hand), and w[0] nothing; the same slice read twice is one block.
    [InlineData("param w = [0.5, -0.3, 0.8]\nL = sum(w[1:3])^2", "w", "∂L/∂w = concat(zeros(1), 2·sum(w[1:3])·ones(2))")]
    [InlineData("param w = [0.5, -0.3, 0.8]\nL = sum(w[1:3] * w[1:3])", "w", "∂L/∂w = concat(zeros(1), 2·w[1:3])")]
    [InlineData("param W[2, 3] = [[0.5, -1, 2], [0.3, 0.2, -0.4]]\ninput x[3] = [1, 2, -1]\nz = W @ x\na = z[0]\nb = z[1]\nL = a * b", "x", "∂L/∂x = Wᵀ [b, a]")]
    [InlineData("param W[2, 3] = [[0.5, -1, 2], [0.3, 0.2, -0.4]]\ninput x[3] = [1, 2, -1]\nz = W @ x\na = z[0]\nb = z[1]\nL = a * b", "W", "∂L/∂W = [b, a] xᵀ")]
    // Gates read as slices of length 1, as an LSTM cell reads them (by hand): i = σ(z0), g = tanh(z1), L = c·i + d·g gives
    // ∂L/∂z = [c·i(1 − i), d(1 − g²)] and ∂L/∂x = Wᵀ∂L/∂z.
    [InlineData("input x = [1]\ninput c = [2]\ninput d = [-1]\nparam W[2, 1] = [[0.5], [-1]]\nz = W @ x\ni = sigmoid(z[0:1])\ng = tanh(z[1:2])\nL = sum(c * i + d * g)",
        "x", "∂L/∂x = Wᵀ [c ⊙ i ⊙ (1 − i), d ⊙ (1 − g^2)]")]
    public void ReadsThroughIndices_AreScatteredBack_AndCheckTakesThemBack(string source, string wrt, string expected)
    {
        var program = GradProgram.Parse(source);
        foreach (var form in new[] { "paths", "closed" })
        {
            var lines = DerivationRenderer.Render(ChainDerivation.Create(program, wrt), form, OutputFormat.Text).Split('\n');
            if (form == "closed" || lines.Any(l => l.StartsWith("∂L/∂" + wrt + " = [", StringComparison.Ordinal)))
                Assert.Contains(expected, lines);
        }
        var check = DerivativeChecker.Check(program, wrt, expected[expected.IndexOf('=', StringComparison.Ordinal)..][2..]);
        Assert.True(check.IsCorrect, check.ToText());
    }
}
