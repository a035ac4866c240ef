namespace SharpGrad.Tests.Autograd;

/// <summary>
/// Scalar graphs (micrograd-style code on 0-d tensors) take shortcuts: binary ops on two 0-d operands skip
/// broadcasting and kernels, nodes mark untracked inputs with a bit mask instead of a copy with nulls, saved
/// values at version 0 keep no version array, and the backward walk reuses one gradient array per arity.
/// These tests hold each shortcut to the values of the general path and to hand-worked derivatives.
/// </summary>
public class ScalarGraphTests
{
    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void ZeroDimBinaryOps_GiveTheValuesOfOneElementVectors(DType dtype)
    {
        var a = Tensor.Scalar(1.75, dtype);
        var b = Tensor.Scalar(-0.5, dtype);
        var av = Tensor.Full([1], 1.75, dtype);
        var bv = Tensor.Full([1], -0.5, dtype);
        foreach (var (scalar, vector) in new[]
        {
            (a + b, av + bv), (a - b, av - bv), (a * b, av * bv), (a / b, av / bv), (a.Pow(b), av.Pow(bv)),
        })
        {
            Assert.Equal(0, scalar.Rank);
            Assert.Equal(dtype, scalar.DType);
            Assert.Equal(vector.ToDoubleArray()[0], scalar.Item());
        }
        Assert.Equal(1.25, (a + b).Item());
        Assert.Equal(-0.875, (a * b).Item());
        Assert.Equal(-3.5, (a / b).Item());
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int32)]
    public void ZeroDimAddInPlace_AddsAndBumpsTheVersion(DType dtype)
    {
        var a = Tensor.Scalar(3, dtype);
        int v0 = a.Version;
        Assert.Same(a, a.AddInPlace(Tensor.Scalar(4, dtype)));
        Assert.Equal(7, a.Item());
        Assert.Equal(v0 + 1, a.Version);
        // A view of the same storage is read before it is written (a += a doubles it).
        a.AddInPlace(a);
        Assert.Equal(14, a.Item());
    }

    [Fact]
    public void DeepChains_BackwardTwiceInARow_GiveTheHandDerivative()
    {
        // y = x·w + c, n times: ∂y/∂x = wⁿ and ∂y/∂w = Σ_{k<n} x_k·w^(n−1−k) with x_k = wᵏx + c(1 + … + w^(k−1)) (by hand,
        // here with c = 0 and x = 1: n·w^(n−1)). The second pass reuses the walk's stack from the first.
        for (int pass = 0; pass < 2; pass++)
        {
            int n = 3000 + pass * 5000;
            var x = Tensor.Scalar(1.0, DType.Float64).RequireGrad();
            var w = Tensor.Scalar(1.0001, DType.Float64).RequireGrad();
            var c = Tensor.Scalar(0.0, DType.Float64);
            var y = x;
            for (int i = 0; i < n; i++) y = y * w + c;
            y.Backward();
            Assert.Equal(Math.Pow(1.0001, n), x.Grad!.Item(), 1e-9);
            Assert.Equal(n * Math.Pow(1.0001, n - 1), w.Grad!.Item(), 1e-7 * n);
        }
    }

    [Fact]
    public void ZeroDimIntegerOps_StayInteger()
    {
        var a = Tensor.FromArray([7], []);
        var b = Tensor.FromArray([-3], []);
        Assert.Equal(DType.Int32, (a * b).DType);
        Assert.Equal(-21, (a * b).Item());
        Assert.Equal(4, (a + b).Item());
    }

    [Fact]
    public void ZeroDimAgainstLargerTensor_StillBroadcasts()
    {
        var s = Tensor.Scalar(2.0, DType.Float64).RequireGrad();
        var v = Tensor.FromArray([1.0, 2.0, 3.0], 3).RequireGrad();
        var y = (s * v).Sum();
        y.Backward();
        Assert.Equal(12.0, y.Item());
        Assert.Equal(6.0, s.Grad!.Item());          // Σ v
        Assert.Equal([2.0, 2.0, 2.0], v.Grad!.ToDoubleArray());
    }

    [Fact]
    public void ScalarChain_GradientMatchesClosedForm()
    {
        // y ← y·w + c repeated n times from y = x: y = x·wⁿ + c·(wⁿ − 1)/(w − 1), so ∂y/∂x = wⁿ and
        // ∂y/∂w = n·x·wⁿ⁻¹ + c·(n·wⁿ⁻¹·(w − 1) − (wⁿ − 1))/(w − 1)².
        const int n = 40;
        double x0 = 1.5, w0 = 0.9, c0 = 0.25;
        var x = Tensor.Scalar(x0, DType.Float64).RequireGrad();
        var w = Tensor.Scalar(w0, DType.Float64).RequireGrad();
        var c = Tensor.Scalar(c0, DType.Float64);
        var y = x;
        for (int i = 0; i < n; i++)
            y = y * w + c;
        y.Backward();
        double wn = Math.Pow(w0, n), wn1 = Math.Pow(w0, n - 1);
        Assert.Equal(x0 * wn + c0 * (wn - 1) / (w0 - 1), y.Item(), 12);
        Assert.Equal(wn, x.Grad!.Item(), 12);
        Assert.Equal(n * x0 * wn1 + c0 * (n * wn1 * (w0 - 1) - (wn - 1)) / ((w0 - 1) * (w0 - 1)), w.Grad!.Item(), 12);
        Assert.Null(c.Grad);
    }

    [Fact]
    public void UntrackedInputs_ShowAsNullInTheNode()
    {
        var x = Tensor.Scalar(2.0, DType.Float64).RequireGrad();
        var c = Tensor.Scalar(3.0, DType.Float64);
        var y = c * x;
        var inputs = y.GradFn!.Inputs;
        Assert.Equal(2, inputs.Count);
        Assert.Null(inputs[0]);
        Assert.Same(x, inputs[1]);
        Assert.Same(c, y.GradFn.Operands[0]);
        y.Backward();
        Assert.Equal(3.0, x.Grad!.Item());
        Assert.Null(c.Grad);
    }

    [Fact]
    public void UntrackedInputs_OfAnOpWithManyInputs_AreNullToo()
    {
        // More inputs than the node's bit mask holds: the node keeps a copy with nulls instead.
        var parts = Enumerable.Range(0, 40)
            .Select(i => i % 3 == 0 ? Tensor.FromArray([(double)i], 1).RequireGrad() : Tensor.FromArray([(double)i], 1))
            .ToArray();
        var cat = Tensor.Cat(parts, 0);
        for (int i = 0; i < parts.Length; i++)
            Assert.Equal(i % 3 == 0, cat.GradFn!.Inputs[i] is not null);
        cat.Mul(cat).Sum().Backward();
        Assert.Equal([66.0], parts[33].Grad!.ToDoubleArray());  // ∂(Σ v²)/∂v = 2v
        Assert.Null(parts[34].Grad);
    }

    [Fact]
    public void InPlaceChangeOfSavedScalar_IsCaught_WhetherItsVersionWasZeroOrNot()
    {
        var x = Tensor.Scalar(2.0, DType.Float64).RequireGrad();
        var a = Tensor.Scalar(3.0, DType.Float64);
        var y = x * a;                 // saves a at version 0
        a.AddInPlace(Tensor.Scalar(1.0, DType.Float64));
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("expected 0", error.Message);

        var b = Tensor.Scalar(3.0, DType.Float64);
        b.AddInPlace(Tensor.Scalar(1.0, DType.Float64));   // version 1 when saved
        var z = x * b;
        z.Backward();
        Assert.Equal(4.0, x.Grad!.Item());
        b.AddInPlace(Tensor.Scalar(1.0, DType.Float64));
        var z2 = x * b;
        b.AddInPlace(Tensor.Scalar(1.0, DType.Float64));
        error = Assert.Throws<InvalidOperationException>(() => z2.Backward());
        Assert.Contains("expected 2", error.Message);
    }

    [Fact]
    public void TwoBackwardWalks_InterleavedThroughHooks_KeepTheirGradientsApart()
    {
        // A hook that runs a second backward pass while the first is under way: each walk's reused
        // gradient arrays must stay its own.
        var x = Tensor.Scalar(3.0, DType.Float64).RequireGrad();
        var u = Tensor.Scalar(5.0, DType.Float64).RequireGrad();
        double inner = double.NaN;
        var h = x * x;
        h.RegisterHook(g =>
        {
            using var recording = SharpGrad.Autograd.EnableGrad();   // hooks run with recording off
            var v = u * u * u;
            inner = SharpGrad.Autograd.Grad(v, u).Item();
            return null;
        });
        var y = h * x;
        y.Backward();
        Assert.Equal(75.0, inner);               // 3u²
        Assert.Equal(27.0, x.Grad!.Item());      // 3x²
    }

    [Fact]
    public void TheWalkedPartOfTheGraph_CanBeCollectedBeforeTheWalkEnds()
    {
        // y = ((x·2)·2)…·2 over 50 ops; the walk goes from y back to x. When it reaches the op next to x, every
        // intermediate it has passed is released and held by nothing the caller has, so a collection frees it.
        var x = Tensor.Scalar(1.0, DType.Float64).RequireGrad();
        var (y, passed, nearX) = BuildChain(x, 50);
        var alive = AliveWhenTheWalkReaches(nearX, passed);
        y.Backward();
        Assert.False(alive());
        Assert.Equal(Math.Pow(2, 50), x.Grad!.Item());
    }

    [Fact]
    public void TheWalkedPartOfTheGraph_CanBeCollected_WhileAnotherWalkRuns()
    {
        // Two walks at once (here one inside a hook of the other, as two threads' backward passes can overlap) keep
        // their positions in a map instead of stamping the tensors; the map must not hold what the walk has passed.
        var x = Tensor.Scalar(1.0, DType.Float64).RequireGrad();
        var (y, passed, nearX) = BuildChain(x, 50);
        var alive = AliveWhenTheWalkReaches(nearX, passed);
        var u = Tensor.Scalar(3.0, DType.Float64).RequireGrad();
        var outer = u * 2.0;
        outer.RegisterHook(g =>
        {
            y.Backward();
            return null;
        });
        (outer * 2.0).Backward();
        Assert.False(alive());
        Assert.Equal(Math.Pow(2, 50), x.Grad!.Item());
        Assert.Equal(4.0, u.Grad!.Item());
    }

    /// <summary>A hook on <paramref name="nearX"/> that collects garbage when the walk reaches it and notes whether <paramref name="passed"/> survived.</summary>
    private static Func<bool?> AliveWhenTheWalkReaches(Tensor nearX, WeakReference passed)
    {
        bool? alive = null;
        nearX.RegisterHook(g =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            alive = passed.IsAlive;
            return null;
        });
        return () => alive;
    }

    // Not inlined, so no local of the test method keeps an intermediate alive.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (Tensor Root, WeakReference Passed, Tensor NearX) BuildChain(Tensor x, int length)
    {
        var t = x * 2.0;
        var nearX = t;
        WeakReference? passed = null;
        for (int i = 1; i < length; i++)
        {
            t = t * 2.0;
            if (i == length - 5) passed = new WeakReference(t);
        }
        return (t, passed!, nearX);
    }
}
