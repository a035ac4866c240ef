using ILGPU;
using ILGPU.Algorithms;

namespace SharpGrad.Cuda.Kernels;

/// <summary>The scalars of one Adam step, already rounded to the parameter's element type as the CPU rounds them.</summary>
internal struct AdamCoefficients
{
    public double Beta1, Beta2, OneMinusBeta1, OneMinusBeta2, WeightDecay, Decay, StepSize, EpsHat;
}

/// <summary>The scalars of one SGD step, rounded to the parameter's element type.</summary>
internal struct SgdCoefficients
{
    public double LearningRate, WeightDecay, Momentum, OneMinusDampening;
    public int Nesterov;
}

/// <summary>
/// Fused Adam and SGD updates, one thread per element reading each array once: the formulas of the CPU's
/// Kernels.OptimizerUpdates in the same order, evaluated in double and stored in the element type.
/// </summary>
internal static class OptimizerUpdates
{
    /// <summary>
    /// g ← g + λp;  m ← m + (1 − β₁)(g − m);  v ← β₂v + (1 − β₂)g²;  v̂ ← max(v̂, v) when <paramref name="amsgrad"/> ≠ 0;
    /// p ← decay·p − stepSize·m / (√v̂ + ε̂).
    /// </summary>
    public static void Adam<T, TMath>(Index1D i, ArrayView<T> p, int pOffset, ArrayView<T> g, int gOffset, ArrayView<T> m, ArrayView<T> v,
        int amsgrad, ArrayView<T> vMax, AdamCoefficients c)
        where T : unmanaged where TMath : struct, IElementMath<T>
    {
        var e = default(TMath);
        double pi = e.ToDouble(p[pOffset + i]);
        double gi = e.ToDouble(e.FromDouble(e.ToDouble(g[gOffset + i]) + c.WeightDecay * pi));
        double mi = e.ToDouble(m[i]);
        var mNew = e.FromDouble(mi + c.OneMinusBeta1 * (gi - mi));
        var vNew = e.FromDouble(c.Beta2 * e.ToDouble(v[i]) + c.OneMinusBeta2 * gi * gi);
        m[i] = mNew;
        v[i] = vNew;
        double second = e.ToDouble(vNew);
        if (amsgrad != 0)
        {
            second = ScalarMath.Maximum(e.ToDouble(vMax[i]), second);
            vMax[i] = e.FromDouble(second);
        }
        p[pOffset + i] = e.FromDouble(c.Decay * pi - c.StepSize * e.ToDouble(mNew) / (XMath.Sqrt(second) + c.EpsHat));
    }

    /// <summary>
    /// d = g + λp;  with momentum: buf ← μ·buf + (1 − τ)d and d ← d + μ·buf (Nesterov) or buf;  p ← p − lr·d.
    /// </summary>
    public static void Sgd<T, TMath>(Index1D i, ArrayView<T> p, int pOffset, ArrayView<T> g, int gOffset, int withBuffer, ArrayView<T> buffer, SgdCoefficients c)
        where T : unmanaged where TMath : struct, IElementMath<T>
    {
        var e = default(TMath);
        double pi = e.ToDouble(p[pOffset + i]);
        double d = e.ToDouble(e.FromDouble(e.ToDouble(g[gOffset + i]) + c.WeightDecay * pi));
        if (withBuffer != 0)
        {
            double b = e.ToDouble(e.FromDouble(c.Momentum * e.ToDouble(buffer[i]) + c.OneMinusDampening * d));
            buffer[i] = e.FromDouble(b);
            d = c.Nesterov != 0 ? d + c.Momentum * b : b;
        }
        p[pOffset + i] = e.FromDouble(pi - c.LearningRate * d);
    }
}
