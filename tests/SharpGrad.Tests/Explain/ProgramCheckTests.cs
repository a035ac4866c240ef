using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>Names and shapes are checked by GradProgram.Parse, before any value is needed or computed.</summary>
public class ProgramCheckTests
{
    private static GradProgramException ParseError(string text) =>
        Assert.Throws<GradProgramException>(() => GradProgram.Parse(text, "t.grad"));

    [Fact]
    public void AConvolutionOfAnImage_TakesOneBias_AndSaysSoWhereItIsGiven()
    {
        var e = ParseError("param X[3, 3] = [[1, 2, 0], [0, 1, -1], [2, 1, 1]]\nparam K[2, 2] = [[1, 0], [0, 1]]\nparam b = [1, 2]\nO = conv2d(X, K, b)\nL = sum(O)");
        Assert.Equal("shapes do not fit 'conv2d(X, K, b)': conv2d of an H×W image by an F×F kernel takes one bias, a number; got [2]", e.Reason);
        Assert.Equal((4, 5), (e.Line, e.Column));
    }

    [Theory]
    [InlineData("input x = 1\ny = x + z", 2, 9, "undefined name 'z'")]
    [InlineData("input x1 = 1\ny = x2 + 1", 2, 5, "undefined name 'x2'; did you mean 'x1'?")]
    [InlineData("input x = 1\ny = relu + x", 2, 5, "'relu' is a function; call it as relu(...)")]
    [InlineData("input x = 1\ny = z * 2\nz = x + 1", 2, 5, "'z' is used before it is defined (on line 3); move that line above this one")]
    [InlineData("y = 2 * x\ninput x = 1\nz = y", 1, 9, "'x' is used before it is declared (on line 2); move that line above this one")]
    [InlineData("input x = 1\na = b + x\nb = a * 2", 2, 5, "cycle: a → b → a; a name must be defined before it is used")]
    [InlineData("input x = 1\na = c + x\nb = a * 2\nc = sin(b)", 2, 5, "cycle: a → c → b → a; a name must be defined before it is used")]
    [InlineData("input x = 1\na = a + x", 2, 5, "'a' is used in its own definition (a cycle); a name must be defined before it is used")]
    [InlineData("input x = 1\nx = 2", 2, 1, "'x' is already defined on line 1; each name is defined once (give this one another name)")]
    [InlineData("input x = 1\ny = x\ny = 2 * x", 3, 1, "'y' is already defined on line 2; each name is defined once (give this one another name)")]
    [InlineData("param x = 1\ninput x = 2\ny = x", 2, 7, "'x' is already defined on line 1; each name is defined once (give this one another name)")]
    // A Cyrillic х beside a Latin x would print as one name.
    [InlineData("param x = [1, 2]\nparam х = [3, 4]\nL = sum(x * х)", 2, 7, "'х' prints like 'x' ('х' has U+0445, a Cyrillic letter that looks like the Latin x), defined on line 1; names that print alike would be confused (give this one another name)")]
    // So would the micro sign beside a Greek mu, and phi1 beside φ1 (both φ_1).
    [InlineData("param µ = 1\nparam μ = 2\nL = µ * μ", 2, 7, "'μ' prints like 'µ' ('μ' has U+03BC where 'µ' has U+00B5), defined on line 1; names that print alike would be confused (give this one another name)")]
    [InlineData("param phi1 = 1\nparam φ1 = 2\nL = phi1 * φ1", 2, 7, "'φ1' prints like 'phi1', defined on line 1; names that print alike would be confused (give this one another name)")]
    // A Cyrillic е prints as the constant e.
    [InlineData("param е = 2\nL = е * e", 1, 7, "'е' prints like the constant 'e' ('е' has U+0435, a Cyrillic letter that looks like the Latin e); names that print alike would be confused (give this one another name)")]
    // Two conv layers whose names print alike (both c₁) would be two rows under one label in the shapes table.
    [InlineData("conv c1: in 1, out 2, kernel 2, input 4x4\nconv c_1: in 1, out 2, kernel 2, input 4x4\nparam x = 1\ny = x^2", 2, 1, "conv layer 'c_1' prints like 'c1', declared on line 1; names that print alike would be confused (give this one another name)")]
    [InlineData("conv c1: in 1, out 2, kernel 2, input 4x4\nconv c1: in 1, out 2, kernel 3, input 5x5\nparam x = 1\ny = x^2", 2, 1, "conv layer 'c1' is declared twice")]
    public void NameErrors_AreReportedWhereTheNameIsUsedOrDefined(string text, int line, int column, string reason)
    {
        var e = ParseError(text);
        Assert.Equal(reason, e.Reason);
        Assert.Equal((line, column), (e.Line, e.Column));
    }

    [Theory]
    [InlineData("param W2[3, 2]\nparam h1[3]\na = W2 @ h1", 3, 8,
        "shapes do not match for '@': W2 has shape [3, 2] and h1 has shape [3] (W2 has 2 columns but h1 has length 3)")]
    [InlineData("param W[2, 3]\nparam V[2, 3]\na = W @ V", 3, 7,
        "shapes do not match for '@': W has shape [2, 3] and V has shape [2, 3] (W has 3 columns but V has 2 rows)")]
    [InlineData("input a[2]\ninput b[3]\nc = a + b", 3, 7,
        "shapes do not match for '+': a has shape [2] and b has shape [3] (elementwise operands need equal sizes, or size 1 to broadcast)")]
    [InlineData("input a[2]\ninput b[3]\nc = max(a, b * 2)", 3, 5,
        "shapes do not match for 'max': a has shape [2] and b * 2 has shape [3] (elementwise operands need equal sizes, or size 1 to broadcast)")]
    [InlineData("input x[D]\ninput z[E]\nc = sum(x * z)", 3, 11,
        "shapes do not match for '*': x has shape [D] and z has shape [E] (elementwise operands need equal sizes, or size 1 to broadcast)")]
    [InlineData("input x[D]\nparam W[2, 3]\nc = W @ x", 3, 7,
        "shapes do not match for '@': W has shape [2, 3] and x has shape [D] (W has 3 columns but x has length D)")]
    [InlineData("input t = [[[1]]]\nc = t @ t", 2, 7,
        "shapes do not match for '@': t has shape [1, 1, 1] and t has shape [1, 1, 1] ('@' multiplies scalars, vectors and matrices, but t has 3 dimensions)")]
    [InlineData("input x[D] = [1, 2]\ninput z[D] = [1, 2, 3]\ny = x", 2, 14, "the value of 'z' makes D = 3, but an earlier value made D = 2")]
    [InlineData("param W[2, 2] = [1, 2]\ny = W", 1, 17, "'W' is declared with size [2, 2] but its value has shape [2]")]
    public void ShapeErrors_NameBothShapesAndPointAtTheOperator(string text, int line, int column, string reason)
    {
        var e = ParseError(text);
        Assert.Equal(reason, e.Reason);
        Assert.Equal((line, column), (e.Line, e.Column));
    }

    [Fact]
    public void ShapeError_IsFoundBeforeMissingValuesMatter()
    {
        // No declaration has a value, so evaluation would fail; the shape error comes first, from Parse.
        var e = ParseError("param W[3, 2]\ninput h[3]\na = W @ h");
        Assert.StartsWith("shapes do not match for '@'", e.Reason);
    }

    [Fact]
    public void SymbolicSizes_MatchByNameAndBindFromValues()
    {
        var p = GradProgram.Parse("input x1[D]\nparam v11[D]\nparam W[2, D]\nparam b1 = 0.5\nn1 = g(b1 + sum(v11 * x1))\nn2 = v11 @ x1\nh = W @ x1\nE = n1 + n2 + sum(h)");
        Assert.Equal("scalar", p.Graph["n1"].Shape.ToString());
        Assert.Equal("scalar", p.Graph["n2"].Shape.ToString());
        Assert.Equal("[2]", p.Graph["h"].Shape.ToString());
        Assert.Equal("[2, D]", p.Graph["W"].Shape.ToString());

        var bound = GradProgram.Parse("input x[D] = [1, 2, 3]\nparam W[2, 3]\nh = sum(W @ x)");
        Assert.Equal(3, bound.Graph.StaticSizes["D"]);
    }

    [Fact]
    public void Broadcasting_FollowsTensorRules()
    {
        var p = GradProgram.Parse("input a[2, 1]\ninput b[3]\ninput s = 2\nc = a + b\nd = c * s\nE = sum(d)");
        Assert.Equal("[2, 3]", p.Graph["c"].Shape.ToString());
        Assert.Equal("[2, 3]", p.Graph["d"].Shape.ToString());
    }

    [Fact]
    public void ProgramWithoutAssignment_IsRejected()
    {
        var e = ParseError("input x = 1\n# nothing else");
        Assert.Equal("the program has no assignment; its objective is the last line of the form NAME = expression", e.Reason);
        Assert.Equal("t.grad: the program has no assignment; its objective is the last line of the form NAME = expression", e.Diagnostic);
    }

    [Fact]
    public void Graph_HasOneNodePerOperationWithNamesAndConsumers()
    {
        var program = ExplainFiles.Load("e9.grad");
        var graph = program.Graph;
        Assert.Equal(["x", "y", "W1", "W2", "W3", "a1", "h1", "a2", "h2", "yhat", "y - yhat", "2", "J"], graph.Nodes.Select(n => n.Label));
        var a1 = graph["a1"];
        Assert.Equal(GraphNodeKind.Operation, a1.Kind);
        Assert.Equal("matmul", a1.Op!.Name);
        Assert.Equal([graph["W1"], graph["x"]], a1.Operands);
        Assert.Equal([graph["h1"]], a1.Consumers);
        Assert.False(graph.Nodes[11].HasGradient);   // the literal 2
        Assert.True(graph.Nodes[10].HasGradient);    // y - yhat
        Assert.Same(graph["J"], graph.NodeFor(program.DefaultObjective.Expression));
        Assert.Throws<ArgumentException>(() => graph.NodeFor(ExplainFiles.Load("e9.grad").DefaultObjective.Expression));
        Assert.Equal(new SourcePosition(7, 9), a1.Position);
    }
}
