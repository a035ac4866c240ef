using SharpGrad.IO.Onnx;
using SharpGrad.NN;

namespace SharpGrad.Onnx.Tests;

/// <summary>
/// One small model per supported layer and setting, each compared with ONNX Runtime on a batch
/// of a different size from the trace (so the batch dimension is proven dynamic).
/// </summary>
public sealed class LayerExportTests
{
    private static Generator Rng(ulong seed) => new(seed);

    [Fact]
    public void Linear_Gemm() => OnnxRuntimeCheck.AssertMatches(new Sequential(new Linear(6, 4, generator: Rng(1))), [2, 6], batch: 5);

    [Fact]
    public void Linear_WithoutBias() => OnnxRuntimeCheck.AssertMatches(new Sequential(new Linear(6, 4, bias: false, generator: Rng(2))), [2, 6], batch: 3);

    [Fact]
    public void Linear_Rank3Input_MatMulAdd() => OnnxRuntimeCheck.AssertMatches(new Sequential(new Linear(6, 4, generator: Rng(3))), [1, 5, 6], batch: 3);

    [Fact]
    public void Linear_AsTheWholeModel() => OnnxRuntimeCheck.AssertMatches(new Linear(3, 2, generator: Rng(4)), [1, 3], batch: 4);

    [Fact]
    public void Conv2d_StridePaddingDilationGroups() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new Conv2d(4, 6, [3, 3], [2, 1], [1, 2], [2, 1], groups: 2, generator: Rng(5))), [1, 4, 9, 10], batch: 3);

    [Fact]
    public void Conv2d_SamePadding_EvenKernel_PadsMoreAfter() =>
        // Kernel 4: 3 rows of padding in all, 1 before and 2 after.
        OnnxRuntimeCheck.AssertMatches(new Sequential(new Conv2d(3, 4, 4, "same", generator: Rng(6))), [1, 3, 9, 8], batch: 2);

    [Fact]
    public void Conv2d_SamePadding_Dilated() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new Conv2d(3, 4, 3, "same", dilation: 2, generator: Rng(8))), [1, 3, 7, 8], batch: 2);

    [Fact]
    public void Conv2d_ValidPadding_NoBias() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new Conv2d(2, 3, 3, "valid", bias: false, generator: Rng(7))), [1, 2, 6, 6], batch: 2);

    [Fact]
    public void MaxPool2d_PaddingAndDilation() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new MaxPool2d(3, stride: 2, padding: 1, dilation: 2)), [1, 2, 9, 9], batch: 3);

    [Fact]
    public void MaxPool2d_CeilMode() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new MaxPool2d(2, ceilMode: true)), [1, 2, 7, 5], batch: 3);

    [Fact]
    public void MaxPool2d_CeilMode_LastWindowInThePaddingIsDropped() =>
        // 5 wide, kernel 3, stride 3, padding 1: ONNX's formula gives 3 outputs, PyTorch's rule 2.
        OnnxRuntimeCheck.AssertMatches(new Sequential(new MaxPool2d(3, stride: 3, padding: 1, ceilMode: true)), [1, 2, 5, 5], batch: 2);

    [Fact]
    public void AvgPool2d_Plain() => OnnxRuntimeCheck.AssertMatches(new Sequential(new AvgPool2d(2)), [1, 3, 6, 6], batch: 2);

    [Fact]
    public void AvgPool2d_PaddingCountsInDivisor() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new AvgPool2d(3, stride: 2, padding: 1)), [1, 3, 7, 7], batch: 2);

    [Fact]
    public void AvgPool2d_CountIncludePadFalse_CeilMode() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new AvgPool2d(3, stride: 2, padding: 1, countIncludePad: false, ceilMode: true)), [1, 3, 8, 8], batch: 2);

    [Fact]
    public void AdaptiveAvgPool2d_1x1_GlobalAveragePool() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new AdaptiveAvgPool2d(1)), [1, 3, 5, 7], batch: 2);

    [Fact]
    public void AdaptiveAvgPool2d_2x2On4x4() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new AdaptiveAvgPool2d(2)), [1, 3, 4, 4], batch: 2);

    [Fact]
    public void AdaptiveAvgPool2d_UnequalBins_IsAClearError()
    {
        var model = new Sequential(new ReLU(), new AdaptiveAvgPool2d(3));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ToBytes(model, [1, 2, 4, 4]));
        Assert.StartsWith("AdaptiveAvgPool2d at '1' cannot be exported to ONNX", e.Message);
    }

    [Fact]
    public void BatchNorm1d_OnFeatures_EvalMode() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(WithStats(new BatchNorm1d(5, eps: 1e-3), 21)), [1, 5], batch: 4);

    [Fact]
    public void BatchNorm1d_OnSequences_EvalMode() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(WithStats(new BatchNorm1d(5), 22)), [1, 5, 7], batch: 3);

    [Fact]
    public void BatchNorm2d_EvalMode() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new Conv2d(2, 3, 3, generator: Rng(23)), WithStats(new BatchNorm2d(3), 24)), [1, 2, 6, 6], batch: 3);

    [Fact]
    public void BatchNorm2d_WithoutAffine() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(WithStats(new BatchNorm2d(3, affine: false), 25)), [1, 3, 4, 4], batch: 2);

    [Fact]
    public void LayerNorm_LastDimension() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(WithAffine(new LayerNorm([6]), 26)), [1, 4, 6], batch: 3);

    [Fact]
    public void LayerNorm_TwoDimensionsWithoutAffine() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new LayerNorm([4, 6], elementwiseAffine: false)), [1, 4, 6], batch: 3);

    [Fact]
    public void Flatten_Default() => OnnxRuntimeCheck.AssertMatches(new Sequential(new Flatten()), [1, 2, 3, 4], batch: 3);

    [Fact]
    public void Flatten_MiddleDimensions_Reshape() => OnnxRuntimeCheck.AssertMatches(new Sequential(new Flatten(1, 2)), [1, 2, 3, 4], batch: 3);

    [Fact]
    public void Flatten_FromDimension2_Reshape() => OnnxRuntimeCheck.AssertMatches(new Sequential(new Flatten(2)), [1, 2, 3, 4], batch: 3);

    [Fact]
    public void Flatten_IncludingTheBatch_Reshape() => OnnxRuntimeCheck.AssertMatches(new Sequential(new Flatten(0)), [1, 2, 3], batch: 3);

    [Fact]
    public void Dropout_IsTheIdentity() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new Linear(4, 4, generator: Rng(27)), new Dropout(0.5), new ReLU()), [1, 4], batch: 3);

    [Fact]
    public void Dropout_Alone_BecomesIdentity() => OnnxRuntimeCheck.AssertMatches(new Sequential(new Dropout(0.3)), [1, 4], batch: 3);

    public static TheoryData<string> Activations => ["relu", "leaky", "sigmoid", "tanh", "gelu", "softmax", "softmax1"];

    [Theory]
    [MemberData(nameof(Activations))]
    public void Activation(string name)
    {
        Module layer = name switch
        {
            "relu" => new ReLU(),
            "leaky" => new LeakyReLU(0.2),
            "sigmoid" => new Sigmoid(),
            "tanh" => new Tanh(),
            "gelu" => new GELU(),
            "softmax" => new Softmax(),
            _ => new Softmax(1),
        };
        OnnxRuntimeCheck.AssertMatches(new Sequential(layer), [1, 3, 5], batch: 4, scale: 3);
    }

    [Fact]
    public void NestedSequentials()
    {
        var model = new Sequential(
            new Sequential(new Conv2d(1, 2, 3, padding: 1, generator: Rng(31)), new GELU()).Add(new MaxPool2d(2), "pool"),
            new Sequential(new Flatten(), new Sequential(new Linear(32, 5, generator: Rng(32)), new Tanh())));
        OnnxRuntimeCheck.AssertMatches(model, [1, 1, 8, 8], batch: 3);
    }

    [Fact]
    public void UnsupportedLayer_NamesItsTypeAndPath()
    {
        var model = new Sequential(new Linear(4, 4, generator: Rng(33)), new Sequential(new ReLU(), new Embedding(3, 4, Rng(34))));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ToBytes(model, [1, 4]));
        Assert.StartsWith("Embedding at '1.1' cannot be exported to ONNX", e.Message);
    }

    /// <summary>Running statistics and affine parameters away from their defaults, so that every term of the formula is exercised.</summary>
    private static T WithStats<T>(T norm, ulong seed) where T : BatchNorm
    {
        var rng = Rng(seed);
        int c = norm.NumFeatures;
        var state = new Dictionary<string, Tensor>
        {
            ["running_mean"] = Tensor.Normal([c], 0.5, 1, rng),
            ["running_var"] = Tensor.Uniform([c], 0.2, 3, rng),
        };
        if (norm.StateDict().ContainsKey("weight"))
        {
            state["weight"] = Tensor.Normal([c], 1, 0.5, rng);
            state["bias"] = Tensor.Normal([c], 0, 0.5, rng);
        }
        norm.LoadStateDict(state);
        return norm;
    }

    private static LayerNorm WithAffine(LayerNorm norm, ulong seed)
    {
        var rng = Rng(seed);
        var shape = norm.NormalizedShape.ToArray();
        norm.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = Tensor.Normal(shape, 1, 0.5, rng), ["bias"] = Tensor.Normal(shape, 0, 0.5, rng) });
        return norm;
    }
}
