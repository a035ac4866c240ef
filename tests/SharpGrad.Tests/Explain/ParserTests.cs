using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

public class ParserTests
{
    private static GradProgramException ParseError(string text) =>
        Assert.Throws<GradProgramException>(() => GradProgram.Parse(text, "t.grad"));

    [Theory]
    [InlineData("input x = 3\ntarget y = 6\na = )\n", 3, 5, "expected an expression after '=', found ')'")]
    [InlineData("input x = 1\ny = x +\n", 2, 8, "expected an expression after '+', found the end of the line")]
    [InlineData("input x = 1\ny = foo(x)", 2, 5, "unknown function 'foo'; the functions are abs, avgpool, binary_cross_entropy, concat, conv2d, cos, cross_entropy, dot, erf, exp, flip, floor, g, gelu, layer_norm, leaky_relu, ln, log, log_softmax, max, maxpool, mean, min, mse_loss, norm, relu, rot180, sigmoid, sin, softmax, softplus, sqrt, sum, tanh, transpose, upsample")]
    [InlineData("input x = 1\ny = relu(x, x)", 2, 5, "'relu' takes 1 argument, got 2")]
    // A trailing comma ends nothing (as in Python); a comma with nothing before it is an error where the argument is missing.
    [InlineData("input x = 1\ny = sum(x, ,)", 2, 12, "expected an expression after ',', found ','")]
    [InlineData("param w = 1\nJ = norm()", 2, 5, "'norm' takes 1 argument, got 0")]
    [InlineData("param w = 1\nJ = norm(w, w)", 2, 5, "'norm' takes 1 argument, got 2")]
    [InlineData("param w = 1\nJ = transpose(w, w)", 2, 5, "'transpose' takes 1 argument, got 2")]
    [InlineData("param w = 1\nJ = ln(w, w)", 2, 5, "'ln' takes 1 argument, got 2")]
    [InlineData("param w = 1\nJ = log(w, w)", 2, 5, "'log' takes 1 argument, got 2")]
    [InlineData("input x = 1\ny = max()", 2, 5, "'max' is written max(v), max(a, b, ...), max(X, axis=N); got 0 arguments")]
    [InlineData("input x = 1\ny = x $ 2", 2, 7, "unexpected character '$'")]
    [InlineData("input x = 1\ny = x \0 2", 2, 7, "unexpected character U+0000")]
    [InlineData("input x = 1\ny = x \U0001F600 2", 2, 7, "unexpected character '\U0001F600'")]
    [InlineData("input x = 1\ny = x \u0301 2", 2, 7, "unexpected character U+0301")]
    [InlineData("input x = 1\ny = (x + 1", 2, 11, "expected ')' to close the '(' at line 2, column 5, found the end of the file")]
    [InlineData("param = 3", 1, 7, "expected a name after 'param', found '='")]
    [InlineData("param W = [[1, 2], [3]]", 1, 20, "ragged array literal: element 2 has shape [1] but element 1 has shape [2]; every row must have the same length")]
    [InlineData("param W = [[1, 2], 3]", 1, 20, "ragged array literal: element 2 has shape scalar (a number) but element 1 has shape [2]; every row must have the same length")]
    [InlineData("param W = []", 1, 12, "an array literal needs at least one element; '[]' is empty")]
    [InlineData("input x = 1e", 1, 12, "malformed number '1e': an exponent needs digits, as in 1e-3")]
    [InlineData("input x = 0x10", 1, 11, "malformed number '0x1…': hexadecimal numbers are not read; write the number in decimal")]
    [InlineData("input x = 1\ny = x * 1.2.3", 2, 12, "malformed number '1.2.3…': a number has at most one decimal point")]
    [InlineData("param w = 1e400", 1, 11, "the number 1e400 is too large for a double (the largest is about 1.8e308)")]
    [InlineData("input x = 1\ny x", 2, 3, "expected '=' after 'y', found name 'x'")]
    [InlineData("input x = 1 2", 1, 13, "expected the end of the line after the statement, found number 2")]
    [InlineData("input x[0]", 1, 9, "a size must be a positive whole number (at most 2147483647) or a name such as D, found 0")]
    [InlineData("input x[99999999999]", 1, 9, "a size must be a positive whole number (at most 2147483647) or a name such as D, found 99999999999")]
    [InlineData("input x = 1\ny = input + 1", 2, 5, "'input' is a keyword and starts a declaration on its own line; it cannot be used in an expression")]
    [InlineData("input x = y", 1, 11, "expected a value after '=' (a number or an array literal such as [[1], [-1]]), found name 'y' (a value cannot refer to names or call functions)")]
    [InlineData("= 3", 1, 1, "expected a declaration (param, input, target or const) or an assignment NAME = ..., found '='")]
    public void SyntaxErrors_ReportLineColumnAndWhatWasExpected(string text, int line, int column, string reason)
    {
        var e = ParseError(text);
        Assert.Equal(reason, e.Reason);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Equal($"line {line}, column {column}: {reason}", e.Message);
        Assert.Equal($"t.grad:{line}:{column}: {reason}", e.Diagnostic);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void LineEndings_LfCrLfAndLoneCr_AllEndAStatement(string eol)
    {
        // J = w·w at w = 3 is 9; the comment runs to the end of its line only.
        var text = string.Join(eol, "param w = 3", "# a comment", "J = w * w", "");
        var p = GradProgram.Parse(text, "t.grad");
        Assert.Equal(["w", "J"], p.Statements.Select(st => st.Name));
        Assert.Equal(9, p.Evaluate().ObjectiveValue);
        Assert.Equal(3, p.Statements[1].Line);

        // Lines and columns count each line break once: '$' is line 4, column 7 (a blank line 3).
        var e = ParseError(string.Join(eol, "param w = 3", "# a comment", "", "J = w $ w", ""));
        Assert.Equal((4, 7), (e.Line, e.Column));
        Assert.Equal("t.grad:4:7: unexpected character '$'", e.Diagnostic);
    }

    [Fact]
    public void NamesMayHoldLettersBeyondTheBasicPlane_AndDecomposedAccents()
    {
        // 𝑥 (U+1D465, two UTF-16 units) is a letter; e + U+0301 is é, the same name as the precomposed é.
        var program = GradProgram.Parse("param \U0001D465 = 2\nparam e\u0301 = 3\nL = \U0001D465 * \U0001D465 + \u00E9");
        var result = program.Evaluate();
        Assert.Equal(7, result.ObjectiveValue);
        Assert.Equal(4, result.Gradient("\U0001D465").Item());
        Assert.Equal(1, result.Gradient("\u00E9").Item());
    }

    [Fact]
    public void AFileThatIsNotUtf8_IsAnErrorAtItsByte()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sharpgrad-latin1-{Guid.NewGuid():N}.grad");
        // "café" in Latin-1 on line 2: é is the byte 0xE9, column 10.
        File.WriteAllBytes(path, [.. System.Text.Encoding.ASCII.GetBytes("input x = 2\ninput caf"), 0xE9, .. System.Text.Encoding.ASCII.GetBytes(" = 2\nJ = x^2\n")]);
        try
        {
            var e = Assert.Throws<GradProgramException>(() => GradProgram.Load(path));
            Assert.Equal((2, 10), (e.Line, e.Column));
            Assert.Equal("the file is not valid UTF-8 here (byte 0xE9); save it as UTF-8", e.Reason);
            // UTF-8 with a byte-order mark, and UTF-16 with one, read as before.
            File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes("input café = 2\nJ = café^2\n")]);
            Assert.Equal(4, GradProgram.Load(path).Evaluate().ObjectiveValue);
            File.WriteAllBytes(path, System.Text.Encoding.Unicode.GetPreamble().Concat(System.Text.Encoding.Unicode.GetBytes("input x = 3\nJ = x^2\n")).ToArray());
            Assert.Equal(9, GradProgram.Load(path).Evaluate().ObjectiveValue);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AFileThatNeverEnds_IsRefusedAtItsLimit()
    {
        if (!File.Exists("/dev/zero")) return;
        var e = Assert.Throws<IOException>(() => GradProgram.Load("/dev/zero"));
        Assert.Equal("'/dev/zero' holds more than 16 MiB; a .grad program is a text of declarations and assignments.", e.Message);
    }

    [Fact]
    public void SpecE9Text_ParsesIntoDeclarationsAndAssignmentsInOrder()
    {
        var p = ExplainFiles.Load("e9.grad");
        Assert.Equal(["x", "y", "W1", "W2", "W3"], p.Declarations.Select(d => d.Name));
        Assert.Equal([DeclarationKind.Input, DeclarationKind.Target, DeclarationKind.Param, DeclarationKind.Param, DeclarationKind.Param],
            p.Declarations.Select(d => d.Kind));
        Assert.Equal(["a1", "h1", "a2", "h2", "yhat", "J"], p.Assignments.Select(a => a.Name));
        Assert.Equal("J", p.DefaultObjective.Name);
        Assert.Equal([2, 1], p.Declarations[2].Value!.Shape);
        Assert.Equal([1.0, -1.0], p.Declarations[2].Value!.Values);
        Assert.Equal(new SourcePosition(12, 1), p.DefaultObjective.NamePosition);
        var power = Assert.IsType<BinaryExpr>(p.DefaultObjective.Expression);
        Assert.Equal(BinaryOperator.Power, power.Operator);
        Assert.Equal(new SourcePosition(12, 15), power.Position);
    }

    [Theory]
    [InlineData("a - b - c", "a - b - c")]
    [InlineData("a - (b - c)", "a - (b - c)")]
    [InlineData("-x^2", "-x^2")]
    [InlineData("(-x)^2", "(-x)^2")]
    [InlineData("x^y^z", "x^y^z")]
    [InlineData("(x^y)^z", "(x^y)^z")]
    [InlineData("x^-1", "x^(-1)")]
    [InlineData("-(a @ b)", "-(a @ b)")]
    [InlineData("a @ -b", "a @ -b")]
    [InlineData("a * b @ c", "a * b @ c")]
    [InlineData("(a * b) @ c", "(a * b) @ c")]
    [InlineData("a + b * c / x", "a + b * c / x")]
    [InlineData("(a + b) * c", "(a + b) * c")]
    [InlineData("2 * -3", "2 * -3")]
    [InlineData("max(a, b) + min(a)", "max(a, b) + min(a)")]
    [InlineData("g(b + sum(a * c))", "g(b + sum(a * c))")]
    [InlineData("1e-3 * a", "0.001 * a")]
    public void Precedence_PrintsBackWithMinimalParentheses(string expr, string printed)
    {
        var p = GradProgram.Parse($"input a = 1\ninput b = 2\ninput c = 3\ninput x = 4\ninput y = 5\ninput z = 6\nr = {expr}");
        var source = p.DefaultObjective.Expression.ToString();
        Assert.Equal(printed, source);
        var again = GradProgram.Parse($"input a = 1\ninput b = 2\ninput c = 3\ninput x = 4\ninput y = 5\ninput z = 6\nr = {source}");
        Assert.Equal(source, again.DefaultObjective.Expression.ToString());
    }

    [Fact]
    public void Precedence_PowerAboveUnaryMinusAboveMatMulAboveTimesAbovePlus()
    {
        var e = GradProgram.Parse("input a = 1\ninput b = 1\nr = a + -a^b @ b * a").DefaultObjective.Expression;
        var plus = Assert.IsType<BinaryExpr>(e);
        Assert.Equal(BinaryOperator.Add, plus.Operator);
        var times = Assert.IsType<BinaryExpr>(plus.Right);
        Assert.Equal(BinaryOperator.Multiply, times.Operator);
        var matmul = Assert.IsType<BinaryExpr>(times.Left);
        Assert.Equal(BinaryOperator.MatMul, matmul.Operator);
        var negate = Assert.IsType<NegateExpr>(matmul.Left);
        Assert.Equal(BinaryOperator.Power, Assert.IsType<BinaryExpr>(negate.Operand).Operator);
    }

    [Fact]
    public void CommentsBlankLinesMultiLineLiteralsAndUnicodeOperators_AreAccepted()
    {
        var p = GradProgram.Parse("""
            # a comment line

            param W = [[1, 2],   # first row
                       [3, 4]]   # second row
            param θ1 = 0.5
            input x_2_5 = [1, -2]
            h = θ1 · (W @ x_2_5) − 1   # Unicode dot and minus, as the text renderer prints
            """);
        Assert.Equal([2, 2], p.Declarations[0].Value!.Shape);
        Assert.Equal([1.0, 2, 3, 4], p.Declarations[0].Value!.Values);
        Assert.Equal("θ1 * W @ x_2_5 - 1", p.DefaultObjective.Expression.ToString());
    }

    [Fact]
    public void NegativeLiteral_IsOneNumber()
    {
        var e = GradProgram.Parse("input x = 1\ny = x * -2").DefaultObjective.Expression;
        var n = Assert.IsType<NumberExpr>(Assert.IsType<BinaryExpr>(e).Right);
        Assert.Equal(-2, n.Value);
    }

    [Theory]
    [InlineData("3", new int[0], new[] { 3.0 })]
    [InlineData("-1e-3", new int[0], new[] { -0.001 })]
    [InlineData("[1, -2]", new[] { 2 }, new[] { 1.0, -2 })]
    [InlineData("[[1], [-1]]", new[] { 2, 1 }, new[] { 1.0, -1 })]
    [InlineData("[[1, 2,], [3, 4],]", new[] { 2, 2 }, new[] { 1.0, 2, 3, 4 })]
    public void ParseValue_ReadsNumbersAndRectangularArrays(string text, int[] shape, double[] values)
    {
        var t = GradProgram.ParseValue(text);
        Assert.Equal(shape, t.Shape.ToArray());
        Assert.Equal(values, t.ToDoubleArray());
        Assert.Equal(DType.Float64, t.DType);
    }

    [Theory]
    [InlineData("[1, 2", 6)]
    [InlineData("[[1], [2, 3]]", 7)]
    [InlineData("x", 1)]
    [InlineData("1 + 2", 3)]
    public void ParseValue_RejectsAnythingElseWithAColumn(string text, int column)
    {
        var e = Assert.Throws<GradProgramException>(() => GradProgram.ParseValue(text));
        Assert.Equal(column, e.Column);
    }

    // A --set or --value value comes from the command line: it has no file to end, and an empty one is said as such.
    [Theory]
    [InlineData("[1,", "expected a number or '[', found the end of the value")]
    [InlineData("[[1],[2]", "expected ',' or ']' in the array literal opened at character 1, found the end of the value")]
    [InlineData("", "the value is empty; give a number or an array literal such as [1, -2]")]
    [InlineData("  ", "the value is empty; give a number or an array literal such as [1, -2]")]
    public void CommandLineValue_Errors_SpeakOfTheValue(string text, string reason)
    {
        Assert.Equal(reason, Assert.Throws<GradProgramException>(() => GradProgram.ParseValue(text)).Reason);
    }
}
