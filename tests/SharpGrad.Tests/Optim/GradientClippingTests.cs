using SharpGrad.Optim;
using static SharpGrad.Tests.Optim.OptimAssert;

namespace SharpGrad.Tests.Optim;

/// <summary>Clipping by total norm (2, 1, ∞) and by value, on gradients worked out by hand.</summary>
public class GradientClippingTests
{
    private static (Tensor A, Tensor B, Tensor C) ThreeParams()
    {
        var a = Param(0, 0);
        var b = Param(0, 0);
        var c = Param(0); // no gradient: skipped
        SetGrad(a, 3, 0);
        SetGrad(b, 0, -4);
        return (a, b, c);
    }

    [Fact]
    public void ClipGradNorm_L2_ScalesAllGradientsByMaxNormOverTotal()
    {
        var (a, b, c) = ThreeParams();
        double total = GradientClipping.ClipGradNorm([a, b, c], maxNorm: 1);
        Assert.Equal(5.0, total, 12); // √(3² + 4²)
        double k = 1 / (5 + 1e-6);
        Close([3 * k, 0], a.Grad!);
        Close([0, -4 * k], b.Grad!);
        Assert.Null(c.Grad);
    }

    [Fact]
    public void ClipGradNorm_BelowMaxNorm_LeavesGradientsAlone()
    {
        var (a, b, _) = ThreeParams();
        Assert.Equal(5.0, GradientClipping.ClipGradNorm([a, b], maxNorm: 10), 12);
        Assert.Equal([3.0, 0], a.Grad!.ToArray<double>());
        Assert.Equal([0, -4.0], b.Grad!.ToArray<double>());
    }

    [Fact]
    public void ClipGradNorm_L1AndInfinity()
    {
        var (a, b, _) = ThreeParams();
        Assert.Equal(7.0, GradientClipping.ClipGradNorm([a, b], 3.5, normType: 1), 12); // 3 + 4
        Close([3 * 3.5 / (7 + 1e-6), 0], a.Grad!);

        (a, b, _) = ThreeParams();
        Assert.Equal(4.0, GradientClipping.ClipGradNorm([a, b], 2, double.PositiveInfinity), 12); // max |g|
        Close([3 * 2 / (4 + 1e-6), 0], a.Grad!);
        Close([0, -4 * 2 / (4 + 1e-6)], b.Grad!);

        (a, b, _) = ThreeParams();
        Assert.Equal(Math.Pow(27 + 64, 1.0 / 3), GradientClipping.ClipGradNorm([a, b], 100, normType: 3), 12);
    }

    [Fact]
    public void ClipGradNorm_NonFiniteTotal_IsReturnedOrThrown()
    {
        var (a, b, _) = ThreeParams();
        SetGrad(b, double.NaN, 1);
        Assert.True(double.IsNaN(GradientClipping.ClipGradNorm([a, b], 1)));
        Assert.Equal([3.0, 0], a.Grad!.ToArray<double>());
        Assert.Throws<InvalidOperationException>(() => GradientClipping.ClipGradNorm([a, b], 1, errorIfNonfinite: true));
        Assert.True(double.IsNaN(GradientClipping.ClipGradNorm([a, b], 1, double.PositiveInfinity)));
        Assert.Equal(0.0, GradientClipping.ClipGradNorm([Param(1)], 1)); // no gradients at all
        Assert.Equal("maxNorm", Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGradNorm([a], -1)).ParamName);
        Assert.Equal("normType", Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGradNorm([a], 1, 0)).ParamName);
    }

    [Fact]
    public void ClipGradNorm_Float32_AndBackwardProducedGradients()
    {
        var w = Tensor.FromArray(new[] { 1f, 2f, 2f }).RequireGrad();
        w.Mul(w).Sum().Backward(); // g = 2w = [2, 4, 4], ‖g‖ = 6
        Assert.Equal(6.0, GradientClipping.ClipGradNorm([w], 3), 5);
        Close([1, 2, 2], w.Grad!, 1e-6);
    }

    [Fact]
    public void ClipGradValue_ClampsEveryElement()
    {
        var a = Param(0, 0, 0);
        var b = Param(0);
        SetGrad(a, 3, -0.2, -7);
        GradientClipping.ClipGradValue([a, b], 0.5);
        Assert.Equal([0.5, -0.2, -0.5], a.Grad!.ToArray<double>());
        Assert.Null(b.Grad);
        Assert.Equal("clipValue", Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipGradValue([a], -1)).ParamName);
    }
}
