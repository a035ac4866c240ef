using SharpGrad.NN;
using SharpGrad.Optim;

namespace SharpGrad.Tests.NN;

/// <summary>Module.To converts in place, so tensors held elsewhere (fields, optimisers) follow the model.</summary>
public class ModuleToTests
{
    [Fact]
    public void To_KeepsTheSameParameterObjects_WithConvertedValues()
    {
        var linear = new Linear(3, 2, generator: new Generator(4));
        var model = new Sequential(linear, new BatchNorm1d(2));
        var weight = linear.Weight;
        var before = weight.ToFloatArray();
        weight.Grad = Tensor.Ones(2, 3);
        model.To(DType.Float64);
        Assert.Same(weight, linear.Weight);
        Assert.Same(weight, model.Parameters().First());
        Assert.Equal(DType.Float64, weight.DType);
        Assert.Equal(before.Select(v => (double)v), weight.ToDoubleArray());   // float32 → float64 is exact
        Assert.True(weight.RequiresGrad && weight.IsLeaf);
        Assert.Equal(DType.Float64, weight.Grad!.DType);
        Assert.Equal([1.0, 1, 1, 1, 1, 1], weight.Grad.ToDoubleArray());
        Assert.Equal(DType.Float64, ((BatchNorm)model.Layers[1]).RunningMean.DType);
        Assert.Equal(DType.Int32, ((BatchNorm)model.Layers[1]).NumBatchesTracked.DType);
        Assert.All(model.StateDict().Values, t => Assert.NotEqual(DType.Float32, t.DType));
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void OptimiserCreatedBeforeTo_StillTrainsTheModel(string kind)
    {
        // y = 2·x0 − x1 + 0.5·x2, learnt by one Linear layer in float64 after the optimiser was made.
        var model = new Sequential(new Linear(3, 1, generator: new Generator(9)));
        Optimizer opt = kind == "sgd" ? new Sgd(model.Parameters(), 0.1) : new Adam(model.Parameters(), 0.05);
        model.To(DType.Float64);
        var x = Tensor.Uniform([32, 3], -1, 1, new Generator(10), DType.Float64);
        var y = x.MatMul(Tensor.FromArray([2.0, -1.0, 0.5], 3, 1));
        double first = 0, last = 0;
        for (int step = 0; step < 100; step++)
        {
            var loss = Functional.MseLoss(model.Call(x), y);
            Assert.Equal(DType.Float64, loss.DType);
            if (step == 0) first = loss.Item();
            last = loss.Item();
            opt.ZeroGrad();
            loss.Backward();
            opt.Step();
        }
        Assert.True(last < 0.01 * first, $"loss went from {first} to {last}");
    }
}
