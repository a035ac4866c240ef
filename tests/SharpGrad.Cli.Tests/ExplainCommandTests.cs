namespace SharpGrad.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public class ExplainCommandTests
{
    [Fact]
    public void Explain_E2_Factored()
    {
        var (code, stdout, stderr) = CliRunner.Run("explain", CliRunner.Example("e2.grad"), "--wrt", "n1");
        Assert.Equal(0, code);
        Assert.Contains("∂E/∂n1 = (∂E/∂n6 · ∂n6/∂n3 + ∂E/∂n8 · ∂n8/∂n3) · ∂n3/∂n1 + ∂E/∂n7 · ∂n7/∂n5 · ∂n5/∂n1", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void Explain_UnknownWrt_IsExit2()
    {
        var (code, _, stderr) = CliRunner.Run("explain", CliRunner.Example("e2.grad"), "--wrt", "nope");
        Assert.Equal(2, code);
        Assert.Contains("nope", stderr);
    }

    [Fact]
    public void Explain_TooManyPaths_IsRefusedWithExit2()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fc-{Guid.NewGuid():N}.grad");
        var sb = new System.Text.StringBuilder("input x = 0.5\n");
        for (int j = 1; j <= 12; j++) sb.Append($"n_1_{j} = g(x)\n");
        for (int l = 2; l <= 12; l++)
            for (int j = 1; j <= 12; j++)
                sb.Append($"n_{l}_{j} = g(").Append(string.Join(" + ", Enumerable.Range(1, 12).Select(k => $"n_{l - 1}_{k}"))).Append(")\n");
        sb.Append("E = ").Append(string.Join(" + ", Enumerable.Range(1, 12).Select(k => $"n_12_{k}"))).Append('\n');
        File.WriteAllText(path, sb.ToString());
        try
        {
            var (code, _, stderr) = CliRunner.Run("explain", path, "--wrt", "n_1_1", "--form", "paths");
            Assert.Equal(2, code);
            Assert.Contains("743008370688 paths", stderr);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Explain_Json_GivesAnExpressionThatCheckAccepts()
    {
        // e11 by hand: ∂J̃/∂w = 2(w − t) + α·p·|w|^(p−1)·sign(w).
        var (code, stdout, stderr) = CliRunner.Run("explain", CliRunner.Example("e11.grad"), "--wrt", "w", "--form", "closed", "--json");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal("closed", root.GetProperty("form").GetString());
        Assert.Equal("gradient", root.GetProperty("layout").GetString());
        Assert.Contains("\\odot", root.GetProperty("latex").GetString());
        var expression = root.GetProperty("expression").GetString()!;
        var (checkCode, checkOut, _) = CliRunner.Run("check", CliRunner.Example("e11.grad"), "--wrt", "w", "--expr", expression);
        Assert.Equal(0, checkCode);
        Assert.StartsWith("correct", checkOut);
    }

    [Fact]
    public void Explain_DenominatorLayout_WritesTheChainFromTheVariableUp_AsShapesDoes()
    {
        var (code, stdout, _) = CliRunner.Run("explain", CliRunner.Example("e6-vector.grad"), "--wrt", "f0", "--layout", "denominator");
        Assert.Equal(0, code);
        Assert.Contains("Layout: denominator", stdout);
        Assert.Contains("∂loss/∂(f0)_d = ∂h1/∂(f0)_d · ∂f1/∂h1 · ∂h2/∂f1 · ∂f2/∂h2 · ∂h3/∂f2 · ∂f3/∂h3 · ∂loss/∂f3", stdout);
        var (_, shapes, _) = CliRunner.Run("shapes", CliRunner.Example("e6-vector.grad"), "--wrt", "f0", "--layout", "denominator");
        Assert.Contains("∂h1/∂f0 · ∂f1/∂h1 · ∂h2/∂f1 · ∂f2/∂h2 · ∂h3/∂f2 · ∂f3/∂h3 · ∂loss/∂f3", shapes);
        var (_, numerator, _) = CliRunner.Run("explain", CliRunner.Example("e6-vector.grad"), "--wrt", "f0", "--layout", "numerator");
        Assert.Contains("∂loss/∂(f0)_d = ∂loss/∂f3 · ∂f3/∂h3", numerator);
    }

    [Fact]
    public void Explain_Standalone_IsACompleteLatexDocument()
    {
        var (code, stdout, _) = CliRunner.Run("explain", CliRunner.Example("e3.grad"), "--wrt", "n1", "--format", "latex", "--standalone");
        Assert.Equal(0, code);
        Assert.StartsWith("\\documentclass{article}", stdout);
        Assert.Contains("\\allowdisplaybreaks", stdout);
        Assert.Contains("\\begin{align*}", stdout);
        Assert.EndsWith("\\end{document}\n", stdout);
        var (textCode, _, stderr) = CliRunner.Run("explain", CliRunner.Example("e3.grad"), "--wrt", "n1", "--standalone");
        Assert.Equal(2, textCode);
        Assert.Contains("--format latex", stderr);
    }

    [Fact]
    public void Explain_Latex_EscapesANameThatStartsWithAnUnderscore()
    {
        var path = Path.Combine(Path.GetTempPath(), $"us-{Guid.NewGuid():N}.grad");
        File.WriteAllText(path, "param _ = 3\nJ = _ * _\n");
        try
        {
            // J = _·_, so ∂J/∂_ = 2·_; the name is the character \_, not a bare subscript.
            var (code, stdout, _) = CliRunner.Run("explain", path, "--wrt", "_", "--format", "latex", "--standalone");
            Assert.Equal(0, code);
            Assert.Contains("\\frac{\\partial J}{\\partial \\_} &= 2 \\cdot \\_\n", stdout);
            Assert.DoesNotContain("\\partial _", stdout);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Explain_Expand_WritesSoftmaxInExponentials()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sm-{Guid.NewGuid():N}.grad");
        File.WriteAllText(path, "param z = [0.5, -1, 2]\ninput c = [1, 2, -1]\nL = sum(c * softmax(z))\n");
        try
        {
            var (_, plain, _) = CliRunner.Run("explain", path, "--wrt", "z", "--form", "closed");
            Assert.Contains("∂L/∂z = softmax(z) ⊙ (c − L)", plain);   // the sum of c ⊙ softmax(z) is L itself
            var (code, expanded, _) = CliRunner.Run("explain", path, "--wrt", "z", "--form", "closed", "--expand");
            Assert.Equal(0, code);
            Assert.DoesNotContain("softmax", expanded.Split('\n')[2]);
            Assert.Contains("exp(z)", expanded);
        }
        finally { File.Delete(path); }
    }
    [Fact]
    public void Explain_Expand_WritesLayerNormAndTheLossesOut()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ln-{Guid.NewGuid():N}.grad");
        File.WriteAllText(path, "param r = [1, -2, 0.5]\ninput z = [2.5, 0.5, -4.5]\ntarget y = [1, 0, 1]\nL = sum(r * layer_norm(z)) + mse_loss(r, z) + binary_cross_entropy(sigmoid(r), y)\n");
        try
        {
            // ∂L/∂r = layer_norm(z) + 2(r − z)/3 + (σ(r) − y)/3: the layer norm shown as itself, or written out on request.
            var (_, plain, _) = CliRunner.Run("explain", path, "--wrt", "r", "--form", "closed");
            Assert.Contains("layer_norm(z)", plain);
            var (code, expanded, _) = CliRunner.Run("explain", path, "--wrt", "r", "--form", "closed", "--expand");
            Assert.Equal(0, code);
            Assert.DoesNotContain("layer_norm", expanded.Split('\n')[2]);
            Assert.Contains("(z − mean(z))/sqrt(mean((z − mean(z))^2) + 1e-5)", expanded);
        }
        finally { File.Delete(path); }
    }
}
