using System.Text;
using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>
/// One golden test per seed exercise E1–E12 of shared/spec/seed-exercises.md, each on its program in
/// examples/, in text and (where the command has --format) LaTeX. Every number in the golden files
/// was checked by hand against the spec; regenerate with SHARPGRAD_UPDATE_GOLDEN=1 only to check again.
/// </summary>
public class SeedExerciseGoldenTests
{
    private static readonly OutputFormat[] Formats = [OutputFormat.Text, OutputFormat.Latex];

    private static string Ext(OutputFormat format) => format == OutputFormat.Latex ? "tex" : "txt";

    private static string Explain(string file, string wrt, string form, OutputFormat format) =>
        $"$ explain {file} --wrt {wrt} --form {form}\n" + DerivationRenderer.Render(ChainDerivation.Create(ExplainFiles.Load(file), wrt), form, format) + "\n";

    /// <summary>Every value and gradient, six significant digits, in program order (what `grad` prints).</summary>
    private static string Grad(string file, IReadOnlyDictionary<string, Tensor>? overrides = null, string? note = null)
    {
        var evaluation = ExplainFiles.Load(file).Evaluate(overrides);
        var sb = new StringBuilder($"$ grad {file}{note}\n");
        foreach (var name in evaluation.Names)
            sb.Append($"{name} = {ValueFormat.Tensor(evaluation.Value(name))}; ∂{evaluation.ObjectiveName}/∂{name} = {ValueFormat.Tensor(evaluation.Gradient(name))}\n");
        return sb.Append('\n').ToString();
    }

    private static void ExplainGolden(string golden, params (string File, string Wrt, string Form)[] cases)
    {
        foreach (var format in Formats)
        {
            var sb = new StringBuilder();
            foreach (var (file, wrt, form) in cases) sb.Append(Explain(file, wrt, form, format));
            ExplainFiles.AssertGolden($"{golden}.{Ext(format)}", sb.ToString());
        }
    }

    // E1.1–E1.4: ∂E/∂n4, ∂E/∂w_{2,5}, ∂E/∂(v_{1,1})_d, ∂E/∂(x2)_d, as paths and factored.
    [Fact]
    public void E1_NetworkI() => ExplainGolden("seed-e1",
        ("e1.grad", "n4", "paths"), ("e1.grad", "w_2_5", "paths"), ("e1.grad", "v_1_1", "paths"), ("e1.grad", "v_1_1", "factored"),
        ("e1.grad", "x2", "paths"), ("e1.grad", "x2", "factored"));

    // E2.1–E2.3: ∂E/∂(v_{2,2})_d, ∂E/∂w_{2,4}, ∂E/∂n1, both the sum over paths and the factored form.
    [Fact]
    public void E2_NetworkII() => ExplainGolden("seed-e2",
        ("e2.grad", "v_2_2", "paths"), ("e2.grad", "v_2_2", "factored"), ("e2.grad", "w_2_4", "paths"), ("e2.grad", "w_2_4", "factored"),
        ("e2.grad", "n1", "paths"), ("e2.grad", "n1", "factored"));

    // E3: a path to a neuron in layer k has k factors (n5 is layer 1, n1 layer 5), and path counts.
    [Fact]
    public void E3_FactorsPerPath() => ExplainGolden("seed-e3",
        ("e3.grad", "n5", "paths"), ("e3.grad", "n3", "paths"), ("e3.grad", "n1", "paths"), ("e3.grad", "w1", "factored"));

    // E4: 786528, 7008, 288.
    [Fact]
    public void E4_ConvParameters() =>
        ExplainFiles.AssertGolden("seed-e4-shapes.txt", ConvShapes.Render(ExplainFiles.Load("e4.grad")));

    // E10: two 2×2 filters on a 4×4 input: 2×3×3 at stride 1, 2×2×2 at stride 2; and O = [[6, 8], [9, 8]].
    [Fact]
    public void E10_Convolution() =>
        ExplainFiles.AssertGolden("seed-e10.txt", ConvShapes.Render(ExplainFiles.Load("e10.grad")) + "\n" + Grad("e10.grad"));

    // E5: y = 0.778 and the 13 partials; explain closed for θ01.
    [Fact]
    public void E5_ReluNetwork()
    {
        ExplainFiles.AssertGolden("seed-e5-grad.txt", Grad("e5.grad"));
        ExplainGolden("seed-e5-explain", ("e5.grad", "theta01", "closed"));
    }

    // E6: ℓ = 0.704069, ∂ℓ/∂β, ∂ℓ/∂ω; the Jacobian sizes of the vector version.
    [Fact]
    public void E6_SinExpCosChain()
    {
        var evaluation = ExplainFiles.Load("e6.grad").Evaluate();
        string F6(string name) => evaluation.Value(name).Item().ToString("F6", System.Globalization.CultureInfo.InvariantCulture);
        string G6(string stem) => "(" + string.Join(", ", Enumerable.Range(0, 4).Select(i =>
            evaluation.Gradient($"{stem}{i}").Item().ToString("F6", System.Globalization.CultureInfo.InvariantCulture))) + ")";
        var sixDecimals = $"ℓ = {F6("loss")}; ∂ℓ/∂β = {G6("beta")}; ∂ℓ/∂ω = {G6("omega")}\n";
        Assert.Equal("ℓ = 0.704069; ∂ℓ/∂β = (-0.537387, -1.238476, 1.311015, 1.678176); ∂ℓ/∂ω = (-0.322432, -0.615374, 1.376084, 1.341364)\n", sixDecimals);
        ExplainFiles.AssertGolden("seed-e6-grad.txt", sixDecimals + "\n" + Grad("e6.grad"));
        ExplainFiles.AssertGolden("seed-e6-shapes.txt", JacobianShapes.Create(ExplainFiles.Load("e6-vector.grad"), "f0").Render());
    }

    // E7: ∂y/∂x_k = σ(x_k)(1 − σ(x_k)) whichever input is larger.
    [Fact]
    public void E7_MaxMinDag()
    {
        ExplainGolden("seed-e7-explain", ("e7.grad", "x1", "closed"), ("e7.grad", "x2", "closed"));
        var swapped = new Dictionary<string, Tensor> { ["x1"] = Tensor.Scalar(-1, DType.Float64), ["x2"] = Tensor.Scalar(0.5, DType.Float64) };
        ExplainFiles.AssertGolden("seed-e7-grad.txt", Grad("e7.grad") + Grad("e7.grad", swapped, " --set x1=-1 --set x2=0.5"));
    }

    // E8: the correct batch-norm backward is accepted, seed 003's formula (1) rejected.
    [Fact]
    public void E8_BatchNormCheck()
    {
        var program = ExplainFiles.Load("e8.grad");
        var sb = new StringBuilder();
        void Add(string wrt, string expr) => sb.Append($"$ check e8.grad --wrt {wrt} --expr \"{expr}\"\n").Append(DerivativeChecker.Check(program, wrt, expr).ToText()).Append('\n');
        Add("x", "(1 / sqrt(var + 1e-5)) * (r - mean(r) - xhat * mean(r * xhat))");
        Add("beta", "sum(r)");
        Add("x", "r / sqrt(var + 1e-5) + sum(r * d * (-0.5) * (var + 1e-5)^(-1.5)) * (2/4) * sum(x - mu) + (-sum(r) / sqrt(var + 1e-5)) / 4");
        ExplainFiles.AssertGolden("seed-e8-check.txt", sb.ToString());
    }

    // E9: the worked example's golden files are those of StepTests (e9-step.txt, .md, .tex).
    [Theory]
    [InlineData(OutputFormat.Text, "e9-step.txt")]
    [InlineData(OutputFormat.Markdown, "e9-step.md")]
    [InlineData(OutputFormat.Latex, "e9-step.tex")]
    public void E9_WorkedExample(OutputFormat format, string golden) =>
        ExplainFiles.AssertGolden(golden, StepRenderer.Render(StepReport.Create(ExplainFiles.Load("e9.grad").Evaluate(), 0.01), format));

    // E11: ∇J̃ = ∇J + α·p·|w|^(p−1)·sign(w), computed here independently of the engine.
    [Theory]
    [InlineData(3.0)]
    [InlineData(2.0)]
    public void E11_LpRegularisation(double p)
    {
        double[] w = [0.5, -2, 1.5], t = [1, 0, 1];
        const double alpha = 0.1;
        var overrides = new Dictionary<string, Tensor> { ["p"] = Tensor.Scalar(p, DType.Float64) };
        var evaluation = ExplainFiles.Load("e11.grad").Evaluate(overrides);
        var gradient = evaluation.Gradient("w").ToArray<double>();
        for (int i = 0; i < w.Length; i++)
        {
            var expected = 2 * (w[i] - t[i]) + alpha * p * Math.Pow(Math.Abs(w[i]), p - 1) * Math.Sign(w[i]);
            Assert.Equal(expected, gradient[i], 1e-12);
        }
        if (p == 3)
            ExplainFiles.AssertGolden("seed-e11-grad.txt", Grad("e11.grad"));
    }

    // E12: 426 multiplications path by path against 39 for one backward sweep.
    [Fact]
    public void E12_Cost() =>
        ExplainFiles.AssertGolden("seed-e12-cost.txt", GradientCost.Create(ExplainFiles.Load("e12.grad")).Render());
}
