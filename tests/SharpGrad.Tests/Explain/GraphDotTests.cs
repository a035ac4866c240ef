using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary><c>dot</c>: the Graphviz text of E9 with every value and gradient.</summary>
public class GraphDotTests
{
    [Fact]
    public void E9_HasValuesGradientsAndOps()
    {
        var text = GraphDot.Write(ExplainFiles.Load("e9.grad").Evaluate());
        Assert.StartsWith("digraph sharpgrad {\n", text);
        Assert.Contains("label=\"{ W1 | data [[1], [−1]] | grad [[−18], [0]] }\"", text);
        Assert.Contains("label=\"{ a1 | data (3, −3) | grad (−6, 0) }\"", text);
        Assert.Contains("label=\"{ a2 | data (−3, 3) | grad (0, −6) }\"", text);
        Assert.Contains("label=\"{ J | data 9 | grad 1 }\", style=bold", text);
        Assert.Contains("label=\"relu\"", text);
        Assert.Contains("label=\"@\"", text);
        Assert.Contains("v5 -> v6_op;", text);   // a1 → relu → h1
        Assert.Contains("v6_op -> v6;", text);
        Assert.Equal(text.Count(c => c == '{'), text.Count(c => c == '}'));
        foreach (var line in text.Split('\n')) Assert.Equal(0, line.Replace("\\\"", "").Count(c => c == '"') % 2);
    }

    [Fact]
    public void Escaping()
    {
        Assert.Equal("a\\|b\\{c\\}\\<d\\>", GraphDot.Record("a|b{c}<d>"));
        Assert.Equal("\"say \\\"hi\\\"\"", GraphDot.Quote("say \"hi\""));
    }

    [Fact]
    public void LongValuesAreAbbreviated()
    {
        var t = Tensor.FromArray(Enumerable.Range(1, 12).Select(i => (double)i).ToArray(), 3, 4);
        Assert.Equal("[3, 4] (1, 2, 3, …)", GraphDot.Short(t));
    }
}
