using SharpGrad.NN;

namespace SharpGrad.Tests.Ops;

/// <summary>
/// Max, average and adaptive average pooling: values and gradients worked out by hand (ties, padding, ceil mode,
/// countIncludePad, non-divisible adaptive bins), finite-difference checks, second derivatives, and error messages.
/// </summary>
public class PoolingTests
{
    private static Tensor Plane(double[,] values) => Tensor.FromNested(values).Reshape(1, 1, values.GetLength(0), values.GetLength(1));

    /// <summary>A float64 leaf whose values are distinct and at least 0.1 apart, so no max-pool window has a tie.</summary>
    private static Tensor DistinctLeaf(int[] shape, ulong seed)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var order = Enumerable.Range(0, n).ToArray();
        new Generator(seed).Shuffle(order.AsSpan());
        return Tensor.FromArray(order.Select(i => 0.1 * i - 0.05 * n).ToArray(), shape).RequireGrad();
    }

    [Fact]
    public void MaxPool2d_HandComputed_TieGoesToFirst()
    {
        var x = Plane(new double[,] { { 1, 2, 5, 3 }, { 4, 0, 1, 2 }, { 7, 8, 6, 6 }, { 1, 9, 6, 2 } }).RequireGrad();
        var y = Functional.MaxPool2d(x, [2]);
        Assert.Equal([1, 1, 2, 2], y.Shape.ToArray());
        Assert.Equal([4.0, 5, 9, 6], y.ToDoubleArray());
        y.Backward(Tensor.FromArray([1.0, 2, 3, 4], 1, 1, 2, 2));
        // The bottom-right window holds 6 three times; the first in row-major order, (2, 2), gets the gradient.
        Assert.Equal([0.0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 4, 0, 0, 3, 0, 0], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void MaxPool2d_Padding_IsMinusInfinity()
    {
        // All values negative: a zero padding would win every border window; −∞ padding never does.
        var x = Plane(new double[,] { { -1, -2, -3 }, { -4, -5, -6 }, { -7, -8, -9 } }).RequireGrad();
        var y = Functional.MaxPool2d(x, [2], stride: [2], padding: [1]);
        Assert.Equal([1, 1, 2, 2], y.Shape.ToArray());
        Assert.Equal([-1.0, -2, -4, -5], y.ToDoubleArray());
        y.Sum().Backward();
        Assert.Equal([1.0, 1, 0, 1, 1, 0, 0, 0, 0], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void MaxPool2d_CeilMode_KeepsPartialWindow()
    {
        var x = Tensor.Arange(0, 25, 1, DType.Float64).Reshape(1, 1, 5, 5).RequireGrad();
        Assert.Equal([1, 1, 2, 2], Functional.MaxPool2d(x, [2]).Shape.ToArray());
        var y = Functional.MaxPool2d(x, [2], ceilMode: true);
        Assert.Equal([1, 1, 3, 3], y.Shape.ToArray());
        Assert.Equal([6.0, 8, 9, 16, 18, 19, 21, 23, 24], y.ToDoubleArray());
        y.Sum().Backward();
        var g = x.Grad!.ToDoubleArray();
        Assert.Equal(9, g.Sum());
        foreach (int i in new[] { 6, 8, 9, 16, 18, 19, 21, 23, 24 }) Assert.Equal(1.0, g[i]);
    }

    [Fact]
    public void MaxPool2d_OverlappingWindows_AccumulateGradient()
    {
        // Kernel 3, stride 1 over a 3×4 plane whose maximum (9) lies in both windows: it receives both gradients.
        var x = Plane(new double[,] { { 1, 2, 3, 0 }, { 4, 9, 5, 1 }, { 6, 7, 8, 2 } }).RequireGrad();
        var y = Functional.MaxPool2d(x, [3], stride: [1]);
        Assert.Equal([9.0, 9], y.ToDoubleArray());
        y.Backward(Tensor.FromArray([1.0, 10], 1, 1, 1, 2));
        Assert.Equal(11.0, x.Grad!.ToDoubleArray()[5]);
    }

    [Fact]
    public void MaxPool2d_Dilation_HandComputed()
    {
        // A 2×2 window with dilation 2 reads the corners of each 3×3 block.
        var x = Tensor.Arange(0, 16, 1, DType.Float64).Reshape(1, 1, 4, 4);
        var y = Functional.MaxPool2d(x, [2], stride: [1], dilation: [2]);
        Assert.Equal([1, 1, 2, 2], y.Shape.ToArray());
        Assert.Equal([10.0, 11, 14, 15], y.ToDoubleArray());
    }

    [Theory]
    [InlineData(2, 2, 0, 1, false)]
    [InlineData(3, 2, 1, 1, false)]
    [InlineData(3, 1, 1, 1, false)]
    [InlineData(2, 2, 1, 2, false)]
    [InlineData(3, 2, 0, 1, true)]
    public void MaxPool2d_MatchesFiniteDifferences(int kernel, int stride, int padding, int dilation, bool ceil) =>
        TestData.AssertGradients(t => Functional.MaxPool2d(t[0], [kernel], [stride], [padding], [dilation], ceil), DistinctLeaf([2, 2, 6, 7], 71));

    [Fact]
    public void MaxPool2d_SecondOrder_MatchesFiniteDifferences() =>
        TestData.AssertSecondOrder(t => Functional.MaxPool2d(t[0], [2]).Tanh(), DistinctLeaf([1, 2, 4, 4], 72));

    [Fact]
    public void MaxPool2d_ThreeDimensionalInput_PoolsEachChannel()
    {
        var x = Tensor.Arange(0, 32, 1, DType.Float64).Reshape(2, 4, 4);
        var y = Functional.MaxPool2d(x, [2]);
        Assert.Equal([2, 2, 2], y.Shape.ToArray());
        Assert.Equal([5.0, 7, 13, 15, 21, 23, 29, 31], y.ToDoubleArray());
    }

    [Fact]
    public void MaxPool2d_Float32_MatchesFloat64()
    {
        var x = Tensor.Uniform([4, 8, 24, 24], -1, 1, new Generator(73));
        var y32 = Functional.MaxPool2d(x, [2]).ToDoubleArray();
        var y64 = Functional.MaxPool2d(x.To(DType.Float64), [2]).ToDoubleArray();
        Assert.Equal(y64, y32);
    }

    [Fact]
    public void AvgPool2d_HandComputed()
    {
        var x = Tensor.Arange(0, 16, 1, DType.Float64).Reshape(1, 1, 4, 4).RequireGrad();
        var y = Functional.AvgPool2d(x, [2]);
        Assert.Equal([2.5, 4.5, 10.5, 12.5], y.ToDoubleArray());
        y.Backward(Tensor.FromArray([4.0, 8, 12, 16], 1, 1, 2, 2));
        Assert.Equal([1.0, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], x.Grad!.ToDoubleArray());
    }

    [Theory]
    [InlineData(true, new[] { 0.25, 0.5, 0.75, 1.0 })]
    [InlineData(false, new[] { 1.0, 2, 3, 4 })]
    public void AvgPool2d_Padding_CountIncludePad(bool countIncludePad, double[] expected)
    {
        // Kernel 2, stride 2, padding 1 on a 2×2 plane: each window holds one real value and three zeros of padding.
        var x = Plane(new double[,] { { 1, 2 }, { 3, 4 } }).RequireGrad();
        var y = Functional.AvgPool2d(x, [2], padding: [1], countIncludePad: countIncludePad);
        Assert.Equal(expected, y.ToDoubleArray());
        y.Sum().Backward();
        double share = countIncludePad ? 0.25 : 1;
        Assert.Equal([share, share, share, share], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void AvgPool2d_CeilMode_DividesPartialWindowByItsSize()
    {
        // 3×3 plane, kernel 2, stride 2: ceil mode adds windows hanging off the edge, and (with no padding to count)
        // they average only what they cover, as PyTorch does.
        var x = Tensor.Arange(0, 9, 1, DType.Float64).Reshape(1, 1, 3, 3);
        Assert.Equal([2.0], Functional.AvgPool2d(x, [2]).ToDoubleArray());
        Assert.Equal([2.0, 3.5, 6.5, 8], Functional.AvgPool2d(x, [2], ceilMode: true).ToDoubleArray());
        Assert.Equal([2.0, 3.5, 6.5, 8], Functional.AvgPool2d(x, [2], ceilMode: true, countIncludePad: false).ToDoubleArray());
    }

    [Fact]
    public void AvgPool2d_CeilModeWithPadding_CountsPaddingButNotOverhang()
    {
        // 4-wide row, kernel 3, stride 2, padding 1, ceil: windows start at −1, 1, 3. The last covers 3..5, of which
        // 4 is padding (counted) and 5 lies beyond it (not counted): divisor 2 per axis.
        var x = Tensor.FromArray([1.0, 2, 3, 4], 1, 1, 1, 4);
        var y = Functional.AvgPool2d(x, [1, 3], stride: [1, 2], padding: [0, 1], ceilMode: true);
        Assert.Equal([1, 1, 1, 3], y.Shape.ToArray());
        Assert.Equal([3.0 / 3, 9.0 / 3, 4.0 / 2], y.ToDoubleArray());
    }

    [Theory]
    [InlineData(2, 2, 0, true, false)]
    [InlineData(3, 2, 1, true, false)]
    [InlineData(3, 2, 1, false, false)]
    [InlineData(3, 2, 1, true, true)]
    [InlineData(2, 1, 1, false, true)]
    public void AvgPool2d_MatchesFiniteDifferences(int kernel, int stride, int padding, bool countIncludePad, bool ceil) =>
        TestData.AssertGradients(t => Functional.AvgPool2d(t[0], [kernel], [stride], [padding], countIncludePad, ceil), TestData.Leaf([2, 2, 5, 6], 74));

    [Fact]
    public void AvgPool2d_SecondOrder_MatchesFiniteDifferences() =>
        TestData.AssertSecondOrder(t => Functional.AvgPool2d(t[0], [2], padding: [1]).Tanh(), TestData.Leaf([1, 2, 3, 4], 75));

    [Fact]
    public void AdaptiveAvgPool2d_ToOneByOne_IsGlobalMean()
    {
        var x = TestData.Leaf([2, 3, 4, 5], 76);
        var y = Functional.AdaptiveAvgPool2d(x, [1]);
        Assert.Equal([2, 3, 1, 1], y.Shape.ToArray());
        var expected = x.Mean([2, 3]).ToDoubleArray();
        var actual = y.ToDoubleArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-12);
        y.Sum().Backward();
        Assert.All(x.Grad!.ToDoubleArray(), g => Assert.Equal(1.0 / 20, g, 1e-15));
    }

    [Fact]
    public void AdaptiveAvgPool2d_FiveToThree_OverlappingBins()
    {
        // Bins of 5 → 3: [0, 2), [1, 4), [3, 5).
        var row = Tensor.FromArray([1.0, 2, 3, 4, 5], 1, 1, 1, 5).RequireGrad();
        var y = Functional.AdaptiveAvgPool2d(row, [1, 3]);
        Assert.Equal([1.5, 3, 4.5], y.ToDoubleArray());
        y.Sum().Backward();
        var g = row.Grad!.ToDoubleArray();
        double[] expected = [0.5, 0.5 + 1.0 / 3, 1.0 / 3, 1.0 / 3 + 0.5, 0.5];
        for (int i = 0; i < 5; i++) Assert.Equal(expected[i], g[i], 1e-15);

        // In 2-D the bins are the products of the row and column bins: mean = 5·(row-bin mean) + (column-bin mean).
        var plane = Tensor.Arange(0, 25, 1, DType.Float64).Reshape(1, 1, 5, 5);
        var y2 = Functional.AdaptiveAvgPool2d(plane, [3]);
        Assert.Equal([3.0, 4.5, 6, 10.5, 12, 13.5, 18, 19.5, 21], y2.ToDoubleArray());
    }

    [Fact]
    public void AdaptiveAvgPool2d_Upsampling_RepeatsValues()
    {
        // More outputs than inputs: bins of one element, repeated.
        var x = Tensor.FromArray([1.0, 2], 1, 1, 1, 2);
        Assert.Equal([1.0, 1, 2, 2], Functional.AdaptiveAvgPool2d(x, [1, 4]).ToDoubleArray());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(7, 5)]
    public void AdaptiveAvgPool2d_MatchesFiniteDifferences(int oh, int ow) =>
        TestData.AssertGradients(t => Functional.AdaptiveAvgPool2d(t[0], [oh, ow]), TestData.Leaf([2, 2, 5, 6], 77));

    // ----- bad input -----

    [Fact]
    public void Pooling_WrongRank_NamesOpAndShape()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.MaxPool2d(Tensor.Zeros(4, 4), [2]));
        Assert.Contains("MaxPool2d", e.Message);
        Assert.Contains("[4, 4]", e.Message);
        Assert.Contains("AvgPool2d", Assert.Throws<ArgumentException>(() => Functional.AvgPool2d(Tensor.Zeros(1, 1, 1, 4, 4), [2])).Message);
        Assert.Contains("AdaptiveAvgPool2d", Assert.Throws<ArgumentException>(() => Functional.AdaptiveAvgPool2d(Tensor.Zeros(4), [2])).Message);
    }

    [Fact]
    public void Pooling_NonPositiveKernelOrStride_Throws()
    {
        var x = Tensor.Zeros(1, 1, 4, 4);
        Assert.Contains("kernelSize must be positive", Assert.Throws<ArgumentException>(() => Functional.MaxPool2d(x, [0])).Message);
        Assert.Contains("stride must be positive", Assert.Throws<ArgumentException>(() => Functional.MaxPool2d(x, [2], stride: [0])).Message);
        Assert.Contains("stride must be positive", Assert.Throws<ArgumentException>(() => Functional.AvgPool2d(x, [2], stride: [2, -1])).Message);
        Assert.Contains("outputSize must be positive", Assert.Throws<ArgumentException>(() => Functional.AdaptiveAvgPool2d(x, [0, 2])).Message);
    }

    [Fact]
    public void Pooling_PaddingOverHalfWindow_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.MaxPool2d(Tensor.Zeros(1, 1, 4, 4), [2], padding: [2]));
        Assert.Contains("at most half the window", e.Message);
        Assert.Contains("[2, 2]", e.Message);
    }

    [Fact]
    public void Pooling_WindowLargerThanInput_GivesComputedOutputSize()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.MaxPool2d(Tensor.Zeros(1, 1, 2, 3), [3]));
        Assert.Contains("MaxPool2d", e.Message);
        Assert.Contains("[1, 1, 2, 3]", e.Message);
        Assert.Contains("output size would be 0×1", e.Message);
    }
}
