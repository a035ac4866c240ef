using System.Text.Json;

namespace SharpGrad.Cli.Tests;

/// <summary>
/// examples/lstm-cell.grad and examples/attention-head.grad: <c>grad</c> gives the numbers of PyTorch's
/// nn.LSTMCell and of softmax(QKᵀ/√d)V run separately in float64 (the values written below), <c>explain</c>
/// factors the chain as the hand derivation in examples/README.md does, and <c>check</c> accepts the hand-derived
/// formulas and rejects a common slip.
/// </summary>
[Collection(ConsoleCollection.Name)]
public class SequenceExampleTests
{
    private static JsonElement Json(string file)
    {
        var (code, stdout, stderr) = CliRunner.Run("grad", CliRunner.Example(file), "--json");
        Assert.Equal("", stderr);
        Assert.Equal(0, code);
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    private static double[] Numbers(JsonElement e) => e.ValueKind == JsonValueKind.Number
        ? [e.GetDouble()]
        : e.EnumerateArray().SelectMany(Numbers).ToArray();

    private static void AssertClose(double[] expected, JsonElement actual)
    {
        var a = Numbers(actual);
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(expected[i] - a[i]) <= 1e-12, $"element {i}: expected {expected[i]}, got {a[i]}");
    }

    [Fact]
    public void LstmCell_Grad_MatchesPyTorchLstmCell()
    {
        var root = Json("lstm-cell.grad");
        Assert.Equal("h", root.GetProperty("objective").GetString());
        var v = root.GetProperty("values");
        var g = root.GetProperty("gradients");
        AssertClose([0.4023586788555162], v.GetProperty("h"));
        AssertClose([1.1118556566078874], v.GetProperty("c"));
        AssertClose([-0.012165275793562094], g.GetProperty("x"));
        AssertClose([0.1676282633360987], g.GetProperty("h0"));
        AssertClose([0.12882347800210953], g.GetProperty("c0"));
        double[] delta = [0.0335510760916594, 0.03464596927971364, 0.03700288659477362, 0.2011793394277581];
        AssertClose(delta, g.GetProperty("W_ih"));
        AssertClose([.. delta.Select(d => d * 0.5)], g.GetProperty("W_hh"));
        AssertClose(delta, g.GetProperty("b_ih"));
        AssertClose(delta, g.GetProperty("b_hh"));
    }

    [Fact]
    public void AttentionHead_Grad_MatchesPyTorch()
    {
        var root = Json("attention-head.grad");
        var v = root.GetProperty("values");
        var g = root.GetProperty("gradients");
        AssertClose([-1.453010579867259], v.GetProperty("L"));
        AssertClose([0.4011120926797859, 0.1977758146404282, 0.4011120926797859, 0.1977758146404282, 0.4011120926797859, 0.4011120926797859,
            0.24825507825772308, 0.24825507825772308, 0.5034898434845538], v.GetProperty("A"));
        AssertClose([0.11769149159570715, -0.2595454128303884, -0.19057679964865842, -0.027907591029347173, -1.035272234173408, -0.8134466065696152], g.GetProperty("X"));
        AssertClose([-0.10815754222635944, -0.10089961042935094, -0.22034748722837577, -0.044804637928342744], g.GetProperty("Wq"));
        AssertClose([-0.10815754222635943, -0.22034748722837577, -0.10089961042935094, -0.044804637928342744], g.GetProperty("Wk"));
        AssertClose([0.8022241853595719, -0.7517449217422769, 0.5988879073202141, -0.7517449217422769], g.GetProperty("Wv"));
    }

    [Theory]
    [InlineData("lstm-cell.grad", "c0", "∂h/∂c0 = ∂h/∂c · ∂c/∂c0")]
    [InlineData("attention-head.grad", "Wq", "∂L/∂O · ∂O/∂A · ∂A/∂S · ∂S/∂Q · ∂Q/∂(Wq)_d")]
    public void Explain_FactorsTheChainAsTheHandDerivation(string file, string wrt, string chain)
    {
        var (code, stdout, _) = CliRunner.Run("explain", CliRunner.Example(file), "--wrt", wrt);
        Assert.Equal(0, code);
        Assert.Contains(chain, stdout);
    }

    [Theory]
    [InlineData("lstm-cell.grad", "c0", "o * (1 - tanh(c)^2) * f")]
    [InlineData("lstm-cell.grad", "W_hh", "dh/dgates ⊗ h0")]
    [InlineData("lstm-cell.grad", "o", "tanh(c)")]
    [InlineData("attention-head.grad", "V", "Aᵀ @ R")]
    [InlineData("attention-head.grad", "A", "R @ Vᵀ")]
    [InlineData("attention-head.grad", "Q", "dL/dS @ K / sqrt(2)")]
    [InlineData("attention-head.grad", "Wq", "Xᵀ @ (dL/dS @ K) / sqrt(2)")]
    public void Check_AcceptsTheHandDerivedFormulas(string file, string wrt, string expression)
    {
        var (code, stdout, _) = CliRunner.Run("check", CliRunner.Example(file), "--wrt", wrt, "--expr", expression);
        Assert.Equal(0, code);
        Assert.StartsWith("correct:", stdout);
    }

    [Theory]
    [InlineData("lstm-cell.grad", "c0", "o * (1 - tanh(c)^2)")]          // the forget gate's factor forgotten
    [InlineData("attention-head.grad", "Q", "dL/dS @ K")]                  // the 1/√d of the scores forgotten
    public void Check_RejectsACommonSlip(string file, string wrt, string expression)
    {
        var (code, stdout, _) = CliRunner.Run("check", CliRunner.Example(file), "--wrt", wrt, "--expr", expression);
        Assert.Equal(1, code);
        Assert.StartsWith("incorrect:", stdout);
    }
}
