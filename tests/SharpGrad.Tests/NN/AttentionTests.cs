using SharpGrad.NN;

namespace SharpGrad.Tests.NN;

/// <summary>
/// Scaled dot-product attention against softmax(QKᵀ/√d)V worked out by hand, masks (causal, key
/// padding) against their definition, multi-head attention against PyTorch's names and shapes and
/// finite differences, and Conv1d against a direct sum.
/// </summary>
public class AttentionTests
{
    [Fact]
    public void ScaledDotProductAttention_OneQuery_IsTheSoftmaxWeightedAverageOfValues()
    {
        var q = Tensor.FromArray([1.0, 0.0], [1, 2]);
        var k = Tensor.FromArray([1.0, 0.0, 0.0, 1.0, 1.0, 1.0], [3, 2]);
        var v = Tensor.FromArray([10.0, 20.0, 30.0], [3, 1]);
        // Scores q·k_j/√2 = 1/√2, 0, 1/√2.
        double s = 1 / Math.Sqrt(2), z = 2 * Math.Exp(s) + 1;
        double expected = (Math.Exp(s) * 10 + 20 + Math.Exp(s) * 30) / z;
        Assert.Equal(expected, Functional.ScaledDotProductAttention(q, k, v).Item(), 12);
    }

    [Fact]
    public void CausalAttention_FirstPositionSeesOnlyItself()
    {
        var x = TestData.Leaf([4, 3], 71);
        var y = Functional.ScaledDotProductAttention(x, x, x, isCausal: true);
        Assert.Equal(x[0].ToDoubleArray(), y[0].ToDoubleArray());
        var mask = Functional.CausalMask(2, 3, DType.Float64).ToDoubleArray();
        Assert.Equal([0, 0, double.NegativeInfinity, 0, 0, 0], mask);   // the last query sees every key when S > L
    }

    [Fact]
    public void ScaledDotProductAttention_MatchesFiniteDifferences_WithMaskAndStridedInputs()
    {
        var mask = Functional.CausalMask(3, 3, DType.Float64);
        TestData.AssertGradients(xs => Functional.ScaledDotProductAttention(xs[0], xs[1], xs[2], mask),
            TestData.TransposedLeaf(3, 4, 72), TestData.Leaf([3, 4], 73), TestData.SteppedLeaf(3, 2, 74));
    }

    [Fact]
    public void MultiheadAttention_HasPyTorchParameters()
    {
        var mha = new MultiheadAttention(8, 2);
        var shapes = mha.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Shape.ToArray());
        Assert.Equal(["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"], shapes.Keys);
        Assert.Equal([24, 8], shapes["in_proj_weight"]);
        Assert.Equal([24], shapes["in_proj_bias"]);
        Assert.All(mha.InProjBias!.ToDoubleArray(), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void MultiheadAttention_OneHeadWithIdentityProjections_IsScaledDotProductAttention()
    {
        var mha = new MultiheadAttention(2, 1, bias: false, batchFirst: true, dtype: DType.Float64);
        using (SharpGrad.Autograd.NoGrad())
        {
            var eye = Tensor.Eye(2, dtype: DType.Float64);
            mha.InProjWeight.CopyFrom(Tensor.Cat([eye, eye, eye], 0));
            mha.OutProj.Weight.CopyFrom(eye);
        }
        var x = TestData.Leaf([1, 3, 2], 75);
        var (output, weights) = mha.Attend(x, x, x);
        Assert.Equal(Functional.ScaledDotProductAttention(x[0], x[0], x[0]).ToDoubleArray(), output[0].ToDoubleArray());
        Assert.All(weights!.Sum([-1]).ToDoubleArray(), v => Assert.Equal(1.0, v, 12));
    }

    [Fact]
    public void KeyPadding_HidesThePaddedKeys()
    {
        var mha = new MultiheadAttention(4, 2, generator: new Generator(3), dtype: DType.Float64);
        var q = TestData.Leaf([2, 1, 4], 76);                         // [L, N, E]
        var kv = TestData.Leaf([3, 1, 4], 77);
        var padding = Tensor.FromArray([0.0, 0.0, 1.0], [1, 3]);     // the third key is padding
        var before = mha.Attend(q, kv, kv, padding).Output.ToDoubleArray();
        var changed = kv.Detach().Clone();
        using (SharpGrad.Autograd.NoGrad()) changed[2].CopyFrom(Tensor.Full([1, 4], 100.0, DType.Float64));
        var after = mha.Attend(q, changed, changed, padding).Output.ToDoubleArray();
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i], 12);
    }

    [Fact]
    public void MultiheadAttention_MatchesFiniteDifferences_ForInputsAndWeights()
    {
        var mha = new MultiheadAttention(4, 2, generator: new Generator(4), dtype: DType.Float64);
        using (SharpGrad.Autograd.NoGrad())
            foreach (var p in mha.Parameters()) p.CopyFrom(Tensor.Uniform(p.Shape.ToArray(), -0.5, 0.5, new Generator(9), DType.Float64));
        var parameters = mha.Parameters().ToArray();
        Tensor[] inputs = [TestData.Leaf([3, 2, 4], 78), TestData.Leaf([2, 2, 4], 79), .. parameters];
        TestData.AssertGradients(xs => mha.Attend(xs[0], xs[1], xs[1], isCausal: false).Output.Pow(2.0).Sum(), inputs);
    }

    [Fact]
    public void Conv1d_MatchesTheDirectSum_AndFiniteDifferences()
    {
        var conv = new Conv1d(2, 3, 3, stride: 2, padding: 1, generator: new Generator(5), dtype: DType.Float64);
        var x = TestData.Leaf([1, 2, 7], 80);
        var y = conv.Forward(x);
        Assert.Equal([1, 3, 4], y.Shape.ToArray());
        var w = conv.Weight.ToDoubleArray();
        var b = conv.Bias!.ToDoubleArray();
        var xv = x.ToDoubleArray();
        for (int o = 0; o < 3; o++)
            for (int t = 0; t < 4; t++)
            {
                double sum = b[o];
                for (int c = 0; c < 2; c++)
                    for (int k = 0; k < 3; k++)
                    {
                        int i = t * 2 - 1 + k;
                        if (i >= 0 && i < 7) sum += w[(o * 2 + c) * 3 + k] * xv[c * 7 + i];
                    }
                Assert.Equal(sum, y.ToDoubleArray()[o * 4 + t], 12);
            }
        TestData.AssertGradients(xs => conv.Forward(xs[0]).Pow(2.0).Sum(), x, conv.Weight, conv.Bias!);
    }
}
