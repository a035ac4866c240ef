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
        Assert.True(formula is "Xᵀ(p − y)/4" or "Xᵀ((p − y)/4)", formula);
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
}
