namespace SharpGrad.Tests.Tensors;

/// <summary>
/// ToString follows PyTorch's printing: "tensor(" then nested brackets, continuation rows
/// indented to align under the first bracket, one number format for the whole tensor (integral
/// values as "3.", fixed four decimals, or scientific when magnitudes are far apart), padding to
/// a common width, and the dtype (when not float32) then grad_fn or requires_grad.
/// </summary>
public class FormattingTests
{
    [Fact]
    public void SmallFloat32Matrix_PrintsLikePyTorch()
    {
        var t = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        Assert.Equal("tensor([[1., 2.],\n        [3., 4.]])", t.ToString());
    }

    [Fact]
    public void Vector_Integral_PaddedToCommonWidth()
    {
        Assert.Equal("tensor([-1.,  2., 10.])", Tensor.FromArray(new float[] { -1, 2, 10 }).ToString());
    }

    [Fact]
    public void Vector_Fractional_FourDecimals()
    {
        var t = Tensor.FromArray(new float[] { 0.5f, 1.25f, -2 });
        Assert.Equal("tensor([ 0.5000,  1.2500, -2.0000])", t.ToString());
    }

    [Fact]
    public void Float64_ShowsDType()
    {
        Assert.Equal("tensor([1., 2.], dtype=float64)", Tensor.FromArray(new[] { 1.0, 2.0 }).ToString());
    }

    [Fact]
    public void Int32_PrintsIntegersWithoutPoint_AndDType()
    {
        Assert.Equal("tensor([  1, -20,   3], dtype=int32)", Tensor.FromArray(new[] { 1, -20, 3 }).ToString());
    }

    [Fact]
    public void Scalars_HaveNoBrackets()
    {
        Assert.Equal("tensor(3.)", Tensor.Scalar(3).ToString());
        Assert.Equal("tensor(0.5000)", Tensor.Scalar(0.5).ToString());
        Assert.Equal("tensor(-2.5000, dtype=float64)", Tensor.Scalar(-2.5, DType.Float64).ToString());
    }

    [Fact]
    public void RequiresGradLeaf_ShowsRequiresGrad()
    {
        var a = Tensor.FromArray(new float[] { 1, 2 }).RequireGrad();
        Assert.Equal("tensor([1., 2.], requires_grad=True)", a.ToString());
        var d = Tensor.FromArray(new[] { 0.5 }).RequireGrad();
        Assert.Equal("tensor([0.5000], dtype=float64, requires_grad=True)", d.ToString());
    }

    [Fact]
    public void OpResult_ShowsGradFn()
    {
        var a = Tensor.FromArray(new float[] { 1, 2 }).RequireGrad();
        Assert.Equal("tensor([2., 4.], grad_fn=<AddBackward>)", (a + a).ToString());
        Assert.Equal("tensor([3., 6.], grad_fn=<MulBackward>)", (a * 3).ToString());
        Assert.Equal("tensor(3., grad_fn=<SumBackward>)", a.Sum().ToString());
        var d = Tensor.FromArray(new[] { 1.0 }).RequireGrad();
        Assert.Equal("tensor([2.], dtype=float64, grad_fn=<AddBackward>)", (d + d).ToString());
    }

    [Fact]
    public void ComputedWithoutGrad_ShowsNeither()
    {
        var a = Tensor.FromArray(new float[] { 1, 2 }).RequireGrad();
        using (SharpGrad.Autograd.NoGrad())
            Assert.Equal("tensor([2., 4.])", (a + a).ToString());
    }

    [Fact]
    public void TinyValues_UseScientificNotation()
    {
        Assert.Equal("tensor([1.0000e-05, 1.0000e+00], dtype=float64)", Tensor.FromArray(new[] { 1e-5, 1 }).ToString());
    }

    [Fact]
    public void WideRange_UsesScientificNotation()
    {
        Assert.Equal("tensor([1.2345e+04, 5.0000e-01])", Tensor.FromArray(new float[] { 12345.25f, 0.5f }).ToString());
        Assert.Equal("tensor([1.0000e+09, 1.0000e+00])", Tensor.FromArray(new float[] { 1e9f, 1 }).ToString());
        Assert.Equal("tensor([-1.0000e+04,  2.0000e-01])", Tensor.FromArray(new[] { -1e4, 0.2 }).To(DType.Float32).ToString());
    }

    [Fact]
    public void RatioAboveThousand_BelowOneThousand_IsScientific_AsPyTorch()
    {
        // PyTorch switches to scientific notation whenever max/min of the non-zero magnitudes exceeds
        // 1000: torch.tensor([0.001, 2.0]) prints tensor([1.0000e-03, 2.0000e+00]).
        Assert.Equal("tensor([1.0000e-03, 2.0000e+00])", Tensor.FromArray(new float[] { 0.001f, 2 }).ToString());
    }

    [Fact]
    public void NonFinite_PrintedAsInfNan_PaddedByFiniteWidth()
    {
        double inf = double.PositiveInfinity;
        Assert.Equal("tensor([1.5000,    inf,    nan,   -inf], dtype=float64)", Tensor.FromArray(new[] { 1.5, inf, double.NaN, -inf }).ToString());
        // As PyTorch: the width comes from the finite values, so "1." is not padded to "inf"'s width.
        Assert.Equal("tensor([1., inf, nan])", Tensor.FromArray(new float[] { 1, float.PositiveInfinity, float.NaN }).ToString());
    }

    [Fact]
    public void ThreeDimensional_BlankLineBetweenBlocks()
    {
        var t = Tensor.Arange(8).Reshape(2, 2, 2);
        Assert.Equal(
            "tensor([[[0., 1.],\n" +
            "         [2., 3.]],\n" +
            "\n" +
            "        [[4., 5.],\n" +
            "         [6., 7.]]])",
            t.ToString());
    }

    [Fact]
    public void Transposed_PrintsInLogicalOrder()
    {
        Assert.Equal(
            "tensor([[0., 3.],\n        [1., 4.],\n        [2., 5.]], dtype=float64)",
            Expect.Iota(2, 3).T.ToString());
    }

    [Fact]
    public void Empty_PrintsEmptyBrackets()
    {
        Assert.Equal("tensor([])", Tensor.Zeros(0).ToString());
        // PyTorch: torch.zeros(0, 3) prints tensor([], size=(0, 3)).
        Assert.Equal("tensor([], size=(0, 3))", Tensor.Zeros(0, 3).ToString());
    }

    [Fact]
    public void IntegralValues_FarApartOrAbove1e8_AreScientific()
    {
        Assert.Equal("tensor([   1., 1000.])", Tensor.FromArray(new float[] { 1, 1000 }).ToString()); // ratio exactly 1000
        Assert.Equal("tensor([1.0000e+00, 2.0000e+03])", Tensor.FromArray(new float[] { 1, 2000 }).ToString());
        Assert.Equal("tensor([100000000.], dtype=float64)", Tensor.FromArray(new[] { 1e8 }).ToString());
        Assert.Equal("tensor([2.0000e+08], dtype=float64)", Tensor.FromArray(new[] { 2e8 }).ToString());
        Assert.Equal("tensor([0., 0.])", Tensor.Zeros(2).ToString());
    }

    [Fact]
    public void LargeVector_IsSummarised_WithEdgeItems()
    {
        // The shown values 0, 1, 2, 1997, 1998, 1999 span more than a factor 1000, so PyTorch
        // (torch.arange(2000.)) prints them in scientific notation, with " ..." between the edges.
        var text = Tensor.Arange(2000).ToString();
        Assert.Equal("tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03, 1.9990e+03])", text);
    }

    [Fact]
    public void LargeVector_NarrowRange_IsSummarisedInIntegerFormat()
    {
        var text = Tensor.Arange(1000.0, 3000.0).ToString();
        Assert.Equal("tensor([1000., 1001., 1002.,  ..., 2997., 2998., 2999.])", text);
    }

    [Fact]
    public void LargeMatrix_IsSummarisedByRows()
    {
        var text = Tensor.Arange(1000.0, 3000.0).Reshape(1000, 2).ToString();
        Assert.Equal(
            "tensor([[1000., 1001.],\n" +
            "        [1002., 1003.],\n" +
            "        [1004., 1005.],\n" +
            "        ...,\n" +
            "        [2994., 2995.],\n" +
            "        [2996., 2997.],\n" +
            "        [2998., 2999.]])",
            text);
    }

    [Fact]
    public void LargeMatrix_SummarisedInBothDimensions_StaysShort()
    {
        var text = Tensor.Arange(2000).Reshape(20, 100).ToString();
        Assert.Contains("...", text);
        Assert.True(text.Length < 800, $"{text.Length} characters:\n{text}");
        // Seven lines: three rows, the row ellipsis, three rows.
        Assert.Equal(7, text.Split('\n').Length);
        Assert.StartsWith("tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.7000e+01, 9.8000e+01, 9.9000e+01],\n", text);
        Assert.Contains("\n        ...,\n", text);
        Assert.EndsWith("[1.9000e+03, 1.9010e+03, 1.9020e+03,  ..., 1.9970e+03, 1.9980e+03, 1.9990e+03]])", text);
    }

    [Fact]
    public void AtThreshold_ThousandElements_IsNotSummarised()
    {
        var text = Tensor.Arange(1000).ToString();
        Assert.DoesNotContain("...", text);
        Assert.Contains(" 500.,", text);
    }
}
