using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>The derivative checker: right answers of E1, E2, E5, E7, E8 accepted; wrong ones rejected with diagnostics.</summary>
public class DerivativeCheckerTests
{
    private static CheckResult Check(string file, string wrt, string expr) =>
        DerivativeChecker.Check(ExplainFiles.Load(file), wrt, expr);

    [Theory]
    // E1 items 1-4.
    [InlineData("e1.grad", "n4", "dE/dn6 * dn6/dn4")]
    [InlineData("e1.grad", "w_2_5", "∂E/∂n7 · ∂n7/∂n5 · ∂n5/∂w_2_5")]
    [InlineData("e1.grad", "v_1_1", "(dE/dn6 * dn6/dn3 * dn3/dn1 + dE/dn6 * dn6/dn4 * dn4/dn1) * dn1/d(v_1_1)_d")]
    [InlineData("e1.grad", "x2", "(dE/dn6 * dn6/dn4 * dn4/dn2 + dE/dn7 * dn7/dn5 * dn5/dn2) * d(n2)/d(x2)")]
    // E2 items 1-3, factored and expanded.
    [InlineData("e2.grad", "v_2_2", "(dE/dn6 * dn6/dn4 + dE/dn8 * dn8/dn4) * dn4/dn2 * dn2/dv_2_2")]
    [InlineData("e2.grad", "w_2_4", "(dE/dn6 * dn6/dn4 + dE/dn8 * dn8/dn4) * dn4/dw_2_4")]
    [InlineData("e2.grad", "n1", "(∂E/∂n6 · ∂n6/∂n3 + ∂E/∂n8 · ∂n8/∂n3) · ∂n3/∂n1 + ∂E/∂n7 · ∂n7/∂n5 · ∂n5/∂n1")]
    [InlineData("e2.grad", "n1", "dE/dn6*dn6/dn3*dn3/dn1 + dE/dn8*dn8/dn3*dn3/dn1 + dE/dn7*dn7/dn5*dn5/dn1")]
    // E2 item 1 with closed-form local partials (g′ evaluated as tanh′).
    [InlineData("e2.grad", "w_2_4", "(dE/dn6 * g'(b_6 + w_3_6*n3 + w_4_6*n4) * w_4_6 + dE/dn8 * g′(b_8 + w_3_8*n3 + w_4_8*n4) * w_4_8) * g'(b_4 + w_2_4*n2) * n2")]
    // E5.
    [InlineData("e5.grad", "phi1", "relu(g1)")]
    [InlineData("e5.grad", "psi11", "phi1*I[g1>0]*h1")]
    [InlineData("e5.grad", "psi22", "phi2 * relu'(g2) * h2")]
    [InlineData("e5.grad", "theta01", "(phi1*I[g1>0]*psi11 + phi2*I[g2>0]*psi12)*I[theta01+theta11*x>0]")]
    [InlineData("e5.grad", "theta12", "(phi1*step(g1)*psi21 + phi2*step(g2)*psi22)*I[theta02+theta12*x>0]*x")]
    // E7.
    [InlineData("e7.grad", "x1", "dy/domax * σ(x1)(1 − σ(x1))")]
    [InlineData("e7.grad", "x2", "sigmoid'(x2)")]
    // E8: the correct batch-norm input gradient (g_i = r_i).
    [InlineData("e8.grad", "x", "(1/sqrt(var + 1e-5)) * (r - mean(r) - xhat * mean(r * xhat))")]
    [InlineData("e8.grad", "x", "(1/sqrt(var + 1e-5)) * (dE/dy - mean(dE/dy) - xhat * mean(dE/dy * xhat))")]
    [InlineData("e8.grad", "beta", "sum(r)")]
    // E9.
    [InlineData("e9.grad", "W2", "dJ/da2 ⊗ h1")]
    public void AcceptsCorrectAnswers(string file, string wrt, string expr)
    {
        var r = Check(file, wrt, expr);
        Assert.True(r.IsCorrect, r.ToText());
        Assert.Equal(CheckVerdict.Correct, r.Verdict);
    }

    [Fact]
    public void AFractionWrittenAsOneCharacter_IsThatNumber()
    {
        // z = x + e^(lv/2) ⊙ ε and L = Σz² + ½Σ(e^lv − lv − 1): by hand ∂L/∂lv = 2z ⊙ ½e^(lv/2) ⊙ ε + ½(e^lv − 1).
        var program = GradProgram.Parse("param x = [1, -0.5]\nparam lv = [0.2, -0.3]\ninput eps = [0.5, 1]\nz = x + exp(0.5 * lv) * eps\nL = sum(z^2) + 0.5 * sum(exp(lv) - lv - 1)\n");
        Assert.True(DerivativeChecker.Check(program, "lv", "2 z ⊙ ½ exp(½ lv) ⊙ eps + ½(exp(lv) − 1)").IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "lv", "2 z ⊙ ¼ exp(½ lv) ⊙ eps + ½(exp(lv) − 1)").IsCorrect);
        // ¾ = 0.75 in a scalar answer: ∂(¾·x²)/∂x at x = 2 is 3.
        Assert.True(DerivativeChecker.Check(GradProgram.Parse("param x = 2\nL = 0.75 * x^2\n"), "x", "2·¾·x").IsCorrect);
    }

    [Fact]
    public void MissingPath_IsNamed()
    {
        var r = Check("e2.grad", "n1", "(dE/dn6 * dn6/dn3 + dE/dn8 * dn8/dn3) * dn3/dn1");
        Assert.Equal(CheckVerdict.Incorrect, r.Verdict);
        Assert.Contains(r.Diagnostics, d => d.Contains("path through n7, n5 is missing"));
        // The counterexample is reproducible: evaluating the program there gives the reported true value.
        var atPoint = ExplainFiles.Load("e2.grad").Evaluate(r.Point!);
        Assert.Equal(atPoint.Gradient("n1").Item(), r.TrueValue!.Item(), 12);
        Assert.NotEqual(r.StudentValue!.Item(), r.TrueValue.Item(), 6);
    }

    [Fact]
    public void MissingFactorInPath_IsNamed()
    {
        var r = Check("e2.grad", "n1", "(dE/dn6 * dn6/dn3 + dE/dn8 * dn8/dn3) + dE/dn7 * dn7/dn5 * dn5/dn1");
        Assert.False(r.IsCorrect);
        Assert.Contains(r.Diagnostics, d => d.Contains("factor ∂n3/∂n1 is missing in the path through n6, n3")
            || d.Contains("factor ∂n3/∂n1 is missing in the path through n8, n3"));
    }

    [Fact]
    public void ExtraTerm_IsNamed()
    {
        var r = Check("e1.grad", "n4", "dE/dn6 * dn6/dn4 + dE/dn7 * dn7/dn5");
        Assert.False(r.IsCorrect);
        Assert.Contains(r.Diagnostics, d => d.Contains("is extra"));
    }

    [Fact]
    public void MissingClosedFormFactor_IsNamed()
    {
        var r = Check("e5.grad", "theta01", "phi1*I[g1>0]*psi11 + phi2*I[g2>0]*psi12");
        Assert.False(r.IsCorrect);
        Assert.Contains("factor I[theta01 + theta11·x > 0] is missing", r.Diagnostics);
    }

    [Fact]
    public void MissingSigmoidFactor_IsNamed()
    {
        var r = Check("e7.grad", "x1", "1");
        Assert.False(r.IsCorrect);
        Assert.Contains(r.Diagnostics, d => d.StartsWith("factor σ(x1)", StringComparison.Ordinal) && d.EndsWith("is missing", StringComparison.Ordinal));
    }

    [Fact]
    public void TransposedMatrix_IsRejectedWithCounterexample()
    {
        var r = Check("e9.grad", "W2", "h1 ⊗ dJ/da2");
        Assert.False(r.IsCorrect);
        Assert.Equal(new double[] { 0, -18, 0, 0 }, r.StudentValue!.ToDoubleArray());
        Assert.Equal(new double[] { 0, 0, -18, 0 }, r.TrueValue!.ToDoubleArray());
        Assert.Equal(3, r.Point!["x"].Item());
    }

    [Fact]
    public void SeedBatchNormFormula_IsRejected()
    {
        var r = Check("e8.grad", "x",
            "r / sqrt(var + 1e-5) + sum(r * d * (-0.5) * (var + 1e-5)^(-1.5)) * (2/4) * sum(x - mu) + (-sum(r) / sqrt(var + 1e-5)) / 4");
        Assert.False(r.IsCorrect);
        Assert.Contains(r.Diagnostics, d => d.Contains("identically zero") && d.Contains("sum(x - mu)"));
    }

    [Fact]
    public void WrongShape_IsReported()
    {
        var r = Check("e9.grad", "W2", "dJ/da2");
        Assert.False(r.IsCorrect);
        Assert.Equal(CheckMistake.Shape, r.Mistake);
        Assert.Equal("your expression is [2], ∂J/∂W2 is [2, 2]", r.Reason);
        Assert.StartsWith("incorrect: your expression is [2], ∂J/∂W2 is [2, 2]\n", r.ToText());
    }

    [Theory]
    // E2's ∂E/∂n1 has three paths (through n3 to n6 and to n8, and through n5 to n7); each answer below writes two of them out in closed form.
    [InlineData("2*(n6 - y6)*g'(b_6 + w_3_6*n3 + w_4_6*n4)*w_3_6*g'(b_3 + w_1_3*n1)*w_1_3 + 2*(n7 - y7)*g'(b_7 + w_5_7*n5)*w_5_7*g'(b_5 + w_1_5*n1)*w_1_5", "the path through n8, n3 is missing")]
    [InlineData("(2*(n6 - y6)*g'(b_6 + w_3_6*n3 + w_4_6*n4)*w_3_6 + 2*(n8 - y8)*g'(b_8 + w_3_8*n3 + w_4_8*n4)*w_3_8)*g'(b_3 + w_1_3*n1)*w_1_3", "the path through n7, n5 is missing")]
    public void MissingPathInClosedForm_IsNamed(string expr, string expected)
    {
        var r = Check("e2.grad", "n1", expr);
        Assert.Equal(CheckMistake.MissingPath, r.Mistake);
        Assert.StartsWith(expected, r.Diagnostics[0]);
    }

    [Theory]
    // Ridge regression: ∂L/∂w = Xᵀr/2 (through r, the mean of four squares) + 2·lam·w (L's own use of w).
    [InlineData("Xᵀ(X @ w − y)/2", "the direct path is missing", CheckMistake.MissingPath)]
    [InlineData("2*lam*w", "the path through r is missing", CheckMistake.MissingPath)]
    [InlineData("Xᵀ(X @ w − y)/2 + 4*lam*w", "the direct path is counted twice", CheckMistake.Value)]
    public void MissingPathOfAVector_IsNamed(string expr, string expected, CheckMistake mistake)
    {
        var program = GradProgram.Parse("""
            input X[4, 2] = [[1, 2], [0.5, -1], [-1, 1], [2, 0]]
            target y[4] = [1, 0, -1, 2]
            param w[2] = [0.5, -0.3]
            const lam = 0.1
            r = X @ w - y
            L = mean(r^2) + lam * sum(w^2)
            """);
        Assert.True(DerivativeChecker.Check(program, "w", "Xᵀ(X @ w − y)/2 + 2*lam*w").IsCorrect);
        var r = DerivativeChecker.Check(program, "w", expr);
        Assert.Equal(mistake, r.Mistake);
        Assert.Equal(expected, r.Diagnostics[0]);
    }

    [Theory]
    // y = a·x with a = x²: ∂y/∂x = x·2x + a = 3x². The path through a alone is 2x², two thirds of it, and so is any answer
    // that drops the direct path: the path is named, not a factor of 2/3. Writing the path through a twice is 4x².
    [InlineData("dy/da * da/dx", "the direct path is missing: a", CheckMistake.MissingPath)]
    [InlineData("x*2*x", "the direct path is missing: a", CheckMistake.MissingPath)]
    [InlineData("a", "the path through a is missing: ∂y/∂a · ∂a/∂x", CheckMistake.MissingPath)]
    [InlineData("2*dy/da*da/dx + a", "the path through a is counted 2 times instead of once", CheckMistake.ConstantFactor)]
    // 2x² + 2x² + x² is 5x²: a sum of the paths' values, one of them twice.
    [InlineData("4*x^2 + x^2", "the path through a is counted twice", CheckMistake.ConstantFactor)]
    // 6x², twice every path, is a factor, not a path.
    [InlineData("2*(x*2*x + a)", "off by a constant factor: your expression is 2 times ∂y/∂x", CheckMistake.ConstantFactor)]
    public void PathsProportionalToEachOther_NameThePath_NotAFactor(string expr, string expected, CheckMistake mistake)
    {
        var program = GradProgram.Parse("param x = 0.7\na = x^2\ny = a*x");
        Assert.True(DerivativeChecker.Check(program, "x", "dy/da * da/dx + a").IsCorrect);
        var r = DerivativeChecker.Check(program, "x", expr);
        Assert.Equal(expected, r.Diagnostics[0]);
        Assert.Equal(mistake, r.Mistake);
    }

    [Theory]
    // L = q² + b with q = a + b, b = a·x, a = sin x: five paths from x to L (q-b-a, b-a, q-a, q-b, b). A derivative that
    // is not a local one (∂L/∂a, ∂q/∂x, or ∂L/∂b where the answer writes no other route to b) is every path between its
    // two nodes, so the paths the answer leaves out are named.
    [InlineData("dL/da*da/dx", new[] { "the path through q, b is missing: ∂L/∂q · ∂q/∂b · ∂b/∂x", "the path through b is missing: ∂L/∂b · ∂b/∂x" })]
    [InlineData("dL/dq*dq/dx", new[] { "the path through b, a is missing: ∂L/∂b · ∂b/∂a · ∂a/∂x", "the path through b is missing: ∂L/∂b · ∂b/∂x" })]
    [InlineData("dL/db*db/dx", new[] { "the path through q, b, a is missing: ∂L/∂q · ∂q/∂b · ∂b/∂a · ∂a/∂x", "the path through b, a is missing: ∂L/∂b · ∂b/∂a · ∂a/∂x", "the path through q, a is missing: ∂L/∂q · ∂q/∂a · ∂a/∂x" })]
    public void TotalDerivativesInAChain_AreTheirPaths_SoTheMissingOnesAreNamed(string expr, string[] expected)
    {
        var program = GradProgram.Parse("param x = 0.6\na = sin(x)\nb = a*x\nq = a + b\nL = q^2 + b");
        Assert.True(DerivativeChecker.Check(program, "x", "dL/da*da/dx + dL/db*db/dx").IsCorrect);
        var r = DerivativeChecker.Check(program, "x", expr);
        Assert.Equal(CheckMistake.MissingPath, r.Mistake);
        Assert.Equal(expected, r.Diagnostics);
    }

    [Theory]
    // A gated update where h reads z and n, which read h0 too: the chain rule for h0 has one term per reader
    // (∂L/∂z·∂z/∂h0 + ∂L/∂n·∂n/∂h0 + ∂L/∂h·∂h/∂h0), so the term left out is named even though h depends on z and n.
    [InlineData("dL/dz*dz/dh0 + dL/dn*dn/dh0", "the path through h is missing")]
    // In chain notation the paths are told apart one by one: the first missing one is named.
    [InlineData("dL/dh*dh/dh0", "the path through h, z is missing")]
    [InlineData("dL/dz*dz/dh0 + dL/dn*dn/dh0 + 2*dL/dh*dh/dh0", null)]
    public void MissingTermsOfAVectorsChainRule_AreNamed_WhenTheReadersDependOnEachOther(string expr, string? expected)
    {
        var program = GradProgram.Parse("""
            input x[2] = [0.5, -1]
            param h0[2] = [0.3, -0.2]
            input v[2] = [1, 0.5]
            param W[2, 2] = [[0.1, -0.2], [0.3, 0.4]]
            z = sigmoid(W @ x + W @ h0)
            n = tanh(W @ (x * h0))
            h = (1 - z) * n + z * h0
            L = sum(v * h)
            """);
        Assert.True(DerivativeChecker.Check(program, "h0", "dL/dz*dz/dh0 + dL/dn*dn/dh0 + dL/dh*dh/dh0").IsCorrect);
        var r = DerivativeChecker.Check(program, "h0", expr);
        Assert.False(r.IsCorrect);
        if (expected is null)
            Assert.Equal("the path through h is counted twice", r.Diagnostics[0]);
        else
        {
            Assert.Equal(CheckMistake.MissingPath, r.Mistake);
            Assert.StartsWith(expected, r.Diagnostics[0]);
        }
    }

    [Theory]
    // h = tanh(W x), L = Σ v ⊙ h: ∂L/∂(Wx) = v ⊙ (1 − h²) by hand; leaving out tanh′ (or adding it twice) is named.
    [InlineData("v", "factor 1 − tanh(a)^2 is missing")]
    [InlineData("v * (1 - h^2)^2", "factor 1 − tanh(a)^2 is extra")]
    public void MissingFactorOfAVector_IsNamed(string expr, string expected)
    {
        var program = GradProgram.Parse("input x[2] = [0.5, -1]\nparam W[3, 2] = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]\ninput v[3] = [1, -2, 0.5]\na = W @ x\nh = tanh(a)\nL = sum(v * h)");
        Assert.True(DerivativeChecker.Check(program, "a", "v * (1 - h^2)").IsCorrect);
        var r = DerivativeChecker.Check(program, "a", expr);
        Assert.Equal(CheckMistake.MissingFactor, r.Mistake);
        Assert.Equal(expected, r.Diagnostics[0]);
    }

    [Theory]
    // z = W x, L = z[0]·z[1]: ∂L/∂z = [z[1], z[0]] (by hand). A bracket touching a name indexes it; after a space it is a vector.
    [InlineData("z", "[z[1], z[0]]", true)]
    [InlineData("z", "[z[0], z[1]]", false)]
    [InlineData("z", "-1 * [-z[1], -z[0]]", true)]
    [InlineData("x", "Wᵀ [z[1], z[0]]", true)]
    [InlineData("x", "transpose(W) @ [z[1], z[0]]", true)]
    [InlineData("W", "[z[1], z[0]] xᵀ", true)]
    [InlineData("W", "[z[1], z[0]] ⊗ x", true)]
    [InlineData("W", "[z[0], z[1]] ⊗ x", false)]
    public void VectorsWrittenOut_AreRead(string wrt, string expr, bool correct)
    {
        var program = GradProgram.Parse("param W[2, 3] = [[0.5, -1, 2], [0.3, 0.2, -0.4]]\ninput x[3] = [1, 2, -1]\nz = W @ x\nL = z[0] * z[1]");
        var r = DerivativeChecker.Check(program, wrt, expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Theory]
    // S = Q Kᵀ, L = Σ R ⊙ S (by hand: ∂L/∂S = R, ∂L/∂Q = R K): a dot between matrices that conform only as a product is the
    // product, as step prints it; between matrices of one shape it stays elementwise.
    [InlineData("Q", "∂L/∂S · K", true)]
    [InlineData("Q", "R · K", true)]
    [InlineData("S", "R · ones(2, 3)", true)]
    [InlineData("S", "∂L/∂S · S", false)]
    public void DotBetweenMatrices_IsTheProductOnlyWhereTheShapesSaySo(string wrt, string expr, bool correct)
    {
        var program = GradProgram.Parse("param Q[2, 2] = [[0.5, -0.5], [1, 0.2]]\nparam K[3, 2] = [[1, 0], [0, 1], [1, 1]]\ninput R[2, 3] = [[1, -1, 0], [0.5, 2, 1]]\nS = Q @ K.T\nL = sum(R * S)");
        var r = DerivativeChecker.Check(program, wrt, expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Fact]
    public void FactorsLeftOutInsideTheAnswer_AreNamedWhereTheyBelong()
    {
        // r = relu(W1 x), y = W2 r, L = Σ v ⊙ y: ∂L/∂x = W1ᵀ(I[a > 0] ⊙ W2ᵀv) (by hand); without the indicator it is wrong inside.
        var relu = GradProgram.Parse("""
            param x[2] = [0.5, -1]
            input W1[3, 2] = [[1, 0.5], [-0.5, 1], [0.3, 0.3]]
            input W2[2, 3] = [[0.2, -0.4, 0.1], [1, 0.5, -0.3]]
            input v[2] = [1, -2]
            a = W1 @ x
            r = relu(a)
            y = W2 @ r
            L = sum(v * y)
            """);
        Assert.True(DerivativeChecker.Check(relu, "x", "W1ᵀ(I[a > 0] ⊙ W2ᵀv)").IsCorrect);
        var missing = DerivativeChecker.Check(relu, "x", "W1ᵀ(W2ᵀv)");
        Assert.Equal(CheckMistake.MissingFactor, missing.Mistake);
        Assert.Equal("factor I[a > 0] is missing in W2ᵀv", missing.Diagnostics[0]);

        // L = mean((X w − y)²) + λ Σ w² over 4 rows: ∂L/∂w = (2/4) Xᵀ(X w − y) + 2λw; the 1/4 left out of the first term only.
        var ridge = GradProgram.Parse("""
            input X[4, 2] = [[1, 2], [0.5, -1], [-1, 1], [2, 0]]
            target y[4] = [1, 0, -1, 2]
            param w[2] = [0.5, -0.3]
            const lam = 0.1
            L = mean((X @ w - y)^2) + lam * sum(w^2)
            """);
        var mean = DerivativeChecker.Check(ridge, "w", "2 Xᵀ(X @ w − y) + 2*lam*w");
        Assert.Equal(CheckMistake.MissingMean, mean.Mistake);
        Assert.StartsWith("a factor 1/4 is missing in ", mean.Diagnostics[0]);
    }

    [Fact]
    public void ALocalPartialLeftOut_IsNamedByItsEdge()
    {
        // c = f ⊙ c0 + i ⊙ u, L = Σ r ⊙ c: ∂L/∂c0 = ∂L/∂c ⊙ f (by hand); without f the edge's local partial is missing.
        var program = GradProgram.Parse("""
            input x[2] = [1, -1]
            input c0[2] = [0.5, -0.3]
            input r[2] = [1, -2]
            param Wf[2, 2] = [[0.1, 0.2], [-0.3, 0.4]]
            param Wi[2, 2] = [[0.3, -0.1], [0.2, 0.1]]
            f = sigmoid(Wf @ x)
            i = sigmoid(Wi @ x)
            c = f * c0 + i * tanh(x)
            L = sum(r * c)
            """);
        Assert.True(DerivativeChecker.Check(program, "c0", "dL/dc * f").IsCorrect);
        var r = DerivativeChecker.Check(program, "c0", "dL/dc");
        Assert.Equal(CheckMistake.MissingFactor, r.Mistake);
        Assert.StartsWith("factor ∂c/∂", r.Diagnostics[0]);
    }

    [Fact]
    public void AFactorOfOne_MayGoUnwritten_SoTheMissingPathIsNamed()
    {
        // y1 = 2x + c, y2 = 3x + c, L = y1² + y2²: ∂L/∂c = ∂L/∂y1 + ∂L/∂y2 (each ∂y/∂c is 1); leaving out y2 is a missing path.
        var program = GradProgram.Parse("param x = 0.5\nparam c = 0.1\ny1 = 2 * x + c\ny2 = 3 * x + c\nL = y1^2 + y2^2");
        Assert.True(DerivativeChecker.Check(program, "c", "dL/dy1 + dL/dy2").IsCorrect);
        var r = DerivativeChecker.Check(program, "c", "dL/dy1");
        Assert.Equal(CheckMistake.MissingPath, r.Mistake);
        Assert.Equal(["the path through y2 is missing: ∂L/∂y2 · ∂y2/∂c"], r.Diagnostics);
    }

    [Theory]
    // L = w³ at w = 1.1: ∂L/∂w = 3w² = 3.63 (by hand). Rounded numbers are classed within their last decimal.
    [InlineData("1.82", CheckMistake.ConstantFactor)]   // 1.815, half
    [InlineData("-3.63", CheckMistake.SignFlipped)]
    [InlineData("7.26", CheckMistake.ConstantFactor)]   // twice
    [InlineData("3.1", CheckMistake.Value)]
    public void RoundedNumericAnswers_AreClassedWithinTheirDecimals(string answer, CheckMistake expected)
    {
        var program = GradProgram.Parse("param w = 1.1\nL = w^3");
        Assert.Equal(expected, DerivativeChecker.Check(program, "w", answer).Mistake);
    }

    [Theory]
    // Layer norm: x is read by mu and by d = x − mu, and d by v. Holding mu and v fixed (by hand) leaves two paths out;
    // the path x → mu → d → v adds nothing (Σ d = 0), so it is never named.
    [InlineData("r * gamma / sqrt(v + 1e-5)", "the path x → mu → d → xhat → y → L and the path x → d → v → xhat → y → L are missing")]
    [InlineData("(r * gamma - mean(r * gamma)) / sqrt(v + 1e-5)", "the path x → d → v → xhat → y → L is missing")]
    public void PathsLeftOutWhereTheReadersReadEachOther_AreNamedOneByOne(string expr, string expected)
    {
        var program = GradProgram.Parse("""
            param x[4] = [1, 2, 4, 7]
            input r[4] = [0.3, -1.2, 0.5, 2]
            input gamma[4] = [1, 0.5, -1, 2]
            mu = mean(x)
            d = x - mu
            v = mean(d^2)
            xhat = d / sqrt(v + 1e-5)
            y = gamma * xhat
            L = sum(r * y)
            """);
        var r = DerivativeChecker.Check(program, "x", expr);
        Assert.Equal(CheckMistake.MissingPath, r.Mistake);
        Assert.Equal(expected, r.Diagnostics[0]);
    }

    [Fact]
    public void SoftmaxTreatedAsASigmoid_IsAnExtraFactor()
    {
        // p = softmax(z), L = −Σ y ⊙ log p: ∂L/∂z = p − y (by hand); multiplying by p(1 − p) as for a sigmoid is an extra factor.
        var program = GradProgram.Parse("param z[3] = [0.5, -1, 2]\ntarget y[3] = [0, 1, 0]\np = softmax(z)\nL = -sum(y * log(p))");
        Assert.True(DerivativeChecker.Check(program, "z", "p - y").IsCorrect);
        var r = DerivativeChecker.Check(program, "z", "(p - y) * p * (1 - p)");
        Assert.Equal(CheckMistake.MissingFactor, r.Mistake);
        Assert.Equal("factor softmax(z)·(1 − softmax(z)) is extra", r.Diagnostics[0]);
    }

    [Theory]
    // L = mean((X w − y)²) + λ Σ w², 4 rows: ∂L/∂w = Xᵀ(X w − y)/2 + 2λw (by hand). One term wrong, the rest right.
    [InlineData("Xᵀ(X @ w − y)/2 - 2*lam*w", CheckMistake.SignFlipped, "the sign of 2*lam*w is flipped")]
    [InlineData("Xᵀ(X @ w − y)/2 + lam*w", CheckMistake.ConstantFactor, "the term lam*w is off by a factor 2")]
    [InlineData("Xᵀ(X @ w − y)/2 + 2*lam*∂L/∂w", CheckMistake.Circular, null)]
    public void OneTermWrong_IsNamedByItsTerm(string expr, CheckMistake mistake, string? diagnostic)
    {
        var program = GradProgram.Parse("""
            input X[4, 2] = [[1, 2], [0.5, -1], [-1, 1], [2, 0]]
            target y[4] = [1, 0, -1, 2]
            param w[2] = [0.5, -0.3]
            const lam = 0.1
            L = mean((X @ w - y)^2) + lam * sum(w^2)
            """);
        var r = DerivativeChecker.Check(program, "w", expr);
        Assert.Equal(mistake, r.Mistake);
        if (diagnostic is not null) Assert.Equal(diagnostic, r.Diagnostics[0]);
    }

    [Fact]
    public void OneTermTransposed_IsNamed()
    {
        // L = Σ (X W) ⊙ V + λ Σ W², W square: ∂L/∂W = XᵀV + 2λW (by hand); (XᵀV)ᵀ in the first term is a transposed term.
        var program = GradProgram.Parse("input X[3, 2] = [[1, -1], [0.5, 2], [-1, 0.3]]\nparam W[2, 2] = [[0.4, -0.3], [0.2, 0.6]]\ninput V[3, 2] = [[1, 2], [-1, 0.5], [0.3, -2]]\nconst lam = 0.1\nL = sum((X @ W) * V) + lam * sum(W^2)");
        Assert.True(DerivativeChecker.Check(program, "W", "Xᵀ V + 2*lam*W").IsCorrect);
        var r = DerivativeChecker.Check(program, "W", "(Xᵀ V)ᵀ + 2*lam*W");
        Assert.Equal(CheckMistake.Transposed, r.Mistake);
        Assert.Equal("the term (Xᵀ V)ᵀ is transposed", r.Diagnostics[0]);
    }

    [Fact]
    public void APartOfALocalDerivative_LeftOut_IsNamed()
    {
        // ŷ = a + c x², L = mean((ŷ − y)²): ∂L/∂c = (2/3) Σ (ŷ − y) x² (by hand). Writing x for x² leaves a factor x out.
        var program = GradProgram.Parse("input x[3] = [-1, 0.5, 2]\ninput y[3] = [1, 0.2, -0.4]\nparam a = 0.1\nparam c = 0.8\nyhat = a + c * x^2\nL = mean((yhat - y)^2)");
        Assert.True(DerivativeChecker.Check(program, "c", "(2/3)*sum((yhat - y)*x^2)").IsCorrect);
        var power = DerivativeChecker.Check(program, "c", "(2/3)*sum((yhat - y)*x)");
        Assert.Equal(CheckMistake.MissingFactor, power.Mistake);
        Assert.Equal("factor x is missing in (yhat - y)*x", power.Diagnostics[0]);

        // h = tanh(W h0 + u·s), L = Σ v ⊙ h: ∂L/∂s = Σ v ⊙ (1 − h²) ⊙ u, and the u of ∂h/∂s = (1 − h²) ⊙ u is left out.
        var rnn = GradProgram.Parse("input s = 0.5\ninput h0[2] = [1, -1]\nparam W[2, 2] = [[0.5, -0.3], [0.2, 0.4]]\nparam u[2] = [0.7, -0.2]\ninput v[2] = [1, -2]\nh = tanh(W @ h0 + u * s)\nL = sum(v * h)");
        Assert.True(DerivativeChecker.Check(rnn, "s", "sum(v*(1-h^2)*u)").IsCorrect);
        var product = DerivativeChecker.Check(rnn, "s", "sum(dL/dh*(1-h^2))");
        Assert.Equal(CheckMistake.MissingFactor, product.Mistake);
        Assert.Equal("factor u is missing in dL/dh*(1-h^2)", product.Diagnostics[0]);
    }

    [Fact]
    public void ANameMultiplyingInsideAnExpression_LeftOut_IsNamed()
    {
        // h = relu(W x) ⊙ mask, ŷ = w2ᵀh, L = ½(ŷ − y)²: ∂L/∂W = ((ŷ − y) w2 ⊙ mask ⊙ I[W x > 0]) xᵀ (by hand).
        var dropout = GradProgram.Parse("input x[3] = [1, -0.5, 2]\nconst mask[2] = [1, 0]\nparam W[2, 3] = [[0.2, -0.1, 0.4], [0.3, 0.5, -0.2]]\nparam w2[2] = [1, -0.7]\ntarget y = 0.5\nh = relu(W @ x) * mask\nyhat = dot(w2, h)\nL = 0.5 * (yhat - y)^2");
        Assert.True(DerivativeChecker.Check(dropout, "W", "outer(w2*(yhat-y)*mask*I[W@x>0], x)").IsCorrect);
        var r = DerivativeChecker.Check(dropout, "W", "outer(w2*(yhat-y)*I[W@x>0], x)");
        Assert.Equal(CheckMistake.MissingFactor, r.Mistake);
        Assert.Equal("factor mask is missing in w2*(yhat-y)*I[W@x>0]", r.Diagnostics[0]);

        // y = x/n with n = ‖x‖, L = Σ y ⊙ v: ∂L/∂x = (v − y L)/n (by hand); the 1/n of y = x/n left out or doubled.
        var unit = GradProgram.Parse("param x[3] = [1, -2, 0.5]\ninput v[3] = [0.3, 1, -1]\nn = norm(x)\ny = x / n\nL = sum(y * v)");
        Assert.True(DerivativeChecker.Check(unit, "x", "(v - y*L)/n").IsCorrect);
        Assert.Equal("factor 1/n is missing", DerivativeChecker.Check(unit, "x", "v - y*L").Diagnostics[0]);
        Assert.Equal("factor 1/n is extra", DerivativeChecker.Check(unit, "x", "(v - y*L)/n^2").Diagnostics[0]);
    }

    [Fact]
    public void AFactorWrittenWhereItDoesNotBelong_InsideTheAnswer_IsNamed()
    {
        // y = softmax(W x), L = −Σ t ⊙ log y with a one-hot t: ∂L/∂W = (y − t) xᵀ (by hand). Treating softmax as a
        // sigmoid puts y ⊙ (1 − y) inside the outer product.
        var program = GradProgram.Parse("input x[3] = [1, -2, 0.5]\ntarget t[2] = [0, 1]\nparam W[2, 3] = [[0.1, 0.2, -0.3], [0.4, -0.1, 0.2]]\ny = softmax(W @ x)\nL = -sum(t * log(y))");
        Assert.True(DerivativeChecker.Check(program, "W", "outer(y - t, x)").IsCorrect);
        var r = DerivativeChecker.Check(program, "W", "outer((y - t)*y*(1-y), x)");
        Assert.Equal(CheckMistake.MissingFactor, r.Mistake);
        Assert.Equal("factor softmax(W @ x)·(1 − softmax(W @ x)) is extra in (y - t)*y*(1-y)", r.Diagnostics[0]);
    }

    [Fact]
    public void AMatrixLeftUntransposed_IsPointedAt_AndGradedAWrongValue()
    {
        // z = W h, L = Σ z ⊙ v: ∂L/∂h = Wᵀv (by hand). W v is a wrong value (a teacher's class), with a hint at W.
        var program = GradProgram.Parse("param W[2, 2] = [[1, 2], [-1, 0.5]]\ninput h[2] = [0.3, -0.7]\ninput v[2] = [1, 3]\nz = W @ h\nL = sum(z * v)");
        Assert.True(DerivativeChecker.Check(program, "h", "W.T @ v").IsCorrect);
        var once = DerivativeChecker.Check(program, "h", "W @ v");
        Assert.Equal(CheckMistake.Value, once.Mistake);
        Assert.Equal("W @ v is right with Wᵀ in place of W", once.Diagnostics[0]);

        // Two steps of h_t = W h_{t−1}: ∂L/∂h0 = Wᵀ(Wᵀv); W written untransposed at both steps.
        var twice = GradProgram.Parse("param W[2, 2] = [[1, 2], [-1, 0.5]]\ninput h0[2] = [0.3, -0.7]\ninput v[2] = [1, 3]\nh1 = W @ h0\nh2 = W @ h1\nL = sum(h2 * v)");
        Assert.True(DerivativeChecker.Check(twice, "h0", "W.T @ (W.T @ v)").IsCorrect);
        var both = DerivativeChecker.Check(twice, "h0", "W @ (W @ v)");
        Assert.Equal(CheckMistake.Value, both.Mistake);
        Assert.Equal("the answer is right with Wᵀ in place of W throughout", both.Diagnostics[0]);
    }

    [Fact]
    public void ANameStandingForAnotherOfTheSameShape_IsPointedAt_AndGradedAWrongValue()
    {
        // Two steps of h_t = tanh(W h_{t−1}), L = Σ v ⊙ h2: ∂L/∂W = (δ2) h1ᵀ + (δ1) h0ᵀ with δ2 = v ⊙ (1 − h2²),
        // δ1 = Wᵀδ2 ⊙ (1 − h1²) (by hand). Writing h2 for h1 in the first term is a wrong value; the hint names it.
        var program = GradProgram.Parse("input h0[2] = [0.5, -0.2]\nparam W[2, 2] = [[0.3, -0.6], [0.4, 0.2]]\ninput v[2] = [1, -1]\nh1 = tanh(W @ h0)\nh2 = tanh(W @ h1)\nL = sum(v * h2)");
        Assert.True(DerivativeChecker.Check(program, "W", "outer(v*(1-h2^2), h1) + outer((W.T @ (v*(1-h2^2)))*(1-h1^2), h0)").IsCorrect);
        var r = DerivativeChecker.Check(program, "W", "outer(v*(1-h2^2), h2) + outer((W.T @ (v*(1-h2^2)))*(1-h1^2), h0)");
        Assert.Equal(CheckMistake.Value, r.Mistake);
        Assert.Equal("outer(v*(1-h2^2), h2) is right with h1 in place of h2", r.Diagnostics[0]);
    }

    [Fact]
    public void AFunctionLeftOut_OrAnIndicatorTheWrongWayRound_IsPointedAt()
    {
        // h = o ⊙ tanh(c), L = Σ r ⊙ h: ∂L/∂o = r ⊙ tanh(c) (by hand); r ⊙ c leaves tanh out.
        var lstm = GradProgram.Parse("param o[2] = [0.4, 0.7]\nparam c[2] = [1, -0.5]\ninput r[2] = [1, 2]\nh = o * tanh(c)\nL = sum(r * h)");
        Assert.True(DerivativeChecker.Check(lstm, "o", "r * tanh(c)").IsCorrect);
        Assert.Equal("r * c is right with tanh(c) in place of c", DerivativeChecker.Check(lstm, "o", "r * c").Diagnostics[0]);

        // m = max(x1, x2), L = w m: ∂L/∂x2 = w I[x2 > x1] (by hand); I[x1 > x2] is x1's branch.
        var pool = GradProgram.Parse("input x1 = 0.3\ninput x2 = 1.2\nparam w = 2\nm = max(x1, x2)\nL = w * m");
        Assert.True(DerivativeChecker.Check(pool, "x2", "w * I[x2 > x1]").IsCorrect);
        var r = DerivativeChecker.Check(pool, "x2", "w * I[x1 > x2]");
        Assert.Equal(CheckMistake.Value, r.Mistake);
        Assert.Equal("w * I[x1 > x2] is right with I[x1 ≤ x2] in place of I[x1 > x2]", r.Diagnostics[0]);
    }

    [Fact]
    public void APartialOfTheObjective_IsTheEdgeWhereTheOtherRouteIsWritten_AndTheWholeGradientElsewhere()
    {
        // a = w x, q = a², L = q + 3a at x = 0.5, w = 2 (a = 1): by hand ∂L/∂a = 2a + 3 = 5 in all, 3 along the
        // direct edge, and ∂L/∂w = (2a + 3) x = 2.5.
        var program = GradProgram.Parse("input x = 0.5\nparam w = 2\na = w * x\nq = a^2\nL = q + 3*a");
        // Backprop's form, as step's row for w reads: ∂L/∂a is a's whole gradient.
        Assert.True(DerivativeChecker.Check(program, "w", "∂L/∂a · ∂a/∂w").IsCorrect);
        // The paths form, as explain prints it: the route through q is written, so ∂L/∂a is the edge.
        Assert.True(DerivativeChecker.Check(program, "w", "∂L/∂q · ∂q/∂a · ∂a/∂w + ∂L/∂a · ∂a/∂w").IsCorrect);
        // ∂L/∂a|q, as step writes the edge beside the total, is the edge wherever it stands.
        Assert.True(DerivativeChecker.Check(program, "a", "∂L/∂a|q + ∂L/∂q · ∂q/∂a").IsCorrect);
        var edgeOnly = DerivativeChecker.Check(program, "a", "∂L/∂a|q");
        Assert.False(edgeOnly.IsCorrect);
        Assert.Equal(3, edgeOnly.StudentValue!.Item(), 12);
        Assert.Equal(CheckMistake.Circular, DerivativeChecker.Check(program, "a", "∂L/∂a").Mistake);
        // Holding what the expression does not use, or leaving a route free, is refused with the reason.
        Assert.Contains("x is not a name the expression of L uses", Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "a", "∂L/∂a|x")).Message);
        Assert.Contains("does not use w directly", Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "w", "∂L/∂w|q")).Message);
    }

    [Fact]
    public void ANumberTermWithItsSignFlipped_IsNamed()
    {
        // L = log(u v), u = x² + 1, v = e^{−x}: by hand ∂L/∂x = 2x/u − 1. Writing + 1 flips the sign of one term, a number.
        var program = GradProgram.Parse("param x = 1.5\nu = x^2 + 1\nv = exp(-x)\np = u * v\nL = log(p)");
        Assert.True(DerivativeChecker.Check(program, "x", "2*x/u - 1").IsCorrect);
        var r = DerivativeChecker.Check(program, "x", "2*x/u + 1");
        Assert.Equal(CheckMistake.SignFlipped, r.Mistake);
        Assert.Equal("the sign of the term 1 is flipped", r.Diagnostics[0]);
    }

    [Fact]
    public void AConstantTermLeftOut_IsPointedAt()
    {
        // φ1 = θx + β, φ2 = σ(φ1), J = −log φ2: by hand ∂J/∂β = −(1 − φ2) = φ2 − 1. Writing φ2 leaves the −1 out: the
        // answer is 1 over the derivative at every point, a wrong value with a hint.
        var program = GradProgram.Parse("input x = 2\nparam theta = 0.3\nparam beta = -0.5\nphi1 = theta * x + beta\nphi2 = sigmoid(phi1)\nJ = -log(phi2)");
        Assert.True(DerivativeChecker.Check(program, "beta", "phi2 - 1").IsCorrect);
        var r = DerivativeChecker.Check(program, "beta", "phi2");
        Assert.Equal(CheckMistake.Value, r.Mistake);
        Assert.Equal("a term −1 is missing: the answer is 1 over the derivative everywhere", r.Diagnostics[0]);
    }

    [Fact]
    public void ATermTheAnswerIsRightWithout_IsExtra()
    {
        // Logistic regression with λ/2·‖w‖² on w only: ∂L/∂b = mean(p − y) (by hand); the penalty's λb does not
        // belong to b. No path gives λb, so the class is a term that is not a path.
        var program = GradProgram.Parse("input X[3, 2] = [[1, 2], [-1, 0.5], [0.3, -1]]\ntarget y[3] = [1, 0, 1]\nparam w[2] = [0.3, -0.2]\nparam b = 0.1\nconst lam = 0.1\np = sigmoid(X @ w + b)\nL = -mean(y * log(p) + (1 - y) * log(1 - p)) + lam / 2 * sum(w^2)");
        Assert.True(DerivativeChecker.Check(program, "b", "mean(p - y)").IsCorrect);
        var r = DerivativeChecker.Check(program, "b", "mean(p - y) + lam*b");
        Assert.Equal(CheckMistake.NotAPath, r.Mistake);
        Assert.Equal("the term lam*b is extra: the answer is right without it", r.Diagnostics[0]);
    }

    private const string ResidualBlock = "input x = [0.6, -0.4, 1.1]\ntarget t = [0.5, 0.2, 0.7]\n"
        + "param W1 = [[0.3, -0.2, 0.5], [-0.6, 0.4, 0.1], [0.2, 0.7, -0.3], [0.5, -0.5, 0.4]]\nparam b1 = [0.1, -0.1, 0.2, -0.3]\n"
        + "param W2 = [[0.2, -0.4, 0.3, 0.6], [0.5, 0.1, -0.2, 0.3], [-0.3, 0.6, 0.4, -0.1]]\nu = W1 @ x + b1\nh = relu(u)\ny = x + W2 @ h\nL = mean((y - t)^2)";

    [Fact]
    public void AChainOfJacobiansThatSkipsALink_NamesTheMissingFactor()
    {
        // h = relu(u): ∂L/∂W1 = ∂L/∂h · ∂h/∂u · ∂u/∂W1. Without ∂h/∂u the chain goes from h to u, a [4] gradient against a
        // [4, 4, 3] Jacobian: the ReLU's factor is what is missing, not a question of shapes.
        var program = GradProgram.Parse(ResidualBlock);
        Assert.True(DerivativeChecker.Check(program, "W1", "dL/dh · dh/du · du/dW1").IsCorrect);
        var r = DerivativeChecker.Check(program, "W1", "dL/dh · du/dW1");
        Assert.Equal(CheckMistake.MissingFactor, r.Mistake);
        Assert.Equal("factor ∂h/∂u is missing: the chain dL/dh · du/dW1 goes from h to u without it", r.Reason);
    }

    [Fact]
    public void AHintNeverNamesANumberThatStandsAside()
    {
        // In V 2(o − t) the 2 stands aside and V multiplies (o − t): the product V(o − t) holds no 2, so no hint may offer to
        // replace the text "… V 2(o − t)" by a part of the closed form without the 2 (which would halve the answer). The
        // product of the run, 2 times it, spans the whole text.
        var program = GradProgram.Parse("param K = [[0.2, 0.7, -0.1], [-0.5, 0.3, 0.4], [0.9, -0.6, 0.2], [0.1, 0.1, -0.8]]\n"
            + "param V = [[1, -0.5, 0.3], [0.2, 0.8, -0.4], [-0.7, 0.1, 0.6], [0.4, -0.2, -0.9]]\nparam q = [0.5, -0.3, 0.8]\n"
            + "target t = [0.1, 0.2, -0.3]\ns = K @ q / sqrt(3)\na = softmax(s)\no = V.T @ a\nL = sum((o - t)^2)");
        var parsed = CheckExprParser.Parse("Kᵀ (diag(a) − aᵀ a) V 2(o − t) / √3", program.Graph);
        Assert.Equal("Kᵀ (diag(a) − aᵀ a) V 2(o − t)", parsed.Args[0].Text);
        var r = DerivativeChecker.Check(program, "q", "Kᵀ (diag(a) − aᵀ a) V 2(o − t) / √3");
        Assert.False(r.IsCorrect);
        Assert.DoesNotContain(r.Diagnostics, d => d.Contains("in place of Kᵀ (diag(a) − aᵀ a) V 2", StringComparison.Ordinal));
        Assert.DoesNotContain(r.Diagnostics, d => d.Contains("V 2 is right", StringComparison.Ordinal));
    }

    [Fact]
    public void ATermOffByTwo_IsNamedOnce()
    {
        // Tied weights, L = ‖WᵀWx − x‖²: ∂L/∂W = 2(W x xᵀWᵀW + W WᵀW x xᵀ − 2 W x xᵀ) (by hand). Writing −W x xᵀ inside
        // leaves that term off by a factor 2; the message says so once, not "the term the term".
        var program = GradProgram.Parse("input x = [0.8, -0.5, 0.3]\nparam W = [[0.4, -0.2, 0.6], [0.3, 0.5, -0.1]]\nc = W @ x\nr = W.T @ c\nL = sum((r - x)^2)");
        Assert.True(DerivativeChecker.Check(program, "W", "2 (W x xᵀ Wᵀ W + W Wᵀ W x xᵀ − 2 W x xᵀ)").IsCorrect);
        var r = DerivativeChecker.Check(program, "W", "2 W x xᵀ Wᵀ W + 2 W Wᵀ W x xᵀ − 2 W x xᵀ");
        Assert.Equal("the term 2 W x xᵀ is off by a factor 2", r.Diagnostics[0]);
        var inside = DerivativeChecker.Check(program, "W", "2 (W x xᵀ Wᵀ W + W Wᵀ W x xᵀ − W x xᵀ)");
        Assert.Equal("the W x xᵀ of W x xᵀ Wᵀ W + W Wᵀ W x xᵀ − W x xᵀ is off by a factor 2", inside.Diagnostics[0]);
    }

    [Fact]
    public void AbsoluteValueBars_MultiplyWhatTheyFollow_AndAConstLeftOutIsNamed()
    {
        // Spec E11 with p = 3: ∂Jreg/∂w = 2(w − t) + α·p·|w|^(p−1)·sign(w) = 2(w − t) + 3α|w|²·sign(w) (by hand).
        var program = GradProgram.Parse("param w = [-0.8, 1.2, 0.3, -2]\ntarget t = [0, 1, -1, -1.5]\nconst alpha = 0.05\nconst p = 3\nJ = sum((w - t)^2)\nJreg = J + alpha * sum(abs(w)^p)");
        Assert.True(DerivativeChecker.Check(program, "w", "2(w − t) + alpha p |w|^(p−1) sign(w)").IsCorrect);
        Assert.True(DerivativeChecker.Check(program, "w", "3 alpha |w|^2 sign(w) + 2(w − t)").IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "w", "2 |w|").IsCorrect);
        var r = DerivativeChecker.Check(program, "w", "2*(w-t) + alpha*abs(w)^(p-1)*sign(w)");
        Assert.Equal(CheckMistake.MissingFactor, r.Mistake);
        Assert.Equal("factor p is missing in alpha*abs(w)^(p-1)*sign(w)", r.Diagnostics[0]);
    }

    [Fact]
    public void AnswersWrittenAsNumPyCode_AreRead()
    {
        // A ReLU layer on a batch of 2 with a mean squared loss: ∂L/∂W = Xᵀ(2(H − T)/4 ⊙ I[Z > 0]) (by hand: H = relu(X W), L = mean((H − T)²)).
        var program = GradProgram.Parse("input X = [[1, -2], [0.5, 1]]\ntarget T = [[0.1, 0.2], [0.3, -0.4]]\nparam W = [[0.5, -0.3], [0.2, 0.8]]\nZ = X @ W\nH = relu(Z)\nL = mean((H - T)^2)");
        // (Z > 0) is the mask I[Z > 0]; np. is dropped; keepdims=True is keepdim=1.
        Assert.True(DerivativeChecker.Check(program, "W", "X.T @ (2 * (H - T) / 4 * (Z > 0))").IsCorrect);
        Assert.True(DerivativeChecker.Check(program, "W", "np.dot(X.T, 2 * (H - T) / 4 * (Z >= 0))").IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "W", "X.T @ (2 * (H - T) / 4 * (Z < 0))").IsCorrect);
        // Row-wise log-sum-exp: ∂/∂Z Σ_r log Σ_c exp(Z_rc) is each row's softmax, exp(Z) over its row sum kept as a column (by hand).
        var lse = GradProgram.Parse("param Z = [[1, 2, -1], [0.5, 0, 1]]\nL = sum(log(sum(exp(Z), 1)))");
        Assert.True(DerivativeChecker.Check(lse, "Z", "np.exp(Z) / np.sum(np.exp(Z), axis=1, keepdims=True)").IsCorrect);
        Assert.False(DerivativeChecker.Check(lse, "Z", "np.exp(Z) / np.sum(np.exp(Z), axis=0, keepdims=True)").IsCorrect);
        // A method call and len() are said to be unread, with what to write instead.
        var method = Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "W", "X.T.dot(2 * (H - T) / 4 * (Z > 0))"));
        Assert.Equal("--expr column 4: a method call (x.sum(axis=0), X.T.dot(d)) is not read; write it as a function: sum(x, axis=0), Xᵀ @ d", method.Message);
        var len = Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "W", "X.T @ (2 * (H - T) * (Z > 0)) / len(X)"));
        Assert.Contains("len(...) is not read", len.Message);
    }

    [Fact]
    public void AMissingMean_IsNamedAsOne_WhenAnElementIsTiny()
    {
        // L = mean((W x + b − t)²) over 2 outputs: ∂L/∂W = (y − t) xᵀ (2/2) (by hand). With x₂ = 1.5e-9 the second column is
        // −7.5e-10 and 6e-11: tiny beside the first, and twice them is above 1e-9. Twice the gradient is still a missing 1/2
        // of the mean, said of the whole answer.
        var program = GradProgram.Parse("input x = [0.8, 1.5e-9]\nparam W = [[0.5, -0.3], [0.2, 0.9]]\nparam b = [0.1, -0.2]\ntarget t = [1, 0]\ny = W @ x + b\nL = mean((y - t)^2)");
        Assert.True(DerivativeChecker.Check(program, "W", "outer(y - t, x)").IsCorrect);
        var r = DerivativeChecker.Check(program, "W", "2 * outer(y - t, x)");
        Assert.Equal(CheckMistake.MissingMean, r.Mistake);
        Assert.Equal("a factor 1/2 is missing (your expression is 2 times ∂L/∂W; a mean divides by the number of elements)", r.Diagnostics[0]);
    }

    [Fact]
    public void AHintQuotesABracketedPartWhole()
    {
        // L = ½‖X W + b − T‖²: ∂L/∂W = Xᵀ(Y − T) (by hand). Xᵀ(Y − T)ᵀ is right with the transposed part replaced, and the hint
        // quotes that part with its bracket: "(Y - T).T", not "Y - T).T".
        var program = GradProgram.Parse("input X = [[0.5, -1.2, 0.3], [1.1, 0.4, -0.7], [-0.6, 0.9, 1.3]]\ntarget T = [[0.2, -0.4, 1.0], [-1.1, 0.5, 0.3], [0.7, 0.1, -0.8]]\nparam W = [[0.3, -0.5, 0.8], [1.2, 0.1, -0.4], [-0.9, 0.6, 0.2]]\nparam b = [0.1, -0.2, 0.3]\nY = X @ W + b\nL = sum((Y - T)^2) / 2");
        var r = DerivativeChecker.Check(program, "W", "X.T @ (Y - T).T");
        Assert.False(r.IsCorrect);
        Assert.Contains(r.Diagnostics, d => d.EndsWith(" in place of (Y - T).T", StringComparison.Ordinal));
    }

    [Fact]
    public void AFactorMissingInsideAPartThatOccursTwice_SaysWhichOne()
    {
        // p = softmax(z), L = Σ q log(q/p) with Σq = 1: ∂L/∂z = p − q (by hand). p(1 − p)(−q/p) treats softmax as a
        // sigmoid; it is −q(1 − p), right only with p/q for the p of 1 − p: −q(1 − p/q) = p − q. Three p's are
        // written, so the diagnostic names the part that holds the one meant.
        var program = GradProgram.Parse("const q[3] = [0.2, 0.5, 0.3]\nparam z[3] = [1, -0.5, 0.25]\np = softmax(z)\nL = sum(q * log(q / p))");
        Assert.True(DerivativeChecker.Check(program, "z", "p - q").IsCorrect);
        var r = DerivativeChecker.Check(program, "z", "p*(1-p)*(-q/p)");
        Assert.False(r.IsCorrect);
        Assert.Contains("in the p of 1-p", r.Diagnostics[0]);

        // ELU plus softplus: ∂L/∂z = u ⊙ (I[z > 0] + eᶻ I[z < 0]) + eᶻ/(1 + eᶻ) (by hand). Writing eᶻ for softplus′ leaves
        // 1/(1 + eᶻ) out of one term, while eᶻ stands twice: the term is named as such.
        var elu = GradProgram.Parse("param z[3] = [0.5, -1, 2]\nconst u[3] = [1, 2, -1]\ne = max(z, 0) + min(exp(z) - 1, 0)\ns = log(1 + exp(z))\nL = dot(u, e) + sum(s)");
        Assert.True(DerivativeChecker.Check(elu, "z", "u * (I[z > 0] + exp(z) * I[z < 0]) + sigmoid(z)").IsCorrect);
        Assert.Equal("factor 1/(1 + exp(z)) is missing in the term exp(z)",
            DerivativeChecker.Check(elu, "z", "u * (I[z > 0] + exp(z) * I[z < 0]) + exp(z)").Diagnostics[0]);
    }

    [Fact]
    public void APartOfTheClosedFormLeftOut_IsPointedAt_AndGradedAWrongValue()
    {
        // P = softmax(X W) row by row, L = cross-entropy with one-hot rows Y, mean over 2 rows: ∂L/∂W = Xᵀ(P − Y)/2
        // (by hand). Xᵀ P/2 leaves the −Y out; the hint names the part of the closed form that P stands for.
        var program = GradProgram.Parse("input X[2, 2] = [[1, 0.5], [-1, 2]]\ntarget Y[2, 3] = [[1, 0, 0], [0, 0, 1]]\nparam W[2, 3] = [[0.1, -0.2, 0.3], [0.2, 0.1, -0.1]]\nP = softmax(X @ W)\nL = -sum(Y * log(P)) / 2");
        Assert.True(DerivativeChecker.Check(program, "W", "X.T @ (P - Y) / 2").IsCorrect);
        var r = DerivativeChecker.Check(program, "W", "X.T @ P / 2");
        Assert.Equal(CheckMistake.Value, r.Mistake);
        Assert.Equal("X.T @ P is right with P − Y in place of P", r.Diagnostics[0]);
    }

    [Fact]
    public void APathInsideOneNodesExpression_IsNamed()
    {
        // r = x + tanh(W x), L = Σ r ⊙ v: ∂L/∂x = v + Wᵀ(v ⊙ (1 − tanh(W x)²)) (by hand); r is x's only reader.
        var program = GradProgram.Parse("input x[2] = [0.5, -1]\nparam W[2, 2] = [[0.2, -0.4], [0.3, 0.1]]\ninput v[2] = [1, -2]\nr = x + tanh(W @ x)\nL = sum(r * v)");
        Assert.True(DerivativeChecker.Check(program, "x", "v + W.T @ (v * (1 - tanh(W @ x)^2))").IsCorrect);
        var skip = DerivativeChecker.Check(program, "x", "W.T @ (v * (1 - tanh(W @ x)^2))");
        Assert.Equal(CheckMistake.MissingPath, skip.Mistake);
        Assert.Equal("the path x → r through the term x of r = x + tanh(W @ x) is missing", skip.Diagnostics[0]);
        var inner = DerivativeChecker.Check(program, "x", "v");
        Assert.Equal(CheckMistake.MissingPath, inner.Mistake);
        Assert.Equal("the path x → r through the term tanh(W @ x) of r = x + tanh(W @ x) is missing", inner.Diagnostics[0]);

        // r = x eˣ + x², L = r²: ∂L/∂x = 2r(eˣ + x eˣ + 2x) (by hand); x is read three times in r's expression.
        var three = GradProgram.Parse("param x = 0.7\nr = x * exp(x) + x^2\nL = r^2");
        Assert.True(DerivativeChecker.Check(three, "x", "2*r*(exp(x) + x*exp(x) + 2*x)").IsCorrect);
        Assert.Equal("the path x → r through the x inside exp(x) in r = x * exp(x) + x^2 is missing",
            DerivativeChecker.Check(three, "x", "2*r*(exp(x) + 2*x)").Diagnostics[0]);
        Assert.Equal("the path x → r through the factor x of x * exp(x) in r = x * exp(x) + x^2 is missing",
            DerivativeChecker.Check(three, "x", "2*r*(x*exp(x) + 2*x)").Diagnostics[0]);
        Assert.Equal("the path x → r through the term x^2 of r = x * exp(x) + x^2 is missing",
            DerivativeChecker.Check(three, "x", "2*r*(x*exp(x) + exp(x))").Diagnostics[0]);
    }

    [Fact]
    public void ATermTransposedSoTheSumDoesNotFit_IsNamedTransposed()
    {
        // R = X W − Y, L = Σ R² + λ Σ W²: ∂L/∂W = 2XᵀR + 2λW (by hand, [3, 2]); 2RᵀX is [2, 3] and cannot be added to 2λW.
        var program = GradProgram.Parse("input X[4, 3] = [[1, 2, 0], [0.5, -1, 2], [-1, 0.3, 1], [2, 1, -0.5]]\ntarget Y[4, 2] = [[1, 0], [0, 1], [1, 1], [0, 0]]\nparam W[3, 2] = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.2]]\nconst lam = 0.1\nR = X @ W - Y\nL = sum(R^2) + lam * sum(W^2)");
        Assert.True(DerivativeChecker.Check(program, "W", "2*X.T @ R + 2*lam*W").IsCorrect);
        var r = DerivativeChecker.Check(program, "W", "2*R.T @ X + 2*lam*W");
        Assert.Equal(CheckMistake.Transposed, r.Mistake);
        Assert.Equal("the term 2*R.T @ X is [2, 3], ∂L/∂W is [3, 2] — transposed?", r.Reason);
    }

    [Fact]
    public void AFactorMissingOnAGradientSymbol_IsNamed()
    {
        // H = relu(X W), L = Σ H ⊙ V: ∂L/∂W = Xᵀ(∂L/∂H ⊙ I[A > 0]) (by hand); Xᵀ ∂L/∂H leaves relu′ out at ∂L/∂H.
        var program = GradProgram.Parse("input X[3, 2] = [[1, -1], [0.5, 2], [-1, 0.3]]\nparam W[2, 2] = [[0.4, -0.3], [0.2, 0.6]]\ninput V[3, 2] = [[1, 2], [-1, 0.5], [0.3, -2]]\nA = X @ W\nH = relu(A)\nL = sum(H * V)");
        Assert.True(DerivativeChecker.Check(program, "W", "Xᵀ(∂L/∂H ⊙ I[A > 0])").IsCorrect);
        var r = DerivativeChecker.Check(program, "W", "Xᵀ ∂L/∂H");
        Assert.Equal(CheckMistake.MissingFactor, r.Mistake);
        Assert.Equal("factor I[A > 0] is missing in ∂L/∂H", r.Diagnostics[0]);
    }

    [Fact]
    public void TruncatedBackpropagationThroughTime_NamesTheStepsLeftOut()
    {
        // h_t = tanh(W h_{t−1} + u·x_t): ∂L/∂u has one term per step; keeping only the last leaves out h1 and h2.
        var program = GradProgram.Parse("""
            input x1 = 1
            input x2 = -0.5
            input x3 = 2
            input h0[2] = [0, 0]
            param W[2, 2] = [[0.5, -0.3], [0.2, 0.4]]
            param u[2] = [0.7, -0.2]
            input v[2] = [1, -1]
            h1 = tanh(W @ h0 + u * x1)
            h2 = tanh(W @ h1 + u * x2)
            h3 = tanh(W @ h2 + u * x3)
            L = sum(v * h3)
            """);
        var r = DerivativeChecker.Check(program, "u", "(v * (1 - h3^2)) * x3");
        Assert.Equal(CheckMistake.MissingPath, r.Mistake);
        Assert.Equal("the paths through h1 and h2 are missing", r.Diagnostics[0]);
    }

    [Theory]
    // r = tanh(W x + b), L = Σ r ⊙ v: ∂L/∂x = Wᵀ(v ⊙ (1 − r²)) and ∂L/∂W = (v ⊙ (1 − r²)) xᵀ, written as step prints them with ∂L/∂r for v.
    [InlineData("x", "Wᵀ(∂L/∂r ⊙ (1 − r^2))")]
    [InlineData("x", "Wᵀ(dL/dr * (1 - tanh(W x + b)^2))")]
    [InlineData("W", "(∂L/∂r ⊙ (1 − r^2)) xᵀ")]
    public void MatrixProductWrittenBesideAGradient_IsAMatrixProduct(string wrt, string expr)
    {
        var program = GradProgram.Parse("param W[2, 2] = [[0.2, -0.4], [0.1, 0.3]]\nparam b[2] = [0.1, -0.2]\nparam x[2] = [0.5, -1]\ninput v[2] = [1, -2]\nr = tanh(W @ x + b)\nL = sum(r * v)");
        var r = DerivativeChecker.Check(program, wrt, expr);
        Assert.True(r.IsCorrect, r.ToText());
    }

    [Theory]
    // Y = X W1 W2 with L = Σ Y ⊙ V: ∂L/∂W2 = (X W1)ᵀ V = W1ᵀXᵀ V (worked by hand), as step prints it with ∂L/∂Y for V.
    [InlineData("W1ᵀXᵀ · ∂L/∂Y", true)]
    [InlineData("(X W1)ᵀ · ∂L/∂Y", true)]
    [InlineData("W1ᵀXᵀ · V", true)]
    [InlineData("Xᵀ W1ᵀ · V", false)]
    public void ProductOfTransposesBesideAGradient_IsAMatrixProduct(string expr, bool correct)
    {
        var program = GradProgram.Parse("input X[3, 2] = [[1, 2], [0, -1], [3, 1]]\nparam W1[2, 2] = [[0.5, -1], [2, 0.3]]\nparam W2[2, 1] = [[1], [-2]]\n"
            + "input V[3, 1] = [[1], [0.5], [-2]]\nY = X @ W1 @ W2\nL = sum(Y * V)");
        var r = DerivativeChecker.Check(program, "W2", expr);
        Assert.Equal(correct, r.IsCorrect);
    }

    [Theory]
    // L = sqrt(v + 1)·w²: ∂L/∂w = 2w·√(v + 1) and ∂L/∂v = w²/(2√(v + 1)) (by hand), in board notation.
    [InlineData("w", "2w √(v + 1)", true)]
    [InlineData("w", "2 * w * √(v + 1)", true)]
    [InlineData("w", "w √(v + 1)", false)]
    [InlineData("v", "w²/(2√(v + 1))", true)]
    [InlineData("v", "w²/(2 * √√((v + 1)²))", true)]
    [InlineData("v", "w³/(2√(v + 1))", false)]
    public void RootsAndSuperscriptPowers_AreRead(string wrt, string expr, bool correct)
    {
        var program = GradProgram.Parse("param w = 1.5\nparam v = 0.44\nL = sqrt(v + 1) * w^2");
        var r = DerivativeChecker.Check(program, wrt, expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Theory]
    // A batch cross-entropy averages its 2 rows: ∂L/∂Z = (softmax(Z) − Y)/2 (by hand); an axis mean over 3 rows: ∂M/∂X = ones/3.
    [InlineData("param Z[2, 3] = [[0.5, -1, 2], [0.1, 0.2, -0.3]]\ntarget Y[2, 3] = [[0, 1, 0], [1, 0, 0]]\nL = cross_entropy(Z, Y)", "Z", "softmax(Z) - Y")]
    [InlineData("param X[3, 2] = [[1, 2], [3, 4], [5, 6]]\ninput r[2] = [1, -2]\nm = mean(X, 0)\nL = sum(r * m)", "X", "ones(3) ⊗ r")]
    // A sum divided by its number of rows, written out: ∂L/∂H = c/3 on every row (by hand).
    [InlineData("param H[3, 2] = [[1, 2], [3, 4], [5, 6]]\ninput c[2] = [1, -2]\nL = sum(H * c) / 3", "H", "ones(3) ⊗ c")]
    public void MeanOverRowsLeftOut_IsAMissingMean(string source, string wrt, string expr)
    {
        var r = DerivativeChecker.Check(GradProgram.Parse(source), wrt, expr);
        Assert.Equal(CheckMistake.MissingMean, r.Mistake);
    }

    private const string LayerNormProgram = "param W = [[0.5, -1], [1, 0.25], [-0.5, 2]]\ninput x = [1, -2]\nconst r = [1, -2, 0.5]\nz = W @ x\nh = layer_norm(z)\nL = sum(r * h)";

    [Theory]
    // By hand: h = (z − mean z)/σ, σ = √(var z + ε), so ∂L/∂z = (r − mean r − h·mean(r ⊙ h))/σ, and ∂L/∂W that times xᵀ.
    [InlineData("z", "(r - mean(r) - h*mean(r*h))/sqrt(mean((z - mean(z))^2) + 1e-5)", true)]
    [InlineData("z", "(r − mean(r) − h ⊙ mean(r ⊙ h))/√(mean((z − mean(z))²) + 1e-5)", true)]
    [InlineData("W", "((r - mean(r) - h*mean(r*h))/sqrt(mean((z - mean(z))^2) + 1e-5)) ⊗ x", true)]
    [InlineData("W", "dL/dz ⊗ x", true)]
    // The mean of the upstream gradient left out, or the projection onto h: both wrong.
    [InlineData("z", "(r - h*mean(r*h))/sqrt(mean((z - mean(z))^2) + 1e-5)", false)]
    [InlineData("z", "(r - mean(r))/sqrt(mean((z - mean(z))^2) + 1e-5)", false)]
    // Treated as elementwise: r/σ alone.
    [InlineData("z", "r/sqrt(mean((z - mean(z))^2) + 1e-5)", false)]
    public void LayerNorm_TextbookBackward_IsGraded(string wrt, string expr, bool correct)
    {
        var r = DerivativeChecker.Check(GradProgram.Parse(LayerNormProgram), wrt, expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Theory]
    // mean((y − t)^2) over 2 outputs: ∂L/∂W = 2(y − t)xᵀ/2 (by hand); the 2 of the square kept without the mean's 1/2 misses that 1/2.
    [InlineData("param W = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]\ninput x = [1, 2, -1]\ntarget t = [0.5, -0.5]\ny = W @ x\nL = mse_loss(y, t)", "W", "(y - t) ⊗ x", null)]
    [InlineData("param W = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]\ninput x = [1, 2, -1]\ntarget t = [0.5, -0.5]\ny = W @ x\nL = mse_loss(y, t)", "W", "2*(y - t) ⊗ x", CheckMistake.MissingMean)]
    // −mean(y log p + (1 − y) log(1 − p)) through p = σ(Xw + b) over 4 rows: Xᵀ(p − y)/4, and without the 1/4 a missing mean.
    [InlineData("param w = [0.5, -1]\ninput X = [[1, 2], [0, 1], [-1, 0.5], [2, -1]]\ntarget y = [1, 0, 1, 0]\np = sigmoid(X @ w)\nL = binary_cross_entropy(p, y)", "w", "X.T @ (p - y) / 4", null)]
    [InlineData("param w = [0.5, -1]\ninput X = [[1, 2], [0, 1], [-1, 0.5], [2, -1]]\ntarget y = [1, 0, 1, 0]\np = sigmoid(X @ w)\nL = binary_cross_entropy(p, y)", "w", "X.T @ (y - p) / 4", CheckMistake.SignFlipped)]
    public void CompositeLosses_AreGraded(string source, string wrt, string expr, CheckMistake? mistake)
    {
        var r = DerivativeChecker.Check(GradProgram.Parse(source), wrt, expr);
        Assert.True(r.IsCorrect == (mistake is null), r.ToText());
        if (mistake is not null) Assert.Equal(mistake, r.Mistake);
    }

    [Theory]
    // −log pt with pt = y·p + (1 − y)(1 − p) and a label y of 0 or 1: ∂L/∂z = p − y, by hand, only for such labels, and p − 1 for y = 1.
    [InlineData("(p - y) * x", true)]
    [InlineData("(p - 1) * x", true)]
    // The label left out is still caught at the label given.
    [InlineData("p * x", false)]
    public void BinaryLabels_StayLabelsAtEveryPoint(string expr, bool correct)
    {
        var program = GradProgram.Parse("input x = [1, 2]\ntarget y = 1\nparam w = [0.4, -0.3]\np = sigmoid(w @ x)\nL = -log(y * p + (1 - y) * (1 - p))");
        var r = DerivativeChecker.Check(program, "w", expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Theory]
    // L = Σ A ⊙ (B ⊙ v) scales B's columns by v: ∂L/∂A = B diag(v) (by hand), not diag(v) B, which scales its rows.
    [InlineData("B diag(v)", true)]
    [InlineData("B @ diag(v)", true)]
    [InlineData("diag(v) B", false)]
    [InlineData("outer(ones(2), v) ⊙ B", true)]
    public void DiagAndOuter_AreMatricesInAProduct(string expr, bool correct)
    {
        var program = GradProgram.Parse("param A = [[1, 2], [3, 4]]\ninput v = [1, -1]\ninput B = [[0.5, 1], [2, -1]]\nL = sum(A * (B * v))");
        var r = DerivativeChecker.Check(program, "A", expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Theory]
    // GELU′(a) = Φ(a) + a·φ(a), Φ and φ the standard normal CDF and density.
    [InlineData("(Φ(a) + a φ(a)) ⊗ x", true)]
    [InlineData("(Φ(a) + a*φ(a)) ⊗ x", true)]
    [InlineData("Φ(a) ⊗ x", false)]
    public void NormalCdfAndDensity_AreRead(string expr, bool correct)
    {
        var program = GradProgram.Parse("input x = [1, -0.5, 2]\nparam W = [[0.3, -0.2, 0.5], [-0.4, 0.6, 0.1]]\na = W @ x\nL = sum(gelu(a))");
        var r = DerivativeChecker.Check(program, "W", expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Theory]
    // e9's J is a one-element vector, so ∂J/∂a2 has a2's shape: step's numerator-layout rows, worked by hand in the spec
    // (∂J/∂h1 = (−6, 6), ∂J/∂x = −6, ∂J/∂W3 = [[0, −18]]).
    [InlineData("h1", "∂J/∂a2 · W2")]
    [InlineData("x", "∂J/∂a1 · W1")]
    [InlineData("W3", "∂J/∂yhatᵀ · h2ᵀ")]
    [InlineData("W2", "∂J/∂a2ᵀ · h1ᵀ")]
    // step's numbers column: vectors as tuples.
    [InlineData("h1", "(0, −6)ᵀ · [[−1, 1], [1, −1]]")]
    [InlineData("h1", "(−6, 6)")]
    public void E9_NumeratorRowsAndNumbers_ReadBack(string wrt, string expr)
    {
        var r = Check("e9.grad", wrt, expr);
        Assert.True(r.IsCorrect, r.ToText());
    }

    [Theory]
    // Six-digit numbers whose products cancel: Σ a ⊙ b = 0.00578798 to 6 digits (PyTorch), the printed numbers give
    // 0.00578791. The rounding of what is written allows that; a number changed beyond its rounding does not.
    [InlineData("sum([-0.0852744, 0.19119, 0.101528, -0.185745] * [0.209773, 0.243708, 0.218672, 0.242912])", true)]
    [InlineData("sum([-0.0852744, 0.19119, 0.101528, -0.185745] * [0.209773, 0.243708, 0.218672, 0.252912])", false)]
    public void ArithmeticOnRoundedNumbers_IsAsExactAsItsRounding(string expr, bool correct)
    {
        var program = GradProgram.Parse("param b = 1\nL = b * 0.00578798");
        var r = DerivativeChecker.Check(program, "b", expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Fact]
    public void AnIndexedNumber_TimesAMatrixProduct_IsAProduct()
    {
        // ∂L/∂x of L = sum(g[0]·(W x)) is g[0]·Wᵀ·1 (by hand): g[0] is a number, not a matrix to multiply.
        var program = GradProgram.Parse("input g = [0.5, 2]\nparam W = [[1, 2], [3, 4]]\nparam x = [1, -1]\nL = sum(g[0] * (W @ x))");
        Assert.True(DerivativeChecker.Check(program, "x", "g[0]·Wᵀ(ones(2))").IsCorrect);
        Assert.True(DerivativeChecker.CheckValue(program, "x", "(2, 3)").IsCorrect);
    }

    [Theory]
    // ∂L/∂K = conv2d(X, ∂L/∂C) for C = conv2d(X, K) (by hand); the upstream gradient left without tanh′ is wrong.
    [InlineData("conv2d(X, dL/dC)", true)]
    [InlineData("conv2d(X, 1 - tanh(C)^2)", true)]
    [InlineData("conv2d(X, tanh(C))", false)]
    public void AKernelsGradient_AsAConvolution_IsGraded(string expr, bool correct)
    {
        var program = GradProgram.Parse("param K = [[0.5, -1], [2, 0.1]]\ninput X = [[1, -2, 0], [1, 1, 1], [0, 2, 1]]\nC = conv2d(X, K)\nL = sum(tanh(C))");
        var r = DerivativeChecker.Check(program, "K", expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Theory]
    // ∂L/∂X = conv2d(∂L/∂C, flip(K), padding=1) for C = conv2d(X, K) with a 2×2 kernel (by hand); rot180 is flip's other
    // name. The kernel left unturned, or the padding left out (a 1×1 result), is wrong.
    [InlineData("conv2d(dL/dC, flip(K), padding=1)", true)]
    [InlineData("conv2d(1 - tanh(C)^2, rot180(K), padding=1)", true)]
    [InlineData("conv2d(dL/dC, K, padding=1)", false)]
    public void AnImagesGradient_AsAFullConvolution_IsGraded(string expr, bool correct)
    {
        var program = GradProgram.Parse("input K = [[0.5, -1], [2, 0.1]]\nparam X = [[1, -2, 0], [1, 1, 1], [0, 2, 1]]\nC = conv2d(X, K)\nL = sum(tanh(C))");
        var r = DerivativeChecker.Check(program, "X", expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Theory]
    // ∂L/∂X of L = Σ W ⊙ maxpool(X, 2): each window's largest element gets the window's W entry (by hand); == is =.
    // Spread over the whole window, or shared as a mean would be, it is wrong.
    [InlineData("upsample(W, 2) ⊙ I[X = upsample(maxpool(X, 2), 2)]", true)]
    [InlineData("upsample(W, 2) * I[X == upsample(P, 2)]", true)]
    // X is never above its window's maximum, so ≥ holds at the maximum alone; > nowhere. Equal sides are no kink.
    [InlineData("upsample(W, 2) ⊙ I[X ≥ upsample(P, 2)]", true)]
    [InlineData("upsample(W, 2) ⊙ I[X > upsample(P, 2)]", false)]
    [InlineData("upsample(W, 2)", false)]
    [InlineData("upsample(W, 2)/4", false)]
    public void AMaxPoolsGradient_RoutedToTheMaxima_IsGraded(string expr, bool correct)
    {
        var program = GradProgram.Parse("param X = [[1, -2, 0, 1], [1, 1.5, 0.5, 0], [0, 2, 1, 3], [1, 0, 2.5, 1]]\nconst W = [[1, -0.5], [0.3, 0.2]]\nP = maxpool(X, 2)\nL = sum(W * P)");
        var r = DerivativeChecker.Check(program, "X", expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Theory]
    // Pinball loss: ∂L/∂r is τ where r > 0 and τ − 1 where r < 0, and ∂r/∂w = −X, so ∂L/∂w = −Xᵀ(τ − I[r < 0])/5 (by hand).
    // A sign before a product signs the whole product: −Xᵀ(…) is still a matrix product.
    [InlineData("-Xᵀ(tau - I[r < 0])/5", true)]
    [InlineData("−Xᵀ(tau − I[r < 0])/5", true)]
    [InlineData("- -(-Xᵀ(tau - I[r < 0]))/5", true)]
    [InlineData("-Xᵀ(tau - I[r > 0])/5", false)]
    [InlineData("Xᵀ(tau - I[r < 0])/5", false)]
    public void ASignBeforeAJuxtaposedTranspose_SignsTheMatrixProduct(string expr, bool correct)
    {
        var program = GradProgram.Parse("const tau = 0.8\ninput X = [[1.0, 2.0], [0.5, -1.0], [-1.0, 0.3], [2.0, 1.0], [0.2, 0.1]]\n"
            + "target y = [1.0, -0.5, 0.3, 0.8, 2.0]\nparam w = [0.4, -0.2]\nparam b = 0.1\nr = y - (X @ w + b)\nL = mean(max(tau * r, (tau - 1) * r))");
        var r = DerivativeChecker.Check(program, "w", expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
        if (!correct) Assert.NotEqual(CheckMistake.Shape, r.Mistake);
    }

    [Fact]
    public void ASignedDotProduct_InsideAFunction_IsADotProduct()
    {
        // −log σ(−n·v): ∂/∂n = v(1 − σ(−nᵀv)) (by hand, σ′ = σ(1 − σ) and 1 − σ(−a) = σ(a)).
        var program = GradProgram.Parse("param v = [0.2, -0.4, 0.5]\nparam n = [-0.5, 0.2, 0.4]\nL = -log(sigmoid(-(n @ v)))");
        Assert.True(DerivativeChecker.Check(program, "n", "v ⊙ (1 − σ(−nᵀv))").IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "n", "v ⊙ (1 − σ(nᵀv))").IsCorrect);
    }

    [Theory]
    // rm = mean(X ⊙ s, axis=1) with s a [2, 1] column, L = Σ rm²: ∂L/∂X_ij = 2·rm_i·s_i/3 (by hand). In an answer as in a
    // program, * broadcasts as NumPy does: a [2] vector beside a [2, 1] column is a [2, 2] outer product, so explain does
    // not print its closed form with rm ⊙ s, which check would read so, and keeps the chain instead.
    [InlineData("(2/3)·(rm ones(1)ᵀ ⊙ s) ones(3)ᵀ", true)]
    [InlineData("(2/3)·(s ⊙ rm) ones(3)ᵀ", false)]
    [InlineData("(2/3)·(rm ⊙ ones(2)) ones(3)ᵀ", false)]
    public void AVectorBesideAColumn_BroadcastsAsInPrograms(string expr, bool correct)
    {
        var program = GradProgram.Parse("input X = [[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]]\nparam s = [[0.4], [-0.6]]\nrm = mean(X * s, axis=1)\nL = sum(rm^2)");
        var r = DerivativeChecker.Check(program, "X", expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
        var closed = DerivationRenderer.Equations(ChainDerivation.Create(program, "X"), "closed", out _).Single().Right.ToString();
        Assert.True(DerivativeChecker.Check(program, "X", closed).IsCorrect, closed);
        // col * v of a program is the outer product, and so is the same text in an answer.
        var outer = GradProgram.Parse("param col = [[1.0], [2.0], [3.0]]\nparam v = [0.5, -1.0, 2.0]\nconst R = [[1, 0, 2], [0.5, 1, 0], [0, 0, 1]]\nP = col * v\nL = sum(R * P)");
        Assert.True(DerivativeChecker.Check(outer, "R", "col * v").IsCorrect);
        Assert.True(DerivativeChecker.Check(outer, "R", "col ⊙ v").IsCorrect);
    }

    [Fact]
    public void TanhPrimeWithoutItsSquare_IsSaidAsASquare()
    {
        // Highway layer: ∂L/∂W = ((y − t) ⊙ T ⊙ (1 − H²)) xᵀ (by hand); 1 − H in place of 1 − H² lacks a factor H on H.
        var program = GradProgram.Parse("input x = [0.5, -1.0]\ntarget t = [0.2, 0.4]\nparam W = [[0.3, -0.6], [0.8, 0.1]]\nparam b = [0.1, -0.2]\n"
            + "param Wt = [[0.5, 0.2], [-0.3, 0.7]]\nparam bt = [-1.0, -1.0]\nH = tanh(W @ x + b)\nT = sigmoid(Wt @ x + bt)\ny = T * H + (1 - T) * x\nL = sum((y - t)^2) / 2");
        Assert.True(DerivativeChecker.Check(program, "W", "outer((y - t)*T*(1 - H^2), x)").IsCorrect);
        var r = DerivativeChecker.Check(program, "W", "outer((y - t)*T*(1 - H), x)");
        Assert.False(r.IsCorrect);
        Assert.Contains("H should be squared (H^2)", r.Diagnostics);
        // ∂L/∂x without the carry (1 − T) ⊙ (y − t), the term of y's own read of x.
        var x = DerivativeChecker.Check(program, "x", "W.T @ ((y - t)*T*(1 - H^2)) + Wt.T @ ((y - t)*(H - x)*T*(1 - T))");
        Assert.Equal(CheckMistake.MissingPath, x.Mistake);
        Assert.True(DerivativeChecker.Check(program, "x", "W.T @ ((y - t)*T*(1 - H^2)) + Wt.T @ ((y - t)*(H - x)*T*(1 - T)) + (y - t)*(1 - T)").IsCorrect);
    }

    [Theory]
    // √x at x = −1 has no derivative: NaN is not a number to equal, nor is ∞ (1/0) at x = 0.
    [InlineData("input x = -1\nJ = sqrt(x)", "0/0")]
    [InlineData("input x = 0\nJ = sqrt(x)", "1/0")]
    public void ANumericAnswer_ToADerivativeThatIsNotANumber_IsRefused(string program, string answer)
    {
        var p = GradProgram.Parse(program);
        var e = Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(p, "x", answer));
        Assert.Contains("at the program's values, not a finite number, so a numeric answer cannot be graded there", e.Message);
        Assert.Throws<ArgumentException>(() => DerivativeChecker.CheckValue(p, "x", "1"));
    }

    [Theory]
    // ∂Σc²/∂c = 2c = [[1], [−0.4]] for the column c (by hand): an array of one-element rows inside an expression is
    // that column, as step's numbers write it, not a vector.
    [InlineData("[[1], [-0.4]] + 0", true)]
    [InlineData("([[0.5], [-0.2]]) + (sum([[0.5, 0], [-0.2, 0]], 1, keepdim=1))", true)]
    [InlineData("[[1], [0.4]] + 0", false)]
    public void AColumnWrittenOut_InAnExpression_IsAColumn(string expr, bool correct)
    {
        var r = DerivativeChecker.Check(GradProgram.Parse("param c = [[0.5], [-0.2]]\nL = sum(c * c)"), "c", expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Fact]
    public void AMaxPoolsGradientSpreadOverTheWindow_NamesTheIndicatorItLacks()
    {
        // examples/cnn-layer.grad: the gradient goes to each window's maximum, I[H = upsample(P, 2)], and through relu′,
        // I[C > 0], which a window of a relu's zeros (all tied at 0, at points drawn) needs too (by hand); the answer
        // spreads it over the whole window, so the routing is what it lacks.
        var program = ExplainFiles.Load("cnn-layer.grad");
        var r = DerivativeChecker.Check(program, "K", "conv2d(X, upsample(W, 2) * I[C > 0])");
        Assert.False(r.IsCorrect);
        Assert.Equal("upsample(W, 2) * I[C > 0] is right with upsample(W, 2) ⊙ I[H = upsample(P, 2)] ⊙ I[C > 0] in place of upsample(W, 2)", r.Diagnostics[0]);
        // Without relu′ the routing sends a zero window's gradient to its four elements, where the engine sends none.
        var noRelu = DerivativeChecker.Check(program, "K", "conv2d(X, upsample(W, 2) ⊙ I[H = upsample(P, 2)])");
        Assert.False(noRelu.IsCorrect);
        Assert.Contains("factor I[C > 0] is missing", noRelu.Diagnostics[0]);
        // With respect to H itself the routing alone is right: moving H breaks a window's ties, so they are kinks to avoid.
        Assert.True(DerivativeChecker.Check(program, "H", "upsample(W, 2) ⊙ I[H = upsample(P, 2)]").IsCorrect);
    }

    [Fact]
    public void ARaggedArray_IsAnErrorAtItsColumn()
    {
        var e = Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(ExplainFiles.Load("e9.grad"), "W1", "[[1, 2], [3]]"));
        Assert.StartsWith("--expr column 1: the components of [[1, 2], [3]] have different shapes", e.Message);
    }

    [Fact]
    public void AJacobianFactorIntoANamedNumber_IsEvaluated()
    {
        // h0 = 0.2 is a named number: ∂h1/∂h0 = (1 − tanh(w·h0)²)·w, as for any named input (by hand).
        var program = GradProgram.Parse("param w = 0.5\nh0 = 0.2\nh1 = tanh(w * h0)\nL = (h1 - 1)^2");
        Assert.True(DerivativeChecker.Check(program, "h0", "∂L/∂h1 · ∂h1/∂h0").IsCorrect);
        Assert.True(DerivativeChecker.Check(program, "h0", "2*(h1 - 1)*(1 - h1^2)*w").IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "h0", "∂L/∂h1").IsCorrect);
    }

    [Theory]
    // Contrastive loss of a dissimilar pair, L = max(m − d, 0)² with d = ‖f1 − f2‖: ∂L/∂f1 = 2(d − m)(f1 − f2)/d where d < m,
    // and 0 past the margin (by hand). The program's d before a bracket is a product, not the d of d(y)/d(x), unless a '/'
    // follows the bracket.
    [InlineData("2(d − m)/d (f1 − f2) I[d < m]", true)]
    [InlineData("2(d − m)/d(f1 − f2) I[d < m]", true)]
    [InlineData("2(m − d)/d (f1 − f2) I[d < m]", false)]
    // Without the indicator it is wrong past the margin.
    [InlineData("2(d − m)/d (f1 − f2)", false)]
    public void AProgramsD_BeforeABracket_IsAProduct(string expr, bool correct)
    {
        var program = GradProgram.Parse("param f1 = [0.5, -0.2]\ninput f2 = [-0.1, 0.4]\nconst m = 2.0\nd = norm(f1 - f2)\nL = max(m - d, 0)^2");
        var r = DerivativeChecker.Check(program, "f1", expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
        Assert.True(DerivativeChecker.Check(program, "f1", "d(L)/d(d) * (f1 - f2)/d").IsCorrect);
    }

    [Fact]
    public void AnAbsoluteValuesSign_IsCheckedWhereItsArgumentIsNegative()
    {
        // A planar flow's log-det: ∂(−log|d|)/∂u = −(1 − h²)w/d, with d = 1 + (u·w)(1 − h²) (by hand). d is positive near the
        // given values and negative only where u·w < −1, so 1/|d| for 1/d is caught only by points drawn farther out.
        var program = GradProgram.Parse("input z = [0.6, -0.4]\nparam u = [0.5, 0.8]\nparam w = [1.2, -0.7]\nparam b = 0.1\n"
            + "h = tanh(dot(w, z) + b)\nf = z + u * h\ndet = 1 + dot(u, w) * (1 - h^2)\nL = 0.5 * sum(f^2) - log(abs(det))");
        Assert.True(DerivativeChecker.Check(program, "u", "h*f - (1 - h^2)*w/det").IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "u", "h*f - (1 - h^2)*w/abs(det)").IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "u", "h*f - (1 - h^2)*w/sqrt(det^2)").IsCorrect);
    }

    [Fact]
    public void ADiceMaskWithOneOne_IsNoClassTarget()
    {
        // Dice loss L = 1 − 2Σpt/(Σp + Σt): ∂L/∂p = 2(Σpt/S − t)/S with S = Σp + Σt (by hand). The mask t = [1, 0] sums to 1 here,
        // but a mask may have any number of ones: writing 1 for Σt is wrong, and ∂L/∂t keeps Σt.
        var program = GradProgram.Parse("param W = [[0.2, -0.4, 0.1], [0.5, 0.3, -0.2]]\ninput x = [1, -0.5, 2]\ntarget t = [1, 0]\n"
            + "p = sigmoid(W @ x)\nL = 1 - 2 * sum(p * t) / (sum(p) + sum(t))");
        Assert.True(DerivativeChecker.Check(program, "p", "2*(sum(p*t)/(sum(p) + sum(t)) - t)/(sum(p) + sum(t))").IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "p", "2*(sum(p*t)/(sum(p) + 1) - t)/(sum(p) + 1)").IsCorrect);
        var closed = DerivationRenderer.Equations(ChainDerivation.Create(program, "t"), "closed", out _).Single().Right.ToString();
        Assert.Equal("(2·(sum(p ⊙ t)/(sum(p) + sum(t)) − p))/(sum(p) + sum(t))", closed);
        Assert.True(DerivativeChecker.Check(program, "t", closed).IsCorrect);
    }

    [Theory]
    // Weight normalisation w = g·v/‖v‖, L = (w·x − t)²: ∂L/∂v = 2g(y − t)(x/‖v‖ − (vᵀx)v/‖v‖³) (by hand). The program declares
    // g and calls no activation g, so g before a bracket is the weight norm's g times it.
    [InlineData("param g = 1.5\nparam v = [0.3, -0.4, 1.2]\ninput x = [1, 2, -1]\ntarget t = 0.5\nw = g * v / norm(v)\ny = dot(w, x)\nL = (y - t)^2",
        "v", "2 g (y − t) (x/‖v‖ − (vᵀx) v/‖v‖³)", true)]
    [InlineData("param g = 1.5\nparam v = [0.3, -0.4, 1.2]\ninput x = [1, 2, -1]\ntarget t = 0.5\nw = g * v / norm(v)\ny = dot(w, x)\nL = (y - t)^2",
        "v", "2 g (y − t) (x/‖v‖ + (vᵀx) v/‖v‖³)", false)]
    // A Gaussian's σ: ∂/∂σ Σ(log σ + (x − m)²/(2σ²)) = 3/σ − Σ(x − m)²/σ³ over 3 points (by hand): σ (…) is sigma times it where
    // the program has no sigmoid.
    [InlineData("param m = 0.5\nparam sigma = 1.3\ninput x = [0.2, 1.5, -0.7]\nL = sum(log(sigma) + (x - m)^2 / (2 * sigma^2))",
        "sigma", "σ (3 − sum((x − m)²)/σ²)/σ²", true)]
    // mse_loss and binary_cross_entropy average every element, as mean does: n is 3 here (by hand), written with a space
    // before a bracket too.
    [InlineData("param W = [[0.1, -0.2], [0.4, 0.5], [0.3, 0.2]]\ninput x = [1, 2]\ntarget t = [0.5, -0.5, 1]\ny = W @ x\nL = mse_loss(y, t)", "W", "outer(2/n*(y - t), x)", true)]
    [InlineData("param W = [[0.1, -0.2], [0.4, 0.5], [0.3, 0.2]]\ninput x = [1, 2]\ntarget t = [0.5, -0.5, 1]\ny = W @ x\nL = mse_loss(y, t)", "W", "(2/n (y − t)) xᵀ", true)]
    [InlineData("param W = [[0.1, -0.2], [0.4, 0.5], [0.3, 0.2]]\ninput x = [1, 2]\ntarget t = [0.5, -0.5, 1]\ny = W @ x\nL = mse_loss(y, t)", "W", "(2/2 (y − t)) xᵀ", false)]
    [InlineData("param W = [[0.1, 0.2], [0.3, -0.1], [0.2, 0.4]]\ninput x = [0.5, -1]\ntarget y = [1, 0, 1]\np = sigmoid(W @ x)\nL = binary_cross_entropy(p, y)", "W", "((p - y)/n) xᵀ", true)]
    public void NamesAndCountsBeforeABracket_AreReadAsTheProgramMeansThem(string source, string wrt, string expr, bool correct)
    {
        var r = DerivativeChecker.Check(GradProgram.Parse(source), wrt, expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Fact]
    public void AGradientDottedWithABracketedMatrix_IsARowTimesIt()
    {
        // q = E W x: ∂L/∂x through q is (E W)ᵀ ∂L/∂q, which the numerator layout writes ∂L/∂q · (E W) (by hand).
        var program = GradProgram.Parse("param E = [[0.1, -0.2, 0.3], [0.4, 0.1, -0.5], [-0.3, 0.2, 0.6], [0.5, -0.4, 0.2]]\n"
            + "param W = [[0.2, 0.7], [-0.5, 0.3], [0.6, -0.1]]\ninput x = [0.9, -0.4]\nq = E @ W @ x\nL = sum(tanh(q)) + sum(x^2)");
        Assert.True(DerivativeChecker.Check(program, "x", "2·x + (∂L/∂q · (E W))").IsCorrect);
        Assert.True(DerivativeChecker.Check(program, "x", "2·x + (E W)ᵀ ∂L/∂q").IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "x", "2·x + (∂L/∂q · (E W))/2").IsCorrect);
    }

    [Theory]
    // A margin ranking loss max(0, −y(s1 − s2) + m) with s = w·x and y = −1 (by hand): ∂L/∂w = −y(x1 − x2)·I[−y(s1 − s2) + m > 0].
    // With m = 2 every point near the given values is inside the margin; the indicator is still part of the answer.
    [InlineData("-y (x1 − x2) I[-y (s1 − s2) + m > 0]", true)]
    [InlineData("-y (x1 − x2)", false)]
    [InlineData("-y (x1 − x2) I[-y (s1 − s2) > -2]", true)]
    [InlineData("-y (x1 − x2) I[-y (s1 − s2) > -1]", false)]
    public void AHingeWithAWideMargin_NeedsItsIndicator(string expr, bool correct)
    {
        var program = GradProgram.Parse("input x1 = [0.5, -1, 0.3]\ninput x2 = [1, 0.2, -0.4]\nparam w = [0.4, -0.2, 0.6]\nconst y = -1\nconst m = 2\n"
            + "s1 = dot(w, x1)\ns2 = dot(w, x2)\nL = max(0, -y * (s1 - s2) + m)");
        var r = DerivativeChecker.Check(program, "w", expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Fact]
    public void AnAnswerWithoutItsEpsilon_IsSaidToBeClose()
    {
        // RMSNorm r = x/√(mean(x²) + 10⁻⁵), L = Σ γ ⊙ r ⊙ c: ∂L/∂γ = c ⊙ x/√(mean(x²) + 10⁻⁵) (by hand). Without the ε it is off
        // by a few parts in 10⁵ (mean x² = 1.8633 here): wrong, and the hint says what kind of slip that is.
        var program = GradProgram.Parse("param x = [0.5, -1.2, 2.0]\nparam gamma = [1.1, 0.9, -0.7]\nconst c = [0.3, -0.5, 1.0]\n"
            + "ms = mean(x^2)\nr = x / sqrt(ms + 1e-5)\nL = sum(gamma * r * c)");
        Assert.True(DerivativeChecker.Check(program, "gamma", "c * x / sqrt(mean(x^2) + 1e-5)").IsCorrect);
        var r = DerivativeChecker.Check(program, "gamma", "c * x / sqrt(mean(x^2))");
        Assert.False(r.IsCorrect);
        Assert.Contains("a small constant, such as the ε of a variance or a norm, is missing or extra", Assert.Single(r.Diagnostics));
    }

    [Fact]
    public void ACounterexampleCutShort_SaysWhereItDiffers()
    {
        // L = Σ W² + W[3, 7]²: ∂L/∂W = 2W with 4·W[3, 7] at (3, 7) (by hand). 2W alone is wrong only there, which the
        // shortened vectors would not show.
        var values = string.Join(", ", Enumerable.Range(0, 6).Select(i => "[" + string.Join(", ", Enumerable.Range(0, 8).Select(j => (0.1 * ((i + j) % 5) - 0.2).ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]"));
        var program = GradProgram.Parse($"param W = [{values}]\nL = sum(W^2) + W[3, 7]^2");
        var r = DerivativeChecker.Check(program, "W", "2*W");
        Assert.False(r.IsCorrect);
        Assert.Contains("they differ at [3, 7]: ", r.ToText());
    }

    [Theory]
    // Answers that would take minutes or more memory than a value may hold are refused at their column, not run.
    [InlineData("sum(zeros(4096, 4096) @ zeros(4096, 4096)) + h", "--expr column 5: zeros(4096, 4096) @ zeros(4096, 4096): [4096, 4096] @ [4096, 4096] takes 68719476736 multiply-adds, more than an answer may (1073741824)")]
    [InlineData("sum(diag(ones(100000)))*h", "--expr column 5: diag(ones(100000)): diag of [100000] would hold more than 16777216 numbers")]
    [InlineData("sum(outer(ones(100000), ones(100000)))*h", "--expr column 5: outer(ones(100000), ones(100000)): outer of [100000] and [100000] would hold more than 16777216 numbers")]
    public void AnAnswerTooCostlyToGrade_IsRefused(string expr, string message)
    {
        var program = GradProgram.Parse("param h = [0.5, -0.2]\nL = sum(h^2)");
        var e = Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "h", expr));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void AnAnswerOfMoreThanAMillionCharacters_IsRefused()
    {
        var program = GradProgram.Parse("param h = [0.5, -0.2]\nL = sum(h^2)");
        var e = Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "h", string.Join("+", Enumerable.Repeat("h", 600_000))));
        Assert.Equal("--expr column 1000001: the expression is 1199999 characters long; an answer may have at most 1000000", e.Message);
    }

    [Fact]
    public void AnAnswerComputingTooManyNumbers_IsRefused()
    {
        // Two 4096 × 4096 blocks joined hold 2^25 numbers, more than a value may; ten sums of e^(4000 × 4000) compute more
        // than 2^28 numbers at each point.
        var program = GradProgram.Parse("param x = [1, 2]\nJ = sum(x^2)");
        var joined = Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "x", "2*x + 0*sum(concat(ones(4096, 4096), ones(4096, 4096)))"));
        Assert.StartsWith("--expr column 13: concat(ones(4096, 4096), ones(4096, 4096)): [8192, 4096] holds more than 16777216 numbers", joined.Message);
        var sums = Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "x", "2*x + 0*(" + string.Join(" + ", Enumerable.Repeat("sum(exp(ones(4000, 4000)))", 10)) + ")"));
        Assert.Contains("more than an answer may", sums.Message);
    }

    [Theory]
    // L = mean((X w + b − y)²) over three houses: ∂L/∂w = (−949053.33, −20504.67) (by hand and PyTorch). Six significant
    // digits, as grad and step print them, are the true value rounded; a number with fewer than four is taken as exact.
    [InlineData("[-949053, -20504.7]", true)]
    [InlineData("[-949053.3, -20504.67]", true)]
    [InlineData("[-949000, -20504.7]", false)]
    [InlineData("[-949052, -20504.7]", false)]
    public void ANumberOfSixSignificantDigits_IsTheTrueValueRounded(string value, bool correct)
    {
        var program = GradProgram.Parse("input X = [[120, 3], [85, 2], [200, 4]]\ntarget y = [3100, 2200, 5050]\nparam w = [2.1, 10.3]\nparam b = 5.7\nL = mean((X @ w + b - y)^2)");
        var r = DerivativeChecker.CheckValue(program, "w", value);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Fact]
    public void TwoNamesRunTogether_AreSuggestedWithASpace()
    {
        var program = GradProgram.Parse("input X = [[1, 2], [3, 4]]\ntarget y = [1, 0]\nparam w = [0.5, -0.5]\nr = X @ w - y\nL = sum(r^2)");
        var e = Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "w", "2 Xᵀ(Xw − y)"));
        Assert.StartsWith("--expr column 6: unknown name 'Xw'; did you mean 'X w' (a product is written with a space)?", e.Message);
    }

    [Theory]
    // A = tanh(H Wᵀ) for rows H, L = Σ A ⊙ R: ∂L/∂H = (R ⊙ (1 − A²)) W (by hand). A dot after a bracket holding a gradient,
    // before a matrix, is that matrix product, as step writes ∂L/∂Z · W; ⊙ stays elementwise.
    [InlineData("(∂L/∂A ⊙ (1 − A^2)) · W", true)]
    [InlineData("(∂L/∂A ⊙ (1 − A^2)) @ W", true)]
    [InlineData("(R ⊙ (1 − A^2)) W", true)]
    [InlineData("(∂L/∂A ⊙ (1 − A^2)) ⊙ W", false)]
    public void ADotAfterABracketHoldingAGradient_IsAMatrixProduct(string expr, bool correct)
    {
        var program = GradProgram.Parse("param W = [[0.5, -0.3], [0.2, 0.4]]\ninput H = [[1, 0], [0.5, -1]]\nconst R = [[1, 2], [-1, 0.5]]\nA = tanh(H @ W.T)\nL = sum(A * R)");
        var r = DerivativeChecker.Check(program, "H", expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Theory]
    // Malformed labels are errors at their column, even in the derivative asked for (which would otherwise be "circular").
    [InlineData("∂J/∂b[-3]", "--expr column 6: index -3 is out of range for axis 0 of size 2")]
    [InlineData("∂J/∂(x)_", "--expr column 8: unknown name '_'")]
    // A setting where the function takes none, and an axis the operands do not have, are slips in the text of the answer.
    [InlineData("concat(b, zeros(1, axis=0))", "--expr column 11: 'zeros' takes no settings such as axis=")]
    [InlineData("concat(b, x, axis=1)", "--expr column 1: axis 1 is out of range for operands of rank 1")]
    // A line break in a pasted answer is a space; the column counts along the whole text.
    [InlineData("(b -\n zz)", "--expr column 7: unknown name 'zz'")]
    public void MalformedLabels_AreErrorsAtTheirColumn(string expr, string message)
    {
        var program = GradProgram.Parse("param b = [1, 2]\ninput x = [3, 4]\nJ = sum(b * x)");
        var e = Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "b", expr));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void AnAnswerBrokenOverLines_IsGradedAsOneLine()
    {
        // J = Σ b ⊙ x gives ∂J/∂b = x; a trailing comma in a call ends nothing.
        var program = GradProgram.Parse("param b = [1, 2]\ninput x = [3, 4]\nJ = sum(b * x,)");
        Assert.True(DerivativeChecker.Check(program, "b", "2*(x -\n  x/2)").IsCorrect);
        Assert.True(DerivativeChecker.Check(program, "b", "concat(x[0:1],\r\n x[1:2])").IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "b", "2*(x -\r\n x/4)").IsCorrect);
        Assert.True(DerivativeChecker.Check(program, "b", "concat(x[0:1], x[1:2],)").IsCorrect);
    }

    [Fact]
    public void OuterProducts_AllOnesRows_AndMatricesBesideCalls_ReadAsOnABoard()
    {
        // r = W x − t with W = [[1, 2], [2, 1]], x = t = 1: r = (2, 2), ∂L/∂W = 2 r xᵀ = [[4, 4], [4, 4]] (by hand).
        var square = GradProgram.Parse("param W[2, 2] = [[1, 2], [2, 1]]\ninput x[2] = [1, 1]\ntarget t[2] = [1, 1]\nr = W @ x - t\nL = sum(r^2)");
        Assert.True(DerivativeChecker.Check(square, "W", "4r/2 ⊗ x").IsCorrect);
        Assert.True(DerivativeChecker.Check(square, "W", "r/0.5 ⊗ x").IsCorrect);
        Assert.False(DerivativeChecker.Check(square, "W", "4r/2 ⊗ x/2").IsCorrect);
        // L = Σ G ⊙ b over the rows of G: ∂L/∂b = 1ᵀG, G's column sums (9, 12).
        var rows = GradProgram.Parse("param b[2] = [0.5, -1]\ninput G[3, 2] = [[1, 2], [3, 4], [5, 6]]\nL = sum(G * b)");
        Assert.True(DerivativeChecker.Check(rows, "b", "1ᵀ G").IsCorrect);
        Assert.False(DerivativeChecker.Check(rows, "b", "2 · 1ᵀG").IsCorrect);
        // A matrix beside a call of two vectors multiplies it as it would a name: W concat(x, hv), W max(x, y).
        var joined = GradProgram.Parse("param W = [[0.3, -0.2, 0.4], [0.2, 0.5, -0.3]]\ninput x = [0.5, -0.3]\nparam hv = [0.1]\nL = sum(tanh(W @ concat(x, hv)))");
        Assert.True(DerivativeChecker.Check(joined, "W", "(1 − tanh(W concat(x, hv))^2) concat(x, hv)ᵀ").IsCorrect);
        var larger = GradProgram.Parse("param W = [[0.3, -0.2], [0.2, 0.5]]\ninput x = [0.5, -0.3]\ninput y = [0.1, 0.2]\nL = sum(tanh(W @ max(x, y)))");
        Assert.True(DerivativeChecker.Check(larger, "W", "(1 − tanh(W max(x, y))^2) max(x, y)ᵀ").IsCorrect);
    }

    [Fact]
    public void ANumberTyped_IsTheTrueValueRoundedToItsDecimals_NotOneUnitOff()
    {
        // ∂(x²/2)/∂x = x = 1.234, which rounds to 1.23: 1.24 is a unit off in its last decimal.
        var program = GradProgram.Parse("param x = 1.234\nL = x^2 / 2");
        Assert.True(DerivativeChecker.Check(program, "x", "1.23").IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "x", "1.24").IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "x", "-(-1.24)").IsCorrect);
        Assert.True(DerivativeChecker.Check(program, "x", "2*0.617").IsCorrect);
    }

    [Fact]
    public void AKinkWhoseArgumentIsZeroByConstruction_LeavesThePointsToGrade()
    {
        // m[1] = 0 holds relu(m ⊙ a)[1] at 0 at every point: no kink to avoid. ∂L/∂a = m ⊙ I[a > 0] (by hand; (2, 0) here).
        var dropped = GradProgram.Parse("param a[2] = [0.5, -0.3]\nconst m[2] = [2, 0]\nL = sum(relu(m * a))");
        Assert.True(DerivativeChecker.Check(dropped, "a", "I[m ⊙ a > 0] ⊙ m").IsCorrect);
        Assert.False(DerivativeChecker.Check(dropped, "a", "2 I[a > 0]").IsCorrect);
        var masked = GradProgram.Parse("param a[2] = [0.5, -0.3]\nconst m[2] = [2, 0]\nL = sum(m * relu(a))");
        Assert.True(DerivativeChecker.Check(masked, "a", "m ⊙ I[a > 0] + relu(0 * a)").IsCorrect);
        Assert.False(DerivativeChecker.Check(masked, "a", "relu(m ⊙ a) / a + 5").IsCorrect);
    }

    [Fact]
    public void RowsTimesMatrices_DiagonalsOfIndicators_AndIndexedGreekLetters_ReadAsWritten()
    {
        // L = c·(aᵀV g): ∂L/∂c = aᵀV g, a number (−0.445 here, by hand).
        var bilinear = GradProgram.Parse("param a[3] = [0.5, -1, 2]\nparam V[3, 2] = [[1, -1], [0.5, 2], [-1, 0.3]]\nparam g[2] = [0.4, -0.7]\nparam c = 2\nL = c * (a @ V @ g)");
        Assert.True(DerivativeChecker.Check(bilinear, "c", "aᵀ V g").IsCorrect);
        Assert.False(DerivativeChecker.Check(bilinear, "c", "aᵀ V g + 1").IsCorrect);
        // L = Σ X ⊙ (W ⊙ I[d > 0] by rows): ∂L/∂X = diag(I[d > 0]) W, the rows of W where d > 0.
        var rows = GradProgram.Parse("param d[2] = [2, -3]\nparam W[2, 2] = [[1, 2], [3, 4]]\nparam X[2, 2] = [[0.5, -1], [1, 0.2]]\nh = relu(d)\nL = sum(X * (W.T * (h / d)).T)");
        Assert.True(DerivativeChecker.Check(rows, "X", "diag(I[d > 0]) W").IsCorrect);
        Assert.True(DerivativeChecker.Check(rows, "X", "diag(relu′(d)) W").IsCorrect);
        Assert.False(DerivativeChecker.Check(rows, "X", "diag(I[d < 0]) W").IsCorrect);
        // λ1 and λ_1 for lam1, as λ for lam.
        var greek = GradProgram.Parse("param w = 0.5\nconst lam = 0.1\nconst lam1 = 0.2\nconst theta1 = 0.3\nL = lam * w^2 + lam1 * w + theta1 * w");
        Assert.True(DerivativeChecker.Check(greek, "w", "2 λ w + λ1 + θ_1").IsCorrect);
        Assert.False(DerivativeChecker.Check(greek, "w", "2 λ1 w + λ + θ1").IsCorrect);
    }

    [Fact]
    public void AConstAsTheVariable_StaysItsNumber_AndANumberNameBetweenAMatrixAndAVectorStandsAside()
    {
        // L = (1 − p)^γ with const γ = 2: ∂L/∂γ = (1 − p)^γ ln(1 − p), which may be written with the 2 of γ (by hand).
        var focal = GradProgram.Parse("param p = 0.4\nconst gam = 2\nL = (1 - p)^gam");
        Assert.True(DerivativeChecker.Check(focal, "gam", "(1 - p)^2 log(1 - p)").IsCorrect);
        Assert.False(DerivativeChecker.Check(focal, "gam", "gam (1 - p)^(gam - 1)").IsCorrect);
        // L = c·Σ (W x) ⊙ t: ∂L/∂x = c Wᵀt, with c written anywhere among the factors.
        var scaled = GradProgram.Parse("param W[2, 3] = [[0.2, -0.1, 0.4], [0.3, -0.6, 0.5]]\ninput x[3] = [0.5, -1, 2]\nconst c = 1.5\ntarget t[2] = [1, -1]\nL = c * sum((W @ x) * t)");
        Assert.True(DerivativeChecker.Check(scaled, "x", "Wᵀ c t").IsCorrect);
        Assert.True(DerivativeChecker.Check(scaled, "x", "Wᵀ · c t").IsCorrect);
        Assert.False(DerivativeChecker.Check(scaled, "x", "W c t").IsCorrect);
    }

    [Fact]
    public void ATotalDerivativeBetweenVectorNodesThatAreNotAdjacent_IsTheirJacobian()
    {
        // o = Vᵀ softmax(s): do/ds is the Jacobian through a = softmax(s), so dL/do · do/ds is ∂L/∂s (the chain rule).
        var attention = GradProgram.Parse("param q[2] = [0.6, -0.4]\nparam K[3, 2] = [[1, 0.5], [-0.5, 1], [0.8, -0.3]]\ninput V[3, 2] = [[1, -1], [0.5, 2], [-1, 0.3]]\n"
            + "target t[2] = [0.2, 0.4]\ns = K @ q\na = softmax(s)\no = V.T @ a\nL = 0.5 * sum((o - t)^2)");
        Assert.True(DerivativeChecker.Check(attention, "s", "dL/do · do/ds").IsCorrect);
        Assert.True(DerivativeChecker.Check(attention, "q", "dL/do · do/ds · ds/dq").IsCorrect);
        Assert.False(DerivativeChecker.Check(attention, "s", "2 dL/do · do/ds").IsCorrect);
        // o does not depend on t: a chain through t is no path, and is graded so.
        var stray = DerivativeChecker.Check(attention, "s", "dL/do · do/dt · dt/ds");
        Assert.False(stray.IsCorrect);
        Assert.Contains("is not a path from L to s", stray.Reason);
    }

    [Theory]
    // J = xᵀ(B + Bᵀ)y: ∂J/∂B = ∂J/∂A + (∂J/∂Bᵀ)ᵀ through the part Bᵀ, however the d and the transpose are written.
    [InlineData("∂J/∂A + (∂J/∂Bᵀ)ᵀ", true)]
    [InlineData("dJ/dA + (dJ/dBᵀ)ᵀ", true)]
    [InlineData("dJ/dA + (∂J/∂B.T).T", true)]
    [InlineData("dJ/dA + (dJ/dB^T)^T", true)]
    [InlineData("dJ/dA", false)]
    public void AGradientThroughATransposedPart_ReadsAlikeInEverySpelling(string expr, bool correct)
    {
        var program = GradProgram.Parse("input x = [1.0, -0.5, 0.3]\ninput y = [0.2, 0.9, -1.4]\nparam B = [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6], [0.7, 0.8, -0.9]]\nA = B + B.T\nJ = x @ A @ y");
        var r = DerivativeChecker.Check(program, "B", expr);
        Assert.True(correct == r.IsCorrect, r.ToText());
    }

    [Fact]
    public void MatrixOfOnes_StandsForAGradientThatIsOneNumberEverywhere()
    {
        // ∂L/∂W = c/3 at each of W's six entries (worked out by hand from L = c·ΣW/3).
        var program = GradProgram.Parse("param W = [[1, 2], [3, 4], [5, 6]]\ninput c = 0.5\nL = c * sum(W) / 3");
        Assert.True(DerivativeChecker.Check(program, "W", "c/3 * ones(3, 2)").IsCorrect);
        // One number is read per component (∂L/∂(W)_d = c/3) when every component is that number, and is a shape mistake otherwise.
        Assert.True(DerivativeChecker.Check(program, "W", "c/3").IsCorrect);
        Assert.Equal(CheckMistake.Shape, DerivativeChecker.Check(program, "W", "c/2").Mistake);
        Assert.Contains("--expr column 7", Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "W", "c/3 * ones(3, 0)")).Message);
    }

    [Theory]
    [InlineData("dE/dn6 *", "--expr column 9")]
    [InlineData("nope * 2", "--expr column 1: unknown name 'nope'")]
    [InlineData("foo(n1)", "--expr column 1: unknown function 'foo'")]
    [InlineData("I[n1 n2]", "--expr column 8: expected '>'")]
    [InlineData("clip(n1)", "--expr column 1: 'clip' takes 3 arguments (x, lo, hi), got 1")]
    [InlineData("2 * outer(n1)", "--expr column 5: 'outer' takes 2 arguments, got 1")]
    public void BadExpressions_NameTheColumn(string expr, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => Check("e1.grad", "n4", expr));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Golden_SeedAnswers()
    {
        var sb = new System.Text.StringBuilder();
        void Add(string file, string wrt, string expr) => sb.Append("$ check ").Append(file).Append(" --wrt ").Append(wrt).Append('\n')
            .Append(Check(file, wrt, expr).ToText()).Append('\n');
        Add("e2.grad", "n1", "(dE/dn6 * dn6/dn3 + dE/dn8 * dn8/dn3) * dn3/dn1");
        Add("e5.grad", "theta11", "(phi1*I[g1>0]*psi11 + phi2*I[g2>0]*psi12)*I[theta01+theta11*x>0]*x");
        Add("e5.grad", "theta01", "phi1*I[g1>0]*psi11 + phi2*I[g2>0]*psi12");
        Add("e7.grad", "x1", "sigmoid(x1)(1-sigmoid(x1))");
        Add("e8.grad", "x", "r / sqrt(var + 1e-5) + sum(r * d * (-0.5) * (var + 1e-5)^(-1.5)) * (2/4) * sum(x - mu) + (-sum(r) / sqrt(var + 1e-5)) / 4");
        Add("e9.grad", "W2", "h1 ⊗ dJ/da2");
        ExplainFiles.AssertGolden("check-seeds.txt", sb.ToString());
    }

    [Fact]
    public void AWrongAnswer_OnAGraphWithExponentiallyManyPaths_IsGradedWithoutWritingTheClosedFormOut()
    {
        // A ladder of depth 20 has 2^20 paths: its closed form written out as one expression would be as large,
        // so the diagnostics that compare parts of it are skipped, and the answer is graded on its values.
        var text = new System.Text.StringBuilder("param x = 0.5\np1 = sin(x)\nq1 = cos(x)\n");
        for (int k = 2; k <= 20; k++) text.Append($"p{k} = p{k - 1} * q{k - 1}\nq{k} = p{k - 1} + q{k - 1}\n");
        text.Append("E = p20 + q20\n");
        var program = GradProgram.Parse(text.ToString());
        Assert.False(ChainDerivation.Create(program, "x").FitsInline);
        var result = DerivativeChecker.Check(program, "x", "2*x");
        Assert.False(result.IsCorrect);
    }

    [Theory]
    // u = 3a, w = u·a, L = w + u², at a = 1.5 by hand: dL/du = 2u + a = 10.5, dL/da = u + 3·dL/du = 4.5 + 31.5 = 36.
    // Step's row writes ∂L/∂u for u's whole gradient beside w's route to a, which does not pass through u.
    [InlineData("∂L/∂w · ∂w/∂a + ∂L/∂u · ∂u/∂a", true)]
    // The paths form writes the route L → w → u, so there ∂L/∂u is the direct edge 2u.
    [InlineData("∂L/∂w · ∂w/∂u · ∂u/∂a + ∂L/∂u · ∂u/∂a + ∂L/∂w · ∂w/∂a", true)]
    // With the route through u written, leaving out w's direct use of a is a missing path.
    [InlineData("∂L/∂w · ∂w/∂u · ∂u/∂a + ∂L/∂u · ∂u/∂a", false)]
    public void ThePartialOfTheObjective_IsTheWholeGradient_UnlessTheAnswerWritesAnotherRouteDownToIt(string answer, bool correct)
    {
        var program = GradProgram.Parse("param a = 1.5\nu = 3 * a\nw = u * a\nL = w + u^2");
        Assert.Equal(correct, DerivativeChecker.Check(program, "a", answer).IsCorrect);
    }

    [Theory]
    // max(p) at p = (1, 2, 2) shares its gradient between the tied elements: (0, ½, ½), as autograd gives it.
    [InlineData("I[p = max(p)]", false)]
    [InlineData("I[p = max(p)]/sum(I[p = max(p)])", true)]
    public void ValuesGivenOnATie_AreGradedThere_WithTheSharedConvention(string answer, bool correct)
    {
        var program = GradProgram.Parse("param p = [1, 2, 2]\nL = max(p)");
        var result = DerivativeChecker.Check(program, "p", answer);
        Assert.Equal(correct, result.IsCorrect);
    }

    [Fact]
    public void TheCountOfABatchCrossEntropy_IsTheNOfTheAnswer()
    {
        // cross_entropy on 2 rows is their mean: ∂L/∂Z = (softmax(Z) − Y)/2 by hand, which a student writes with /n.
        var program = GradProgram.Parse("param Z = [[1, 2, 0.5], [0, -1, 2]]\ntarget Y = [[0, 1, 0], [1, 0, 0]]\nL = cross_entropy(Z, Y)");
        Assert.True(DerivativeChecker.Check(program, "Z", "(softmax(Z) - Y)/n").IsCorrect);
        Assert.False(DerivativeChecker.Check(program, "Z", "softmax(Z) - Y").IsCorrect);
    }

    [Fact]
    public void ATieWithANumberOrAtZero_IsAKinkLikeAnyOther_AndIsNotGradedThere()
    {
        // w = 0 makes z = w·x = 0: max(0, z) sits on its relu kink, and max(z, 0.1z) on its leaky one. The slopes
        // I[z > 0]·x and (I[z > 0] + 0.1·I[z < 0])·x are right everywhere else, so they stay correct.
        var relu = GradProgram.Parse("param w = 0\ninput x = 2\nz = w * x\nL = max(0, z)");
        Assert.True(DerivativeChecker.Check(relu, "w", "I[z > 0]*x").IsCorrect);
        var leaky = GradProgram.Parse("param w = 0\ninput x = 2\nz = w * x\nL = max(z, 0.1*z)");
        Assert.True(DerivativeChecker.Check(leaky, "w", "(I[z > 0] + 0.1*I[z < 0])*x").IsCorrect);
    }

    [Fact]
    public void AGateWrittenTheWrongWayRound_GetsAHintThatNamesThePartToReplace()
    {
        // h = (1 − z)·a + z·b, L = Σ h²: by hand ∂L/∂b = 2h ⊙ z. Writing 1 − z for z is the mistake to name.
        var program = GradProgram.Parse("param z = [0.3, 0.6]\ninput a = [1.0, 2.0]\ninput b = [0.5, -1.0]\nh = (1 - z) * a + z * b\nL = sum(h^2)");
        Assert.True(DerivativeChecker.Check(program, "b", "2*h*z").IsCorrect);
        var result = DerivativeChecker.Check(program, "b", "2*h*(1 - z)");
        Assert.False(result.IsCorrect);
        Assert.Contains("the answer is right with z in place of 1 - z", result.ToText());
    }

    [Theory]
    // A derivative function the checker knows, given two arguments, is told so, as a function call is.
    [InlineData("relu'(a, a)", "--expr column 1: 'relu′' takes 1 argument, got 2")]
    // 1.0.5 is a typo, not 1.0 beside .5.
    [InlineData("2*a*1.0.5", "--expr column 8: malformed number '1.0.5…': a number has at most one decimal point")]
    public void MalformedAnswers_SayWhatAndWhere(string answer, string message)
    {
        var program = GradProgram.Parse("param a = [1, -2]\nL = sum(relu(a)^2)");
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "a", answer)).Message);
    }
}
