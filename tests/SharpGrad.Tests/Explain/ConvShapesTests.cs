using System.Numerics;
using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary><c>conv</c> declarations and their parameter counts and output sizes (spec E4, E10).</summary>
public class ConvShapesTests
{
    [Fact]
    public void E4_ParameterCounts()
    {
        var program = ExplainFiles.Load("e4.grad");
        Assert.Equal(["conv64", "conv6", "conv1"], program.ConvLayers.Select(c => c.Name));
        Assert.Equal([786528, 7008, 288], program.ConvLayers.Select(c => (long)c.ParameterCount));
        // f²·d·c + c computed independently.
        foreach (var (layer, f) in program.ConvLayers.Zip(new[] { 64, 6, 1 }))
            Assert.Equal((long)f * f * 2 * 96 + 96, layer.ParameterCount);
        var text = ConvShapes.Render(program);
        Assert.Contains("f²·d·c + c = 64²·2·96 + 96 = 786432 + 96 = 786528", text);
        Assert.Contains("f²·d·c + c = 6²·2·96 + 96 = 6912 + 96 = 7008", text);
        Assert.Contains("f²·d·c + c = 1²·2·96 + 96 = 192 + 96 = 288", text);
    }

    [Fact]
    public void E10_OutputSizes()
    {
        var program = ExplainFiles.Load("e10.grad");
        var (s1, s2) = (program.ConvLayers[0], program.ConvLayers[1]);
        Assert.Equal((1, 2, 2, 1, 0, 4, 4), (s1.InChannels, s1.OutChannels, s1.Kernel, s1.Stride, s1.Padding, s1.InputHeight, s1.InputWidth));
        Assert.Equal(3, s1.OutputSize(4));
        Assert.Equal(2, s2.OutputSize(4));
        var text = ConvShapes.Render(program);
        Assert.Contains("⌊(4 + 2·0 − 2)/1⌋ + 1 = 3", text);
        Assert.Contains("⌊(4 + 2·0 − 2)/2⌋ + 1 = 2", text);
        Assert.Contains("1×4×4 → 2×3×3", text);
        Assert.Contains("1×4×4 → 2×2×2", text);
    }

    [Fact]
    public void ConvLines_DoNotDisturbEvaluation()
    {
        var e4 = ExplainFiles.Load("e4.grad").Evaluate();
        Assert.Equal(786528, e4.ObjectiveValue);
        var e10 = ExplainFiles.Load("e10.grad").Evaluate();
        Assert.Equal(31, e10.ObjectiveValue); // 6 + 8 + 9 + 8
        Assert.Equal(3, e10.Value("size").Item());
        Assert.DoesNotContain(e10.Names, n => n.StartsWith("stride", StringComparison.Ordinal) && n != "stride");
    }

    [Fact]
    public void Options_AnyOrderPaddingAndRectangularInput()
    {
        var p = GradProgram.Parse("conv c: input 5×7, kernel 3, padding 1, stride 2, out 4, in 3\nx = 1");
        var c = p.ConvLayers[0];
        Assert.Equal(3 * 3 * 3 * 4 + 4, c.ParameterCount);
        Assert.Equal(3, c.OutputSize(5)); // ⌊(5 + 2 − 3)/2⌋ + 1
        Assert.Equal(4, c.OutputSize(7)); // ⌊(7 + 2 − 3)/2⌋ + 1
        Assert.Contains("4×3×4", ConvShapes.Render(p));
        // conv followed by '=' stays an ordinary assignment.
        Assert.Equal(2, GradProgram.Parse("input x = 1\nconv = 2 * x").Evaluate().ObjectiveValue);
    }

    [Fact]
    public void ParameterCount_IsExactBeyondTheLongRange()
    {
        // f²·d·c + c with f = d = c = 100000: 10⁵·10⁵·10⁵·10⁵ = 10²⁰, past long's 9.2·10¹⁸.
        var c = GradProgram.Parse("conv c1: in 100000, out 100000, kernel 100000\nJ = 1").ConvLayers[0];
        Assert.Equal(BigInteger.Parse("100000000000000000000"), c.WeightCount);
        Assert.Equal(BigInteger.Parse("100000000000000100000"), c.ParameterCount);
        var text = ConvShapes.Render(GradProgram.Parse("conv c1: in 100000, out 100000, kernel 100000\nJ = 1"));
        Assert.Contains("= 100000²·100000·100000 + 100000 = 100000000000000000000 + 100000 = 100000000000000100000", text);
        Assert.Contains("│ c1    │ 100000000000000100000 │", text);
        // The largest layer the syntax allows: (2³¹ − 1)⁴ + (2³¹ − 1).
        var m = GradProgram.Parse("conv m: in 2147483647, out 2147483647, kernel 2147483647\nJ = 1").ConvLayers[0];
        Assert.Equal(BigInteger.Pow(int.MaxValue, 4) + int.MaxValue, m.ParameterCount);
    }

    [Fact]
    public void OutputSize_IsExactBeyondTheIntRange()
    {
        // ⌊(2147483647 + 2·1 − 1)/1⌋ + 1 = 2147483649, one past the largest input size.
        var p = GradProgram.Parse("conv c1: in 1, out 1, kernel 1, padding 1, input 2147483647\nJ = 1");
        Assert.Equal(2147483649L, p.ConvLayers[0].OutputSize(int.MaxValue));
        var text = ConvShapes.Render(p);
        Assert.Contains("output height: ⌊(2147483647 + 2·1 − 1)/1⌋ + 1 = 2147483649", text);
        Assert.Contains("1×2147483647×2147483647 → 1×2147483649×2147483649", text);
        // A huge kernel over a small input: the padded size is 3 + 2·1 = 5, not a wrapped negative number.
        var e = Assert.Throws<GradProgramException>(() => GradProgram.Parse("conv c1: in 1, out 1, kernel 2147483647, padding 1, input 3\nJ = 1"));
        Assert.Contains("(2147483647×2147483647) is larger than its padded input (5×5)", e.Message);
        var big = Assert.Throws<GradProgramException>(() => GradProgram.Parse("conv c1: in 1, out 1, kernel 2147483647, padding 1073741822, input 2147483647×1\nJ = 1"));
        Assert.Contains("larger than its padded input (4294967291×2147483645)", big.Message);
    }

    [Theory]
    [InlineData("input x = 1\nconv c1: in 2, out 3, kernal 4\ny = x", 2, 23, "expected one of in, out, kernel, stride, padding, input")]
    [InlineData("conv c1 in 2, out 3, kernel 4\ny = 1", 1, 9, "expected ':'")]
    [InlineData("conv c1: in 2, out 3\ny = 1", 1, 1, "needs 'kernel'")]
    [InlineData("conv c1: in 2, out 3, kernel 2.5\ny = 1", 1, 30, "positive whole number after 'kernel'")]
    [InlineData("conv c1: in 2, out 3, kernel 2, in 4\ny = 1", 1, 33, "'in' is given twice")]
    [InlineData("conv c1: in 2, out 3, kernel 2 stride 2\ny = 1", 1, 32, "expected ',' or the end of the line")]
    [InlineData("conv c1: in 2, out 3, kernel 5, input 3×3\ny = 1", 1, 33, "larger than its padded input")]
    [InlineData("conv c1: in 1, out 1, kernel 1\nconv c1: in 1, out 1, kernel 1\ny = 1", 2, 1, "declared twice")]
    [InlineData("conv y: in 1, out 1, kernel 1\ny = 1", 1, 1, "both a conv layer and a name")]
    public void MalformedConv_NamesLineAndColumn(string text, int line, int column, string message)
    {
        var e = Assert.Throws<GradProgramException>(() => GradProgram.Parse(text, "c.grad"));
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains(message, e.Message);
        Assert.StartsWith($"c.grad:{line}:{column}: ", e.Diagnostic);
    }
}
