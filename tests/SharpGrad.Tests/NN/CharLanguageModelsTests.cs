using SharpGrad.NN;

namespace SharpGrad.Tests.NN;

public class CharLanguageModelsTests
{
    private static readonly CharModelConfig Tiny = new(Context: 6, Embed: 8, Hidden: 12, Layers: 2, Heads: 2, Dropout: 0);

    [Theory]
    [InlineData("lstm")]
    [InlineData("transformer")]
    public void SequenceModels_PredictFromEarlierTokensOnly(string name)
    {
        var model = CharLanguageModels.Create(name, 5, Tiny, new Generator(3));
        model.Eval();
        var a = model.Call(Tensor.FromArray(new[] { 0, 1, 2, 3, 4, 1 }, 1, 6));
        var b = model.Call(Tensor.FromArray(new[] { 0, 1, 2, 4, 2, 3 }, 1, 6));   // differs from position 3 on
        Assert.Equal([1, 6, 5], a.Shape.ToArray());
        var x = a.ToArray<float>();
        var y = b.ToArray<float>();
        for (int i = 0; i < 3 * 5; i++) Assert.Equal(x[i], y[i]);       // positions 0–2 see the same prefix
        Assert.NotEqual(x[3 * 5], y[3 * 5]);
    }

    [Fact]
    public void WindowModels_MapAWindowToOneRowOfLogits()
    {
        var mlp = CharLanguageModels.Create("mlp", 5, Tiny with { Context = 3 }, new Generator(1));
        Assert.Equal([4, 5], mlp.Call(Tensor.Zeros([4, 3], DType.Int32)).Shape.ToArray());
        var bigram = CharLanguageModels.Create("bigram", 5, Tiny);
        Assert.Equal(1, bigram.Config.Context);
        Assert.Equal(25, bigram.ParameterCount);
        Assert.Throws<ArgumentException>(() => mlp.Call(Tensor.Zeros([4, 2], DType.Int32)));
        Assert.Throws<ArgumentException>(() => mlp.Call(Tensor.Zeros([4, 3])));   // float tokens
    }

    [Fact]
    public void Bigram_SamplesTheOnlyLikelyPath()
    {
        // Table rows: after '.' almost surely 'a', after 'a' 'b', after 'b' the end: the word is "ab".
        var model = new BigramLanguageModel(3);
        using (SharpGrad.Autograd.NoGrad())
            model.Logits.Weight.CopyFrom(Tensor.FromArray(new float[] { -50, 50, -50, -50, -50, 50, 50, -50, -50 }, 3, 3));
        Assert.Equal([1, 2], model.Sample(new Generator(7)));
    }

    [Theory]
    [InlineData("bigram")]
    [InlineData("mlp")]
    [InlineData("lstm")]
    [InlineData("transformer")]
    public void Sample_IsDeterministicForAGeneratorState_AndStaysWithinTheContext(string name)
    {
        var model = CharLanguageModels.Create(name, 5, Tiny, new Generator(11));
        List<int[]> Draw(ulong seed)
        {
            var g = new Generator(seed);
            return [.. Enumerable.Range(0, 8).Select(_ => model.Sample(g, 1.5))];
        }
        var first = Draw(5);
        Assert.Equal(first, Draw(5));
        Assert.NotEqual(first, Draw(6));
        Assert.All(first, w => Assert.All(w, t => Assert.InRange(t, 1, 4)));
        if (model.ReadsSequences) Assert.All(first, w => Assert.True(w.Length <= Tiny.Context - 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Sample(new Generator(1), 0));
        Assert.True(model.Training);   // sampling leaves the mode as it was
    }

    [Fact]
    public void Transformer_NamesItsParametersAsPyTorchsEncoderLayers()
    {
        var names = CharLanguageModels.Create("transformer", 5, Tiny).StateDict().Keys.ToHashSet();
        Assert.Contains("embedding.weight", names);
        Assert.Contains("position.weight", names);
        Assert.Contains("blocks.1.self_attn.in_proj_weight", names);
        Assert.Contains("blocks.0.linear1.weight", names);
        Assert.Contains("norm.bias", names);
        Assert.Contains("output.weight", names);
        Assert.Contains("lstm.weight_hh_l1", CharLanguageModels.Create("lstm", 5, Tiny).StateDict().Keys);
    }

    [Fact]
    public void Config_RoundTripsThroughMetadata()
    {
        var config = new CharModelConfig(16, 64, 256, 2, 4, 0.15);
        Assert.Equal(config, CharModelConfig.FromMetadata(config.ToMetadata(), "test"));
        var broken = new Dictionary<string, string>(config.ToMetadata()) { ["heads"] = "four" };
        Assert.Contains("\"heads\"", Assert.Throws<InvalidDataException>(() => CharModelConfig.FromMetadata(broken, "test")).Message);
    }
}
