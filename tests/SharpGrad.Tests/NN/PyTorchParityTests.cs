using SharpGrad.NN;

namespace SharpGrad.Tests.NN;

/// <summary>
/// The sequence layers against PyTorch 1.13 run separately in float64: each parameter, in PyTorch's state-dict
/// order j, is filled with 0.5·sin(0.37·k + j) for its k-th element, inputs with cos(0.23·k + phase), and the
/// state dict is loaded by PyTorch's names. The expected numbers were printed by torch.nn.LSTM, GRU,
/// MultiheadAttention and TransformerEncoderLayer on the same values; they pin gate orders, the GRU's reset form,
/// mask semantics, pre-norm ordering and the exact GELU.
/// </summary>
public class PyTorchParityTests
{
    private static void Fill(Module module, params string[] torchOrder)
    {
        var state = new Dictionary<string, Tensor>();
        var current = module.StateDict();
        for (int j = 0; j < torchOrder.Length; j++)
        {
            var shape = current[torchOrder[j]].Shape.ToArray();
            int n = shape.Aggregate(1, (a, b) => a * b);
            state[torchOrder[j]] = Tensor.FromArray(Enumerable.Range(0, n).Select(k => 0.5 * Math.Sin(0.37 * k + j)).ToArray(), shape);
        }
        module.LoadStateDict(state);
    }

    private static Tensor Sequence(int[] shape, double phase = 0)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        return Tensor.FromArray(Enumerable.Range(0, n).Select(k => Math.Cos(0.23 * k + phase)).ToArray(), shape);
    }

    private static void AssertClose(double[] expected, Tensor actual)
    {
        var a = actual.ToDoubleArray();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(expected[i] - a[i]) < 1e-12, $"element {i}: PyTorch {expected[i]}, SharpGrad {a[i]}");
    }

    [Fact]
    public void Lstm_TwoLayers_BatchFirst_WithInitialStates()
    {
        var lstm = new LSTM(3, 4, numLayers: 2, batchFirst: true, dtype: DType.Float64);
        Fill(lstm, "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1");
        var (output, hidden, cell) = lstm.Run(Sequence([2, 3, 3]), Sequence([2, 2, 4], 1).Mul(0.1), Sequence([2, 2, 4], 2).Mul(0.1));
        AssertClose([0.076136727639654, 0.0197322408622471, -0.118470181619749, -0.134606012250447, 0.106068165201254, 0.0301719881994778,
            -0.178120725472813, -0.195443790539764, 0.0826835358951656, -0.0292264811831835, -0.212908765483961, -0.26784892842898,
            -0.00673240298101874, -0.0575545725922029, -0.108242775328412, -0.158195464345123, -0.00701810748962221, -0.102462334092997,
            -0.173309295313913, -0.243756077716852, 0.00653479056893409, -0.13151484285383, -0.20134900319325, -0.278067013909034], output);
        AssertClose([-0.24098574137, -0.258256551689688, -0.112028490886605, 0.281516794459629, -0.255930591423606, 0.0920507835676096,
            0.175512352257294, 0.130507901948624, 0.0826835358951656, -0.0292264811831835, -0.212908765483961, -0.26784892842898,
            0.00653479056893409, -0.13151484285383, -0.20134900319325, -0.278067013909034], hidden);
        AssertClose([-0.440944564195702, -0.496357379939976, -0.155067331654056, 0.362809772302038, -0.7638135130771, 0.204541926695159,
            0.248097995511803, 0.150279253924333, 0.280504564857201, -0.0880558245368564, -0.757615625922676, -0.958983787105146,
            0.0204177571062342, -0.479035791316509, -0.781636001241675, -0.870778790851549], cell!);
    }

    [Fact]
    public void Gru_TimeMajor()
    {
        var gru = new GRU(3, 4, dtype: DType.Float64);
        Fill(gru, "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0");
        AssertClose([-0.292288803366528, -0.712194765551072, -0.430647174111752, -0.00674114272182312, -0.297299939102591, -0.594984559677365,
            -0.431172662530412, -0.0244254272342277, -0.51957027925317, -0.570309388265326, -0.116957417280298, 0.171228255277146,
            -0.5075629187387, -0.00775837453422756, 0.38366033342096, 0.282247064663187, -0.590995725582303, 0.195648866076294,
            0.634327389864174, 0.385663770815805, -0.538418211069702, 0.298937050563069, 0.629442891159014, 0.18015752182331],
            gru.Forward(Sequence([3, 2, 3])));
    }

    [Fact]
    public void MultiheadAttention_WithKeyPaddingAndCausalMasks()
    {
        var mha = new MultiheadAttention(4, 2, batchFirst: true, dtype: DType.Float64);
        Fill(mha, "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias");
        var kv = Sequence([2, 3, 4], 0.5);
        var padding = Tensor.FromArray([0.0, 0, 1, 0, 0, 0], [2, 3]);
        var (output, weights) = mha.Attend(Sequence([2, 3, 4]), kv, kv, padding, Functional.CausalMask(3, 3, DType.Float64));
        AssertClose([-0.0457334127438827, 0.506342489369968, -0.0530179726323727, -0.990084572317037, -0.172808008844777, 0.381108669286695,
            0.0513463156588787, -0.845924993122906, -0.359824311129883, 0.384736250837184, 0.239020455368104, -0.81551913643864,
            -0.82774468301123, 0.56885389089471, 0.740329318282553, -0.908727798578548, -0.676340198624507, 0.508654390789037,
            0.578008060962788, -0.877964162645419, -0.188402373156256, 0.354817836742995, 0.0621730149798448, -0.817670811749168], output);
        AssertClose([1, 0, 0, 0.654715711868555, 0.345284288131445, 0, 0.286366674317511, 0.713633325682489, 0,
            1, 0, 0, 0.719330830625642, 0.280669169374358, 0, 0.234356835708572, 0.289967312901933, 0.475675851389496], weights!);
    }

    [Fact]
    public void TransformerEncoderLayer_PreNormGelu_Causal()
    {
        var layer = new TransformerEncoderLayer(4, 2, 8, dropout: 0, gelu: true, batchFirst: true, normFirst: true, dtype: DType.Float64);
        Fill(layer, "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
            "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias");
        layer.Eval();
        AssertClose([1.30645080698516, 1.40878205936037, 2.11403590362212, 0.097962870740093, 0.908779663204827, 0.830201023634203,
            1.42507899891216, -0.72006588644485, 0.0321279456016287, -0.0589615252623085, 0.57155209142669, -1.49407965722981,
            -0.67899798870355, -0.524765831657262, 0.272408728248583, -1.62908265800082, -0.571025632261417, -0.173047817104224,
            0.68625642954162, -1.07482211284617, 0.189604904593306, 0.691654434699008, 1.55664563142499, -0.219278363151509],
            layer.Encode(Sequence([2, 3, 4]), isCausal: true));
    }
}
