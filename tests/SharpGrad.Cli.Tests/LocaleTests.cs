using System.CommandLine;
using System.Globalization;
using SharpGrad.Cli.Commands;

namespace SharpGrad.Cli.Tests;

/// <summary>
/// Numbers read from the command line and written to the output mean the same under every locale:
/// de_DE reads "0.002" as 2 (the '.' is its group separator) and fr_FR refuses it, unless the
/// command line is read with the invariant culture.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class LocaleTests
{
    /// <summary>Sets the thread's culture for one test and puts the old one back.</summary>
    private sealed class CultureScope : IDisposable
    {
        private readonly CultureInfo culture = CultureInfo.CurrentCulture;
        private readonly CultureInfo uiCulture = CultureInfo.CurrentUICulture;

        public CultureScope(string name) => CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(name);

        public void Dispose() => (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (culture, uiCulture);
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("fr-FR")]
    public void Train_Lr_IsParsedWithADecimalPoint(string culture)
    {
        using var _ = new CultureScope(culture);
        var command = TrainCommand.Create();
        var lr = command.Options.OfType<Option<double>>().Single(o => o.Name == "--lr");
        var parse = command.Parse(["--lr", "0.002"]);
        Assert.Empty(parse.Errors);
        Assert.Equal(0.002, parse.GetValue(lr));
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("fr-FR")]
    public void Train_Lr_WithADecimalComma_IsRefusedNamingTheOption(string culture)
    {
        using var _ = new CultureScope(culture);
        var (code, _, stderr) = CliRunner.Run("train", "--lr", "0,002");
        Assert.Equal(2, code);
        Assert.Equal("error: --lr expects a number such as 0.01 or 1e-3, got '0,002' (write the decimal point as '.').\n", stderr);
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("fr-FR")]
    public void Step_Lr_IsTheRateWritten(string culture)
    {
        using var _ = new CultureScope(culture);
        var (code, stdout, stderr) = CliRunner.Run("step", CliRunner.Example("e9.grad"), "--lr", "0.01");
        Assert.Equal("", stderr);
        Assert.Equal(0, code);
        // Spec E9 with η = 0.01: W1[0,0] = 1 − 0.01·(−18) = 1.18 (with η = 1 it would be 19).
        Assert.Contains("η = 0.01", stdout);
        Assert.Contains("[[1.18], [−1]]", stdout);
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("fr-FR")]
    public void Step_Latex_WritesDecimalPoints(string culture)
    {
        using var _ = new CultureScope(culture);
        var (code, stdout, _) = CliRunner.Run("step", CliRunner.Example("e9.grad"), "--lr", "0.01", "--format", "latex");
        Assert.Equal(0, code);
        Assert.Contains("1.18", stdout);
        Assert.DoesNotContain("1,18", stdout);
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("fr-FR")]
    public void Grad_Json_WithSetValues_UsesDecimalPoints(string culture)
    {
        using var _ = new CultureScope(culture);
        var dir = Directory.CreateTempSubdirectory("sharpgrad-locale-").FullName;
        try
        {
            var path = Path.Combine(dir, "square.grad");
            File.WriteAllText(path, "input x\ny = x * x\n");
            var (code, stdout, stderr) = CliRunner.Run("grad", path, "--set", "x=1.5", "--json");
            Assert.True(code == 0, stderr);
            // y = 1.5² = 2.25, dy/dx = 2·1.5 = 3.
            Assert.Contains("\"x\": 1.5,", stdout);
            Assert.Contains("\"y\": 2.25", stdout);
            Assert.Contains("\"x\": 3,", stdout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("fr-FR")]
    public void Check_SetValue_IsTheNumberWritten(string culture)
    {
        using var _ = new CultureScope(culture);
        // Read as 25 (de_DE) the counterexample would show x1 = 25; read with the invariant culture it is 0.25.
        var (code, stdout, stderr) = CliRunner.Run("check", CliRunner.Example("e7.grad"), "--wrt", "x1", "--expr", "sigmoid'(x1)", "--set", "x1=0.25");
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("x1 = 0.25", stdout);
    }
}
