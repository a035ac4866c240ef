using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>The "did you mean" of unknown names: a near miss gets the one name it is near, an ambiguous or distant one gets none.</summary>
public class NameSuggestionTests
{
    private static readonly string[] Names = ["x", "W1", "W2", "yhat", "w2_5", "E", "hidden"];

    [Theory]
    [InlineData("xx", "x")]
    [InlineData("yhta", "yhat")]
    [InlineData("w1", "W1")]
    [InlineData("e", "E")]
    [InlineData("hiden", "hidden")]
    [InlineData("W3", null)]     // as near W1 as W2
    [InlineData("q", null)]      // one letter, no case twin
    [InlineData("zzzz", null)]
    [InlineData("x", null)]      // defined: nothing to suggest
    [InlineData("х", "x")]      // U+0445, the Cyrillic letter that prints as x
    [InlineData("Е", "E")]      // U+0415
    [InlineData("уhat", "yhat")]
    public void Closest_IsTheOneNearName(string typo, string? expected) =>
        Assert.Equal(expected, NameSuggestion.Closest(typo, Names));

    [Fact]
    public void ALookAlikeLetter_IsNamedByItsCodePoint()
    {
        var e = Assert.Throws<GradProgramException>(() => GradProgram.Parse("param a = 1\nL = \u0430 * 2\n"));
        Assert.Contains("undefined name 'а'; did you mean 'a' ('а' has U+0430, a Cyrillic letter that looks like the Latin a)?", e.Message);
        // The other way round: the program's name has the Cyrillic letter, the answer the Latin one.
        var graph = GradProgram.Parse("param \u0430 = 2\nL = \u0430^2\n").Graph;
        var wrt = Assert.Throws<ArgumentException>(() => graph.Named("--wrt", "a"));
        Assert.Contains("did you mean 'а' ('а' has U+0430, a Cyrillic letter that looks like the Latin a)?", wrt.Message);
    }

    [Fact]
    public void ANameAsPrinted_NamesTheNode()
    {
        // explain and step print w_3_5 as w_{3,5}, phi1 as φ1; lam is the λ of the formula. Each names its node.
        var graph = GradProgram.Parse("param w_3_5 = 0.5\nparam phi1 = 2\nconst lam = 0.1\nL = w_3_5 * phi1 + lam").Graph;
        Assert.Equal("w_3_5", graph.Resolve("w_{3,5}"));
        Assert.Equal("phi1", graph.Resolve("φ1"));
        Assert.Equal("phi1", graph.Resolve("φ_1"));
        Assert.Equal("lam", graph.Resolve("λ"));
        Assert.Null(graph.Resolve("w_{5,3}"));
        Assert.Equal("w_3_5", ChainDerivation.Create(GradProgram.Parse("param w_3_5 = 0.5\nparam phi1 = 2\nL = w_3_5 * phi1"), "w_{3,5}").Wrt);
    }

    [Fact]
    public void EveryUnknownNameMessage_CarriesTheSuggestion()
    {
        var program = GradProgram.Parse("input x[2] = [1, 2]\nparam W[2, 2] = [[1, 0], [0, 1]]\nhidden = W @ x\nL = sum(hidden)");
        var parse = Assert.Throws<GradProgramException>(() => GradProgram.Parse("input x[2] = [1, 2]\nL = sum(xx)"));
        Assert.Contains("undefined name 'xx'; did you mean 'x'?", parse.Message);
        Assert.Contains("--wrt: the program defines no 'hiden'; did you mean 'hidden'?",
            Assert.Throws<ArgumentException>(() => ChainDerivation.Create(program, "hiden")).Message);
        Assert.Contains("unknown name 'hiden'; did you mean 'hidden'?",
            Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "W", "hiden")).Message);
        Assert.Contains("did you mean 'hidden'?",
            Assert.Throws<ArgumentException>(() => DerivativeChecker.Check(program, "W", "dL/dhiden")).Message);
        Assert.Contains("--set w: the program declares no such name; did you mean 'W'?",
            Assert.Throws<GradProgramException>(() => program.Evaluate(new Dictionary<string, Tensor> { ["w"] = Tensor.FromArray([1.0]) })).Message);
    }
}
