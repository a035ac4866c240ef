namespace SharpGrad.Tests.Autograd;

/// <summary>
/// The backward walk stamps tensors with its position in the order when it runs alone; a walk
/// nested inside another (from a hook) or running on another thread at the same time must not
/// disturb it. Gradients here are worked out by hand.
/// </summary>
public class ConcurrentWalkTests
{
    [Fact]
    public void BackwardNestedInAHook_OnAGraphSharingLeaves_LeavesTheOuterWalkIntact()
    {
        var x = Tensor.Scalar(3.0, DType.Float64).RequireGrad();
        var w = Tensor.Scalar(2.0, DType.Float64).RequireGrad();
        var h = x.Mul(w);                  // h = x·w
        double inner = double.NaN;
        h.RegisterHook(g =>
        {
            // A second graph over the same leaves, differentiated while the outer walk is under way
            // (hooks run with recording off, so it is switched back on for this graph).
            using (SharpGrad.Autograd.EnableGrad())
                inner = SharpGrad.Autograd.Grad(x.Mul(x).Mul(w), x).Item(); // ∂(x²w)/∂x = 2xw = 12
            return null;
        });
        var y = h.Mul(h).Add(x);           // y = x²w² + x
        y.Backward();
        Assert.Equal(12.0, inner);
        Assert.Equal(2 * 3.0 * 4.0 + 1, x.Grad!.Item()); // ∂y/∂x = 2xw² + 1 = 25
        Assert.Equal(2 * 9.0 * 2.0, w.Grad!.Item());     // ∂y/∂w = 2x²w = 36
    }

    [Fact]
    public void BackwardOnTwoThreadsAtOnce_SharingALeaf_GivesEachItsOwnGradients()
    {
        var w = Tensor.Scalar(0.5, DType.Float64).RequireGrad();
        var failures = 0;
        Parallel.For(0, 8, i =>
        {
            double c = i + 1;
            for (int rep = 0; rep < 50; rep++)
            {
                var y = w;
                for (int k = 0; k < 200; k++)
                    y = y.Mul(1.0).Add(c);     // y = w + 200c, so ∂y/∂w = 1
                var g = SharpGrad.Autograd.Grad(y.Mul(y), w).Item(); // 2y
                if (Math.Abs(g - 2 * (0.5 + 200 * c)) > 1e-9)
                    Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }
}
