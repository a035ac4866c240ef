using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>The worked example (sharpgrad step) of spec E9, and its invariants on every example.</summary>
public class StepTests
{
    private static StepReport E9(double lr = 0.01) => StepReport.Create(ExplainFiles.Load("e9.grad").Evaluate(), lr);

    [Fact]
    public void E9_SgdStepGives118InThreePlacesAndLeavesTheRestUnchanged()
    {
        var report = E9();
        var updated = report.Updates.ToDictionary(u => u.Parameter.Name!, u => u.New.ToDoubleArray());
        Assert.Equal(["W1", "W2", "W3"], report.Updates.Select(u => u.Parameter.Name));
        Assert.Equal([1.18, -1], updated["W1"], new Tolerance(1e-15));
        Assert.Equal([-1, 1, 1.18, -1], updated["W2"], new Tolerance(1e-15));
        Assert.Equal([-1, 1.18], updated["W3"], new Tolerance(1e-15));
        Assert.Equal([2, 1], report.Updates[0].New.Shape.ToArray());
    }

    [Fact]
    public void NumeratorLayout_WritesTheTermsSoThatTheyConformThere()
    {
        var program = GradProgram.Parse("input x[3] = [1, -2, 0.5]\ntarget t[2] = [0.5, -1]\nparam W1[4, 3] = [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6], [-0.7, 0.8, 0.9], [0.2, 0.1, -0.1]]\n"
            + "param W2[2, 4] = [[0.3, -0.2, 0.1, 0.5], [-0.4, 0.6, 0.2, -0.1]]\nz = W1 @ x\nh = tanh(z)\nr = W2 @ h\nL = sum((r - t)^2)");
        string Row(Layout layout, string gradient) => StepRenderer.Render(StepReport.Create(program.Evaluate(), 0.1, layout: layout), OutputFormat.Text)
            .Split('\n').First(l => l.StartsWith($"│ {gradient} ", StringComparison.Ordinal));
        // ∂L/∂r is a 1×2 row there: ∂L/∂h = ∂L/∂r · W2 (1×4); W2's gradient keeps W2's shape, ∂L/∂rᵀ · hᵀ (2×1 times 1×4).
        Assert.Contains("│ ∂L/∂r · W2 ", Row(Layout.Numerator, "∂L/∂h"));
        Assert.Contains("(−1.86761, 3.0893)ᵀ · [[0.3, −0.2,", Row(Layout.Numerator, "∂L/∂h"));
        Assert.Contains("│ ∂L/∂rᵀ · hᵀ ", Row(Layout.Numerator, "∂L/∂W2"));
        Assert.Contains("│ ∂L/∂z · W1 ", Row(Layout.Numerator, "∂L/∂x"));
        // Elementwise terms read the same in every layout; the gradient layout keeps W2ᵀ · ∂L/∂r.
        Assert.Contains("│ ∂L/∂h ⊙ (1 − tanh(z)^2) ", Row(Layout.Numerator, "∂L/∂z"));
        Assert.Contains("│ W2ᵀ · ∂L/∂r ", Row(Layout.Gradient, "∂L/∂h"));
        Assert.Contains("│ W2ᵀ · ∂L/∂r ", Row(Layout.Denominator, "∂L/∂h"));
        // Pasted back, the row-vector form is the gradient.
        Assert.True(DerivativeChecker.Check(program, "h", "∂L/∂r · W2").IsCorrect);
        Assert.True(DerivativeChecker.Check(program, "x", "∂L/∂z · W1").IsCorrect);
        Assert.True(DerivativeChecker.Check(program, "W2", "∂L/∂rᵀ · hᵀ").IsCorrect);
        Assert.True(DerivativeChecker.Check(program, "W1", "∂L/∂zᵀ · xᵀ").IsCorrect);
        // h · ∂L/∂r is the numerator layout's ∂L/∂W2, [4, 2]: the gradient transposed, which check names as such.
        Assert.Equal(CheckMistake.Transposed, DerivativeChecker.Check(program, "W2", "h · ∂L/∂r").Mistake);
    }

    [Theory]
    // Every term step writes (in the numerator layout unless named) reads back in check as the gradient it is: vectors' terms as rows,
    // matrices' (a tanh layer's W, a kept-axis mean's X) in their own shape.
    [InlineData("input x[3] = [1, -2, 0.5]\ninput v[2] = [0.3, -1]\nparam W[2, 3] = [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6]]\nh = tanh(W @ x)\nL = sum(h * v)")]
    [InlineData("input X[2, 4] = [[1, 2, 0, -1], [0.5, -1, 2, 1]]\nparam g[4] = [1, 0.5, -1, 2]\nmu = mean(X, axis=1, keepdim=1)\nD = X - mu\nL = sum(D * D * g)")]
    // A row mean of X ⊙ s for a column s: ∂L/∂rm ⊙ s would read as a broadcast row, so X's term keeps its chain.
    [InlineData("input X = [[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]]\nparam s = [[0.4], [-0.6]]\nrm = mean(X * s, axis=1)\nL = sum(rm^2)", "gradient")]
    [InlineData("input X = [[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]]\nparam s = [[0.4], [-0.6]]\nrm = mean(X * s, axis=1)\nL = sum(rm^2)")]
    // A vector joined from an input and a state (v = concat(x, h0)): h0's term reads v's gradient in the block it filled.
    [InlineData("input x = [1, -0.5]\nparam h0 = [0.2, -0.1, 0.4]\nparam W = [[0.1, 0.2, -0.1, 0.3, 0.2], [0.2, -0.3, 0.1, 0.1, 0.5]]\nv = concat(x, h0)\nh = tanh(W @ v)\nL = sum(h^2)")]
    // P = M Mᵀ, square: ∂L/∂P · M is the matrix product step means, not the elementwise one; the term of P through the
    // unnamed d @ P is the outer product d ∂L/∂(d @ P)ᵀ, its numbers d · ∂L/∂(d @ P)ᵀ too.
    [InlineData("param M = [[1.0, 0.2], [-0.3, 0.8]]\nparam mu = [0.1, -0.2]\ninput x = [0.9, 0.4]\nd = x - mu\nP = M @ M.T\nm2 = d @ P @ d\nL = sqrt(m2 + 0.01)", "gradient")]
    [InlineData("param M = [[1.0, 0.2], [-0.3, 0.8]]\nparam mu = [0.1, -0.2]\ninput x = [0.9, 0.4]\nd = x - mu\nP = M @ M.T\nm2 = d @ P @ d\nL = sqrt(m2 + 0.01)")]
    [InlineData("param M = [[1.0, 0.2], [-0.3, 0.8]]\nparam mu = [0.1, -0.2]\ninput x = [0.9, 0.4]\nd = x - mu\nP = M @ M.T\nm2 = d @ P @ d\nL = sqrt(m2 + 0.01)", "denominator")]
    // A slice's number gradient goes to each element (Σ w[0:2] gives 2·Σw[0:2]·ones(2)); a slice of a gradient is written
    // (∂L/∂z)[2:4], since ∂L/∂z[2:4] is the gradient with respect to the part z[2:4] of the program.
    [InlineData("param w = [0.5, -0.3, 0.8]\nL = sum(w[0:2])^2")]
    [InlineData("param a = [0.5, -0.3]\nparam b = [0.8, 0.2]\nz = concat(a, b)\nL = sum(z[2:4] * z[2:4]) + sum(z)^2")]
    [InlineData("param a = [0.5, -0.3]\nparam b = [0.8, 0.2]\nz = concat(a, b)\nL = sum(z[2:4] * z[2:4]) + sum(z)^2", "denominator")]
    // A kept-axis mean's share repeated down the rows (ones(2) ∂L/∂n/2, ∂L/∂n a 1×3 matrix: no transpose); a column
    // times a row broadcast (ones(3) n); a maximum and a minimum along one axis (their indicator compares with
    // max(A, axis=0), not the largest element of A).
    [InlineData("param Q = [[0.5, -0.2, 0.1], [0.3, 0.4, -0.6]]\nparam u = [[0.3, -0.5, 0.2]]\nn = mean(Q, axis=0, keepdim=1)\nL = sum(n * u)")]
    [InlineData("param Q = [[0.5, -0.2, 0.1], [0.3, 0.4, -0.6]]\nparam u = [[0.3, -0.5, 0.2]]\nn = mean(Q, axis=0, keepdim=1)\nL = sum(n * u)", "denominator")]
    [InlineData("param m = [[0.5], [-0.2], [0.3]]\nparam n = [[0.1, 0.4, -0.6, 0.2]]\nL = sum(m * n)")]
    [InlineData("param A = [[0.5, -0.2, 0.1], [0.3, 0.4, -0.6]]\nL = sum(max(A, axis=0)) + sum(min(A, axis=1))")]
    [InlineData("param A = [[0.5, -0.2, 0.1], [0.3, 0.4, -0.6]]\nL = sum(max(A, axis=0)) + sum(min(A, axis=1))", "gradient")]
    // Vectors of one element: an LSTM cell of hidden size 1 (W_ih's gradient is the [4, 1] column ∂h/∂gates xᵀ, not x
    // beside it as a row), and its gates' gradient is a vector of one-element slices among zeros.
    [InlineData("input x = [1]\ninput h0 = [0.5]\ninput c0 = [1]\nparam W_ih = [[0.5], [1], [1], [-0.5]]\nparam W_hh = [[-1], [0], [0], [1]]\nparam b = [0, 0, 0, 0]\ngates = W_ih @ x + W_hh @ h0 + b\ni = sigmoid(gates[0:1])\nf = sigmoid(gates[1:2])\ng = tanh(gates[2:3])\no = sigmoid(gates[3:4])\nc = f * c0 + i * g\nh = o * tanh(c)")]
    [InlineData("input x = [1]\ninput h0 = [0.5]\ninput c0 = [1]\nparam W_ih = [[0.5], [1], [1], [-0.5]]\nparam W_hh = [[-1], [0], [0], [1]]\nparam b = [0, 0, 0, 0]\ngates = W_ih @ x + W_hh @ h0 + b\ni = sigmoid(gates[0:1])\nf = sigmoid(gates[1:2])\ng = tanh(gates[2:3])\no = sigmoid(gates[3:4])\nc = f * c0 + i * g\nh = o * tanh(c)", "gradient")]
    [InlineData("input x = [1]\ninput h0 = [0.5]\ninput c0 = [1]\nparam W_ih = [[0.5], [1], [1], [-0.5]]\nparam W_hh = [[-1], [0], [0], [1]]\nparam b = [0, 0, 0, 0]\ngates = W_ih @ x + W_hh @ h0 + b\ni = sigmoid(gates[0:1])\nf = sigmoid(gates[1:2])\ng = tanh(gates[2:3])\no = sigmoid(gates[3:4])\nc = f * c0 + i * g\nh = o * tanh(c)", "denominator")]
    [InlineData("input x = [0.5, -1]\nparam W1 = [[0.3, -0.2]]\nparam w2 = [[0.7]]\nh = tanh(W1 @ x)\nL = sum((w2 @ h - 1)^2)", "gradient")]
    // One operand in several slots of a concat: each slot's share once (∂L/∂s = Σ of ∂L/∂c's components), not every slot's
    // share in every slot.
    [InlineData("param s = 0.5\ninput w = [1.0, -2.0, 0.5]\nc = concat(s, s, s)\nL = dot(tanh(c), w)")]
    [InlineData("param v = [0.5, -0.3]\ninput w = [1.0, -2.0, 0.5, 2.0]\nc = concat(v, v)\nL = dot(tanh(c), w)", "gradient")]
    // An axis mean's share beside a whole matrix's: each is repeated on its own (ones(3) ones(2)ᵀ/2 + 2·M), not ones(3)/2 + 2·M.
    [InlineData("param M = [[0.5, 0.1], [-0.4, 0.2], [0.2, 0.3]]\nL = sum(mean(M, 1)) + sum(M^2)", "gradient")]
    [InlineData("param M = [[0.5, 0.1], [-0.4, 0.2], [0.2, 0.3]]\nL = sum(mean(M, 0)) + sum(M^2)")]
    [InlineData("param M = [[0.5, 0.1], [-0.4, 0.2], [0.2, 0.3]]\nr = mean(M, 1)\nL = sum(r * r) + sum(M^2)", "gradient")]
    // A batch of one through a hidden layer of one unit (H is 1×1), attention over a single key (A has one element), and a
    // one-element vector times a one-row matrix.
    [InlineData("param W1 = [[0.5], [-0.3]]\nparam W2 = [[0.8], [1.1]]\ninput X = [[1.0, 2.0]]\ntarget T = [[0.5, -0.2]]\nH = relu(X @ W1)\nYh = H @ W2.T\nL = mse_loss(Yh, T)", "gradient")]
    [InlineData("param Wq = [[0.5, -0.3], [0.2, 0.4]]\nparam Wk = [[0.1, 0.7], [-0.6, 0.3]]\nparam Wv = [[0.3, 0.3], [-0.2, 0.5]]\ninput q = [1.0, 0.5]\ninput K = [[0.4, -1.0]]\nQ = Wq @ q\nKp = K @ Wk.T\nS = Kp @ Q\nA = softmax(S)\nV = K @ Wv.T\no = A @ V\nL = sum(o^2)")]
    [InlineData("param u = [0.7]\nparam W = [[0.5, -0.2, 0.3]]\nh = u @ W\nL = sum(sigmoid(h)^2)")]
    public void EveryTerm_ReadsBackInCheck(string text, string layoutName = "numerator")
    {
        var program = GradProgram.Parse(text);
        var evaluation = program.Evaluate();
        var layout = Layouts.Parse(layoutName);
        var formatter = new ChainFormatter(Notation.Text, evaluation, layout);
        foreach (bool allNodes in new[] { false, true })
            foreach (var row in StepReport.Create(evaluation, 0.1, allNodes, layout).Backward)
            {
                if (row.IsObjective || row.Terms.Count == 0 || row.Node.Name is null) continue;
                var answer = string.Join(" + ", row.Terms.Select(t => $"({formatter.Term(t, row.Terms.Count > 1).Formula})"));
                Assert.True(DerivativeChecker.Check(program, row.Node.Name, answer).IsCorrect, $"{row.Node.Name}: {answer}");
                // A row of one term: its numbers are the gradient at the program's values.
                if (row.Terms.Count == 1 && formatter.Term(row.Terms[0]).Numbers is var numbers)
                    Assert.True(DerivativeChecker.Check(program, row.Node.Name, numbers).IsCorrect, $"{row.Node.Name}: {numbers}");
            }
    }

    [Fact]
    public void E9_BackwardRowsRunInReverseAndListEachWeightAfterItsLastUse()
    {
        var report = E9();
        Assert.Equal(["J", "y", "yhat", "W3", "h2", "a2", "W2", "h1", "a1", "W1", "x"], report.Backward.Select(r => r.Node.Label));
        Assert.True(report.Backward[0].IsObjective);
        var a2 = report.Backward.Single(r => r.Node.Name == "a2");
        var term = Assert.Single(a2.Terms);
        Assert.Equal("h2", term.Consumer.Name);
        Assert.Equal([6.0, -6], term.Upstream.ToDoubleArray());
        Assert.Equal([0.0, 1], term.LocalDerivative!.ToDoubleArray());   // I[a2 > 0]
        Assert.Equal([0.0, -6], term.Contribution.ToDoubleArray());
        Assert.Equal(["x", "y", "W1", "W2", "W3", "a1", "h1", "a2", "h2", "yhat", "J"], report.Forward.Select(n => n.Label));
        // ∂J/∂ŷ through the unnamed y − ŷ: −2(y − ŷ) = −6 (spec E9).
        var yhat = Assert.Single(report.Backward.Single(r => r.Node.Name == "yhat").Terms);
        Assert.Equal(-6, yhat.LocalDerivative!.Item());
        Assert.Equal("−2·(y − yhat)", yhat.Formula!.ToString());
    }

    [Fact]
    public void E9_AllNodes_GivesEveryUnnamedPartARow()
    {
        var report = StepReport.Create(ExplainFiles.Load("e9.grad").Evaluate(), 0.01, allNodes: true);
        Assert.Equal(["J", "y - yhat", "y", "yhat", "W3", "h2", "a2", "W2", "h1", "a1", "W1", "x"], report.Backward.Select(r => r.Node.Label));
        Assert.Equal(["x", "y", "W1", "W2", "W3", "a1", "h1", "a2", "h2", "yhat", "y - yhat", "J"], report.Forward.Select(n => n.Label));
        // ∂J/∂(y − ŷ) = 2(y − ŷ) = 6, then ∂J/∂ŷ = −∂J/∂(y − ŷ) = −6.
        Assert.Contains("│ ∂J/∂yhat       │ ∂J/∂(y − yhat) · ∂(y − yhat)/∂yhat │ −∂J/∂(y − yhat)", StepRenderer.Render(report, OutputFormat.Text));
    }

    [Fact]
    public void E1_TableIsNarrowEnoughToRead()
    {
        // The table of every node was 747 characters wide; named nodes with wrapped cells fit a wide terminal.
        var text = StepRenderer.Render(StepReport.Create(ExplainFiles.Load("e1.grad").Evaluate(), 0.1), OutputFormat.Text);
        Assert.True(text.Split('\n').Max(l => l.Length) <= 160, text.Split('\n').Max(l => l.Length).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain("∂E/∂(b_4", text);
    }

    [Fact]
    public void TanhDerivative_IsBracketedAsAFactor()
    {
        var report = StepReport.Create(GradProgram.Parse("param w = 0.5\ninput x = 2\nh = tanh(w * x)\nL = 3 * h").Evaluate(), 0.1);
        var text = StepRenderer.Render(report, OutputFormat.Text);
        Assert.Contains("∂L/∂h · (1 − tanh(w·x)^2)", text);
        Assert.DoesNotContain("∂L/∂h · 1 − tanh", text);
        // ∂L/∂w = 3·(1 − tanh(1)²)·2.
        Assert.Equal(3 * (1 - Math.Pow(Math.Tanh(1), 2)) * 2, report.Backward.Single(r => r.Node.Name == "w").Gradient.Item(), 12);
    }

    [Theory]
    // A mean over the 4 rows divides by 4, not by all 8 elements, and its share is repeated down the rows (X's shape);
    // mean(D^2, 0) gives 2D/4 = D/2.
    [InlineData("X", "mu", "ones(4) ∂L/∂muᵀ/4")]
    [InlineData("D", "v", "(∂L/∂v ⊙ D)/2")]
    // W x + b with b a vector: the bias's gradient is a vector, no sum over an axis (worked by hand: ∂r/∂b = 1 − tanh²).
    [InlineData("b", "r", "∂L/∂r ⊙ (1 − tanh(W x + b)^2)")]
    [InlineData("x", "r", "Wᵀ(∂L/∂r ⊙ (1 − tanh(W x + b)^2))")]
    public void LocalFormulas_OfAxisMeansAndBiases_HaveTheRightCountsAndShapes(string node, string consumer, string expected)
    {
        var program = GradProgram.Parse("""
            input X[4, 2] = [[1, 2], [3, -1], [0.5, 0], [-2, 4]]
            input R[4, 2] = [[0.3, -1], [1, 0.5], [-0.2, 2], [0.7, 0.1]]
            mu = mean(X, 0)
            D = X - mu
            v = mean(D^2, 0)
            param W[2, 2] = [[0.2, -0.4], [0.1, 0.3]]
            param b[2] = [0.1, -0.2]
            param x[2] = [0.5, -1]
            r = tanh(W @ x + b)
            L = sum(R * (D / sqrt(v + 1e-5))) + sum(r * v)
            """);
        var report = StepReport.Create(program.Evaluate(), 0.1);
        var term = report.Backward.Single(r => r.Node.Name == node).Terms.Single(t => t.Consumer.Name == consumer);
        // The formula holds a placeholder for the upstream gradient ∂L/∂(consumer), which the table prints by name.
        Assert.Equal(expected, term.Formula!.ToString().Replace(ChainTerm.UpstreamSymbol.ToString(), $"∂L/∂{consumer}", StringComparison.Ordinal));
    }

    // Composite ops get the local formulas of the primitives they are recorded as, never ∂L/∂Z itself
    // (worked by hand: ∂CE/∂Z = (softmax(Z) − Y)/n for a one-hot Y over n rows, ∂CE/∂Y = −log_softmax(Z)/n,
    // and through p = softmax(z) the vector–Jacobian product p ⊙ (g − Σ g ⊙ p)).
    [Theory]
    [InlineData("Z", "L", "(softmax(Z) − Y)/2")]
    [InlineData("Y", "L", "−log_softmax(Z)/2")]
    [InlineData("z", "p", "p ⊙ (∂L/∂p − sum(∂L/∂p ⊙ p))")]
    public void LocalFormulas_OfCompositeOps_AreTheirDerivatives(string node, string consumer, string expected)
    {
        var program = GradProgram.Parse("""
            param Z[2, 3] = [[0.5, -1, 2], [0.1, 0.2, -0.3]]
            target Y[2, 3] = [[0, 1, 0], [1, 0, 0]]
            param z[3] = [0.3, -0.2, 1]
            p = softmax(z)
            L = cross_entropy(Z, Y) + sum(p^2)
            """);
        var report = StepReport.Create(program.Evaluate(), 0.1);
        var term = report.Backward.Single(r => r.Node.Name == node).Terms.Single(t => t.Consumer.Name == consumer);
        Assert.Equal(expected, term.Formula!.ToString().Replace(ChainTerm.UpstreamSymbol.ToString(), $"∂L/∂{consumer}", StringComparison.Ordinal));
    }

    [Fact]
    public void ARowMeansShare_IsRepeatedAcrossTheRow_AndChecksBack()
    {
        // m = mean(X, axis=1) over 4 columns: ∂m_i/∂X_ij = 1/4, so X's share is the column ∂L/∂m/4 repeated across each
        // row (by hand). The column alone, a vector of 3, is not X's shape and does not broadcast across rows of 4.
        var program = GradProgram.Parse("param X[3, 4] = [[1, 2, 3, 4], [0.5, -1, 2, 0], [-2, 1, 0.5, 3]]\ntarget t[3] = [2, 0.5, 1]\nm = mean(X, axis=1)\nL = sum((m - t)^2)");
        var term = StepReport.Create(program.Evaluate(), 0.1).Backward.Single(r => r.Node.Name == "X").Terms.Single();
        var formula = term.Formula!.ToString().Replace(ChainTerm.UpstreamSymbol.ToString(), "∂L/∂m", StringComparison.Ordinal);
        Assert.Contains("ones(4)ᵀ", formula);
        Assert.True(DerivativeChecker.Check(program, "X", formula).IsCorrect, formula);
    }

    [Fact]
    public void ADotProductOfTwoVectors_IsWrittenATransposeB_AndChecksBack()
    {
        // s = aᵀb/(‖a‖‖b‖), L = (1 − s)²: by hand ∂s/∂a = b/(‖a‖‖b‖) − (aᵀb) a/(‖a‖³‖b‖). The dot product must print as aᵀb,
        // since "a b" of two vectors reads as their elementwise product.
        var program = GradProgram.Parse("param a[3] = [1, 2, -1]\ninput b[3] = [0.5, -1, 2]\ns = dot(a, b) / (norm(a) * norm(b))\nL = (1 - s)^2");
        var report = StepReport.Create(program.Evaluate(), 0.1);
        var term = report.Backward.Single(r => r.Node.Name == "a").Terms.Single();
        var formula = term.Formula!.ToString().Replace(ChainTerm.UpstreamSymbol.ToString(), "∂L/∂s", StringComparison.Ordinal);
        Assert.Contains("aᵀb", formula);
        Assert.True(DerivativeChecker.Check(program, "a", formula).IsCorrect, formula);
    }

    // S = Q Kᵀ/√2 (worked by hand): ∂L/∂Q = ∂L/∂S K/√2 and ∂L/∂K = (∂L/∂S)ᵀQ/√2; Kᵀ transposed back is K.
    [Theory]
    [InlineData("Q", "(1/sqrt(2))·∂L/∂S K")]
    [InlineData("K", "(1/sqrt(2))·(∂L/∂S)ᵀQ")]
    public void LocalFormulas_ThroughATransposedOperand_AreMatrixProducts(string node, string expected)
    {
        var program = GradProgram.Parse("""
            param Q[2, 2] = [[0.5, -0.5], [1, 0.2]]
            param K[3, 2] = [[1, 0], [0, 1], [1, 1]]
            input R[2, 3] = [[1, -1, 0], [0.5, 2, 1]]
            S = Q @ K.T / sqrt(2)
            L = sum(R * S)
            """);
        var term = StepReport.Create(program.Evaluate(), 0.1).Backward.Single(r => r.Node.Name == node).Terms.Single();
        Assert.Equal(expected, term.Formula!.ToString().Replace(ChainTerm.UpstreamSymbol.ToString(), "∂L/∂S", StringComparison.Ordinal));
    }

    // L = sum(C ⊙ C) + q·sum(C x) with q = xᵀM x (by hand): the direct use of x gives q·Cᵀ1, the column sums of C times q,
    // and ∂q/∂M = x xᵀ, the outer product (xᵀ of a vector is the vector).
    [Theory]
    [InlineData("x", "L", "q·sum(Cᵀ, 1)")]
    [InlineData("M", "q", "∂L/∂q · x xᵀ")]
    public void LocalFormulas_ThroughASumOfAProductAndAVectorsTranspose_KeepTheirShapes(string node, string consumer, string expected)
    {
        var program = GradProgram.Parse("param M[2, 2] = [[0.5, -0.2], [0.3, 0.9]]\nparam C[2, 2] = [[0.1, -0.2], [0.4, 0.3]]\ninput x[2] = [0.7, -0.4]\n"
            + "q = x.T @ M @ x\nL = sum(C * C) + q * sum(C @ x)");
        var term = StepReport.Create(program.Evaluate(), 0.1).Backward.Single(r => r.Node.Name == node).Terms.Single(t => t.Consumer.Name == consumer);
        var formula = term.Formula!.ToString().Replace(ChainTerm.UpstreamSymbol.ToString(), $"∂L/∂{consumer}", StringComparison.Ordinal);
        Assert.Equal(expected, formula);
    }

    [Fact]
    public void ABroadcastMatrixVectorProduct_SumsItsRowsIntoAVector()
    {
        // A = tanh(H Wᵀ + U s) with U s broadcast down the 3 rows: ∂L/∂U = sum(G, 0) sᵀ and ∂L/∂s = Uᵀ sum(G, 0) for
        // G = ∂L/∂A ⊙ (1 − A²) (by hand): a vector, not the kept row sum(G, 0, keepdim=1).
        var program = GradProgram.Parse("param W = [[0.5, -0.3], [0.2, 0.4]]\nparam U = [[0.1, 0.6], [-0.4, 0.3]]\nparam v = [1.0, -0.7]\n"
            + "input H = [[1, 0], [0.5, -1], [-0.5, 2]]\ninput s = [0.3, -0.6]\nA = tanh(H @ W.T + U @ s)\nL = sum(A @ v)");
        var report = StepReport.Create(program.Evaluate(), 0.1);
        string Formula(string node) => report.Backward.Single(r => r.Node.Name == node).Terms.Single().Formula!.ToString()
            .Replace(ChainTerm.UpstreamSymbol.ToString(), "∂L/∂A", StringComparison.Ordinal);
        Assert.Equal("sum(∂L/∂A ⊙ (1 − tanh(H Wᵀ + U s)^2), 0) sᵀ", Formula("U"));
        Assert.Equal("Uᵀsum(∂L/∂A ⊙ (1 − tanh(H Wᵀ + U s)^2), 0)", Formula("s"));
        Assert.True(DerivativeChecker.Check(program, "U", Formula("U")).IsCorrect);
        Assert.True(DerivativeChecker.Check(program, "s", Formula("s")).IsCorrect);
    }

    [Fact]
    public void AConcatOfOneElementVectors_PassesEachItsOwnComponent()
    {
        // z = concat(a, b) ⊙ c with one-element a, b: ∂L/∂a = (∂L/∂z ⊙ c)[0:1] = 2·z0·c0 = 2·(0.5·2)·2 = 4 (by hand).
        var program = GradProgram.Parse("param a = [0.5]\nparam b = [-1]\nparam c = [2, 3]\nz = concat(a, b) * c\nL = sum(z * z)");
        var report = StepReport.Create(program.Evaluate(), 0.1);
        var term = report.Backward.Single(r => r.Node.Name == "a").Terms.Single();
        Assert.Equal("(∂L/∂z ⊙ c)[0:1]", term.Formula!.ToString().Replace(ChainTerm.UpstreamSymbol.ToString(), "∂L/∂z", StringComparison.Ordinal));
        Assert.Equal([4.0], report.Backward.Single(r => r.Node.Name == "a").Gradient.ToDoubleArray());
        Assert.True(DerivativeChecker.Check(program, "a", "(dL/dz * c)[0:1]").IsCorrect);
    }

    [Fact]
    public void AVectorTimesAOneColumnMatrix_KeepsTheTransposeOnItsGradient()
    {
        // e = v M with M 2×1: ∂L/∂v = ∂L/∂e · Mᵀ, a row 1×2 read as the vector 2e·(0.3, 0.8) (by hand); bare M would be the column.
        var program = GradProgram.Parse("param v = [0.7, -0.5]\ninput M[2, 1] = [[0.3], [0.8]]\ne = v @ M\nL = sum(e^2)");
        var term = StepReport.Create(program.Evaluate(), 0.1).Backward.Single(r => r.Node.Name == "v").Terms.Single();
        var formula = term.Formula!.ToString().Replace(ChainTerm.UpstreamSymbol.ToString(), "∂L/∂e", StringComparison.Ordinal);
        Assert.Equal("∂L/∂e Mᵀ", formula);
        Assert.True(DerivativeChecker.Check(program, "v", formula).IsCorrect);
    }

    [Fact]
    public void ConvolutionWithAScalarBias_IsWalkedThrough()
    {
        var x = new double[,] { { 1, 0, -1, 2, 0.5 }, { 0, 1, 2, -1, 1 }, { 0.5, -2, 1, 0, 1 }, { 1, 1, 0, -1, 2 }, { -1, 0.5, 2, 1, 0 } };
        var report = StepReport.Create(GradProgram.Parse("""
            input X[5, 5] = [[1, 0, -1, 2, 0.5], [0, 1, 2, -1, 1], [0.5, -2, 1, 0, 1], [1, 1, 0, -1, 2], [-1, 0.5, 2, 1, 0]]
            param K[2, 2] = [[0.5, -0.3], [0.2, 0.8]]
            param c = 0.1
            C = conv2d(X, K) + c
            L = sum(C)
            """).Evaluate(), 0.1);
        Assert.Contains("conv2d", StepRenderer.Render(report, OutputFormat.Text));
        // ∂L/∂K_ij is the sum of the 4 × 4 window of X starting at (i, j); ∂L/∂c counts the 16 outputs.
        var k = report.Backward.Single(r => r.Node.Name == "K").Gradient.ToDoubleArray();
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
            {
                double window = 0;
                for (int a = 0; a < 4; a++)
                    for (int b = 0; b < 4; b++) window += x[i + a, j + b];
                Assert.Equal(window, k[i * 2 + j], 12);
            }
        Assert.Equal(16, report.Backward.Single(r => r.Node.Name == "c").Gradient.Item(), 12);
    }

    [Fact]
    public void TwoUnnamedPartsThatPrintAlike_GetDifferentLabels()
    {
        var report = StepReport.Create(GradProgram.Parse("param a = 2\ninput b = 3\ny = a * b + a * b").Evaluate(), 0.1, allNodes: true);
        var text = StepRenderer.Render(report, OutputFormat.Text);
        Assert.Contains("│ (a · b)  ", text);
        Assert.Contains("│ (a · b)₂ ", text);
        Assert.Contains("∂y/∂(a · b)₂", text);
    }

    [Fact]
    public void NonFiniteObjective_IsWarnedAbout()
    {
        var report = StepReport.Create(GradProgram.Parse("param x = -1\ny = log(x)").Evaluate(), 0.1);
        Assert.Contains("warning: the objective y = NaN is not a finite number", StepRenderer.Render(report, OutputFormat.Text));
        Assert.Contains("\\paragraph{Warning}", StepRenderer.Render(report, OutputFormat.Latex));
        Assert.Null(E9().Warning);
    }

    [Fact]
    public void AProgramWithoutAParam_SaysThereIsNothingToUpdate()
    {
        var report = StepReport.Create(GradProgram.Parse("input x = [1, 3]\nL = sum(x * x)").Evaluate(), 0.1);
        Assert.Empty(report.Updates);
        foreach (var format in new[] { OutputFormat.Text, OutputFormat.Markdown, OutputFormat.Latex })
            Assert.Contains("the program declares no param, so nothing is updated", StepRenderer.Render(report, format));
        Assert.DoesNotContain("│ param │", StepRenderer.Render(report, OutputFormat.Text));
    }

    [Fact]
    public void NonFiniteGradients_UnderAFiniteObjective_AreWarnedAbout_AndNotBlamedOnTheLearningRate()
    {
        // h = min(1/x, 5) at x = 0 passes 5: L = 10, but ∂L/∂x = 0·(−1/x²) = 0·(−∞) = NaN, as in PyTorch.
        var hidden = GradProgram.Parse("param w = 2\ninput x = 0\nh = min(1/x, 5)\nL = w * h").Evaluate();
        Assert.Equal("warning: ∂L/∂x is not finite (NaN or ∞), though the objective L = 10 is: a function is at the edge of its domain (a division by 0, the log or square root of 0, 0·∞); check the values given (--set).",
            hidden.NonFiniteWarning("the gradients"));
        // ∂/∂w √w = 1/(2√w) is ∞ at w = 0: the step is −∞ whatever the learning rate, so the rate is not what to change.
        var report = StepReport.Create(GradProgram.Parse("param w = 0\nL = sqrt(w) + 1").Evaluate(), 0.1);
        Assert.StartsWith("warning: ∂L/∂w is not finite", report.Warning);
        Assert.DoesNotContain("--lr", report.Warning);
    }

    [Theory]
    [InlineData("e1.grad")]
    [InlineData("e2.grad")]
    [InlineData("e5.grad")]
    [InlineData("e6.grad")]
    [InlineData("e7.grad")]
    [InlineData("e8.grad")]
    [InlineData("e9.grad")]
    public void EveryBackwardRow_IsTheSumOfItsChainTerms(string file)
    {
        foreach (bool allNodes in new[] { false, true })
            RowsAreSumsOfTerms(file, allNodes);
    }

    private static void RowsAreSumsOfTerms(string file, bool allNodes)
    {
        var report = StepReport.Create(ExplainFiles.Load(file).Evaluate(), 0.1, allNodes);
        var graph = report.Evaluation.Graph;
        Assert.Equal(graph.Nodes.Count(n => n.HasGradient && (allNodes || n.IsNamed) && graph.AncestorsAndSelf(report.Evaluation.Objective).Contains(n)),
            report.Backward.Count(r => r.AffectsObjective));
        foreach (var row in report.Backward.Where(r => !r.IsObjective && r.AffectsObjective))
        {
            var sum = new double[row.Gradient.Count];
            foreach (var t in row.Terms)
            {
                var c = t.Contribution.ToDoubleArray();
                for (int i = 0; i < sum.Length; i++) sum[i] += c[i];
            }
            Assert.Equal(row.Gradient.ToDoubleArray(), sum, new Tolerance(1e-12));
        }
        var rendered = StepRenderer.Render(report, OutputFormat.Text);
        Assert.Contains("SGD step", rendered);
    }

    [Fact]
    public void ParameterOffThePath_GetsAZeroRowAndIsNotMoved()
    {
        var report = StepReport.Create(GradProgram.Parse("param w = 2\nparam unused = 5\ninput x = 3\ny = (w * x)^2").Evaluate(), 0.5);
        var row = report.Backward.Single(r => r.Node.Name == "unused");
        Assert.False(row.AffectsObjective);
        Assert.Empty(row.Terms);
        Assert.Equal(5, report.Updates.Single(u => u.Parameter.Name == "unused").New.Item());
        Assert.Equal(2 - 0.5 * 2 * 6 * 3, report.Updates.Single(u => u.Parameter.Name == "w").New.Item());
        Assert.Contains("0 (not on any path to the objective)", StepRenderer.Render(report, OutputFormat.Text));
    }

    [Fact]
    public void NodeUsedTwiceByOneOp_HasOneTermWithBothUses()
    {
        var report = StepReport.Create(GradProgram.Parse("param x = 3\ny = x * x").Evaluate(), 0.1);
        var row = report.Backward.Single(r => r.Node.Name == "x");
        // One use by one op: one term, ∂y/∂x = 2x = 6.
        var term = Assert.Single(row.Terms);
        Assert.Equal(6, row.Gradient.Item());
        Assert.Equal("2·x", term.Formula!.ToString());
        Assert.Equal(6, term.LocalDerivative!.Item());
    }

    [Fact]
    public void BroadcastOperand_IsSummedBackToItsShape()
    {
        var report = StepReport.Create(GradProgram.Parse("param b = 0.5\ninput x = [1, 2, 3]\ny = sum(relu(x - 2) * b)").Evaluate(), 0.1, allNodes: true);
        var term = Assert.Single(report.Backward.Single(r => r.Node.Name == "b").Terms);
        Assert.True(term.Summed);
        Assert.Equal(1, report.Backward.Single(r => r.Node.Name == "b").Gradient.Item());
        // ∂y/∂b = Σᵢ ∂y/∂cᵢ · relu(xᵢ − 2) = 1·0 + 1·0 + 1·1 = 1.
        Assert.Contains("`sum(∂y/∂(relu(x − 2) · b) ⊙ relu(x − 2))` | `Σ((1, 1, 1) ⊙ (0, 0, 1))` | 1 |", StepRenderer.Render(report, OutputFormat.Markdown));
    }

    [Fact]
    public void LearningRate_MustBePositive()
    {
        var evaluation = ExplainFiles.Load("e9.grad").Evaluate();
        Assert.Throws<ArgumentOutOfRangeException>(() => StepReport.Create(evaluation, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => StepReport.Create(evaluation, double.NaN));
    }

    // f = u·max(ac, b + 1) + min(a, b)² with u = |a − 2b|: ∂f/∂b's term through u is −2 · ∂f/∂u · sign(a − 2b) (by hand),
    // joined to the direct term with its sign: "… − 2 · ∂f/∂u", not "… + −2 · ∂f/∂u".
    [Fact]
    public void NegativeTerm_JoinsWithItsSign()
    {
        var program = GradProgram.Parse("param a = 0.7\nparam b = -0.3\ninput c = 2\nu = abs(a - 2*b)\nf = u*max(a*c, b + 1) + min(a, b)^2");
        var markdown = StepRenderer.Render(StepReport.Create(program.Evaluate(), 0.1), OutputFormat.Markdown);
        Assert.Contains(" − 2 · ∂f/∂u · sign(a − 2·b)", markdown);
        Assert.DoesNotContain("+ −2", markdown);
    }

    // The golden files were checked by hand against spec E9: forward a1 = (3, −3), h1 = (3, 0),
    // a2 = (−3, 3), h2 = (0, 3), ŷ = 3, J = 9; backward ∂J/∂ŷ = −6, ∂J/∂W3 = (0, −18),
    // ∂J/∂h2 = W3ᵀ·(−6) = (6, −6), ∂J/∂a2 = (6, −6) ⊙ (0, 1) = (0, −6), ∂J/∂W2 = [[0, 0], [−18, 0]],
    // ∂J/∂h1 = W2ᵀ·(0, −6) = (−6, 6), ∂J/∂a1 = (−6, 0), ∂J/∂W1 = (−18, 0); SGD with η = 0.01 gives
    // 1.18 in W3[0,1], W2[1,0], W1[0,0] and leaves every other weight unchanged.
    [Theory]
    [InlineData(OutputFormat.Text, "e9-step.txt")]
    [InlineData(OutputFormat.Markdown, "e9-step.md")]
    [InlineData(OutputFormat.Latex, "e9-step.tex")]
    public void E9_StepRendersAsTheGoldenFile(OutputFormat format, string golden) =>
        ExplainFiles.AssertGolden(golden, StepRenderer.Render(E9(), format));

    internal static GradProgram Exercise(string name) =>
        GradProgram.Load(Path.Combine(ExplainFiles.RepoRoot, "tests", "SharpGrad.Tests", "Explain", "Exercises", name));

    // Worked by hand in the file: z = 0, p = 1/2, ∂L/∂p = −2, ∂L/∂z = −2·σ(z)(1 − σ(z)) = −1/2 = p − y,
    // ∂L/∂w1 = −0.5, ∂L/∂w2 = −1, ∂L/∂b = −0.5; η = 0.1 gives w1 = 0.55, w2 = −0.15, b = 0.05.
    [Fact]
    public void Exercise_LogisticRegression_StepsByHand()
    {
        var report = StepReport.Create(Exercise("output-logistic.grad").Evaluate(), 0.1);
        Assert.Equal(Math.Log(2), report.Evaluation.ObjectiveValue, 12);
        var gradient = report.Backward.ToDictionary(r => r.Node.Name!, r => r.Gradient.Item());
        Assert.Equal(-2, gradient["p"], 12);
        Assert.Equal(-0.5, gradient["z"], 12);
        Assert.Equal(-0.5, gradient["w1"], 12);
        Assert.Equal(-1, gradient["w2"], 12);
        Assert.Equal(-0.5, gradient["b"], 12);
        Assert.Equal([0.55, -0.15, 0.05], report.Updates.Select(u => u.New.Item()), new Tolerance(1e-12));
        var z = Assert.Single(report.Backward.Single(r => r.Node.Name == "z").Terms);
        Assert.Equal(0.25, z.LocalDerivative!.Item(), 12);   // σ(0)(1 − σ(0))
        var text = StepRenderer.Render(report, OutputFormat.Markdown);
        Assert.Contains("`∂L/∂p · σ(z) · (1 − σ(z))`", text);
        Assert.Contains("`(−0.5) · 2`", text);   // ∂L/∂w2 = ∂L/∂z · x2
    }

    // Y = X + c broadcasts c over the rows: ∂L/∂c = Σ over rows of 2Y = (8.4, 2.8) by hand; an axis kept as 1 (rms of
    // [2, 1]) keeps it. The numbers say which axis, so that check reads them back as that vector, not as one number.
    [Theory]
    [InlineData("param c = [0.1, 0.2]\nY = X + c\nL = sum(Y^2)", "c", "sum([[2.2, 4.4], [6.2, −1.6]] ⊙ [[1, 1], [1, 1]], 0)")]
    [InlineData("param c = [[0.1], [0.2]]\nY = X + c\nL = sum(Y^2)", "c", "sum([[2.2, 4.2], [6.4, −1.6]] ⊙ [[1, 1], [1, 1]], 1, keepdim=1)")]
    public void ASumOverABroadcast_NamesItsAxisInTheNumbers(string lines, string wrt, string expected)
    {
        var program = GradProgram.Parse("input X = [[1.0, 2.0], [3.0, -1.0]]\n" + lines + "\n");
        var report = StepReport.Create(program.Evaluate(), 0.1);
        var term = Assert.Single(report.Backward.Single(r => r.Node.Name == wrt).Terms);
        var numbers = new ChainFormatter(Notation.Text, report.Evaluation).Term(term).Numbers;
        Assert.Equal(expected, numbers);
        Assert.True(DerivativeChecker.Check(program, wrt, numbers).IsCorrect);
    }

    // M = W W with ∂L/∂M = R = diag(1, −1): ∂L/∂W = R Wᵀ + Wᵀ R = [[0.5, 2], [1, −0.3]] + [[0.5, −2], [−1, −0.3]]
    // = [[1, 0], [0, −0.6]] by hand. The numbers column shows that sum, not one of its two products.
    [Fact]
    public void AMatrixUsedTwiceInOneProduct_ShowsTheNumbersOfBothUses()
    {
        var program = GradProgram.Parse("param W = [[0.5, -1], [2, 0.3]]\nconst R = [[1, 0], [0, -1]]\nM = W @ W\nL = sum(R * M)\n");
        var report = StepReport.Create(program.Evaluate(), 0.1);
        var term = Assert.Single(report.Backward.Single(r => r.Node.Name == "W").Terms);
        var (_, formula, numbers) = new ChainFormatter(Notation.Text, report.Evaluation).Term(term);
        Assert.Equal("∂L/∂M · Wᵀ + Wᵀ · ∂L/∂M", formula);
        Assert.Equal("[[1, 0], [0, −0.6]]", numbers);
    }

    // L = tanh(s) uses s directly and nowhere else: the chain cell is tanh′ written out, 1 − tanh(−0.435)² = 0.832317,
    // which check accepts, rather than ∂L/∂s, the row's own symbol, which check rightly calls circular.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DirectOnlyUseByTheObjective_ChainIsTheLocalFormulaNotTheRowsOwnSymbol(bool allNodes)
    {
        var program = GradProgram.Parse("input x = [1, -2, 0.5]\ninput y = [0.3, 0.8]\nparam A = [[0.1, 0.2], [-0.3, 0.4], [0.5, -0.6]]\ns = x @ A @ y\nL = tanh(s)");
        var report = StepReport.Create(program.Evaluate(), 0.1, allNodes: allNodes);
        var (chain, _, _) = new ChainFormatter(Notation.Text, report.Evaluation).Term(Assert.Single(report.Backward.Single(r => r.Node.Name == "s").Terms));
        Assert.Equal("1 − tanh(s)^2", chain);
        var check = DerivativeChecker.Check(program, "s", chain);
        Assert.True(check.IsCorrect);
        Assert.Equal(1 - Math.Pow(Math.Tanh(-0.435), 2), check.TrueValue!.ToDoubleArray()[0], 1e-12);
    }

    // ∂L/∂W = (∂L/∂h ⊙ (1 − h²)) xᵀ = [[δ1, −δ1], [δ2, −δ2]] with δ = (1, 2)·(1 − tanh²(0.5)).
    [Fact]
    public void Exercise_TanhLayer_GradientIsTheOuterProductWrittenInMatrixNotation()
    {
        var report = StepReport.Create(Exercise("output-tanh-layer.grad").Evaluate(), 0.1);
        double d = 1 - Math.Pow(Math.Tanh(0.5), 2);
        var w = report.Backward.Single(r => r.Node.Name == "W");
        Assert.Equal([d, -d, 2 * d, -2 * d], w.Gradient.ToDoubleArray(), new Tolerance(1e-12));
        var term = Assert.Single(w.Terms);
        Assert.Equal("(∂L/∂h ⊙ (1 − tanh(W x)^2)) xᵀ", new ChainFormatter(Notation.Text, report.Evaluation).Term(term).Formula);
        // ∂L/∂h = v, the dot product's other factor, with no transpose; L's only use of h has nothing to chain, so the
        // chain is that formula too, not the row's own ∂L/∂h again.
        var h = Assert.Single(report.Backward.Single(r => r.Node.Name == "h").Terms);
        Assert.Equal(("v", "v", "(1, 2)"), new ChainFormatter(Notation.Text, report.Evaluation).Term(h));
    }

    // h = w·x = 2, L = w·h = 4: ∂L/∂w = h (w's direct use, h held fixed) + ∂L/∂h · x = 2 + 2 = 4.
    [Fact]
    public void Exercise_TiedWeights_TheDirectUseIsNotWrittenAsTheTotal()
    {
        var report = StepReport.Create(Exercise("output-tied-weights.grad").Evaluate(), 0.25);
        var w = report.Backward.Single(r => r.Node.Name == "w");
        Assert.Equal(4, w.Gradient.Item(), 12);
        Assert.Equal(2, w.Terms.Count);
        Assert.Equal(1, report.Updates.Single().New.Item(), 12);
        var text = StepRenderer.Render(report, OutputFormat.Markdown);
        Assert.Contains("`∂L/∂w\\|h + ∂L/∂h · ∂h/∂w`", text);
        Assert.DoesNotContain("`∂L/∂w + ", text);
    }

    [Theory]
    // Square matrices, where a row sum and a column sum have the same shape: by hand ∂L/∂Z_ij = ∂L/∂s_i for s = sum(Z, 1),
    // ∂L/∂P_ij = ∂L/∂m_j/2 for m = mean(P, 0), and ∂L/∂a = ones(2)/2 for the mean of a − sum(Z, 1).
    [InlineData("param Z = [[0.1, 0.5], [1.0, -0.3]]\nconst c = [1.0, 3.0]\ns = sum(Z, axis=1)\nL = sum(c * s^2)", "Z", "s", "∂L/∂s ones(2)ᵀ")]
    [InlineData("param P = [[1.0, 2.0], [3.0, 4.0]]\nm = mean(P, axis=0)\nL = sum(m^2)", "P", "m", "ones(2) ∂L/∂mᵀ/2")]
    [InlineData("param a = [1.0, 2.0]\nparam Z = [[0.1, 0.5], [1.0, -0.3]]\nL = mean(a - sum(Z, axis=1))", "a", "L", "ones(2)/2")]
    // log-sum-exp by rows: the row sums keep their axis in print, and the column of shares is repeated across each row.
    [InlineData("param Z = [[0.2, -0.5, 0.3], [0.4, 0.1, -0.2], [1.0, 0.0, -1.0]]\nlse = log(sum(exp(Z), axis=1))\nL = mean(lse)", "Z", "lse", "((∂L/∂lse/sum(exp(Z), 1)) ones(3)ᵀ) ⊙ exp(Z)")]
    public void LocalFormulas_ThroughAxisReductionsOfSquareMatrices_HaveTheInputsShape_AndCheck(string source, string node, string consumer, string expected)
    {
        var program = GradProgram.Parse(source);
        var report = StepReport.Create(program.Evaluate(), 0.1);
        var formula = report.Backward.Single(r => r.Node.Name == node).Terms.Single(t => t.Consumer.Name == consumer).Formula!.ToString()
            .Replace(ChainTerm.UpstreamSymbol.ToString(), $"∂L/∂{consumer}", StringComparison.Ordinal);
        Assert.Equal(expected, formula);
        Assert.True(DerivativeChecker.Check(program, node, formula).IsCorrect, formula);
    }

    [Fact]
    public void AllNodes_ThroughAConvolution_ShowsTheChainWhereNoFormulaFits()
    {
        // relu of a conv2d: the conv's local derivative has no elementwise formula, so its row keeps the chain.
        var program = GradProgram.Parse("""
            input X = [[[1, 2, 0], [0, 1, 2], [2, 1, 0]]]
            param K = [[[[1, 0], [0, 1]]], [[[0.5, -1], [1, 0]]]]
            param b = [0, 0.1]
            L = sum(relu(conv2d(X, K, b)))
            """);
        var report = StepReport.Create(program.Evaluate(), 0.1, allNodes: true);
        var text = StepRenderer.Render(report, OutputFormat.Text);
        Assert.Contains("∂L/∂K", text);
        // ∂L/∂b: each filter's bias counts the positive outputs of its map. By hand, filter 1 gives 2, 4, 1, 1 (all
        // positive) and filter 2 gives 0.1 + (−1.5, 2, 1, −0.5): two positive.
        Assert.Equal([4.0, 2.0], report.Evaluation.Gradient("b").ToDoubleArray());
    }
}
