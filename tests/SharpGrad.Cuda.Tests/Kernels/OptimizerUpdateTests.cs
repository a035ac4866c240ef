using System.Numerics;
using SharpGrad.Kernels;
using static SharpGrad.Cuda.Tests.Kernels.DeviceArrays;

namespace SharpGrad.Cuda.Tests.Kernels;

public class OptimizerUpdateTests
{
    private const int Length = 37, POffset = 2, GOffset = 5;

    private static T[] Random<T>(int length, int seed, double lo, double hi) where T : INumberBase<T>
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => T.CreateTruncating(lo + (hi - lo) * rng.NextDouble())).ToArray();
    }

    private static void CheckAdam<T>(bool amsgrad, double weightDecay, double decay, double rtol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = Random<T>(POffset + Length, 1, -1, 1);
        var g = Random<T>(GOffset + Length, 2, -1, 1);
        T[] m = new T[Length], v = new T[Length], vMax = new T[Length];
        using var pb = Up(p);
        using var gb = Up(g);
        using var mb = Empty(pb.DType, Length);
        using var vb = Empty(pb.DType, Length);
        using var vMaxb = Empty(pb.DType, Length);
        for (int step = 1; step <= 3; step++)
        {
            double beta1 = 0.9, beta2 = 0.999, lr = 1e-2, eps = 1e-8;
            double stepSize = lr * Math.Sqrt(1 - Math.Pow(beta2, step)) / (1 - Math.Pow(beta1, step)), epsHat = eps * Math.Sqrt(1 - Math.Pow(beta2, step));
            OptimizerUpdates.Adam(p, POffset, g, GOffset, m, 0, v, 0, amsgrad ? vMax : null, 0, Length, beta1, beta2, weightDecay, decay, stepSize, epsHat);
            K.Adam(pb, POffset, gb, GOffset, mb, vb, amsgrad ? vMaxb : null, Length, beta1, beta2, weightDecay, decay, stepSize, epsHat);
            // The gradient changes between steps (its sign flips for half of it), so v̂ and v part ways with AMSGrad.
            for (int i = 0; i < g.Length; i += 2) g[i] = -g[i] * T.CreateTruncating(0.5);
            K.Upload(g, 0, gb, 0, g.Length);
        }
        string what = $"{typeof(T).Name} Adam amsgrad={amsgrad} λ={weightDecay} decay={decay}";
        AllClose(p, Down<T>(pb), rtol, rtol, what + " p");
        AllClose(m, Down<T>(mb), rtol, rtol, what + " m");
        AllClose(v, Down<T>(vb), rtol, rtol * 1e-3, what + " v");
        if (amsgrad) AllClose(vMax, Down<T>(vMaxb), rtol, rtol * 1e-3, what + " v̂");
    }

    [Fact]
    public void Adam_MatchesTheCpuUpdate()
    {
        foreach (bool amsgrad in new[] { false, true })
        {
            CheckAdam<float>(amsgrad, 0.1, 1, 2e-6);
            CheckAdam<double>(amsgrad, 0, 1 - 1e-3, 1e-13);
        }
    }

    private static void CheckSgd<T>(bool withBuffer, double weightDecay, double momentum, double dampening, bool nesterov, double rtol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = Random<T>(POffset + Length, 3, -1, 1);
        var g = Random<T>(GOffset + Length, 4, -1, 1);
        var buffer = Random<T>(Length, 5, -0.5, 0.5);
        using var pb = Up(p);
        using var gb = Up(g);
        using var bb = Up(buffer);
        for (int step = 0; step < 2; step++)
        {
            OptimizerUpdates.Sgd(p, POffset, g, GOffset, withBuffer ? buffer : null, 0, Length, 0.1, weightDecay, momentum, dampening, nesterov);
            K.Sgd(pb, POffset, gb, GOffset, withBuffer ? bb : null, Length, 0.1, weightDecay, momentum, dampening, nesterov);
        }
        string what = $"{typeof(T).Name} SGD buffer={withBuffer} λ={weightDecay} μ={momentum} τ={dampening} nesterov={nesterov}";
        AllClose(p, Down<T>(pb), rtol, rtol, what + " p");
        AllClose(buffer, Down<T>(bb), rtol, rtol, what + " buffer");
    }

    [Fact]
    public void Sgd_MatchesTheCpuUpdate()
    {
        CheckSgd<float>(false, 0, 0, 0, false, 1e-6);
        CheckSgd<float>(true, 0.01, 0.9, 0.1, false, 1e-6);
        CheckSgd<float>(true, 0, 0.9, 0, true, 1e-6);
        CheckSgd<double>(false, 0.05, 0, 0, false, 1e-14);
        CheckSgd<double>(true, 0.01, 0.8, 0.2, true, 1e-14);
    }
}
