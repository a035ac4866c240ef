namespace SharpGrad.Tests.Autograd;

/// <summary>User-defined functions with their own forward and backward.</summary>
public class AutogradFunctionTests
{
    /// <summary>x³ with backward 3x²·g, written with tensor ops so it is itself differentiable.</summary>
    private sealed class Cube : AutogradFunction
    {
        protected override Tensor Forward(FunctionContext context, Tensor[] inputs)
        {
            context.SaveForBackward(inputs[0]);
            return inputs[0] * inputs[0] * inputs[0];
        }

        protected override Tensor?[] Backward(FunctionContext context, Tensor gradOutput)
        {
            var x = context.SavedTensors[0];
            return [gradOutput * x * x * 3];
        }
    }

    private sealed class WrongShape : AutogradFunction
    {
        protected override Tensor Forward(FunctionContext context, Tensor[] inputs) => inputs[0] * 2;

        protected override Tensor?[] Backward(FunctionContext context, Tensor gradOutput) => [gradOutput.Sum()];
    }

    [Fact]
    public void CustomFunction_PassesGradientCheck() =>
        TestData.AssertGradients(xs => new Cube().Apply(xs[0]).Sin(), TestData.Leaf([2, 3], 81));

    [Fact]
    public void CustomFunction_SupportsSecondOrder()
    {
        var x = Tensor.Scalar(2, DType.Float64).RequireGrad();
        var d1 = SharpGrad.Autograd.Grad(new Cube().Apply(x), x, createGraph: true);
        Assert.Equal(12.0, d1.Item());
        Assert.Equal(12.0, SharpGrad.Autograd.Grad(d1, x).Item()); // 6x
        Assert.Equal("CubeBackward", new Cube().Apply(x).GradFn!.Name);
    }

    [Fact]
    public void CustomFunction_SavedTensorModifiedInPlace_IsDetected()
    {
        var w = Tensor.FromArray([1.0, 2]).RequireGrad();
        var y = new Cube().Apply(w).Sum();
        using (SharpGrad.Autograd.NoGrad()) w.AddInPlace(Tensor.Ones([2], DType.Float64));
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("CubeBackward", e.Message);
        Assert.Contains("in-place", e.Message);
    }

    [Fact]
    public void CustomFunction_ForwardRunsWithoutRecording()
    {
        var x = Tensor.FromArray([1.0, 2]);
        var y = new Cube().Apply(x);
        Assert.False(y.RequiresGrad);
        Assert.Equal([1.0, 8.0], y.ToDoubleArray());
    }

    [Fact]
    public void CustomFunction_BackwardWithWrongShape_IsAClearError()
    {
        var x = Tensor.Ones(3).RequireGrad();
        var e = Assert.Throws<InvalidOperationException>(() => new WrongShape().Apply(x).Sum().Backward());
        Assert.Contains("WrongShape", e.Message);
        Assert.Contains("[3]", e.Message);
    }
}
