using SharpGrad.NN;
using SharpGrad.Optim;

namespace SharpGrad.Tests.Tensors;

public class MemoryScopeTests
{
    // Batch 256 and 128 hidden units: each hidden activation or its gradient is a 128 KB array.
    private static (Sequential Model, Tensor X, Tensor Y) SmallProblem()
    {
        var gen = new Generator(7);
        var model = new Sequential(new Linear(6, 128, generator: gen), new ReLU(), new Linear(128, 3, generator: gen));
        var x = Tensor.Normal([256, 6], generator: new Generator(8));
        var y = Tensor.FromArray(Enumerable.Range(0, 256).Select(i => i % 3).ToArray(), 256);
        return (model, x, y);
    }

    private static double Step(Sequential model, Optimizer optimizer, Tensor x, Tensor y)
    {
        var loss = Functional.CrossEntropy(model.Call(x), y);
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        return loss.Item();
    }

    [Fact]
    public void TrainingInScopes_GivesExactlyTheSameResultsAsWithout()
    {
        // Adam and momentum SGD keep state across steps; parameters, gradients and that state must
        // all survive the scopes, and pooled (reused, uninitialised) memory must not change a value.
        var (plainModel, x, y) = SmallProblem();
        var (scopedModel, _, _) = SmallProblem();
        var plainAdam = new Adam(plainModel.Parameters(), 0.01);
        var scopedAdam = new Adam(scopedModel.Parameters(), 0.01);
        for (int i = 0; i < 5; i++)
        {
            double expected = Step(plainModel, plainAdam, x, y);
            double actual;
            using (MemoryScope.Begin())
                actual = Step(scopedModel, scopedAdam, x, y);
            Assert.Equal(expected, actual);
        }
        var plain = plainModel.Parameters().ToList();
        var scoped = scopedModel.Parameters().ToList();
        for (int i = 0; i < plain.Count; i++)
        {
            Assert.Equal(plain[i].ToArray<float>(), scoped[i].ToArray<float>());
            Assert.Equal(plain[i].Grad!.ToArray<float>(), scoped[i].Grad!.ToArray<float>());
        }
        Assert.Equal(plainAdam.StateDict()["param.0.exp_avg_sq"].ToArray<float>(), scopedAdam.StateDict()["param.0.exp_avg_sq"].ToArray<float>());
    }

    [Fact]
    public void StepsInScopes_AllocateAlmostNothingAfterWarmUp()
    {
        var (model, x, y) = SmallProblem();
        var sgd = new Sgd(model.Parameters(), 0.1, momentum: 0.9);
        for (int i = 0; i < 3; i++)
            using (MemoryScope.Begin()) Step(model, sgd, x, y);
        long before = GC.GetAllocatedBytesForCurrentThread();
        const int steps = 10;
        for (int i = 0; i < steps; i++)
            using (MemoryScope.Begin()) Step(model, sgd, x, y);
        long perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / steps;
        // The same steps outside a scope allocate every activation and gradient afresh.
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < steps; i++)
            Step(model, sgd, x, y);
        long unpooledPerStep = (GC.GetAllocatedBytesForCurrentThread() - before) / steps;
        // Bookkeeping objects (tensor views, graph nodes) remain; no element array does.
        Assert.True(perStep < 128 * 1024, $"{perStep} B/step in a scope vs {unpooledPerStep} B/step without");
        Assert.True(unpooledPerStep > 4 * 128 * 1024, $"{unpooledPerStep} B/step without a scope");
        Assert.True(MemoryScope.PooledBytes >= 256 * 128 * 4, "the pool should hold the step's arrays between scopes");
    }

    [Fact]
    public void StateCreatedInsideAScope_ByModulesAndOptimisers_SurvivesIt()
    {
        var (model, x, y) = SmallProblem();
        var adam = new Adam(model.Parameters(), 0.01);
        using (MemoryScope.Begin())
        {
            Step(model, adam, x, y);                       // creates gradients and Adam's moments
            adam.LoadStateDict(adam.StateDict());          // and replaces the moments with copies
            model.To(DType.Float64);                       // and replaces every parameter
        }
        var adam64 = new Adam(model.Parameters(), 0.01);
        using (MemoryScope.Begin())
            Step(model, adam64, x.To(DType.Float64), y);
        Assert.All(adam.StateDict().Values, t => Assert.True(double.IsFinite(t.Sum().Item())));
        Assert.All(model.Parameters(), p => Assert.True(double.IsFinite(p.Sum().Item())));
    }

    [Fact]
    public void TensorFromAnEndedScope_ThrowsInsteadOfReadingReusedMemory()
    {
        Tensor inside;
        using (MemoryScope.Begin())
            inside = Tensor.Ones(4, 4).Mul(3);
        var e = Assert.Throws<ObjectDisposedException>(() => inside.ToArray<float>());
        Assert.Contains("MemoryScope", e.Message);
        Assert.Contains("Keep", e.Message);
        Assert.Throws<ObjectDisposedException>(() => inside.Reshape(16).Sum());
    }

    [Fact]
    public void KeptTensors_AndTensorsFromBeforeTheScope_Survive()
    {
        var outside = Tensor.Full([3], 2.0);
        Tensor kept, view;
        using (MemoryScope.Begin())
        {
            kept = MemoryScope.Keep(outside.Mul(5));
            view = kept.Reshape(3, 1); // a view shares the kept storage
        }
        Assert.Equal(new float[] { 10, 10, 10 }, kept.ToArray<float>());
        Assert.Equal(new float[] { 10, 10, 10 }, view.ToArray<float>());
        Assert.Equal(new float[] { 2, 2, 2 }, outside.ToArray<float>());
    }

    [Fact]
    public void ReusedMemory_StillStartsAtZeroWhereZerosArePromised()
    {
        using (MemoryScope.Begin())
            Tensor.Full([5, 7], 9.0).Mul(2); // leaves 18s in pooled arrays of 35 elements
        using (MemoryScope.Begin())
        {
            Assert.All(Tensor.Zeros(5, 7).ToArray<float>(), v => Assert.Equal(0f, v));
            // Ops that promise full overwrites may get the dirty arrays; their values must be exact.
            Assert.All(Tensor.Ones(5, 7).Add(Tensor.Ones(5, 7)).ToArray<float>(), v => Assert.Equal(2f, v));
        }
    }

    [Fact]
    public void NestedScopes_ReleaseOnlyTheirOwnTensors()
    {
        using var outer = MemoryScope.Begin();
        var a = Tensor.Ones(3).Mul(2);
        Tensor b;
        using (MemoryScope.Begin())
            b = a.Mul(2);
        Assert.Equal(new float[] { 2, 2, 2 }, a.ToArray<float>());
        Assert.Throws<ObjectDisposedException>(() => b.ToArray<float>());
        Assert.True(MemoryScope.IsActive);
    }

    [Fact]
    public void BackwardAfterTheScope_IsAnError_NotAWrongGradient()
    {
        var w = Tensor.Ones(4).RequireGrad();
        Tensor loss;
        using (MemoryScope.Begin())
            loss = w.Mul(2).Exp().Sum(); // Exp's backward reads its output, which lived in the scope
        Assert.Throws<ObjectDisposedException>(() => loss.Backward());
    }
}
