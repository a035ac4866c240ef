using SharpGrad.Optim;
using static SharpGrad.Tests.Optim.OptimAssert;

namespace SharpGrad.Tests.Optim;

/// <summary>
/// The optimisers update long parameters with vectorised fused kernels (8 float32 or 4 float64 lanes
/// plus a scalar tail); these tests run them over 37 elements, so both paths are used, against the
/// textbook formulas evaluated here element by element in double.
/// </summary>
public class FusedUpdateTests
{
    private const int Length = 37;

    private static double[] Ramp(double scale, double shift) =>
        Enumerable.Range(0, Length).Select(i => scale * Math.Sin(i + shift)).ToArray();

    public static TheoryData<DType, bool, bool> AdamCases => new()
    {
        { DType.Float64, false, false }, { DType.Float32, false, false },
        { DType.Float64, true, false }, { DType.Float32, true, false },
        { DType.Float64, false, true },
    };

    [Theory]
    [MemberData(nameof(AdamCases))]
    public void Adam_ThreeSteps_MatchTheFormula(DType dtype, bool decoupled, bool amsgrad)
    {
        const double lr = 0.05, b1 = 0.8, b2 = 0.95, eps = 1e-3, wd = 0.1;
        var p0 = Ramp(1, 0);
        var w = Tensor.FromArray(p0).To(dtype).RequireGrad();
        Optimizer opt = decoupled
            ? new AdamW([w], lr, b1, b2, eps, weightDecay: wd)
            : new Adam([w], lr, b1, b2, eps, weightDecay: wd, amsgrad: amsgrad);
        var p = (double[])p0.Clone();
        var m = new double[Length];
        var v = new double[Length];
        var vMax = new double[Length];
        for (int t = 1; t <= 3; t++)
        {
            var g = Ramp(0.5 * t, 2 * t);
            w.Grad = Tensor.FromArray(g).To(dtype);
            opt.Step();
            for (int i = 0; i < Length; i++)
            {
                double gi = decoupled ? g[i] : g[i] + wd * p[i];
                if (decoupled) p[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                vMax[i] = Math.Max(vMax[i], v[i]);
                double mHat = m[i] / (1 - Math.Pow(b1, t));
                double vHat = (amsgrad ? vMax[i] : v[i]) / (1 - Math.Pow(b2, t));
                p[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
            Close(p, w, dtype == DType.Float32 ? 2e-6 : 1e-12);
        }
    }

    [Theory]
    [InlineData(DType.Float64, false)]
    [InlineData(DType.Float32, false)]
    [InlineData(DType.Float64, true)]
    [InlineData(DType.Float32, true)]
    public void Sgd_MomentumWeightDecay_ThreeSteps_MatchTheFormula(DType dtype, bool nesterov)
    {
        const double lr = 0.1, mu = 0.9, wd = 0.01;
        double dampening = nesterov ? 0 : 0.3;
        var p0 = Ramp(1, 1);
        var w = Tensor.FromArray(p0).To(dtype).RequireGrad();
        var opt = new Sgd([w], lr, mu, dampening, nesterov, wd);
        var p = (double[])p0.Clone();
        var buf = new double[Length];
        for (int t = 1; t <= 3; t++)
        {
            var g = Ramp(t, -t);
            w.Grad = Tensor.FromArray(g).To(dtype);
            opt.Step();
            for (int i = 0; i < Length; i++)
            {
                double d = g[i] + wd * p[i];
                buf[i] = t == 1 ? d : mu * buf[i] + (1 - dampening) * d;
                p[i] -= lr * (nesterov ? d + mu * buf[i] : buf[i]);
            }
            Close(p, w, dtype == DType.Float32 ? 2e-6 : 1e-12);
        }
    }

    [Fact]
    public void Sgd_UpdatesANonContiguousParameterThroughACopy()
    {
        var w = Tensor.FromArray(Ramp(1, 0)[..36], 6, 6).Detach().T;
        w.RequiresGrad = true;
        var expected = w.ToArray<double>().Select(x => x - 0.5 * 1.0).ToArray();
        var opt = new Sgd([w], 0.5);
        w.Grad = Tensor.Ones([6, 6], DType.Float64);
        opt.Step();
        Close(expected, w);
    }
}
