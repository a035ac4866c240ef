namespace SharpGrad.Tests.Autograd;

/// <summary>
/// Autograd.NoGrad and MemoryScope follow the async flow that opened them: across awaits, into
/// Task.Run and Parallel.For started inside them, and never into unrelated work that happens to run
/// on the same thread afterwards. Disposing from another thread ends the scope without breaking the
/// flow that began it.
/// </summary>
public class ScopeFlowTests
{
    private static async Task<bool> RecordsInsideNoGradAcrossAwait()
    {
        using (SharpGrad.Autograd.NoGrad())
        {
            await Task.Yield();
            await Task.Delay(1);
            // Still inside the scope after resuming, probably on another thread.
            return SharpGrad.Autograd.IsGradEnabled;
        }
    }

    [Fact]
    public async Task NoGrad_HoldsAcrossAwait_AndEndsWithTheUsingBlock()
    {
        Assert.False(await RecordsInsideNoGradAcrossAwait());
        Assert.True(SharpGrad.Autograd.IsGradEnabled);
    }

    [Fact]
    public async Task NoGrad_AroundAwait_DoesNotLeakIntoLaterThreadPoolWork()
    {
        // With a per-thread flag, the thread that opened the scope kept "disabled" after the await
        // moved the flow elsewhere, so roughly half of later pool work stopped recording.
        for (int round = 0; round < 20; round++)
            await RecordsInsideNoGradAcrossAwait();
        var x = Tensor.Ones([2], DType.Float64).RequireGrad();
        var recorded = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() =>
            SharpGrad.Autograd.IsGradEnabled && x.Mul(2.0).RequiresGrad)));
        Assert.All(recorded, Assert.True);
    }

    [Fact]
    public async Task NoGrad_IsInheritedByTaskRunAndParallelFor()
    {
        var x = Tensor.Ones([3], DType.Float64).RequireGrad();
        using (SharpGrad.Autograd.NoGrad())
        {
            Assert.False(await Task.Run(() => x.Mul(2.0).RequiresGrad));
            var seen = new bool[64];
            Parallel.For(0, seen.Length, i => seen[i] = x.Add(1.0).RequiresGrad || SharpGrad.Autograd.IsGradEnabled);
            Assert.All(seen, Assert.False);
        }
        Assert.True(x.Mul(2.0).RequiresGrad);
    }

    [Fact]
    public void EnableGrad_InsideNoGrad_RestoresExactlyThePreviousMode()
    {
        using (SharpGrad.Autograd.NoGrad())
        {
            using (SharpGrad.Autograd.EnableGrad())
                Assert.True(SharpGrad.Autograd.IsGradEnabled);
            Assert.False(SharpGrad.Autograd.IsGradEnabled);
        }
        Assert.True(SharpGrad.Autograd.IsGradEnabled);
    }

    private static async Task<Tensor> CreateInScopeAcrossAwait()
    {
        using var scope = MemoryScope.Begin();
        await Task.Yield();
        Assert.True(MemoryScope.IsActive);
        var t = Tensor.Ones([1000], DType.Float64).Mul(3.0);
        Assert.Equal(3.0, t.ToDoubleArray()[999]);
        return t;
    }

    [Fact]
    public async Task MemoryScope_HoldsAcrossAwait_AndItsTensorsEndWithIt()
    {
        var t = await CreateInScopeAcrossAwait();
        Assert.False(MemoryScope.IsActive);
        Assert.Throws<ObjectDisposedException>(() => t.ToDoubleArray());
    }

    [Fact]
    public async Task MemoryScope_AroundAwait_DoesNotLeakIntoLaterThreadPoolWork()
    {
        for (int round = 0; round < 20; round++)
            await CreateInScopeAcrossAwait();
        var outside = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() =>
        {
            var t = Tensor.Ones([10], DType.Float64).Mul(2.0);
            return (MemoryScope.IsActive, t.ToDoubleArray()[0]);
        })));
        Assert.All(outside, r => Assert.Equal((false, 2.0), r));
    }

    [Fact]
    public void MemoryScope_IsUsedByParallelForInsideIt()
    {
        var results = new Tensor[32];
        using (MemoryScope.Begin())
        {
            Parallel.For(0, results.Length, i => results[i] = Tensor.Full([256], i, DType.Float64).Add(1.0));
            for (int i = 0; i < results.Length; i++)
                Assert.All(results[i].ToDoubleArray(), v => Assert.Equal(i + 1.0, v));
        }
        // Every tensor the loop created belonged to the scope and went back with it.
        Assert.All(results, t => Assert.Throws<ObjectDisposedException>(() => t.ToDoubleArray()));
    }

    [Fact]
    public void MemoryScope_DisposedOnAnotherThread_LeavesTheOriginalFlowWorking()
    {
        var scope = MemoryScope.Begin();
        var before = Tensor.Ones([8], DType.Float64).Mul(2.0);
        var other = new Thread(() => scope.Dispose());
        other.Start();
        other.Join();
        // The scope has ended everywhere; this flow still names it as current but must not use it.
        Assert.Throws<ObjectDisposedException>(() => before.ToDoubleArray());
        Assert.False(MemoryScope.IsActive);
        var after = Tensor.Ones([8], DType.Float64).Mul(5.0);
        Assert.All(after.ToDoubleArray(), v => Assert.Equal(5.0, v));
        scope.Dispose(); // a second dispose is harmless
        Assert.All(after.ToDoubleArray(), v => Assert.Equal(5.0, v));
        Assert.False(MemoryScope.IsActive);
    }

    [Fact]
    public void MemoryScope_NestedDisposedElsewhere_FallsBackToTheOuterScope()
    {
        using var outer = MemoryScope.Begin();
        var inner = MemoryScope.Begin();
        var thread = new Thread(() => inner.Dispose());
        thread.Start();
        thread.Join();
        Assert.True(MemoryScope.IsActive);
        var t = Tensor.Ones([4], DType.Float64).Mul(2.0);
        Assert.Equal(2.0, t.ToDoubleArray()[0]);
        outer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => t.ToDoubleArray());
    }
}
