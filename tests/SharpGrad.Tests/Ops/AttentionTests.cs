using SharpGrad.NN;

namespace SharpGrad.Tests.Ops;

/// <summary>
/// The fused scaled-dot-product attention against its composed reference (matmul, softmax, matmul through the
/// general ops), forward and backward, on batched, broadcast, masked, causal and strided inputs, in float32 and
/// float64; and against finite differences in float64, first and second order.
/// </summary>
public class AttentionTests
{
    public static TheoryData<int[], int[], int[], int[]?, bool> Shapes => new()
    {
        // query, key, value, mask (null = none), causal
        { [3, 4], [5, 4], [5, 2], null, false },
        { [2, 3, 4, 8], [2, 3, 6, 8], [2, 3, 6, 5], null, false },
        { [2, 3, 4, 8], [2, 3, 4, 8], [2, 3, 4, 8], null, true },
        { [2, 3, 3, 4], [2, 3, 5, 4], [2, 3, 5, 4], null, true },          // L < S: the causal band aligns at the end
        { [2, 1, 4, 4], [2, 1, 6, 4], [2, 1, 6, 3], [4, 6], false },       // an additive mask [L, S]
        { [2, 3, 4, 4], [2, 3, 6, 4], [2, 3, 6, 4], [2, 1, 1, 6], true },  // a key padding mask with a causal band
        { [2, 3, 4, 4], [1, 3, 6, 4], [3, 6, 4], null, false },            // broadcast batch dimensions
    };

    private static Tensor Mask(int[] shape, ulong seed)
    {
        // Finite offsets, with about a third of the positions hidden, but never the first key (no empty row).
        var g = new Generator(seed);
        var data = new double[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++)
            data[i] = i % shape[^1] != 0 && g.NextDouble() < 0.33 ? double.NegativeInfinity : g.NextDouble() - 0.5;
        return Tensor.FromArray(data, shape);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Fused_MatchesComposed_ForwardAndBackward(int[] qShape, int[] kShape, int[] vShape, int[]? maskShape, bool causal)
    {
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            var q = Tensor.Uniform(qShape, -2, 2, new Generator(1), dtype);
            var k = Tensor.Uniform(kShape, -2, 2, new Generator(2), dtype);
            var v = Tensor.Uniform(vShape, -2, 2, new Generator(3), dtype);
            var mask = maskShape is null ? null : Mask(maskShape, 4).To(dtype);
            var (fused, fusedGrads) = Run(Functional.ScaledDotProductAttention, q, k, v, mask, causal);
            var (composed, composedGrads) = Run(Functional.ComposedScaledDotProductAttention, q, k, v, mask, causal);
            double tolerance = dtype == DType.Float64 ? 1e-12 : 1e-5;
            AssertClose(composed, fused, tolerance);
            for (int i = 0; i < 3; i++)
                AssertClose(composedGrads[i], fusedGrads[i], tolerance);
        }
    }

    private delegate Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, bool isCausal, double? scale);

    private static (Tensor Output, Tensor[] Grads) Run(Attention f, Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal)
    {
        Tensor[] leaves = [q.Detach().RequireGrad(), k.Detach().RequireGrad(), v.Detach().RequireGrad()];
        var y = f(leaves[0], leaves[1], leaves[2], mask, causal, null);
        // A weighted sum, so each output element has its own incoming gradient.
        var weights = Tensor.Uniform(y.Shape.ToArray(), -1, 1, new Generator(5), y.DType);
        y.Mul(weights).Sum().Backward();
        return (y.Detach(), [leaves[0].Grad!, leaves[1].Grad!, leaves[2].Grad!]);
    }

    private static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        var e = expected.ToDoubleArray();
        var a = actual.ToDoubleArray();
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= tolerance * (1 + Math.Abs(e[i])), $"element {i}: expected {e[i]}, got {a[i]}");
    }

    [Fact]
    public void Fused_MatchesComposed_OnTransposedAndSteppedInputs()
    {
        // Q read through a transpose, K every second column of a wider tensor, V a transposed head split.
        var q = TestData.TransposedLeaf(3, 4, 11);
        var k = TestData.SteppedLeaf(5, 4, 12);
        var v = Tensor.Uniform([2, 5], -2, 2, new Generator(13), DType.Float64).T;
        var (fused, fusedGrads) = Run(Functional.ScaledDotProductAttention, q, k, v, null, false);
        var (composed, composedGrads) = Run(Functional.ComposedScaledDotProductAttention, q, k, v, null, false);
        AssertClose(composed, fused, 1e-12);
        for (int i = 0; i < 3; i++) AssertClose(composedGrads[i], fusedGrads[i], 1e-12);
    }

    [Fact]
    public void Fused_MatchesFiniteDifferences_WithMaskCausalAndStridedInputs()
    {
        var mask = Mask([3, 5], 21);
        TestData.AssertGradients(xs => Functional.ScaledDotProductAttention(xs[0], xs[1], xs[2], mask, isCausal: true),
            TestData.TransposedLeaf(3, 4, 22), TestData.SteppedLeaf(5, 4, 23), TestData.Leaf([5, 2], 24));
    }

    [Fact]
    public void Fused_MatchesFiniteDifferences_WithBroadcastBatchAndHeads()
    {
        var q = TestData.Leaf([2, 2, 3, 4], 31).Transpose(1, 2).Detach().RequireGrad();   // [2, 3, 2, 4], strided
        var k = TestData.Leaf([1, 3, 4, 4], 32);
        var v = TestData.Leaf([3, 4, 2], 33);
        TestData.AssertGradients(xs => Functional.ScaledDotProductAttention(xs[0], xs[1], xs[2]), q, k, v);
    }

    [Fact]
    public void Fused_HasSecondDerivatives()
    {
        TestData.AssertSecondOrder(xs => Functional.ScaledDotProductAttention(xs[0], xs[1], xs[2], isCausal: true),
            TestData.Leaf([3, 2], 41), TestData.Leaf([3, 2], 42), TestData.Leaf([3, 2], 43));
    }

    [Fact]
    public void Fused_IsOneRecordedOp()
    {
        var q = TestData.Leaf([2, 3, 4], 51);
        var y = Functional.ScaledDotProductAttention(q, q, q);
        Assert.Equal(OpCode.ScaledDotProductAttention, y.GradFn!.Op);
        Assert.Equal("ScaledDotProductAttentionBackward", y.GradFn.Name);
    }

    [Fact]
    public void Fused_OneQuery_IsTheSoftmaxWeightedAverageOfValues()
    {
        var q = Tensor.FromArray([1.0, 0.0], [1, 2]);
        var k = Tensor.FromArray([1.0, 0.0, 0.0, 1.0, 1.0, 1.0], [3, 2]);
        var v = Tensor.FromArray([10.0, 20.0, 30.0], [3, 1]);
        // Scores q·k_j/√2 = 1/√2, 0, 1/√2; with scale 1 they are 1, 0, 1.
        double s = 1 / Math.Sqrt(2), z = 2 * Math.Exp(s) + 1;
        Assert.Equal((Math.Exp(s) * 10 + 20 + Math.Exp(s) * 30) / z, Functional.ScaledDotProductAttention(q, k, v).Item(), 12);
        Assert.Equal((Math.E * 10 + 20 + Math.E * 30) / (2 * Math.E + 1), Functional.ScaledDotProductAttention(q, k, v, scale: 1).Item(), 12);
    }

    [Fact]
    public void Fused_RowWithNoVisibleKey_IsNaN_AsComposed()
    {
        var q = TestData.Leaf([2, 3], 61);
        var mask = Tensor.FromArray([double.NegativeInfinity, double.NegativeInfinity, 0, 0], [2, 2]);
        var fused = Functional.ScaledDotProductAttention(q, q, q, mask).ToDoubleArray();
        var composed = Functional.ComposedScaledDotProductAttention(q, q, q, mask).ToDoubleArray();
        Assert.All(fused[..3], x => Assert.True(double.IsNaN(x)));
        Assert.All(composed[..3], x => Assert.True(double.IsNaN(x)));
        for (int i = 3; i < 6; i++) Assert.Equal(composed[i], fused[i], 12);
    }

    [Fact]
    public void Fused_RejectsMisfitShapes_NamingThem()
    {
        var q = Tensor.Zeros([3, 4]);
        var e = Assert.Throws<ArgumentException>(() => Functional.ScaledDotProductAttention(q, Tensor.Zeros([5, 3]), Tensor.Zeros([5, 2])));
        Assert.Contains("[3, 4]", e.Message);
        var m = Assert.Throws<ArgumentException>(() => Functional.ScaledDotProductAttention(q, Tensor.Zeros([5, 4]), Tensor.Zeros([5, 2]), Tensor.Zeros([2, 5])));
        Assert.Contains("mask", m.Message);
    }
}
