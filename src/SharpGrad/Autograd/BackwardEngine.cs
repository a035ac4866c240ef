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
        var order = TopologicalOrder(roots);
        // With explicit inputs, only the backward rules whose results lead to an input run.
        HashSet<Tensor>? reaches = null, propagate = null;
        if (inputs is not null)
            (reaches, propagate) = ReachingInputs(order, inputs);
        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < roots.Count; i++)
            Accumulate(grads, roots[i], seeds[i]);

        var results = new Tensor?[inputs?.Count ?? 0];
        using var mode = createGraph ? Autograd.EnableGrad() : Autograd.NoGrad();
        for (int k = order.Count - 1; k >= 0; k--)
        {
            var t = order[k];
            if (!grads.Remove(t, out var g))
                continue;
            g = RunHooks(t, g);
            if (inputs is not null)
            {
                for (int i = 0; i < inputs.Count; i++)
                    if (ReferenceEquals(inputs[i], t)) results[i] = g;
            }
            else if (t.IsLeaf || t.RetainsGrad)
            {
                t.Grad = AccumulateGrad(t.Grad, g, createGraph);
            }

            var node = t.GradFn;
            if (node is null || (propagate is not null && !propagate.Contains(t)))
                continue;
            var inputGrads = node.Apply(g);
            var nodeInputs = node.InputArray;
            for (int j = 0; j < nodeInputs.Length; j++)
            {
                var input = nodeInputs[j];
                var gj = inputGrads[j];
                if (input is null || gj is null || (reaches is not null && !reaches.Contains(input)))
                    continue;
                if (!ShapeMath.SameShape(gj.ShapeArray, input.ShapeArray))
                    throw new InvalidOperationException(
                        $"{node.Name} produced a gradient of shape {ShapeMath.Format(gj.ShapeArray)} for input {j}, whose shape is {ShapeMath.Format(input.ShapeArray)}.");
                if (gj.DType != input.DType)
                    gj = gj.To(input.DType);
                Accumulate(grads, input, gj);
            }
            if (!retainGraph)
                node.Release();
        }
        return results;
    }

    /// <summary>
    /// The leaf's new gradient: a private copy the first time; later passes add into that tensor
    /// in place (as PyTorch does), so repeated steps reuse one buffer per parameter. With
    /// <paramref name="createGraph"/> the sum is recorded instead, because the gradient is itself
    /// part of a graph.
    /// </summary>
    private static Tensor AccumulateGrad(Tensor? existing, Tensor g, bool createGraph)
    {
        if (existing is null)
            return createGraph ? g : g.DetachedCopy();
        if (createGraph || existing.RequiresGrad)
            return existing.Add(g);
        return existing.AddInPlace(g);
    }

    private static void Accumulate(Dictionary<Tensor, Tensor> grads, Tensor t, Tensor g)
    {
        grads[t] = grads.TryGetValue(t, out var existing) ? existing.Add(g) : g;
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
    private static List<Tensor> TopologicalOrder(IReadOnlyList<Tensor> roots)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor Tensor, int Next)>();
        foreach (var root in roots)
        {
            if (!visited.Add(root)) continue;
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (t, next) = stack.Pop();
                var children = t.GradFn?.InputArray;
                if (children is not null && next < children.Length)
                {
                    stack.Push((t, next + 1));
                    var child = children[next];
                    if (child is not null && visited.Add(child))
                        stack.Push((child, 0));
                    continue;
                }
                order.Add(t);
            }
        }
        return order;
    }

    /// <summary>
    /// <c>reaches</c>: tensors that are an input or lead to one; <c>propagate</c>: tensors with a
    /// graph input that reaches an input, i.e. whose backward rule is worth running.
    /// </summary>
    private static (HashSet<Tensor> Reaches, HashSet<Tensor> Propagate) ReachingInputs(List<Tensor> postOrder, IReadOnlyList<Tensor> inputs)
    {
        var reaches = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var propagate = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var input in inputs) reaches.Add(input);
        foreach (var t in postOrder)
        {
            var node = t.GradFn;
            if (node is null) continue;
            if (node.IsReleased)
            {
                // Its inputs are forgotten, so whether it leads to an input is unknown; running
                // it reports the released graph instead of silently dropping those paths.
                reaches.Add(t);
                propagate.Add(t);
                continue;
            }
            foreach (var c in node.InputArray)
            {
                if (c is not null && reaches.Contains(c))
                {
                    reaches.Add(t);
                    propagate.Add(t);
                    break;
                }
            }
        }
        return (reaches, propagate);
    }
}
