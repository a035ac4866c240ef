using SharpGrad.NN;

namespace SharpGrad.Cuda.Tests.Training;

/// <summary>
/// The sequence layers on the device against the same layers on the CPU: the same weights (created on the CPU and
/// moved), the same inputs, so outputs and parameter gradients agree to float64 rounding. They run as compositions of
/// device ops (matrix products, gates, index selection, attention), so this checks those compositions end to end.
/// </summary>
public class SequenceModuleTests
{
    private static readonly Device Gpu = TestDevice.Device;

    public static TheoryData<string> Layers => ["rnn", "gru", "lstm", "attention", "encoder", "embedding"];

    private static (Module Module, Tensor Input) Create(string name)
    {
        var g = new Generator(11);
        Tensor Sequence() => Tensor.Normal([2, 5, 4], generator: new Generator(12), dtype: DType.Float64);
        return name switch
        {
            "rnn" => (new RNN(4, 3, numLayers: 2, batchFirst: true, generator: g, dtype: DType.Float64), Sequence()),
            "gru" => (new GRU(4, 3, batchFirst: true, generator: g, dtype: DType.Float64), Sequence()),
            "lstm" => (new LSTM(4, 3, numLayers: 2, batchFirst: true, generator: g, dtype: DType.Float64), Sequence()),
            "attention" => (new MultiheadAttention(4, 2, batchFirst: true, generator: g, dtype: DType.Float64), Sequence()),
            "encoder" => (new TransformerEncoderLayer(4, 2, dimFeedforward: 8, dropout: 0, gelu: true, batchFirst: true, normFirst: true, generator: g, dtype: DType.Float64), Sequence()),
            _ => (new Embedding(7, 4, generator: g, dtype: DType.Float64), Tensor.FromArray([1, 3, 3, 0, 6, 2], 2, 3)),
        };
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void Layer_OnTheDevice_MatchesTheCpu(string name)
    {
        var (cpu, input) = Create(name);
        var (gpu, _) = Create(name);
        gpu.To(Gpu);
        var expected = cpu.Call(input);
        var actual = gpu.Call(input.To(Gpu));
        Assert.Equal(Gpu, actual.Device);
        DeviceOpTestsClose(expected.ToDoubleArray(), actual.ToDoubleArray());
        expected.Pow(2.0).Sum().Backward();
        actual.Pow(2.0).Sum().Backward();
        var cpuGrads = cpu.Parameters().Select(p => p.Grad!.ToDoubleArray()).ToList();
        var gpuGrads = gpu.Parameters().Select(p => p.Grad!.ToDoubleArray()).ToList();
        for (int i = 0; i < cpuGrads.Count; i++)
            DeviceOpTestsClose(cpuGrads[i], gpuGrads[i]);
    }

    private static void DeviceOpTestsClose(double[] expected, double[] actual) => Ops.DeviceOpTests.Close(expected, actual, 1e-10);
}
