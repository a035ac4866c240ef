using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SharpGrad.IO.Onnx;
using SharpGrad.NN;

namespace SharpGrad.Onnx.Tests;

/// <summary>
/// The sequence layers exported and run in ONNX Runtime against SharpGrad's eval-mode forward pass, on a batch
/// (or, for time-major layers, a sequence length) other than the traced one: Embedding from int64 tokens, Conv1d,
/// positional tables, RNN/GRU/LSTM over several layers and both layouts (gate orders converted), self-attention,
/// post- and pre-norm encoder layers and a causal decoder block.
/// </summary>
public sealed class SequenceLayerExportTests
{
    private static Generator Rng(ulong seed) => new(seed);

    /// <summary>Exports a token model traced on <paramref name="traceShape"/> and compares it on seeded int64 tokens of a new batch.</summary>
    private static void AssertTokensMatch(Module model, int[] traceShape, int batch, int vocabulary)
    {
        var bytes = OnnxExporter.ToBytes(model, traceShape);
        int[] shape = [batch, .. traceShape[1..]];
        var random = new Random(11);
        var tokens = Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => random.Next(vocabulary)).ToArray();
        model.Eval();
        Tensor expected;
        using (Autograd.NoGrad()) expected = model.Forward(Tensor.FromArray(tokens, shape));

        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(bytes, options);
        var input = new DenseTensor<long>(tokens.Select(t => (long)t).ToArray(), shape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
        var output = results.First().AsTensor<float>();
        Assert.Equal(expected.Shape.ToArray(), output.Dimensions.ToArray());
        OnnxRuntimeCheck.AssertClose(expected.ToFloatArray(), output.ToArray());
    }

    [Fact]
    public void Embedding_IsAGatherOfInt64Tokens() =>
        AssertTokensMatch(new Sequential(new Embedding(10, 4, Rng(1), paddingIndex: 0)), [2, 5], batch: 3, vocabulary: 10);

    [Fact]
    public void Embedding_NotFirst_IsRefusedByName()
    {
        var model = new Sequential(new Linear(3, 3), new Embedding(10, 4));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ToBytes(model, [1, 3]));
        Assert.Contains("Embedding at '1'", e.Message);
    }

    [Fact]
    public void CharacterTransformer_EmbeddingPositionsDecoderBlocksHead()
    {
        var g = Rng(2);
        var model = new Sequential(new Embedding(12, 8, g), new LearnedPositionalEmbedding(16, 8, g),
            new DecoderBlock(8, 2, 16, generator: g), new DecoderBlock(8, 2, 16, generator: g), new LayerNorm([8]), new Linear(8, 12, generator: g));
        AssertTokensMatch(model, [2, 6], batch: 3, vocabulary: 12);
    }

    [Fact]
    public void SinusoidalPositionalEncoding_AddsTheTracedRows() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new SinusoidalPositionalEncoding(6, 20)), [2, 7, 6], batch: 3);

    [Fact]
    public void Conv1d_StridePaddingDilation() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new Conv1d(3, 4, 3, stride: 2, padding: 1, dilation: 2, generator: Rng(3))), [1, 3, 11], batch: 2);

    [Fact]
    public void Conv1d_GroupsWithoutBias() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new Conv1d(4, 6, 2, groups: 2, bias: false, generator: Rng(4))), [1, 4, 7], batch: 3);

    [Fact]
    public void Lstm_TwoLayers_BatchFirst() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new LSTM(3, 4, numLayers: 2, batchFirst: true, generator: Rng(5))), [2, 5, 3], batch: 3);

    [Fact]
    public void Lstm_TimeMajor_RunsAnotherLength() =>
        // Time-major: dimension 0 is the sequence, which the exported graph leaves dynamic as well.
        OnnxRuntimeCheck.AssertMatches(new Sequential(new LSTM(3, 5, generator: Rng(6))), [4, 2, 3], batch: 7);

    [Fact]
    public void Gru_TwoLayers_BatchFirst() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new GRU(3, 4, numLayers: 2, batchFirst: true, generator: Rng(7))), [2, 5, 3], batch: 3);

    [Fact]
    public void Gru_WithoutBias() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new GRU(2, 3, bias: false, batchFirst: true, generator: Rng(8))), [1, 4, 2], batch: 2);

    [Fact]
    public void Rnn_Tanh_TwoLayers() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new RNN(3, 4, numLayers: 2, generator: Rng(9))), [5, 2, 3], batch: 6);

    [Fact]
    public void Rnn_Relu_BatchFirst() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new RNN(3, 4, batchFirst: true, nonlinearity: RnnNonlinearity.Relu, generator: Rng(10))), [2, 5, 3], batch: 3);

    [Fact]
    public void MultiheadAttention_BatchFirst() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new MultiheadAttention(8, 2, batchFirst: true, generator: Rng(11))), [2, 5, 8], batch: 3);

    [Fact]
    public void MultiheadAttention_SequenceFirst_WithoutBias() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new MultiheadAttention(6, 3, bias: false, generator: Rng(12))), [5, 2, 6], batch: 4);

    [Fact]
    public void TransformerEncoderLayer_PostNormRelu_SequenceFirst() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new TransformerEncoderLayer(8, 2, 16, generator: Rng(13))), [5, 2, 8], batch: 3);

    [Fact]
    public void TransformerEncoderLayer_PreNormGelu_BatchFirst() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new TransformerEncoderLayer(8, 4, 16, gelu: true, batchFirst: true, normFirst: true, generator: Rng(14))), [2, 6, 8], batch: 3);

    [Fact]
    public void DecoderBlock_IsCausal() =>
        OnnxRuntimeCheck.AssertMatches(new Sequential(new DecoderBlock(8, 2, 16, generator: Rng(15))), [2, 6, 8], batch: 3);
}
