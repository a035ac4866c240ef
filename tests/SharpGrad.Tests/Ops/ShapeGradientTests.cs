namespace SharpGrad.Tests.Ops;

/// <summary>Views, joins and indexing ops against finite differences: their backward rules move gradients back to the right positions.</summary>
public class ShapeGradientTests
{
    private static readonly Tensor Weights = Tensor.Uniform([24], -1, 1, new Generator(99), DType.Float64);

    public static TheoryData<string> Cases => new()
    {
        "Reshape", "ReshapeOfTransposed", "View", "Flatten", "Permute", "Transpose", "T", "Squeeze", "Unsqueeze", "Expand",
        "IndexInt", "IndexRangeStep", "IndexNewAxisEllipsis", "Narrow", "Cat", "Stack", "Split", "Chunk", "IndexSelect",
        "Gather", "Pad", "ToFloat64",
    };

    // Each case multiplies by fixed weights so that every output position carries a distinct gradient.
    private static Tensor Apply(string op, Tensor x)
    {
        Tensor y = op switch
        {
            "Reshape" => x.Reshape(4, -1),
            "ReshapeOfTransposed" => x.T.Reshape(-1),
            "View" => x.Contiguous().View(2, 6),
            "Flatten" => x.Reshape(2, 2, 3).Flatten(1),
            "Permute" => x.Reshape(2, 2, 3).Permute(2, 0, 1),
            "Transpose" => x.Reshape(2, 2, 3).Transpose(0, 2),
            "T" => x.T,
            "Squeeze" => x.Reshape(1, 3, 1, 4).Squeeze(),
            "Unsqueeze" => x.Unsqueeze(1),
            "Expand" => x.Reshape(3, 1, 4).Expand(3, 2, 4),
            "IndexInt" => x[1],
            "IndexRangeStep" => x[1.., TensorIndex.Slice(0, null, 2)],
            "IndexNewAxisEllipsis" => x[TensorIndex.NewAxis, TensorIndex.Ellipsis, ^1],
            "Narrow" => x.Narrow(1, 1, 2),
            "Cat" => Tensor.Cat([x, x * 2, x[..1]], 0),
            "Stack" => Tensor.Stack([x, x.Exp()], 1),
            "Split" => x.Split(3, 1)[1] * x.Split([1, 2], 0)[1][..1],
            "Chunk" => x.Chunk(2, 1)[0] + x.Chunk(2, 1)[1],
            "IndexSelect" => x.IndexSelect(1, Tensor.FromArray([3, 0, 3, 1])),
            "Gather" => x.Gather(1, Tensor.FromArray([0, 3, 3, 1, 2, 2], 3, 2)),
            "Pad" => x.Pad([1, 2, 0, 1], 5.0),
            "ToFloat64" => x.To(DType.Float32).To(DType.Float64) * 0 + x,
            _ => throw new ArgumentException(op),
        };
        var w = Weights.Reshape(-1)[..Math.Min(y.Count, 24)];
        return y.Count <= 24 ? y * w.Reshape(y.Shape.ToArray()) : y;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ShapeOp_Contiguous_MatchesFiniteDifferences(string op) =>
        TestData.AssertGradients(xs => Apply(op, xs[0]), TestData.Leaf([3, 4], 61));

    [Theory]
    [MemberData(nameof(Cases))]
    public void ShapeOp_NonContiguous_MatchesFiniteDifferences(string op)
    {
        var x = TestData.TransposedLeaf(3, 4, 62);
        Assert.False(x.IsContiguous);
        TestData.AssertGradients(xs => Apply(op, xs[0]), x);
    }

    [Fact]
    public void IndexSelect_RepeatedIndex_AccumulatesGradient()
    {
        var x = Tensor.FromArray([1.0, 2, 3]).RequireGrad();
        x.IndexSelect(0, Tensor.FromArray([2, 0, 2])).Sum().Backward();
        Assert.Equal([1.0, 0, 2], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Detach_BlocksGradient()
    {
        var x = Tensor.FromArray([2.0, 3]).RequireGrad();
        (x.Detach() * x).Sum().Backward(); // d/dx of c·x with c = x held constant is c
        Assert.Equal([2.0, 3], x.Grad!.ToDoubleArray());
        Assert.False(x.Detach().RequiresGrad);
    }

    [Fact]
    public void Expand_Gradient_SumsOverRepeats()
    {
        var x = Tensor.FromArray([1.0, 2]).Reshape(2, 1).RequireGrad();
        x.Expand(2, 3).Sum().Backward();
        Assert.Equal([3.0, 3], x.Grad!.ToDoubleArray());
    }
}
