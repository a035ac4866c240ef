namespace SharpGrad.Tests.Ops;

/// <summary>Reductions and softmax against central differences, over one or several dimensions, with and without keepDim.</summary>
public class ReductionGradientTests
{
    public static TheoryData<string> Cases => new()
    {
        "SumAll", "SumDim0", "SumDim1Keep", "SumDims02", "MeanAll", "MeanDim", "VarUnbiased", "VarBiasedDims", "VarAll",
        "StdDim", "MaxAll", "MaxDim", "MinDimsKeep", "LogSumExpDim", "LogSumExpAll", "SoftmaxLast", "SoftmaxDim0", "LogSoftmax",
    };

    private static Tensor Apply(string op, Tensor x) => op switch
    {
        "SumAll" => x.Sum(),
        "SumDim0" => x.Sum(0),
        "SumDim1Keep" => x.Sum(1, keepDim: true) * x,
        "SumDims02" => x.Sum([0, 2]),
        "MeanAll" => x.Mean(),
        "MeanDim" => x.Mean(-1),
        "VarUnbiased" => x.Var(1),
        "VarBiasedDims" => x.Var([0, 2], correction: 0, keepDim: true),
        "VarAll" => x.Var(),
        "StdDim" => x.Std(2),
        "MaxAll" => x.Max(),
        "MaxDim" => x.Max(1),
        "MinDimsKeep" => x.Min([1, 2], keepDim: true),
        "LogSumExpDim" => x.LogSumExp(2),
        "LogSumExpAll" => x.LogSumExp(),
        "SoftmaxLast" => x.Softmax(-1),
        "SoftmaxDim0" => x.Softmax(0),
        "LogSoftmax" => x.LogSoftmax(1),
        _ => throw new ArgumentException(op),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reduction_Contiguous_MatchesFiniteDifferences(string op) =>
        TestData.AssertGradients(xs => Apply(op, xs[0]), TestData.Leaf([2, 3, 4], 41));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reduction_Permuted_MatchesFiniteDifferences(string op)
    {
        var x = Tensor.Uniform([4, 2, 3], -2, 2, new Generator(42), DType.Float64).Permute(1, 2, 0).RequireGrad();
        Assert.False(x.IsContiguous);
        TestData.AssertGradients(xs => Apply(op, xs[0]), x);
    }

    [Fact]
    public void Max_Ties_ShareGradientEqually()
    {
        var x = Tensor.FromArray([1.0, 3.0, 3.0, 2.0], 2, 2).RequireGrad();
        x.Max().Backward();
        Assert.Equal([0.0, 0.5, 0.5, 0.0], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Max_AlongDim_SendsGradientToEachRowsMaximum()
    {
        var x = Tensor.FromArray([1.0, 5.0, 2.0, 7.0, 0.0, 7.0], 2, 3).RequireGrad();
        x.Max(1).Backward(Tensor.FromArray([10.0, 20.0]));
        Assert.Equal([0.0, 10, 0, 10, 0, 10], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Softmax_ExtremeLogits_StaysFiniteWithExactGradient()
    {
        var x = Tensor.FromArray([1e4, -1e4, 0.0]).RequireGrad();
        var p = x.Softmax();
        Assert.Equal([1.0, 0.0, 0.0], p.ToDoubleArray());
        var lp = x.LogSoftmax().ToDoubleArray();
        Assert.Equal([0.0, -2e4, -1e4], lp);
        // ∂(log softmax)_0/∂x = e_0 − softmax = (0, 0, 0) here.
        x.LogSoftmax()[0].Backward();
        Assert.All(x.Grad!.ToDoubleArray(), g => Assert.Equal(0.0, g, 12));
    }

    [Fact]
    public void Softmax_ExtremeLogitsFloat32_StaysFinite()
    {
        var x = Tensor.FromArray([1e4f, -1e4f, 0f, 1e4f]);
        var p = x.Softmax().ToFloatArray();
        Assert.Equal([0.5, 0, 0, 0.5], p.Select(v => Math.Round(v, 6)));
        Assert.Equal(1e4 + Math.Log(2), x.LogSumExp().Item(), 2);
    }
}
