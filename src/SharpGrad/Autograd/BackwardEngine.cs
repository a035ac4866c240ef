namespace SharpGrad;

/// <summary>
/// The reverse walk. It orders the graph topologically with an explicit stack (a chain of
/// 100 000 ops must not overflow the call stack), seeds the roots, and visits each tensor once
/// after every path into it has contributed, adding (<c>+=</c>) the gradients that meet there.
/// With <c>createGraph</c> the backward rules run with recording on, so the gradients are
/// themselves differentiable; otherwise they run inside a no-grad scope.
/// </summary>
internal static class BackwardEngine
{
    /// <summary>
    /// Propagates <paramref name="seeds"/> from <paramref name="roots"/>. Without
    /// <paramref name="inputs"/>, gradients are accumulated into leaves (and retained
    /// intermediates); with them, only the part of the graph leading to the inputs is walked and
    /// their gradients are returned (null where an input is unreachable).
    /// </summary>
    public static Tensor?[] Run(IReadOnlyList<Tensor> roots, Tensor[] seeds, bool retainGraph, bool createGraph, IReadOnlyList<Tensor>? inputs)
    {
        using var index = WalkIndex.Begin();
        var order = TopologicalOrder(roots, index);
        // With explicit inputs, only the backward rules whose results lead to an input run.
        bool[]? reaches = null, propagate = null;
        if (inputs is not null)
            (reaches, propagate) = ReachingInputs(order, inputs, index);
        // pending[k] is the gradient summed so far for order[k]; it is complete when the walk,
        // going backwards through the order, reaches k.
        var pending = new Tensor?[order.Count];
        // owned[k]: pending[k] is a sum this walk created, referenced nowhere else, so further
        // contributions may be added into it in place (not when the sums must be differentiable).
        var owned = createGraph ? null : new bool[order.Count];
        for (int i = 0; i < roots.Count; i++)
            Accumulate(pending, owned, index.PositionOf(roots[i]), seeds[i]);

        var results = new Tensor?[inputs?.Count ?? 0];
        // firstInputAt[k] and nextInput chain the indices i with inputs[i] == order[k], so a walk
        // asked for 100 000 inputs costs a lookup per tensor rather than a scan of the inputs.
        int[]? firstInputAt = null, nextInput = null;
        if (inputs is not null)
        {
            firstInputAt = new int[order.Count];
            Array.Fill(firstInputAt, -1);
            nextInput = new int[inputs.Count];
            for (int i = inputs.Count - 1; i >= 0; i--)
            {
                int p = index.PositionOf(inputs[i]);
                if (p < 0) continue;
                nextInput[i] = firstInputAt[p];
                firstInputAt[p] = i;
            }
        }
        // One array per arity receives the input gradients of every math primitive in turn.
        Tensor?[][] scratch = [[], new Tensor?[1], new Tensor?[2], new Tensor?[3]];
        using var mode = createGraph ? Autograd.EnableGrad() : Autograd.NoGrad();
        for (int k = order.Count - 1; k >= 0; k--)
        {
            var t = order[k];
            // Dropping the walk's own reference as it passes lets the part of the graph behind it
            // (released nodes and their values) die young instead of being marked by every collection.
            order[k] = null!;
            index.Forget(t);
            var g = pending[k];
            if (g is null)
                continue;
            pending[k] = null;
            if (owned is not null) owned[k] = false;
            g = RunHooks(t, g);
            if (firstInputAt is not null)
            {
                for (int i = firstInputAt[k]; i >= 0; i = nextInput![i])
                    results[i] = g;
            }
            else if (t.IsLeaf || t.RetainsGrad)
            {
                t.Grad = AccumulateGrad(t.Grad, g, createGraph);
            }

            var node = t.GradFn;
            if (node is null || (propagate is not null && !propagate[k]))
                continue;
            int arity = node.Arity;
            var inputGrads = node.Apply(g, arity < scratch.Length ? scratch[arity] : null);
            for (int j = 0; j < arity; j++)
            {
                var input = node.InputAt(j);
                var gj = inputGrads[j];
                inputGrads[j] = null;
                if (input is null || gj is null)
                    continue;
                int position = index.PositionOf(input);
                if (reaches is not null && !reaches[position])
                    continue;
                if (!ShapeMath.SameShape(gj.ShapeArray, input.ShapeArray))
                    throw new InvalidOperationException(
                        $"{node.Name} produced a gradient of shape {ShapeMath.Format(gj.ShapeArray)} for input {j}, whose shape is {ShapeMath.Format(input.ShapeArray)}.");
                if (gj.DType != input.DType)
                    gj = gj.To(input.DType);
                Accumulate(pending, owned, position, gj);
            }
            if (!retainGraph)
                node.Release();
        }
        return results;
    }

    private static void Accumulate(Tensor?[] pending, bool[]? owned, int position, Tensor g)
    {
        var existing = pending[position];
        if (existing is null)
            pending[position] = g;
        else if (owned is not null && owned[position])
            existing.AddInPlace(g);
        else
        {
            pending[position] = existing.Add(g);
            if (owned is not null) owned[position] = true;
        }
    }

    /// <summary>
    /// The leaf's new gradient: a private copy the first time; later passes add into that tensor
    /// in place (as PyTorch does), so repeated steps reuse one buffer per parameter. With
    /// <paramref name="createGraph"/> the sum is recorded instead, because the gradient is itself
    /// part of a graph.
    /// </summary>
    private static Tensor AccumulateGrad(Tensor? existing, Tensor g, bool createGraph)
    {
        // Never store the incoming tensor itself: it may be the caller's seed, a broadcast view or
        // a value another rule still holds, and a later in-place accumulation or ZeroGrad would
        // write through it. A recorded copy keeps the gradient differentiable under createGraph.
        if (existing is null)
            return createGraph ? g.Clone() : g.DetachedCopy();
        if (createGraph || existing.RequiresGrad)
            return existing.Add(g);
        return existing.AddInPlace(g);
    }

    private static Tensor RunHooks(Tensor t, Tensor g)
    {
        if (t.Hooks is not { Count: > 0 } hooks)
            return g;
        foreach (var hook in hooks.ToArray())
        {
            if (hook(g) is Tensor replaced)
            {
                if (!ShapeMath.SameShape(replaced.ShapeArray, t.ShapeArray))
                    throw new InvalidOperationException(
                        $"A gradient hook returned shape {ShapeMath.Format(replaced.ShapeArray)} for a tensor of shape {ShapeMath.Format(t.ShapeArray)}.");
                g = replaced;
            }
        }
        return g;
    }

    /// <summary>Post-order (inputs before the tensors computed from them) of everything reachable from the roots.</summary>
    private static List<Tensor> TopologicalOrder(IReadOnlyList<Tensor> roots, WalkIndex index)
    {
        var order = new List<Tensor>();
        // The stack is as deep as the longest chain (10⁶ for a scalar graph of that length); growing it from
        // empty at every pass costs more than the walk, so a thread keeps the last one (cleared) for the next.
        var stack = cachedStack ?? new Stack<(Tensor Tensor, int Next)>();
        cachedStack = null;
        foreach (var root in roots)
        {
            if (!index.Discover(root)) continue;
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (t, next) = stack.Pop();
                var node = t.GradFn;
                if (node is not null && next < node.Arity)
                {
                    stack.Push((t, next + 1));
                    var child = node.InputAt(next);
                    if (child is not null && index.Discover(child))
                        stack.Push((child, 0));
                    continue;
                }
                index.Place(t, order.Count);
                order.Add(t);
            }
        }
        // Empty again; its array keeps its size (up to 2²² entries, 64 MB) for the next pass on this thread.
        if (stack.EnsureCapacity(0) <= 1 << 22) cachedStack = stack;
        return order;
    }

    [ThreadStatic]
    private static Stack<(Tensor Tensor, int Next)>? cachedStack;

    /// <summary>
    /// <c>reaches[k]</c>: order[k] is an input or leads to one; <c>propagate[k]</c>: order[k] has
    /// a graph input that reaches an input, i.e. its backward rule is worth running.
    /// </summary>
    private static (bool[] Reaches, bool[] Propagate) ReachingInputs(List<Tensor> postOrder, IReadOnlyList<Tensor> inputs, WalkIndex index)
    {
        var reaches = new bool[postOrder.Count];
        var propagate = new bool[postOrder.Count];
        foreach (var input in inputs)
            if (index.PositionOf(input) is int p and >= 0) reaches[p] = true;
        for (int k = 0; k < postOrder.Count; k++)
        {
            var node = postOrder[k].GradFn;
            if (node is null) continue;
            if (node.IsReleased)
            {
                // Its inputs are forgotten, so whether it leads to an input is unknown; running
                // it reports the released graph instead of silently dropping those paths.
                reaches[k] = propagate[k] = true;
                continue;
            }
            for (int j = 0; j < node.Arity; j++)
            {
                if (node.InputAt(j) is { } c && reaches[index.PositionOf(c)])
                {
                    reaches[k] = propagate[k] = true;
                    break;
                }
            }
        }
        return (reaches, propagate);
    }

    /// <summary>
    /// Where each tensor of one walk sits in its order. The walk that runs alone stamps the
    /// tensors themselves (<see cref="Tensor.WalkId"/>), which costs no hashing; a walk that
    /// starts while another is under way, nested in a backward rule or on another thread, keeps
    /// its positions in a dictionary instead, so that only one walk ever writes stamps. A stamp
    /// names its walk by a 64-bit number drawn once per walk, so a stale one is never mistaken for a
    /// current one.
    /// </summary>
    private sealed class WalkIndex : IDisposable
    {
        private const int Discovered = -1;
        private static int activeWalks;
        private static long lastId;

        private readonly Dictionary<Tensor, int>? positions;
        private readonly long id = Interlocked.Increment(ref lastId);

        private WalkIndex(Dictionary<Tensor, int>? positions) => this.positions = positions;

        public static WalkIndex Begin() =>
            Interlocked.Increment(ref activeWalks) == 1 ? new WalkIndex(null) : new WalkIndex(new(ReferenceEqualityComparer.Instance));

        /// <summary>Marks <paramref name="t"/> as seen; false when it already was.</summary>
        public bool Discover(Tensor t)
        {
            if (positions is not null)
                return positions.TryAdd(t, Discovered);
            if (t.WalkId == id)
                return false;
            t.WalkId = id;
            t.WalkPosition = Discovered;
            return true;
        }

        public void Place(Tensor t, int position)
        {
            if (positions is not null)
                positions[t] = position;
            else
                t.WalkPosition = position;
        }

        /// <summary>
        /// Drops the walk's map entry of a tensor it has passed (no later step asks for its position: its consumers come
        /// after it in the order): while another walk runs, the map would otherwise hold the whole graph to the end.
        /// </summary>
        public void Forget(Tensor t) => positions?.Remove(t);

        /// <summary>The tensor's position in the order, or −1 when the walk never reached it.</summary>
        public int PositionOf(Tensor t)
        {
            if (positions is not null)
                return positions.TryGetValue(t, out int p) ? p : -1;
            return t.WalkId == id ? t.WalkPosition : -1;
        }

        public void Dispose() => Interlocked.Decrement(ref activeWalks);
    }
}
