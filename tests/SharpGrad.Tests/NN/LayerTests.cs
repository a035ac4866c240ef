using SharpGrad.NN;

namespace SharpGrad.Tests.NN;

/// <summary>The layer modules: parameter counts, shapes, modes and their agreement with the functional forms.</summary>
public class LayerTests
{
    [Theory]
    [InlineData(64, 2, 96, 786_528)]
    [InlineData(6, 2, 96, 7_008)]
    [InlineData(1, 2, 96, 288)]
    public void E4_Conv2dParameterCount_IsFSquaredTimesDTimesCPlusC(int f, int d, int c, long expected)
    {
        var conv = new Conv2d(d, c, f);
        Assert.Equal(expected, conv.ParameterCount);
        Assert.Equal((long)f * f * d * c + c, conv.ParameterCount);
    }

    [Fact]
    public void E10_Conv2dModule_OutputShapesAtStrideOneAndTwo()
    {
        var x = Tensor.Zeros(1, 1, 4, 4);
        Assert.Equal([1, 2, 3, 3], new Conv2d(1, 2, 2).Forward(x).Shape.ToArray());
        Assert.Equal([1, 2, 2, 2], new Conv2d(1, 2, 2, stride: 2).Forward(x).Shape.ToArray());
    }

    [Fact]
    public void E10_Conv2dModule_CrossCorrelatesWithLoadedKernel()
    {
        var conv = new Conv2d(1, 1, 2, bias: false, dtype: DType.Float64);
        conv.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = Tensor.FromArray([1.0, 0, 0, 1], 1, 1, 2, 2) });
        var image = Tensor.FromArray([1.0, 2, 3, 4, 5, 6, 1, 5, 3], 1, 1, 3, 3);
        Assert.Equal([6.0, 8, 9, 8], conv.Forward(image).ToDoubleArray());
    }

    [Fact]
    public void Conv2d_SamePadding_KeepsSpatialSize()
    {
        var conv = new Conv2d(3, 4, 5, "same");
        Assert.Equal([2, 4, 7, 9], conv.Forward(Tensor.Zeros(2, 3, 7, 9)).Shape.ToArray());
    }

    [Fact]
    public void Conv2d_WrongChannelCount_NamesTheLayerAndShape()
    {
        var e = Assert.Throws<ArgumentException>(() => new Conv2d(3, 4, 3).Forward(Tensor.Zeros(1, 2, 5, 5)));
        Assert.Contains("Conv2d", e.Message);
        Assert.Contains("[1, 2, 5, 5]", e.Message);
    }

    [Fact]
    public void Conv2d_GroupsMustDivideChannels() =>
        Assert.Throws<ArgumentException>(() => new Conv2d(3, 4, 3, groups: 2));

    [Fact]
    public void BatchNorm2d_TrainUpdatesRunningStats_EvalUsesThem()
    {
        var bn = new BatchNorm2d(1, momentum: 0.5, dtype: DType.Float64);
        var x = Tensor.FromArray([1.0, 2, 3, 6], 2, 1, 1, 2);   // mean 3, unbiased var 14/3, biased var 3.5
        var y = bn.Forward(x);
        double std = Math.Sqrt(3.5 + 1e-5);
        Assert.Equal(new[] { -2 / std, -1 / std, 0, 3 / std }, y.ToDoubleArray(), new Close(1e-9));
        Assert.Equal([1.5], bn.RunningMean.ToDoubleArray());                    // 0.5·0 + 0.5·3
        Assert.Equal(0.5 + 0.5 * 14.0 / 3, bn.RunningVar.Item(), 12);          // 0.5·1 + 0.5·14/3
        bn.Eval();
        var z = bn.Forward(Tensor.FromArray([1.5, 2.5], 1, 1, 1, 2));
        double s = Math.Sqrt(bn.RunningVar.Item() + 1e-5);
        Assert.Equal(new[] { 0.0, 1 / s }, z.ToDoubleArray(), new Close(1e-12));
    }

    [Fact]
    public void BatchNorm1d_AcceptsTwoAndThreeDimensionalInputs_RejectsOthers()
    {
        var bn = new BatchNorm1d(3);
        Assert.Equal([4, 3], bn.Forward(Tensor.Randn(4, 3)).Shape.ToArray());
        Assert.Equal([4, 3, 5], bn.Forward(Tensor.Randn(4, 3, 5)).Shape.ToArray());
        var e = Assert.Throws<ArgumentException>(() => bn.Forward(Tensor.Zeros(4, 3, 2, 2)));
        Assert.Contains("rank 2 or 3", e.Message);
        Assert.Contains("running_mean", string.Join(",", bn.StateDict().Keys));
    }

    [Fact]
    public void Dropout_TrainZeroesAndScales_EvalIsIdentity()
    {
        var drop = new Dropout(0.25, new Generator(3));
        var x = Tensor.Ones(1000);
        var y = drop.Forward(x).ToFloatArray();
        Assert.All(y, v => Assert.True(v == 0f || Math.Abs(v - 1 / 0.75f) < 1e-6));
        Assert.InRange(y.Count(v => v == 0) / 1000.0, 0.2, 0.3);
        drop.Eval();
        Assert.Equal(x.ToFloatArray(), drop.Forward(x).ToFloatArray());
    }

    [Fact]
    public void PoolingModules_MatchHandValues()
    {
        var x = Tensor.FromArray([1f, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], 1, 1, 4, 4);
        Assert.Equal([6f, 8, 14, 16], new MaxPool2d(2).Forward(x).ToFloatArray());
        Assert.Equal([3.5f, 5.5f, 11.5f, 13.5f], new AvgPool2d(2).Forward(x).ToFloatArray());
        Assert.Equal([8.5f], new AdaptiveAvgPool2d(1).Forward(x).ToFloatArray());
    }

    [Fact]
    public void LayerNorm_NormalisesTheLastDimension()
    {
        var ln = new LayerNorm([4], dtype: DType.Float64);
        var y = ln.Forward(Tensor.FromArray([1.0, 2, 3, 4], 1, 4)).ToDoubleArray();
        double std = Math.Sqrt(1.25 + 1e-5);
        Assert.Equal(new[] { -1.5 / std, -0.5 / std, 0.5 / std, 1.5 / std }, y, new Close(1e-12));
    }

    [Fact]
    public void CnnSummary_ListsEveryLayerWithShapes()
    {
        var summary = MnistModels.Cnn().Summarize(2, 1, 28, 28);
        Assert.Equal(10, summary.Rows.Count);
        Assert.Equal([2, 8, 28, 28], summary.Rows[0].OutputShape);
        Assert.Equal([2, 16, 5, 5], summary.Rows[5].OutputShape);
        Assert.Equal([2, 400], summary.Rows[6].OutputShape);
        Assert.Equal([2, 10], summary.Rows[^1].OutputShape);
        long expected = (8 * 25 + 8) + (16 * 8 * 25 + 16) + (400 * 120 + 120) + (120 * 10 + 10);
        Assert.Equal(expected, summary.TotalParameters);
    }

    [Fact]
    public void Modules_InFloat64_PassGradientChecks()
    {
        var model = new Sequential(
            new Conv2d(2, 3, 3, padding: 1, generator: new Generator(1)),
            new BatchNorm2d(3),
            new Tanh(),
            new MaxPool2d(2),
            new Flatten(),
            new Linear(12, 2, generator: new Generator(2))).To(DType.Float64);
        var x = TestData.Leaf([2, 2, 4, 4], 5);
        TestData.AssertGradients(t => model.Forward(t[0]), x);
    }

    private sealed class Close(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= eps;

        public int GetHashCode(double obj) => 0;
    }
}
