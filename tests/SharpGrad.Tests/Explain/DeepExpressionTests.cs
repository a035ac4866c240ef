using System.Diagnostics;
using System.Text;
using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>
/// Programs and check expressions that are deeply nested or very long: nesting beyond
/// <c>Parser.MaxDepth</c> (100) is a located error instead of a stack overflow, a flat sum of 15 000
/// terms goes through every consumer (evaluation, derivation, printing, checking) even on a
/// thread with a 256 KiB stack, and a program of 10^5 lines is processed in linear time.
/// </summary>
public sealed class DeepExpressionTests
{
    private static string Repeat(string s, int n) => new StringBuilder(s.Length * n).Insert(0, s, n).ToString();

    private static GradProgramException ParseError(string text) =>
        Assert.Throws<GradProgramException>(() => GradProgram.Parse(text, "deep.grad"));

    [Fact]
    public void AWrongAnswerOfTwentyThousandTerms_GetsItsVerdict_QuotedShort()
    {
        // x + x + … (20 000 terms) = 20 000·x, which is not ∂J/∂x of e9 (−6 at x = 3): a counterexample, and the verdict
        // line quotes the first 300 characters of it.
        var answer = string.Join("+", Enumerable.Repeat("x", 20000));
        var r = DerivativeChecker.Check(ExplainFiles.Load("e9.grad"), "x", answer);
        Assert.False(r.IsCorrect);
        Assert.Equal(60000, r.StudentValue!.Item());
        var verdict = r.ToText().Split('\n')[0];
        Assert.StartsWith("incorrect: x+x+x", verdict);
        Assert.True(verdict.Length < 400, verdict.Length.ToString());
        Assert.Equal(answer, r.Expression);
    }

    [Fact]
    public void NestedParentheses_AreALocatedError()
    {
        var e = ParseError("param x = 1\ny = " + Repeat("(", 6000) + "x" + Repeat(")", 6000) + "\n");
        // The first '(' is column 5; level k starts at column 4 + k, so level 101 is column 105.
        Assert.Equal("deep.grad:2:105: expression nested deeper than 100 levels; split it into named steps", e.Diagnostic);
    }

    [Fact]
    public void NestedCalls_AreALocatedError()
    {
        var e = ParseError("param x = 1\ny = " + Repeat("exp(", 11_600) + "x" + Repeat(")", 11_600) + "\n");
        // "exp(" is 4 characters from column 5: call k starts at column 5 + 4(k − 1); call 101 at 405.
        Assert.Equal("deep.grad:2:405: expression nested deeper than 100 levels; split it into named steps", e.Diagnostic);
    }

    [Theory]
    [InlineData("- ")]
    [InlineData("x ^ ")]
    public void LongUnaryOrPowerChains_AreErrors(string link)
    {
        var e = ParseError("param x = 1\ny = " + Repeat(link, 10_000) + "x\n");
        Assert.Equal(2, e.Line);
        Assert.Contains("nested deeper than 100 levels", e.Reason);
    }

    // h − h − … in an answer goes too deep at its 101st operand: column 1 + 3·100 = 301 for "h-" repeated.
    [Fact]
    public void LongChainInAnAnswer_IsAnErrorWhereItGoesTooDeep()
    {
        var program = GradProgram.Parse("param h = [1, 2]\nL = sum(h^2)");
        var e = Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "h", string.Join("-", Enumerable.Repeat("h", 150))));
        Assert.Equal("--expr column 201: expression nested deeper than 100 levels", e.Message);
    }

    [Fact]
    public void LongDivisionChain_IsAnErrorAtTheOperatorThatGoesTooDeep()
    {
        // x / x / ... leans left: operator k makes the tree k + 1 deep, so the 100th '/' (column 7 + 4·99 = 403) is one too many.
        var e = ParseError("param x = 1\ny = x" + Repeat(" / x", 15_000) + "\n");
        Assert.Equal("deep.grad:2:403: expression nested deeper than 100 levels; split it into named steps", e.Diagnostic);
    }

    [Fact]
    public void NestedArrayLiteral_IsAnError()
    {
        var e = ParseError("param w = " + Repeat("[", 6000) + "1" + Repeat("]", 6000) + "\n");
        Assert.Contains("array literal nested deeper than 100 levels", e.Reason);
        Assert.Throws<GradProgramException>(() => GradProgram.ParseValue(Repeat("[", 6000) + "1" + Repeat("]", 6000)));
    }

    /// <summary>y = x*w + x*w + ... (15 000 terms): y = 15 000·x·w, ∂y/∂x = 15 000·w, ∂y/∂w = 15 000·x.</summary>
    private static string FlatSum(int terms) => "param x = 1.5\nparam w = 2\ny = " + string.Join(" + ", Enumerable.Repeat("x*w", terms)) + "\n";

    /// <summary>99 nested calls under the assignment: exactly the bound (100 levels), the deepest tree any consumer can be given.</summary>
    private static string DeepestAccepted() => "param x = 0.5\ny = " + Repeat("sin(", 99) + "x" + Repeat(")", 99) + "\n";

    private static void OnSmallStack(Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { action(); }
            catch (Exception e) { failure = e; }
        }, 256 * 1024);
        thread.Start();
        thread.Join();
        if (failure is not null) throw new InvalidOperationException("failed on the small stack", failure);
    }

    [Fact]
    public void FlatSumOf15000Terms_GoesThroughEveryConsumer_OnA256KiBStack() => OnSmallStack(() =>
    {
        var program = GradProgram.Parse(FlatSum(15_000));
        var evaluation = program.Evaluate();
        Assert.Equal(15_000 * 1.5 * 2, evaluation.Value("y").Item(), 6);
        Assert.Equal(15_000 * 2.0, evaluation.Gradient("x").Item(), 6);
        Assert.Equal(15_000 * 1.5, evaluation.Gradient("w").Item(), 6);

        // The balanced tree prints with the parentheses that describe it: the same sum, grouped.
        Assert.StartsWith("x * w + (x * w + x * w) + ", program.DefaultObjective.Expression.ToString());
        Assert.NotEmpty(ExprPrinter.Latex(program.DefaultObjective.Expression));
        Assert.NotEmpty(DerivationRenderer.Render(ChainDerivation.Create(program, "x"), "factored", OutputFormat.Latex));
        Assert.NotEmpty(GraphDot.Write(evaluation));
        Assert.NotEmpty(StepRenderer.Render(StepReport.Create(evaluation, 0.1), OutputFormat.Text));

        // ∂y/∂x = 15 000·w, written as w + w + ... with 15 000 terms: correct.
        var sum = string.Join(" + ", Enumerable.Repeat("w", 15_000));
        Assert.True(DerivativeChecker.Check(program, "x", sum, points: 3).IsCorrect);
        // One term short: 14 999·w is not 15 000·w.
        Assert.False(DerivativeChecker.Check(program, "x", string.Join(" + ", Enumerable.Repeat("w", 14_999)), points: 3).IsCorrect);
    });

    [Fact]
    public void DeepestAcceptedProgram_GoesThroughEveryConsumer_OnA256KiBStack() => OnSmallStack(() =>
    {
        var program = GradProgram.Parse(DeepestAccepted());
        var evaluation = program.Evaluate();
        double value = 0.5, slope = 1;
        for (int i = 0; i < 99; i++)
        {
            slope *= Math.Cos(value);
            value = Math.Sin(value);
        }
        Assert.Equal(value, evaluation.Value("y").Item(), 12);
        Assert.Equal(slope, evaluation.Gradient("x").Item(), 12);
        Assert.NotEmpty(ExprPrinter.Latex(program.DefaultObjective.Expression));
        Assert.NotEmpty(DerivationRenderer.Render(ChainDerivation.Create(program, "x"), "closed", OutputFormat.Text));
        Assert.NotEmpty(StepRenderer.Render(StepReport.Create(evaluation, 0.1), OutputFormat.Latex));
        // y uses x directly and nowhere else, so dy/dx is the question itself: circular.
        Assert.Equal(CheckMistake.Circular, DerivativeChecker.Check(program, "x", "dy/dx", points: 3).Mistake);
        var nested = Repeat("sin(", 99) + "x" + Repeat(")", 99);
        Assert.False(DerivativeChecker.Check(program, "x", nested, points: 3).IsCorrect);
        Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "x", Repeat("(", 5000) + "x" + Repeat(")", 5000)));
    });

    /// <summary>a0 = x, a_i = a_{i−1}·r + x: a chain of named nodes with x used on every line.</summary>
    private static (double Gradient, TimeSpan Elapsed) ChainOfLines(int lines, double r)
    {
        var sb = new StringBuilder("param x = 0.5\na0 = x * 1\n");
        string factor = r.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        for (int i = 1; i < lines; i++) sb.Append('a').Append(i).Append(" = a").Append(i - 1).Append(" * ").Append(factor).Append(" + x\n");
        var clock = Stopwatch.StartNew();
        var evaluation = GradProgram.Parse(sb.ToString()).Evaluate();
        clock.Stop();
        return (evaluation.Gradient("x").Item(), clock.Elapsed);
    }

    [Fact]
    public void AProgramOfMoreThanTheMostOperations_IsRefusedWhereItPassesThem()
    {
        // A sum of 500 001 + signs, 1 MB: evaluated it would be minutes and gigabytes at 4 million terms.
        var text = "param x = 1\nJ = " + string.Join('+', Enumerable.Repeat("x", Parser.MaxOperations + 2));
        var e = Assert.Throws<GradProgramException>(() => GradProgram.Parse(text, "t.grad"));
        Assert.StartsWith("the program holds more than 500,000 operations by here", e.Reason);
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void Program_Of100000Lines_ParsesAndEvaluatesInLinearTime()
    {
        const double r = 1.0001;
        ChainOfLines(2_000, r);   // compiles every method on the path, so that neither timing below includes it
        var (_, small) = ChainOfLines(12_500, r);
        var (gradient, large) = ChainOfLines(100_000, r);
        // d_i = ∂a_i/∂x = r·d_{i−1} + 1 with d_0 = 1, so d_99999 = (r^100000 − 1)/(r − 1).
        double expected = (Math.Pow(r, 100_000) - 1) / (r - 1);
        Assert.InRange(gradient / expected, 1 - 1e-9, 1 + 1e-9);
        // Eight times the lines: about eight times the time when every step is linear, 64 times for the
        // quadratic steps this guards against (a scan of the inputs for every tensor of the backward pass,
        // of x's consumers for every line). A ratio rather than a wall-clock bound holds on a loaded machine.
        double ratio = large.TotalSeconds / Math.Max(small.TotalSeconds, 1e-3);
        Assert.True(ratio < 24, $"12 500 lines took {small.TotalSeconds:F2} s, 100 000 lines {large.TotalSeconds:F2} s: {ratio:F1}×");
    }
}
