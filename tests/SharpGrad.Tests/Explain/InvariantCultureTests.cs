using System.Globalization;
using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>
/// The library writes numbers the same way whatever the caller's culture is: a program that
/// sets CultureInfo.CurrentCulture to de-DE or fr-FR (which write 1,5) still gets 1.5 in
/// Tensor.ToString, JSON, LaTeX and text reports.
/// </summary>
public sealed class InvariantCultureTests
{
    private sealed class CultureScope : IDisposable
    {
        private readonly CultureInfo culture = CultureInfo.CurrentCulture;

        public CultureScope(string name) => CultureInfo.CurrentCulture = new CultureInfo(name);

        public void Dispose() => CultureInfo.CurrentCulture = culture;
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("fr-FR")]
    public void TensorToString_WritesDecimalPoints(string culture)
    {
        using var _ = new CultureScope(culture);
        var text = Tensor.FromArray([1.5, -0.25], 2).ToString();
        Assert.Contains("1.5", text);
        Assert.Contains("-0.25", text);
        Assert.DoesNotContain(",5", text);
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("fr-FR")]
    public void EvaluationJson_WritesDecimalPoints(string culture)
    {
        using var _ = new CultureScope(culture);
        var evaluation = GradProgram.Parse("input x = 1.5\ny = x * x\n").Evaluate();
        var json = EvaluationJson.Write(evaluation);
        // y = 1.5² = 2.25; dy/dx = 2·1.5 = 3.
        Assert.Contains("\"x\": 1.5,", json);
        Assert.Contains("\"y\": 2.25", json);
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("fr-FR")]
    public void StepReport_TextAndLatex_WriteDecimalPoints(string culture)
    {
        using var _ = new CultureScope(culture);
        var report = StepReport.Create(ExplainFiles.Load("e9.grad").Evaluate(), 0.01);
        foreach (var format in new[] { OutputFormat.Text, OutputFormat.Markdown, OutputFormat.Latex })
        {
            var text = StepRenderer.Render(report, format);
            // Spec E9: W1[0,0] = 1 − 0.01·(−18) = 1.18.
            Assert.Contains("1.18", text);
            Assert.DoesNotContain("1,18", text);
            Assert.DoesNotContain("0,01", text);
        }
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("fr-FR")]
    public void ProgramValues_AreReadWithDecimalPoints(string culture)
    {
        using var _ = new CultureScope(culture);
        Assert.Equal(0.25, GradProgram.ParseValue("0.25").Item());
        Assert.Equal(0.25, GradProgram.Parse("input x = 0.25\ny = x * 1\n").Evaluate().Value("y").Item());
    }
}
