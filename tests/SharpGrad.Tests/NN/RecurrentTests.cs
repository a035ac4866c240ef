using SharpGrad.NN;

namespace SharpGrad.Tests.NN;

/// <summary>
/// Recurrent cells and networks against values worked out by hand from PyTorch's documented equations,
/// against finite differences (float64, contiguous and strided inputs, parameters included), and
/// against PyTorch's parameter names and shapes.
/// </summary>
public class RecurrentTests
{
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private static void Set(Tensor parameter, params double[] values)
    {
        using (SharpGrad.Autograd.NoGrad())
            parameter.CopyFrom(Tensor.FromArray(values, parameter.Shape.ToArray()));
    }

    [Fact]
    public void LstmCell_OneStep_MatchesTheGateEquations()
    {
        // I = H = 1; gates i, f, g, o from x·w_ih + h·w_hh + biases.
        var cell = new LSTMCell(1, 1, dtype: DType.Float64);
        Set(cell.WeightIh, 0.5, -1.0, 2.0, 0.25);
        Set(cell.WeightHh, 0.1, 0.2, -0.3, 0.4);
        Set(cell.BiasIh!, 0.0, 0.5, 0.0, 0.0);
        Set(cell.BiasHh!, 0.0, 0.0, 0.1, -0.2);
        double x = 1.5, h = 0.6, c = -0.7;
        var (h1, c1) = cell.Step(Tensor.FromArray([x], [1, 1]), Tensor.FromArray([h], [1, 1]), Tensor.FromArray([c], [1, 1]));
        double i = Sigmoid(0.5 * x + 0.1 * h), f = Sigmoid(-1.0 * x + 0.2 * h + 0.5), g = Math.Tanh(2.0 * x - 0.3 * h + 0.1), o = Sigmoid(0.25 * x + 0.4 * h - 0.2);
        double cNew = f * c + i * g;
        Assert.Equal(cNew, c1!.Item(), 12);
        Assert.Equal(o * Math.Tanh(cNew), h1.Item(), 12);
    }

    [Fact]
    public void GruCell_OneStep_MatchesTheGateEquations()
    {
        var cell = new GRUCell(1, 1, dtype: DType.Float64);
        Set(cell.WeightIh, 0.5, -1.0, 2.0);
        Set(cell.WeightHh, 0.1, 0.2, -0.3);
        Set(cell.BiasIh!, 0.0, 0.5, 0.1);
        Set(cell.BiasHh!, 0.3, 0.0, 0.2);
        double x = 1.5, h = 0.6;
        var (h1, c1) = cell.Step(Tensor.FromArray([x], [1, 1]), Tensor.FromArray([h], [1, 1]), null);
        double r = Sigmoid(0.5 * x + 0.1 * h + 0.3), z = Sigmoid(-1.0 * x + 0.2 * h + 0.5);
        double n = Math.Tanh(2.0 * x + 0.1 + r * (-0.3 * h + 0.2));
        Assert.Null(c1);
        Assert.Equal((1 - z) * n + z * h, h1.Item(), 12);
    }

    [Fact]
    public void RnnCell_Relu_MatchesItsEquation()
    {
        var cell = new RNNCell(2, 1, nonlinearity: RnnNonlinearity.Relu, dtype: DType.Float64);
        Set(cell.WeightIh, 1.0, -2.0);
        Set(cell.WeightHh, 0.5);
        Set(cell.BiasIh!, 0.25);
        Set(cell.BiasHh!, -0.5);
        var (h1, _) = cell.Step(Tensor.FromArray([3.0, 1.0]), Tensor.FromArray([2.0]), null);
        Assert.Equal(Math.Max(0, 3 - 2 + 0.25 + 1 - 0.5), h1.Item(), 12);
    }

    [Fact]
    public void Lstm_StateDict_HasPyTorchNamesAndShapes()
    {
        var lstm = new LSTM(3, 5, numLayers: 2);
        var shapes = lstm.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Shape.ToArray());
        Assert.Equal(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"], shapes.Keys);
        Assert.Equal([20, 3], shapes["weight_ih_l0"]);
        Assert.Equal([20, 5], shapes["weight_hh_l0"]);
        Assert.Equal([20, 5], shapes["weight_ih_l1"]);
        Assert.Equal([20], shapes["bias_hh_l1"]);
        Assert.Equal([15, 3], new GRU(3, 5).StateDict()["weight_ih_l0"].Shape.ToArray());
        // PyTorch initialises every recurrent weight uniform on ±1/√H.
        Assert.All(lstm.Parameters().SelectMany(p => p.ToDoubleArray()), v => Assert.InRange(Math.Abs(v), 0, 1 / Math.Sqrt(5)));
    }

    [Theory]
    [InlineData(RecurrentKind.Rnn)]
    [InlineData(RecurrentKind.Gru)]
    [InlineData(RecurrentKind.Lstm)]
    public void TwoLayerNetwork_MatchesFiniteDifferences_ForInputsStatesAndWeights(RecurrentKind kind)
    {
        var net = new Recurrent(kind, 2, 3, numLayers: 2, batchFirst: true, generator: new Generator(5), dtype: DType.Float64);
        var weights = net.Parameters().ToArray();
        var x = TestData.Leaf([2, 4, 2], 61);                         // [N, T, I]
        var h0 = TestData.Leaf([2, 2, 3], 62, -0.5, 0.5);
        Tensor? c0 = kind == RecurrentKind.Lstm ? TestData.Leaf([2, 2, 3], 63, -0.5, 0.5) : null;
        Tensor[] inputs = [x, h0, .. c0 is null ? Array.Empty<Tensor>() : [c0], .. weights];
        // The weights are passed as they are: the checker perturbs them in place, and the network reads them.
        TestData.AssertGradients(xs =>
        {
            var (output, hidden, cell) = net.Run(xs[0], xs[1], c0 is null ? null : xs[2]);
            var total = output.Mul(output).Sum().Add(hidden.Sum());
            return cell is null ? total : total.Add(cell.Mul(2.0).Sum());
        }, inputs);
    }

    [Fact]
    public void Lstm_OnAStridedSequence_MatchesFiniteDifferences()
    {
        var net = new LSTM(3, 2, generator: new Generator(6), dtype: DType.Float64);
        var x = TestData.Leaf([3, 2, 5], 64)[.., .., TensorIndex.Slice(null, null, 2)];   // [T, N, 3] with stride 2
        Assert.False(x.IsContiguous);
        TestData.AssertGradients(xs => net.Forward(xs[0]).Sum(), x);
    }

    [Fact]
    public void BatchFirst_GivesTheTransposeOfTimeFirst()
    {
        var a = new GRU(2, 3, generator: new Generator(7), dtype: DType.Float64);
        var b = new GRU(2, 3, batchFirst: true, generator: new Generator(7), dtype: DType.Float64);
        var x = TestData.Leaf([4, 2, 2], 65);
        var expected = a.Forward(x).ToDoubleArray();
        var actual = b.Forward(x.Transpose(0, 1)).Transpose(0, 1).ToDoubleArray();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void WrongShapes_NameTheExpectedShape()
    {
        var lstm = new LSTM(3, 4, numLayers: 2);
        var e = Assert.Throws<ArgumentException>(() => lstm.Run(Tensor.Zeros(5, 3)));
        Assert.Contains("[T, N, I]", e.Message);
        e = Assert.Throws<ArgumentException>(() => lstm.Run(Tensor.Zeros(5, 2, 3), Tensor.Zeros(1, 2, 4)));
        Assert.Contains("[2, 2, 4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => new GRU(3, 4).Run(Tensor.Zeros(5, 2, 3), null, Tensor.Zeros(1, 2, 4)));
        Assert.Contains("only an LSTM", e.Message);
    }
}
