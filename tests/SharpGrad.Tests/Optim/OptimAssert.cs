namespace SharpGrad.Tests.Optim;

/// <summary>Helpers for hand-worked optimiser trajectories on tiny float64 problems.</summary>
internal static class OptimAssert
{
    /// <summary>A float64 parameter requiring gradients.</summary>
    public static Tensor Param(params double[] values) => Tensor.FromArray(values).RequireGrad();

    /// <summary>Sets a fixed gradient, as if a backward pass had produced it.</summary>
    public static void SetGrad(Tensor p, params double[] g) => p.Grad = Tensor.FromArray(g, p.Shape.ToArray());

    /// <summary>Computes f(w) = Σ w² and backpropagates, so the gradient is 2w.</summary>
    public static void SumOfSquaresBackward(Tensor w)
    {
        w.Grad = null;
        w.Mul(w).Sum().Backward();
    }

    /// <summary>Element equality within a relative tolerance (absolute below 1).</summary>
    public static void Close(double[] expected, Tensor actual, double tol = 1e-12)
    {
        var a = actual.ToArray<double>();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(expected[i] - a[i]) <= tol * Math.Max(1, Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]:R}, got {a[i]:R}");
    }

    public static void Close(double expected, double actual, double tol = 1e-12) =>
        Assert.True(Math.Abs(expected - actual) <= tol * Math.Max(1, Math.Abs(expected)), $"expected {expected:R}, got {actual:R}");
}
