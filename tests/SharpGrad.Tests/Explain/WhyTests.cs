using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary><c>why</c>: the reasons behind zero gradients (spec E9, E7, and a name without a path).</summary>
public class WhyTests
{
    [Fact]
    public void NaN_IsNoZero()
    {
        // ∂/∂w sqrt(w·x) = x/(2·sqrt(w·x)): 0/0 at x = 0, NaN as in PyTorch; the second component is 3/(2·sqrt(6)).
        var why = ZeroGradientExplanation.Create(GradProgram.Parse("param w = [1, 2]\ninput x = [0, 3]\nJ = sum(sqrt(w * x))"), "w");
        Assert.False(why.IsZero);
        Assert.Empty(why.Groups);
        Assert.Equal(3 / (2 * Math.Sqrt(6)), why.Gradient.ToDoubleArray()[1], 12);
        Assert.Contains("1 of 2 components is not a number (NaN or infinite), not zero", why.Render());
        Assert.DoesNotContain("is 0 because", why.Render());
    }

    [Fact]
    public void AComponentNoIndexReads_IsSaidSo_WithTheCountingStated()
    {
        // J = Σ W[1, :] ⊙ x + W[0, 0]·W[1, 1]: W[0, 1] (row 1, column 2 counted from 1) is read by no index (by hand).
        var program = GradProgram.Parse("param W = [[0.5, -0.2], [0.1, 0.9]]\nparam x = [0.3, 0.7]\nJ = sum(W[1, :] * x) + W[0, 0]*W[1, 1]");
        var text = ZeroGradientExplanation.Create(program, "W").Render();
        Assert.Contains("Components count from 1 (W[1, 2] is row 1, column 2); the program's brackets count from 0.", text);
        Assert.Contains("W[1, 2] is 0 because:\n  - W[1, :] at line 3 reads W[2, 1], W[2, 2], not W[1, 2], so its local derivative is 0\n", text);
        Assert.Single(text.Split('\n'), l => l.StartsWith("  - W[1, :]", StringComparison.Ordinal));
        // h[1:3] of h = (1, 2, 3) reads its 2nd and 3rd elements; the 1st is read by nothing, and the 3rd meets m's 0 (by hand).
        var slice = ZeroGradientExplanation.Create(GradProgram.Parse("param h = [1, 2, 3]\nconst m = [1, 0]\nu = h[1:3]\nJ = sum(u * m)"), "h").Render();
        Assert.Contains("h[1] is 0 because:\n  - h[1:3] at line 3 reads h[2], h[3], not h[1], so its local derivative is 0\nh[3] is 0 because:\n  - u * m at line 4: a multiplication by m[2] = 0", slice);
    }

    [Fact]
    public void MaxPool_NamesEachElementsOwnWindowAndItsLargestElement()
    {
        // 2×2 windows of X: P[1, 2] is the max of X[1, 3] = −2, X[1, 4] = 0.5, X[2, 3] = 4, X[2, 4] = 1.5, so 4 wins (by hand).
        const string program = "input X = [[1, 3, -2, 0.5], [2, -1, 4, 1.5], [0.2, 0.7, -0.3, 2.5], [1.1, -0.6, 0.9, 3.3]]\nconst Wp = [[1, -2], [0.5, 3]]\nP = maxpool(X, 2)\nL = sum(Wp * P)";
        var text = ZeroGradientExplanation.Create(GradProgram.Parse(program), "X").Render();
        Assert.Contains("X[1, 3] is 0 because:\n  - maxpool(X, 2) at line 3: X[1, 3] = −2 is not the largest element of the window of P[1, 2] (X[2, 3] = 4 is)", text);
        Assert.Contains("X[3, 4] is 0 because:\n  - maxpool(X, 2) at line 3: X[3, 4] = 2.5 is not the largest element of the window of P[2, 2] (X[4, 4] = 3.3 is)", text);
        Assert.DoesNotContain("P[1, 1]/∂X[3, 4]", text);
        // A tie: X[1, 1] = X[1, 2] = 3 in P[1, 1]'s window; the first in row order takes the gradient, as in PyTorch.
        var tie = ZeroGradientExplanation.Create(GradProgram.Parse(program), "X",
            overrides: new Dictionary<string, Tensor> { ["X"] = GradProgram.ParseValue("[[3, 3, -2, 0.5], [2, -1, 4, 1.5], [0.2, 0.7, -0.3, 2.5], [1.1, -0.6, 0.9, 3.3]]") }).Render();
        Assert.Contains("X[1, 2] is 0 because:\n  - maxpool(X, 2) at line 3: X[1, 2] = 3 ties with X[1, 1], the largest element of the window of P[1, 1], and the first of them in row order takes the gradient", tie);
    }

    [Fact]
    public void ContributionsThatCancel_AreTheReason()
    {
        // ∂L/∂x = 2·3 − 3·2 = 0 for L = Σ(2u − 3v), u = 3x, v = 2x: 6 arrives through u and −6 through v (by hand).
        var text = ZeroGradientExplanation.Create(GradProgram.Parse("param x = [1, 2]\nu = 3 * x\nv = 2 * x\nL = sum(2 * u - 3 * v)"), "x").Render();
        Assert.Contains("x[1] is 0 because:\n  - the gradients that reach x[1] cancel: 6 through u[1], −6 through v[1] sum to 0\n", text);
        // With padding 1 the corner X[1, 1] reaches C[1, 1], C[1, 2], C[2, 1], C[2, 2] through K[2, 2], K[2, 1], K[1, 2], K[1, 1],
        // which sum to −0.1 + 0.4 − 0.5 + 0.2 = 0; b = 5 keeps every relu on, so nothing but the cancelling explains the 0.
        var conv = ZeroGradientExplanation.Create(GradProgram.Parse(
            "input X = [[1, 0.5, 0.2], [0.3, 0.9, 0.1], [0.4, 0.6, 0.8]]\nparam K = [[0.2, -0.5, 0.1], [0.4, -0.1, 0], [0, 0, 0]]\nparam b = 5\nC = conv2d(X, K, padding=1) + b\nL = mean(relu(C))"), "X");
        var group = conv.Groups.Single(g => g.Components.Contains("X[1, 1]"));
        var reason = Assert.Single(group.Reasons);
        Assert.StartsWith("the gradients that reach X[1, 1] cancel: ", reason);
        foreach (var at in new[] { "[1, 1]", "[1, 2]", "[2, 1]", "[2, 2]" }) Assert.Contains($"through (conv2d(X, K, padding=1)){at}", reason);
        Assert.EndsWith(" sum to 0", reason);
    }

    [Fact]
    public void AMaxAlongAnAxis_ComparesEachElementWithItsOwnRow()
    {
        // m = max(X, axis=1) of [[1, 4, 2], [3, 3, 0]]: row 2's largest is 3, so X[2, 3] = 0 loses to 3, not to row 1's 4 (by hand).
        var text = ZeroGradientExplanation.Create(GradProgram.Parse("param X = [[1, 4, 2], [3, 3, 0]]\nm = max(X, axis=1)\nL = sum(m * m)"), "X").Render();
        Assert.Contains("X[2, 3] is 0 because:\n  - max(X, axis=1) at line 2: X[2, 3] = 0 is not the largest element of those m[2] reads (3), so max passes no gradient to it and ∂m[2]/∂X[2, 3] = 0", text);
    }

    [Fact]
    public void AConvolution_NamesTheKernelWeightOrImageElementThatIsZero()
    {
        // Y = conv2d(X, K), K = [[0, 1], [0, 2]]: ∂Y[r, c]/∂X[a, b] = K[a − r + 1, b − c + 1]. X[3, 1] reaches only Y[2, 1], through
        // K[2, 1] = 0; X[2, 1] reaches Y[1, 1] through K[2, 1] and Y[2, 1] through K[1, 1], both 0 (by hand).
        var text = ZeroGradientExplanation.Create(GradProgram.Parse("param X = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\nparam K = [[0, 1], [0, 2]]\nY = conv2d(X, K)\nL = sum(Y)"), "X").Render();
        Assert.Contains("X[2, 1] is 0 because:\n  - conv2d(X, K) at line 3: ∂Y[1, 1]/∂X[2, 1] = K[2, 1] = 0\n  - conv2d(X, K) at line 3: ∂Y[2, 1]/∂X[2, 1] = K[1, 1] = 0\n", text);
        Assert.Contains("X[3, 1] is 0 because:\n  - conv2d(X, K) at line 3: ∂Y[2, 1]/∂X[3, 1] = K[2, 1] = 0\n", text);
        // ∂Y[1, 1]/∂K[1, 2] is the image element X[1, 2] = 0 the weight multiplies.
        var kernel = ZeroGradientExplanation.Create(GradProgram.Parse("param X = [[1, 0, 2], [0, 3, 1], [2, 1, 0]]\nparam K = [[1, 2], [3, 4]]\nY = conv2d(X, K)\nL = Y[0, 0] * 2"), "K").Render();
        Assert.Contains("K[1, 2] is 0 because:\n  - conv2d(X, K) at line 3: ∂Y[1, 1]/∂K[1, 2] = X[1, 2] = 0\n", kernel);
        // With stride 2 over a 3×3 input, avgpool's windows leave the last row and column out.
        var pool = ZeroGradientExplanation.Create(GradProgram.Parse("param X = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\nQ = avgpool(X, 2)\nL = sum(Q)"), "X").Render();
        Assert.Contains("X[1, 3] is 0 because:\n  - avgpool(X, 2) at line 2: no component of Q depends on X[1, 3] (no window covers it), so its local derivative is 0\n", pool);
    }

    [Fact]
    public void RoundingLeftWhereContributionsCancel_IsZero()
    {
        // Σ softmax(z) = 1 whatever z: ∂L/∂z = 0, left by rounding at about 1e-16 of terms p_j(δ_jk − p_k) near 0.1 (by hand).
        var why = ZeroGradientExplanation.Create(GradProgram.Parse("param z = [1, 2, 3]\np = softmax(z)\nL = sum(p)"), "z");
        Assert.True(why.IsZero);
        Assert.Equal(3, why.Groups.Count);
        Assert.StartsWith("the gradients that reach z[1] cancel: ", why.Groups[0].Reasons[0]);
    }

    [Fact]
    public void E9_W1_InactiveRelu()
    {
        var why = ZeroGradientExplanation.Create(ExplainFiles.Load("e9.grad"), "W1");
        Assert.True(why.HasPath);
        Assert.False(why.IsZero);
        var group = Assert.Single(why.Groups);
        Assert.Equal(["W1[2, 1]"], group.Components);
        Assert.Equal(["relu(a1) at line 8: a1[2] = −3 ≤ 0, so ∂h1[2]/∂a1[2] = 0"], group.Reasons);
    }

    [Fact]
    public void E9_W2_InactiveReluAndZeroFactor()
    {
        var why = ZeroGradientExplanation.Create(ExplainFiles.Load("e9.grad"), "W2");
        Assert.Equal(2, why.Groups.Count);
        Assert.Equal(["W2[1, 1]", "W2[1, 2]"], why.Groups[0].Components);
        Assert.Equal(["relu(a2) at line 10: a2[1] = −3 ≤ 0, so ∂h2[1]/∂a2[1] = 0"], why.Groups[0].Reasons);
        Assert.Equal(["W2[2, 2]"], why.Groups[1].Components);
        Assert.Equal(["W2 @ h1 at line 9: h1[2] = 0, so ∂a2[2]/∂W2[2, 2] = h1[2] = 0"], why.Groups[1].Reasons);
        Assert.Contains("3 of 4 components are zero.", why.Render());
    }

    [Fact]
    public void E9_X_NotZero()
    {
        var why = ZeroGradientExplanation.Create(ExplainFiles.Load("e9.grad"), "x");
        Assert.Empty(why.Groups);
        Assert.Equal("∂J/∂x = −6\nThe gradient is not zero.\n", why.Render());
    }

    [Fact]
    public void E7_MaxRoutesElsewhere()
    {
        var why = ZeroGradientExplanation.Create(ExplainFiles.Load("e7.grad"), "x2", "omax");
        Assert.True(why.IsZero);
        var reason = Assert.Single(why.Reasons);
        Assert.StartsWith("max(i1, i2) at line 9: i1 = 0.622459 > i2 = 0.268941, so max passes the gradient to i1", reason);
        var min = ZeroGradientExplanation.Create(ExplainFiles.Load("e7.grad"), "i1", "omin");
        Assert.StartsWith("min(i1, i2) at line 10: i2 = 0.268941 < i1 = 0.622459", Assert.Single(min.Reasons));
    }

    [Fact]
    public void NoPath()
    {
        var program = GradProgram.Parse("input x = 2\ninput z = 1\na = x * 3\nb = z + 1\n");
        var why = ZeroGradientExplanation.Create(program, "z", "a");
        Assert.False(why.HasPath);
        Assert.Equal(["there is no path from a to z: a is not computed from z"], why.Reasons);
    }

    [Fact]
    public void MultiplicationByZero()
    {
        var why = ZeroGradientExplanation.Create(GradProgram.Parse("param w = 2\ninput x = 0\ny = w * x\n"), "w");
        Assert.Equal(["w * x at line 3: a multiplication by x = 0, so ∂y/∂w = x = 0"], why.Reasons);
    }

    [Fact]
    public void AZeroLocalDerivative_IsSaidAtTheValuesThatVary_NotAtItsConstants()
    {
        // ∂(r²)/∂r = 2r is 0 at r = 0 (by hand): the exponent 2 is the same at every point, no reason.
        var why = ZeroGradientExplanation.Create(GradProgram.Parse("param w = 1.5\ninput t = 1.5\nr = w - t\nL = r^2\n"), "w");
        Assert.Equal(["r^2 at line 4: its local derivative ∂L/∂r is 0 at r = 0"], why.Reasons);
    }

    // z = w·x + b = 2 − 3 − 4 = −5 ≤ 0: the ReLU at line 9 stops every component of ∂L/∂w.
    [Fact]
    public void Exercise_DeadRelu_EveryComponentCountedFromOne()
    {
        var program = GradProgram.Load(Path.Combine(ExplainFiles.RepoRoot, "tests", "SharpGrad.Tests", "Explain", "Exercises", "output-dead-relu.grad"));
        var why = ZeroGradientExplanation.Create(program, "w");
        Assert.True(why.IsZero);
        var group = Assert.Single(why.Groups);
        Assert.Equal(["w[1]", "w[2]"], group.Components);
        Assert.Equal(["relu(z) at line 9: z = −5 ≤ 0, so ∂a/∂z = 0"], group.Reasons);
        Assert.Contains("The gradient is zero in every component.", why.Render());
    }

    [Fact]
    public void AVectorWithNoPath_IsZeroInEveryComponent()
    {
        var report = ZeroGradientExplanation.Create(GradProgram.Parse("param w = [1, 2]\nu = w * 3\nL = sum(w^2)"), "u").Render();
        Assert.Contains("The gradient is zero in every component.", report);
        Assert.DoesNotContain("1 of 2", report);
    }

    [Fact]
    public void AComponentThatRoundingLeavesNearZero_IsCountedAsTheZeroItIsPrinted()
    {
        // ∂L/∂x[0] = c − 0.3 with c = 0.1 + 0.2: 5.6e-17 in floating point, printed 0, beside ∂L/∂x[1] = 5.
        var program = GradProgram.Parse("param x = [1, 2]\nc = 0.1 + 0.2\nL = x[0] * c - x[0] * 0.3 + 5 * x[1]");
        var why = ZeroGradientExplanation.Create(program, "x");
        Assert.Contains("1 of 2 components is zero.", why.Render());
    }
}

