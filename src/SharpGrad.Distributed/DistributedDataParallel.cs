using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpGrad.NN;
using SharpGrad.Training;

namespace SharpGrad.Distributed;

/// <summary>
/// Data-parallel training of one model on every rank of a <see cref="ProcessGroup"/>, as PyTorch's
/// <c>DistributedDataParallel</c> and Horovod do it. At construction the parameters and buffers of
/// rank 0 are copied to every rank, so all replicas start equal. During each backward pass a
/// gradient hook on every parameter copies its gradient into a bucket (about 25 MB, formed in
/// reverse parameter order, the same on every rank; see <see cref="GradientBucket"/>), and a bucket
/// whose gradients have all arrived starts its all-reduce at once, while the backward pass goes on
/// computing the rest. <see cref="SynchronizeGradients"/>, called after the backward pass and
/// before the optimiser step, waits for the buckets and leaves in every parameter's
/// <see cref="Tensor.Grad"/> the average over the ranks of this pass's gradients (added to what
/// the gradient held before, so accumulation over several passes works as in one process). With
/// the same optimiser on every rank the replicas then stay equal without ever sending parameters.
/// Buffers that each rank updates from its own samples (batch-norm running statistics) are made
/// equal again at every synchronisation: floating-point ones averaged over the ranks (for the
/// running mean that is exactly the update of the global batch, whose mean is the mean of the ranks'
/// equal-sized batch means), integer ones (batch counts) taken from rank 0.
/// <see cref="BeginStep"/> brackets a forward pass and declares the batch's rows in the global batch
/// (<see cref="SampleShard"/>) so that dropout draws as one process would. A <see cref="Trainer"/> given this object as its hooks does both around every step.
/// </summary>
public sealed class DistributedDataParallel : ITrainingStepHooks, IDisposable
{
    /// <summary>The default bucket size, PyTorch's: large enough to amortise each all-reduce's latency, small enough to start early.</summary>
    public const long DefaultBucketBytes = 25L * 1024 * 1024;

    private readonly Tensor[] parameters;
    private readonly Bucket[] buckets;
    private readonly (int Bucket, int Slot)[] place;
    private readonly List<IDisposable> hooks = [];
    private readonly bool syncBuffers;
    private int launched;
    private int suspended;

    /// <summary>Wraps <paramref name="model"/> for data-parallel training over <paramref name="group"/> and makes the replicas equal to rank 0's.</summary>
    /// <param name="model">The model; the same architecture on every rank.</param>
    /// <param name="group">The ranks that train together.</param>
    /// <param name="bucketBytes">The largest bucket, in bytes.</param>
    /// <param name="syncBuffers">Make the ranks' buffers equal after every step (averaged, or rank 0's when integer).</param>
    public DistributedDataParallel(Module model, ProcessGroup group, long bucketBytes = DefaultBucketBytes, bool syncBuffers = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(group);
        Model = model;
        Group = group;
        this.syncBuffers = syncBuffers;
        parameters = [.. model.Parameters()];
        Plan = GradientBucket.Plan(parameters, bucketBytes);
        CheckSameModelEverywhere();
        BroadcastState();

        buckets = new Bucket[Plan.Count];
        place = new (int, int)[parameters.Length];
        for (int b = 0; b < Plan.Count; b++)
        {
            buckets[b] = new Bucket(Plan[b]);
            for (int s = 0; s < Plan[b].Parameters.Length; s++)
                place[Plan[b].Parameters[s]] = (b, s);
        }
        if (group.Size > 1)
            for (int i = 0; i < parameters.Length; i++)
            {
                int index = i;
                hooks.Add(parameters[i].RegisterHook(g => OnGradient(index, g)));
            }
    }

    /// <summary>The model being trained.</summary>
    public Module Model { get; }

    /// <summary>The ranks that train it.</summary>
    public ProcessGroup Group { get; }

    /// <summary>The gradient buckets, in the order they are reduced.</summary>
    public IReadOnlyList<GradientBucket> Plan { get; }

    /// <summary>Copies every parameter and buffer of rank 0 to the other ranks.</summary>
    public void BroadcastState()
    {
        using var _ = Autograd.NoGrad();
        foreach (var (name, t) in Model.NamedParameters())
            Group.Broadcast(t, 0, $"broadcast of parameter {name}");
        BroadcastBuffers();
    }

    /// <summary>
    /// Opens a forward pass over a local batch of <paramref name="rows"/> samples (the same number on
    /// every rank): random ops inside it draw for the rows of the global batch.
    /// Dispose the scope after the forward pass.
    /// </summary>
    public IDisposable BeginStep(int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        if (launched > 0 || AnyArrived())
            throw new InvalidOperationException("DistributedDataParallel: a new step began before SynchronizeGradients() finished the previous backward pass.");
        return SampleShard.Enter(Group.Rank * rows, rows, Group.Size * rows);
    }

    /// <summary>
    /// Within the returned scope, backward passes accumulate local gradients without communicating
    /// (PyTorch's <c>no_sync</c>): for gradient accumulation, the last pass outside it averages them all.
    /// </summary>
    public IDisposable NoSync()
    {
        suspended++;
        return new Resume(this);
    }

    /// <summary>
    /// Finishes the gradient all-reduce of the last backward pass: starts the buckets that are still
    /// waiting (a parameter that received no gradient contributes zeros), waits for all of them and
    /// adds the averages to the parameters' gradients, then makes the buffers equal. Call it between the
    /// backward pass and the optimiser step.
    /// </summary>
    /// <exception cref="DistributedException">A rank failed or did not answer within the group's timeout.</exception>
    public void SynchronizeGradients()
    {
        if (Group.Size == 1 || (launched == 0 && !AnyArrived()))
            return;
        for (int b = launched; b < buckets.Length; b++)
            buckets[b].FillMissing();
        LaunchReady();
        using var _ = Autograd.NoGrad();
        double scale = 1.0 / Group.Size;
        foreach (var bucket in buckets)
        {
            bucket.Operation!.Wait();
            bucket.ScatterAverage(parameters, scale);
            bucket.Reset();
        }
        launched = 0;
        // After the buckets, so that every rank issues its collectives in the same order.
        if (syncBuffers) AverageBuffers();
    }

    /// <inheritdoc/>
    void ITrainingStepHooks.AfterBackward() => SynchronizeGradients();

    /// <summary>Removes the gradient hooks.</summary>
    public void Dispose()
    {
        foreach (var h in hooks) h.Dispose();
        hooks.Clear();
    }

    private Tensor? OnGradient(int index, Tensor gradient)
    {
        if (suspended > 0)
            return null;
        var (b, slot) = place[index];
        var bucket = buckets[b];
        if (b < launched)
            throw new InvalidOperationException(
                "DistributedDataParallel: a parameter received a second gradient after its bucket was sent; call SynchronizeGradients() after every backward pass (or use NoSync for accumulation).");
        bucket.Store(slot, gradient);
        if (bucket.IsFull) LaunchReady();
        // Completing requests needs MPI's progress engine to run; each gradient is a chance to drive it.
        for (int i = 0; i < launched; i++) buckets[i].Operation!.Test();
        // The average is added by SynchronizeGradients; the local gradient must not also be accumulated.
        return Tensor.ZerosLike(gradient);
    }

    private void LaunchReady()
    {
        // Always in bucket order, so that every rank issues the same sequence of collectives.
        while (launched < buckets.Length && buckets[launched].IsFull)
        {
            buckets[launched].Launch(Group);
            launched++;
        }
    }

    private bool AnyArrived()
    {
        foreach (var b in buckets) if (b.Arrived > 0) return true;
        return false;
    }

    private void AverageBuffers()
    {
        using var _ = Autograd.NoGrad();
        foreach (var (name, t) in Model.NamedBuffers())
        {
            if (t.DType.IsFloatingPoint()) Group.AllReduce(t, ReduceOp.Average, $"average of buffer {name}");
            else Group.Broadcast(t, 0, $"broadcast of buffer {name}");
        }
    }

    private void BroadcastBuffers()
    {
        using var _ = Autograd.NoGrad();
        foreach (var (name, t) in Model.NamedBuffers())
            Group.Broadcast(t, 0, $"broadcast of buffer {name}");
    }

    /// <summary>Refuses to train when the ranks built different models (their all-reduces would not match).</summary>
    private void CheckSameModelEverywhere()
    {
        string signature = string.Join(";", Model.NamedParameters().Select(p =>
            p.Key + ":" + p.Value.DType.Name() + "[" + string.Join(",", p.Value.ShapeArray.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]"));
        string root = Group.Broadcast(signature, 0, "comparison of the model structure");
        Span<int> differs = [root == signature ? 0 : 1];
        Group.AllReduce(differs, ReduceOp.Max, "comparison of the model structure");
        if (differs[0] != 0)
            throw new DistributedException(root == signature
                ? $"rank {Group.Rank}: another rank built a model with different parameters than rank 0."
                : $"rank {Group.Rank}: this rank's model ({Model.ParameterCount} parameters) differs from rank 0's; every rank must build the same model.");
    }

    private sealed class Resume(DistributedDataParallel owner) : IDisposable
    {
        private bool done;

        public void Dispose()
        {
            if (done) return;
            done = true;
            owner.suspended--;
        }
    }

    /// <summary>One bucket's pinned buffer (it must not move while MPI reads and writes it) and its state in the current pass.</summary>
    private sealed unsafe class Bucket
    {
        private readonly GradientBucket plan;
        private readonly float[]? singles;
        private readonly double[]? doubles;
        private readonly bool[] arrived;

        public Bucket(GradientBucket plan)
        {
            this.plan = plan;
            if (plan.DType == DType.Float64) doubles = GC.AllocateArray<double>(plan.Elements, pinned: true);
            else singles = GC.AllocateArray<float>(plan.Elements, pinned: true);
            arrived = new bool[plan.Parameters.Length];
        }

        public int Arrived { get; private set; }

        public bool IsFull => Arrived == arrived.Length;

        public PendingCollective? Operation { get; private set; }

        public void Store(int slot, Tensor gradient)
        {
            if (arrived[slot])
                throw new InvalidOperationException("DistributedDataParallel: a parameter received two gradients in one backward pass.");
            var g = Dispatch.Contiguous(gradient);
            int offset = plan.Offsets[slot];
            if (singles is not null) g.Span<float>().CopyTo(singles.AsSpan(offset, g.Count));
            else g.Span<double>().CopyTo(doubles!.AsSpan(offset, g.Count));
            arrived[slot] = true;
            Arrived++;
        }

        public void FillMissing()
        {
            for (int s = 0; s < arrived.Length; s++)
            {
                if (arrived[s]) continue;
                int offset = plan.Offsets[s], count = (s + 1 < arrived.Length ? plan.Offsets[s + 1] : plan.Elements) - offset;
                if (singles is not null) singles.AsSpan(offset, count).Clear();
                else doubles!.AsSpan(offset, count).Clear();
                arrived[s] = true;
                Arrived++;
            }
        }

        public void Launch(ProcessGroup group)
        {
            string what = string.Create(CultureInfo.InvariantCulture, $"all-reduce of gradient bucket {plan.Index} ({plan.Bytes:N0} bytes)");
            Operation = singles is not null
                ? group.StartAllReduce((float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(singles)), plan.Elements, ReduceOp.Sum, what)
                : group.StartAllReduce((double*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(doubles!)), plan.Elements, ReduceOp.Sum, what);
        }

        public void ScatterAverage(Tensor[] parameters, double scale)
        {
            if (singles is not null) TensorPrimitives.Multiply(singles, (float)scale, singles);
            else TensorPrimitives.Multiply(doubles!, scale, doubles!);
            for (int s = 0; s < plan.Parameters.Length; s++)
            {
                var p = parameters[plan.Parameters[s]];
                int offset = plan.Offsets[s];
                if (p.Grad is { IsContiguous: true, RequiresGrad: false } grad)
                {
                    if (singles is not null) TensorPrimitives.Add(grad.Span<float>(), singles.AsSpan(offset, p.Count), grad.Span<float>());
                    else TensorPrimitives.Add(grad.Span<double>(), doubles.AsSpan(offset, p.Count), grad.Span<double>());
                    grad.Storage.BumpVersion();
                    continue;
                }
                var average = singles is not null
                    ? Tensor.FromArray(singles.AsSpan(offset, p.Count).ToArray(), p.ShapeArray)
                    : Tensor.FromArray(doubles!.AsSpan(offset, p.Count).ToArray(), p.ShapeArray);
                if (p.Grad is null) p.Grad = average;
                else p.Grad.AddInPlace(average);
            }
        }

        public void Reset()
        {
            Array.Clear(arrived);
            Arrived = 0;
            Operation = null;
        }
    }
}
