using System.Text.Json;
using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

public class RenderTests
{
    [Theory]
    [InlineData("w_2_5", "w_{2,5}", "w_{2,5}")]
    [InlineData("v_1_1", "v_{1,1}", "v_{1,1}")]
    [InlineData("w25", "w_{25}", "w_{25}")]
    [InlineData("x1", "x_{1}", "x_1")]
    [InlineData("theta01", "\\theta_{01}", "θ_{01}")]
    [InlineData("yhat", "\\hat{y}", "ŷ")]
    [InlineData("xhat_3", "\\hat{x}_{3}", "x̂_3")]
    [InlineData("Sigma", "\\Sigma", "Σ")]
    [InlineData("eps", "\\epsilon", "ε")]
    [InlineData("var", "\\mathrm{var}", "var")]
    [InlineData("W", "W", "W")]
    [InlineData("a_", "\\mathrm{a\\_}", "a_")]
    [InlineData("_", "\\_", "_")]
    [InlineData("_1", "\\__{1}", "__1")]
    [InlineData("_hat", "\\hat{\\_}", "_\u0302")]
    [InlineData("_x", "\\mathrm{\\_x}", "_x")]
    // A Greek letter typed as itself is its LaTeX command; the micro sign is the Greek mu.
    [InlineData("λ", "\\lambda", "λ")]
    [InlineData("µ1", "\\mu_{1}", "µ_1")]
    // An index spelled as a Greek letter is that letter in LaTeX, as a stem is.
    [InlineData("log_sigma", "\\mathrm{log}_{\\sigma}", "log_{sigma}")]
    public void SymbolName_ReadsIndicesGreekAndAccents(string name, string latex, string unicode)
    {
        var s = SymbolName.Parse(name);
        Assert.Equal(latex, s.ToLatex());
        Assert.Equal(unicode, s.ToUnicode());
    }

    [Fact]
    public void SymbolName_SplitsIndices()
    {
        Assert.Equal(["2", "5"], SymbolName.Parse("w_2_5").Indices);
        Assert.Equal("w", SymbolName.Parse("w_2_5").Stem);
        Assert.Equal(["01"], SymbolName.Parse("theta01").Indices);
        Assert.Equal("hat", SymbolName.Parse("yhat").Accent);
    }

    [Theory]
    [InlineData(3.0, "3")]
    [InlineData(-6.0, "−6")]
    [InlineData(1.1800000000000002, "1.18")]
    [InlineData(-0.53738654, "−0.537387")]
    [InlineData(5.6e-17, "0")]
    [InlineData(-0.0, "0")]
    [InlineData(1e-5, "1e-5")]
    [InlineData(2.5e20, "2.5e20")]
    [InlineData(double.NaN, "NaN")]
    public void Numbers_PrintWithSixSignificantDigits(double value, string text) =>
        Assert.Equal(text, ValueFormat.Number(value));

    [Fact]
    public void Tensors_PrintAsTheSeedsWriteThem()
    {
        Assert.Equal("3", ValueFormat.Tensor(Tensor.FromArray([3.0], 1, 1)));
        Assert.Equal("(0, −6)", ValueFormat.Tensor(Tensor.FromArray([0.0, -6])));
        // Beyond 24 numbers a line of text keeps the first six and the last two, with the shape.
        Assert.Equal("(0, 1, 2, 3, 4, 5, …, 28, 29) of shape [30]", ValueFormat.Brief(Tensor.FromArray(Enumerable.Range(0, 30).Select(i => (double)i).ToArray())));
        Assert.Equal("(0, 1, 2, 3, 4, 5, …, 28, 29) of shape [5, 6], row by row", ValueFormat.Brief(Tensor.FromArray(Enumerable.Range(0, 30).Select(i => (double)i).ToArray(), 5, 6)));
        Assert.Equal("(0, −6)", ValueFormat.Brief(Tensor.FromArray([0.0, -6])));
        Assert.Equal("[[0, 0], [−18, 0]]", ValueFormat.Tensor(Tensor.FromArray([0.0, 0, -18, 0], 2, 2)));
        Assert.Equal("\\begin{bmatrix} 0 & 0 \\\\ -18 & 0 \\end{bmatrix}", ValueFormat.Tensor(Tensor.FromArray([0.0, 0, -18, 0], 2, 2), Notation.Latex));
        Assert.Equal("(−6)", ValueFormat.Factor(Tensor.Scalar(-6, DType.Float64)));
        Assert.Equal("[[[1], [2]]]", ValueFormat.Tensor(Tensor.FromArray([1.0, 2], 1, 2, 1)));
    }

    [Fact]
    public void Expressions_PrintInTextAndLatex()
    {
        var p = GradProgram.Parse("input x = 1\ninput yhat = 2\nparam W1 = 1\nparam theta01 = 1\nJ = (x - yhat)^2 / sqrt(W1 @ x) + sigmoid(-theta01 * x)");
        var e = p.DefaultObjective.Expression;
        Assert.Equal("(x - yhat)^2 / sqrt(W1 @ x) + sigmoid(-theta01 * x)", ExprPrinter.Source(e));
        Assert.Equal("(x − yhat)^2 / sqrt(W1 @ x) + sigmoid(−theta01 · x)", ExprPrinter.Text(e));
        Assert.Equal("\\frac{{\\left(x - \\hat{y}\\right)}^{2}}{\\sqrt{W_{1}\\,x}} + \\sigma(-\\theta_{01} \\cdot x)", ExprPrinter.Latex(e));
    }

    [Fact]
    public void ACallsSettings_AreUprightWordsInLatex()
    {
        Assert.Equal("\\operatorname{conv2d}($a, $b, \\text{stride}=2, \\text{padding}=1)", OpTable.Conv(2, 2, 1).LatexTemplate);
        Assert.Equal("\\operatorname{maxpool}($a, 3, \\text{stride}=1)", OpTable.Pool("maxpool", 3, 1).LatexTemplate);
    }

    [Fact]
    public void ANormIsTheWholeSumsRoot_NotARowsOne()
    {
        var program = GradProgram.Parse("param E = [[3, 4], [1, 2]]\nparam v = [3, 4]\nD = sqrt(sum(E^2, 1))\nn = norm(v)\nL = sum(D) + n\n");
        Assert.Equal("sqrt(sum(E^2, 1))", ExprPrinter.Source(program.Statements.OfType<Assignment>().First(a => a.Name == "D").Expression));
        Assert.Equal("norm(v)", ExprPrinter.Source(program.Statements.OfType<Assignment>().First(a => a.Name == "n").Expression));
    }

    [Fact]
    public void OpTable_HasOneRowPerFunctionArityAndEveryOperator()
    {
        Assert.Equal(["abs", "avgpool", "binary_cross_entropy", "concat", "conv2d", "cos", "cross_entropy", "dot", "erf", "exp", "flip", "floor", "g", "gelu", "layer_norm", "leaky_relu", "ln", "log",
            "log_softmax", "max", "maxpool", "mean", "min", "mse_loss", "norm", "relu", "rot180", "sigmoid", "sin", "softmax", "softplus", "sqrt", "sum", "tanh", "transpose", "upsample"], OpTable.FunctionNames);
        Assert.Equal([1, 2], OpTable.AritiesOf("max"));
        foreach (var op in Enum.GetValues<BinaryOperator>())
            Assert.Equal(op, OpTable.Binary(op).BinaryOperator);
        Assert.True(OpTable.TryGetFunction("g", 1, out var g) && g.IsAbstract);
        Assert.Equal("g′(z)", g.Derivative([Sym.Var("z")], 0).ToString());
        // Every elementwise and reduction row has its local derivative from the one shared rule (no display-only template);
        // structural rows (softmax, indexing, convolution) are compositions whose derivatives the engine records.
        foreach (var op in OpTable.All.Where(o => o.Kind is not (OpKind.MatMul or OpKind.Structural)))
            Assert.True(op.HasDerivative, op.Name);
        Assert.Null(typeof(OpInfo).GetProperty("DerivativeText"));
    }

    [Fact]
    public void Json_E9HasTheContractShape()
    {
        var json = EvaluationJson.Write(ExplainFiles.Load("e9.grad").Evaluate());
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(["objective", "values", "gradients", "shapes"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("J", root.GetProperty("objective").GetString());
        Assert.Equal(9, root.GetProperty("values").GetProperty("J").GetDouble());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("values").GetProperty("yhat").ValueKind);
        Assert.Equal("[[0, 0], [-18, 0]]", root.GetProperty("gradients").GetProperty("W2").GetRawText());
        Assert.Equal("[-6, 0]", root.GetProperty("gradients").GetProperty("a1").GetRawText());
        Assert.Equal(1, root.GetProperty("gradients").GetProperty("J").GetDouble());
        Assert.Equal("[2, 1]", root.GetProperty("shapes").GetProperty("W1").GetRawText());
        Assert.Equal("[1]", root.GetProperty("shapes").GetProperty("yhat").GetRawText());
        Assert.Equal("[]", root.GetProperty("shapes").GetProperty("x").GetRawText());
        Assert.Equal(["x", "y", "W1", "W2", "W3", "a1", "h1", "a2", "h2", "yhat", "J"],
            root.GetProperty("gradients").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Json_KeepsFullPrecisionAndSpellsOutNonFiniteNumbers()
    {
        var r = GradProgram.Parse("input z = -1\ny = log(z)").Evaluate();
        using var doc = JsonDocument.Parse(EvaluationJson.Write(r));
        Assert.Equal("NaN", doc.RootElement.GetProperty("values").GetProperty("y").GetString());
        var precise = GradProgram.Parse("input x = 0.1\ny = x * 3").Evaluate();
        using var doc2 = JsonDocument.Parse(EvaluationJson.Write(precise));
        Assert.Equal("0.30000000000000004", doc2.RootElement.GetProperty("values").GetProperty("y").GetRawText());
    }

    [Fact]
    public void ExplanationJson_GivesTheFormAsTextAndLatex()
    {
        // ∂L/∂w of L = (w·x − y)²: 2(w·x − y)·x, one path of two factors.
        var right = Sym.Mul(Sym.Num(2), Sym.Sub(Sym.Mul(Sym.Var("w"), Sym.Var("x")), Sym.Var("y")), Sym.Var("x"));
        var json = ExplainJson.Explanation("closed", "L", "w", Layout.Gradient, [(Sym.Partial("L", "w"), right)], 1,
            new Dictionary<int, System.Numerics.BigInteger> { [2] = 1 });
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("closed", root.GetProperty("form").GetString());
        Assert.Equal("gradient", root.GetProperty("layout").GetString());
        Assert.Equal(right.ToString(Notation.Text), root.GetProperty("expression").GetString());
        Assert.Equal(right.ToString(Notation.Latex), root.GetProperty("latex").GetString());
        Assert.Equal("∂L/∂w", root.GetProperty("equations")[0].GetProperty("left").GetString());
        Assert.Equal(1, root.GetProperty("paths").GetInt32());
        Assert.Equal(1, root.GetProperty("factorsPerPath").GetProperty("2").GetInt32());
        // The expression evaluates to the derivative: at w = 3, x = 2, y = 1, 2·(6 − 1)·2 = 20.
        Assert.Equal(20, right.Evaluate(n => n switch { "w" => 3, "x" => 2, _ => 1 }));
    }

    [Fact]
    public void ExplainJson_CountsBeyondADoubleAreStrings()
    {
        var big = System.Numerics.BigInteger.Pow(10, 30);
        using var doc = JsonDocument.Parse(ExplainJson.Explanation("paths", "E", "x", Layout.Denominator, [], big));
        Assert.Equal("1" + new string('0', 30), doc.RootElement.GetProperty("paths").GetString());
    }

    [Fact]
    public void Latex_VectorsAreColumns_AndStandaloneDocumentsCompileAsTheyAre()
    {
        Assert.Equal("\\begin{pmatrix} 1 \\\\ -2 \\end{pmatrix}", ValueFormat.Tensor(Tensor.FromArray([1.0, -2.0], 2), Notation.Latex));
        Assert.Equal("(1, −2)", ValueFormat.Tensor(Tensor.FromArray([1.0, -2.0], 2)));
        var doc = LatexDocument.Standalone("$x$\n", "a_b & 50%");
        Assert.StartsWith("\\documentclass{article}", doc);
        Assert.Contains("\\usepackage{amsmath,amssymb}", doc);
        Assert.Contains("\\allowdisplaybreaks", doc);
        Assert.Contains("\\section*{a\\_b \\& 50\\%}", doc);
        // pdflatex has no glyph for η or − in text: the step title and the NaN warning put them in math.
        Assert.Equal("learning rate \\ensuremath{\\eta} = 0.1, L = \\ensuremath{-}\\ensuremath{\\infty}", LatexDocument.Text("learning rate η = 0.1, L = −∞"));
        Assert.EndsWith("\\end{document}\n", doc);
        // One term per line, continued lines indented, a minus kept as the operator.
        Assert.Equal("L &= a \\\\\n  &\\quad + b \\\\\n  &\\quad - c", LatexDocument.AlignedSum("L", ["a", "b", "-c"]));
    }

    [Fact]
    public void Norm_IsPrintedBackAsTheProgramWroteIt()
    {
        var program = GradProgram.Parse("param a = [3, 4]\nL = dot(a, a) / norm(a)");
        var e = program.DefaultObjective.Expression;
        Assert.EndsWith("/ norm(a)", ExprPrinter.Source(e));
        Assert.EndsWith("\\lVert a \\rVert}", ExprPrinter.Latex(e));
        // What is printed parses back to the same value: 25/5.
        Assert.Equal(5, GradProgram.Parse("param a = [3, 4]\nL = " + ExprPrinter.Source(e)).Evaluate().Value("L").Item(), 12);
    }
}

