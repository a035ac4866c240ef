namespace SharpGrad.Tests;

/// <summary>The README's examples, run as written, so the documentation cannot rot.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void LinearRegressionExample_RecoversTheTrueWeights()
    {
        var x = Tensor.Normal([64, 3], generator: new Generator(42));
        var y = x.MatMul(Tensor.FromArray([2f, -1f, 0.5f], 3, 1)) + 0.3;
        var w = Tensor.Zeros(3, 1).RequireGrad();
        var b = Tensor.Zeros(1).RequireGrad();
        for (int step = 0; step < 200; step++)
        {
            var loss = (x.MatMul(w) + b - y).Pow(2).Mean();
            w.Grad = b.Grad = null;
            loss.Backward();
            using (SharpGrad.Autograd.NoGrad()) { w.AddInPlace(w.Grad!, -0.1); b.AddInPlace(b.Grad!, -0.1); }
        }
        var learned = w.ToDoubleArray();
        Assert.Equal(2.0, learned[0], 3);
        Assert.Equal(-1.0, learned[1], 3);
        Assert.Equal(0.5, learned[2], 3);
        Assert.Equal(0.3, b.Item(), 3);
        Assert.StartsWith("tensor([[ 2.0000],", w.ToString());
    }

    [Fact]
    public void SecondDerivativeAndCheckerExample_Work()
    {
        var t = Tensor.Scalar(0.5, DType.Float64).RequireGrad();
        var dSin = SharpGrad.Autograd.Grad(t.Sin(), t, createGraph: true);
        var d2Sin = SharpGrad.Autograd.Grad(dSin, t);
        Assert.Equal(Math.Cos(0.5), dSin.Item(), 15);
        Assert.Equal(-Math.Sin(0.5), d2Sin.Item(), 15);
        var report = GradCheck.Check(v => (v[0].Tanh() * v[1]).Sum(),
            [Tensor.Randn(3).To(DType.Float64).RequireGrad(), Tensor.Randn(3).To(DType.Float64).RequireGrad()]);
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(6, report.EntriesCompared);
        Assert.StartsWith("passed: 6 Jacobian entries", report.ToString());
    }

    private sealed class TwoLayer : SharpGrad.NN.Module
    {
        private readonly SharpGrad.NN.Linear fc1 = new(784, 128), fc2 = new(128, 10);
        public override Tensor Forward(Tensor x) => fc2.Forward(fc1.Forward(x.Flatten(1)).Relu());
    }

    [Fact]
    public void OwnModuleExample_RegistersItsFields()
    {
        var model = new TwoLayer();
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], model.StateDict().Keys);
        Assert.Equal(["fc1", "fc2"], model.Summarize(1, 1, 28, 28).Rows.Select(r => r.Name));
    }

    [Fact]
    public void ComparisonExample_MasksAndAllClose()
    {
        var x = Tensor.FromArray([0.2f, 0.7f]);
        Assert.Equal([0f, 1f], (x >= 0.5).ToFloatArray());
        Assert.Equal([1f, 0f], (0.5 > x).ToFloatArray());
        Assert.True(x.AllClose(Tensor.FromArray([0.2f, 0.7f])));
        Assert.Equal("[2, 3]", Tensor.Zeros(2, 3).Shape.ToString());
    }
}
