using SharpGrad.NN;

namespace SharpGrad.Tests.NN;

/// <summary>
/// Transformer layers against their definition composed by hand from their own children (post-norm
/// and pre-norm), causality, PyTorch's parameter names, finite differences; positional encodings
/// against the published formula; the embedding's padding row against PyTorch's padding_idx.
/// </summary>
public class TransformerTests
{
    private static TransformerEncoderLayer Layer(bool normFirst) =>
        new(4, 2, dimFeedforward: 6, dropout: 0, gelu: normFirst, batchFirst: true, normFirst: normFirst, generator: new Generator(11), dtype: DType.Float64);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EncoderLayer_IsItsResidualBlocksComposed(bool normFirst)
    {
        var layer = Layer(normFirst);
        var x = TestData.Leaf([2, 3, 4], 81);
        Tensor Attn(Tensor h) => layer.SelfAttention.Attend(h, h, h).Output;
        Tensor Ff(Tensor h)
        {
            var hidden = layer.Linear1.Forward(h);
            return layer.Linear2.Forward(normFirst ? hidden.Gelu() : hidden.Relu());
        }
        Tensor expected;
        if (normFirst)
        {
            var h = x.Add(Attn(layer.Norm1.Forward(x)));
            expected = h.Add(Ff(layer.Norm2.Forward(h)));
        }
        else
        {
            var h = layer.Norm1.Forward(x.Add(Attn(x)));
            expected = layer.Norm2.Forward(h.Add(Ff(h)));
        }
        Assert.Equal(expected.ToDoubleArray(), layer.Forward(x).ToDoubleArray());
    }

    [Fact]
    public void EncoderLayer_HasPyTorchNames()
    {
        var names = Layer(false).StateDict().Keys.ToArray();
        Assert.Equal(["self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
            "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"], names);
    }

    [Fact]
    public void DecoderBlock_PositionDependsOnlyOnEarlierPositions()
    {
        var block = new DecoderBlock(4, 2, 8, generator: new Generator(12), dtype: DType.Float64);
        var x = TestData.Leaf([1, 5, 4], 82);
        var y = block.Forward(x).ToDoubleArray();
        var changed = x.Detach().Clone();
        using (SharpGrad.Autograd.NoGrad()) changed[0, 4].CopyFrom(Tensor.Full([4], 9.0, DType.Float64));
        var z = block.Forward(changed).ToDoubleArray();
        for (int i = 0; i < 4 * 4; i++) Assert.Equal(y[i], z[i], 12);     // positions 0–3 unchanged
        Assert.NotEqual(y[16], z[16]);
    }

    [Fact]
    public void DecoderBlock_MatchesFiniteDifferences()
    {
        var block = new DecoderBlock(4, 2, 6, generator: new Generator(13), dtype: DType.Float64);
        TestData.AssertGradients(xs => block.Forward(xs[0]).Pow(2.0).Sum(), TestData.Leaf([2, 3, 4], 83));
    }

    [Fact]
    public void Sinusoidal_FollowsTheFormula()
    {
        var pe = new SinusoidalPositionalEncoding(4, 10, DType.Float64).Table;
        Assert.Equal(Math.Sin(3.0), pe[3, 0].Item(), 12);
        Assert.Equal(Math.Cos(3.0), pe[3, 1].Item(), 12);
        Assert.Equal(Math.Sin(3.0 / 100), pe[3, 2].Item(), 12);     // 10000^(2/4) = 100
        Assert.Equal(Math.Cos(3.0 / 100), pe[3, 3].Item(), 12);
        var x = Tensor.Zeros([2, 3, 4], DType.Float64);
        Assert.Equal(pe[..3].ToDoubleArray(), new SinusoidalPositionalEncoding(4, 10, DType.Float64).Forward(x)[1].ToDoubleArray());
        Assert.Throws<ArgumentException>(() => new SinusoidalPositionalEncoding(4, 2).Forward(Tensor.Zeros(3, 4)));
    }

    [Fact]
    public void LearnedPositions_AreTrainedPerPosition()
    {
        var embedding = new LearnedPositionalEmbedding(5, 3, new Generator(14), DType.Float64);
        embedding.Forward(Tensor.Zeros([2, 4, 3], DType.Float64)).Sum().Backward();
        var grad = embedding.Weight.Grad!.ToDoubleArray();
        Assert.All(grad[..12], v => Assert.Equal(2.0, v));   // positions 0–3, used by both sequences
        Assert.All(grad[12..], v => Assert.Equal(0.0, v));   // position 4, unused
    }

    [Fact]
    public void Embedding_PaddingRow_StartsAtZeroAndGetsNoGradient()
    {
        var embedding = new Embedding(4, 3, new Generator(15), DType.Float64, paddingIndex: 1);
        Assert.All(embedding.Weight[1].ToDoubleArray(), v => Assert.Equal(0.0, v));
        embedding.Forward(Tensor.FromArray([1, 2, 1, 0])).Sum().Backward();
        var grad = embedding.Weight.Grad!;
        Assert.All(grad[1].ToDoubleArray(), v => Assert.Equal(0.0, v));
        Assert.All(grad[2].ToDoubleArray(), v => Assert.Equal(1.0, v));
        Assert.All(grad[0].ToDoubleArray(), v => Assert.Equal(1.0, v));
    }
}
