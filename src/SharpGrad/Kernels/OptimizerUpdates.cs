using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SharpGrad.Kernels;

// Fused optimiser updates: one pass over a parameter, its gradient and its state, instead of one pass (and one
// temporary) per arithmetic step. An update is memory-bound, so reading each array once is what makes it fast.
//
// Adam, per element (PyTorch's ordering; g already includes L2 weight decay):
//   m ← m + (1 − β₁)(g − m)        v ← β₂·v + (1 − β₂)·g²        v̂ ← max(v̂, v) with AMSGrad
//   p ← decay·p − stepSize · m / (√v + ε̂)      (decay = 1 − lr·λ for AdamW's decoupled weight decay, else 1)
// where the caller folds the bias corrections into stepSize = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) and ε̂ = ε·√(1 − β₂ᵗ).
//
// SGD with momentum μ, dampening τ (the buffer already exists; the first step copies d into it):
//   d = g + λ·p        buf ← μ·buf + (1 − τ)·d        d ← d + μ·buf (Nesterov) or buf        p ← p − lr·d

/// <summary>
/// Fused per-element Adam and SGD updates over contiguous spans, vectorised (512-bit where <see cref="VectorWidth"/>
/// says so, then 256-bit, then scalar for the tail) and split across cores.
/// </summary>
internal static class OptimizerUpdates
{
    /// <summary>The Adam update above on p, g, m, v (and v̂ when <paramref name="vMax"/> is not null), all of the same length.</summary>
    public static void Adam<T>(T[] p, int pOffset, T[] g, int gOffset, T[] m, int mOffset, T[] v, int vOffset, T[]? vMax, int vMaxOffset,
        int length, double beta1, double beta2, double weightDecay, double decay, double stepSize, double epsHat)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Partitioner.For(length, 8, new AdamBody<T>(p, pOffset, g, gOffset, m, mOffset, v, vOffset, vMax, vMaxOffset,
            T.CreateTruncating(beta1), T.CreateTruncating(beta2), T.CreateTruncating(weightDecay), T.CreateTruncating(decay),
            T.CreateTruncating(stepSize), T.CreateTruncating(epsHat), VectorWidth.Wide));

    /// <summary>
    /// The SGD update above. Without <paramref name="buffer"/> it is p ← p − lr·(g + λ·p); with it the momentum
    /// buffer is updated first (<paramref name="momentum"/>, <paramref name="dampening"/>, <paramref name="nesterov"/>).
    /// </summary>
    public static void Sgd<T>(T[] p, int pOffset, T[] g, int gOffset, T[]? buffer, int bufferOffset, int length,
        double learningRate, double weightDecay, double momentum, double dampening, bool nesterov)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Partitioner.For(length, 4, new SgdBody<T>(p, pOffset, g, gOffset, buffer, bufferOffset,
            T.CreateTruncating(learningRate), T.CreateTruncating(weightDecay), T.CreateTruncating(momentum), T.CreateTruncating(1 - dampening), nesterov,
            VectorWidth.Wide));

    private readonly struct AdamBody<T>(T[] p, int pOffset, T[] g, int gOffset, T[] m, int mOffset, T[] v, int vOffset, T[]? vMax, int vMaxOffset,
        T beta1, T beta2, T weightDecay, T decay, T stepSize, T epsHat, bool wide) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            T oneMinusBeta1 = T.One - beta1, oneMinusBeta2 = T.One - beta2;
            int i = start;
            if (wide && vMax is null)
            {
                // The same operations in the same order as the loops below, so either width gives the same values.
                ref T rp = ref p[pOffset];
                ref T rg = ref g[gOffset];
                ref T rm = ref m[mOffset];
                ref T rv = ref v[vOffset];
                var b1 = Vector512.Create(oneMinusBeta1);
                var b2 = Vector512.Create(beta2);
                var c2 = Vector512.Create(oneMinusBeta2);
                var wd = Vector512.Create(weightDecay);
                var step = Vector512.Create(stepSize);
                var keep = Vector512.Create(decay);
                var eps = Vector512.Create(epsHat);
                for (; i <= end - Vector512<T>.Count; i += Vector512<T>.Count)
                {
                    var pi = Vector512.LoadUnsafe(ref rp, (nuint)i);
                    var gi = Vector512.LoadUnsafe(ref rg, (nuint)i) + wd * pi;
                    var mi = Vector512.LoadUnsafe(ref rm, (nuint)i);
                    mi += b1 * (gi - mi);
                    var vi = b2 * Vector512.LoadUnsafe(ref rv, (nuint)i) + c2 * gi * gi;
                    mi.StoreUnsafe(ref rm, (nuint)i);
                    vi.StoreUnsafe(ref rv, (nuint)i);
                    (keep * pi - step * mi / (Vector512.Sqrt(vi) + eps)).StoreUnsafe(ref rp, (nuint)i);
                }
            }
            if (Vector256.IsHardwareAccelerated && vMax is null)
            {
                ref T rp = ref p[pOffset];
                ref T rg = ref g[gOffset];
                ref T rm = ref m[mOffset];
                ref T rv = ref v[vOffset];
                var b1 = Vector256.Create(oneMinusBeta1);
                var b2 = Vector256.Create(beta2);
                var c2 = Vector256.Create(oneMinusBeta2);
                var wd = Vector256.Create(weightDecay);
                var step = Vector256.Create(stepSize);
                var keep = Vector256.Create(decay);
                var eps = Vector256.Create(epsHat);
                for (; i <= end - Vector256<T>.Count; i += Vector256<T>.Count)
                {
                    var pi = Vector256.LoadUnsafe(ref rp, (nuint)i);
                    var gi = Vector256.LoadUnsafe(ref rg, (nuint)i) + wd * pi;
                    var mi = Vector256.LoadUnsafe(ref rm, (nuint)i);
                    mi += b1 * (gi - mi);
                    var vi = b2 * Vector256.LoadUnsafe(ref rv, (nuint)i) + c2 * gi * gi;
                    mi.StoreUnsafe(ref rm, (nuint)i);
                    vi.StoreUnsafe(ref rv, (nuint)i);
                    (keep * pi - step * mi / (Vector256.Sqrt(vi) + eps)).StoreUnsafe(ref rp, (nuint)i);
                }
            }
            for (; i < end; i++)
            {
                T gi = g[gOffset + i] + weightDecay * p[pOffset + i];
                T mi = m[mOffset + i] + oneMinusBeta1 * (gi - m[mOffset + i]);
                T vi = beta2 * v[vOffset + i] + oneMinusBeta2 * gi * gi;
                m[mOffset + i] = mi;
                v[vOffset + i] = vi;
                T second = vi;
                if (vMax is not null)
                {
                    second = T.Max(vMax[vMaxOffset + i], vi);
                    vMax[vMaxOffset + i] = second;
                }
                p[pOffset + i] = decay * p[pOffset + i] - stepSize * mi / (T.Sqrt(second) + epsHat);
            }
        }
    }

    private readonly struct SgdBody<T>(T[] p, int pOffset, T[] g, int gOffset, T[]? buffer, int bufferOffset,
        T learningRate, T weightDecay, T momentum, T oneMinusDampening, bool nesterov, bool wide) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int i = start;
            if (wide)
            {
                // The same operations in the same order as the loops below, so either width gives the same values.
                ref T rp = ref p[pOffset];
                ref T rg = ref g[gOffset];
                var lr = Vector512.Create(learningRate);
                var wd = Vector512.Create(weightDecay);
                var mu = Vector512.Create(momentum);
                var keep = Vector512.Create(oneMinusDampening);
                ref T rb = ref buffer is null ? ref Unsafe.NullRef<T>() : ref buffer[bufferOffset];
                for (; i <= end - Vector512<T>.Count; i += Vector512<T>.Count)
                {
                    var pi = Vector512.LoadUnsafe(ref rp, (nuint)i);
                    var d = Vector512.LoadUnsafe(ref rg, (nuint)i) + wd * pi;
                    if (buffer is not null)
                    {
                        var b = mu * Vector512.LoadUnsafe(ref rb, (nuint)i) + keep * d;
                        b.StoreUnsafe(ref rb, (nuint)i);
                        d = nesterov ? d + mu * b : b;
                    }
                    (pi - lr * d).StoreUnsafe(ref rp, (nuint)i);
                }
            }
            if (Vector256.IsHardwareAccelerated)
            {
                ref T rp = ref p[pOffset];
                ref T rg = ref g[gOffset];
                var lr = Vector256.Create(learningRate);
                var wd = Vector256.Create(weightDecay);
                var mu = Vector256.Create(momentum);
                var keep = Vector256.Create(oneMinusDampening);
                ref T rb = ref buffer is null ? ref Unsafe.NullRef<T>() : ref buffer[bufferOffset];
                for (; i <= end - Vector256<T>.Count; i += Vector256<T>.Count)
                {
                    var pi = Vector256.LoadUnsafe(ref rp, (nuint)i);
                    var d = Vector256.LoadUnsafe(ref rg, (nuint)i) + wd * pi;
                    if (buffer is not null)
                    {
                        var b = mu * Vector256.LoadUnsafe(ref rb, (nuint)i) + keep * d;
                        b.StoreUnsafe(ref rb, (nuint)i);
                        d = nesterov ? d + mu * b : b;
                    }
                    (pi - lr * d).StoreUnsafe(ref rp, (nuint)i);
                }
            }
            for (; i < end; i++)
            {
                T d = g[gOffset + i] + weightDecay * p[pOffset + i];
                if (buffer is not null)
                {
                    T b = momentum * buffer[bufferOffset + i] + oneMinusDampening * d;
                    buffer[bufferOffset + i] = b;
                    d = nesterov ? d + momentum * b : b;
                }
                p[pOffset + i] -= learningRate * d;
            }
        }
    }
}
