namespace SharpGrad.Explain;

/// <summary>
/// Builds a <see cref="StepReport"/>. The backward order is the reverse of the graph order, and
/// a leaf is listed as soon as its last gradient contribution has arrived (after its first
/// consumer), as spec E9 lists ∂J/∂W3 right after ∂J/∂ŷ.
/// </summary>
internal static class StepWalker
{
    public static StepReport Walk(ProgramEvaluation evaluation, double learningRate)
    {
        var graph = evaluation.Graph;
        var objective = evaluation.Objective;
        var relevant = graph.AncestorsAndSelf(objective).Where(n => n.HasGradient).ToHashSet();

        var forward = graph.Nodes.Where(n => n.IsNamed || (n.Kind == GraphNodeKind.Operation && n.HasGradient)).ToList();

        var rows = new List<BackwardRow>();
        var emitted = new HashSet<GraphNode>();
        void Emit(GraphNode node)
        {
            if (!emitted.Add(node)) return;
            var terms = new List<ChainTerm>();
            if (node != objective)
                foreach (var consumer in node.Consumers.Where(relevant.Contains).OrderByDescending(c => c.Index))
                    for (int k = 0; k < consumer.Operands.Count; k++)
                        if (consumer.Operands[k] == node)
                            terms.Add(Term(evaluation, consumer, k));
            rows.Add(new BackwardRow(node, evaluation.GradientOf(node)!, terms, node == objective, relevant.Contains(node)));
        }

        static bool IsLeaf(GraphNode n) => n.Kind != GraphNodeKind.Operation;
        if (IsLeaf(objective)) Emit(objective);
        for (int i = graph.Nodes.Count - 1; i >= 0; i--)
        {
            var node = graph.Nodes[i];
            if (IsLeaf(node) || !relevant.Contains(node)) continue;
            Emit(node);
            foreach (var operand in node.Operands)
                if (IsLeaf(operand) && relevant.Contains(operand) && operand.Consumers.Where(relevant.Contains).All(emitted.Contains))
                    Emit(operand);
        }
        foreach (var node in graph.Nodes)
            if (node.IsNamed && IsLeaf(node) && node.HasGradient && (relevant.Contains(node) || node.IsDeclaration))
                Emit(node);

        var updates = new List<UpdateRow>();
        using (Autograd.NoGrad())
            foreach (var p in graph.Parameters)
            {
                var old = evaluation.ValueOf(p);
                var gradient = evaluation.GradientOf(p)!;
                updates.Add(new UpdateRow(p, old, gradient, old.Sub(gradient.Mul(learningRate))));
            }
        return new StepReport(evaluation, learningRate, forward, rows, updates);
    }

    /// <summary>
    /// The term ∂J/∂c · ∂c/∂m for argument <paramref name="k"/> of <paramref name="consumer"/>: c's
    /// op is applied alone to fresh leaves holding its arguments' values, and autograd gives the
    /// vector-Jacobian product with the upstream gradient, and for elementwise ops and reductions
    /// the local derivative itself.
    /// </summary>
    private static ChainTerm Term(ProgramEvaluation evaluation, GraphNode consumer, int k)
    {
        var op = consumer.Op!;
        var upstream = evaluation.GradientOf(consumer)!;
        var values = consumer.Operands.Select(evaluation.ValueOf).ToArray();
        var outputShape = evaluation.ValueOf(consumer).Shape.ToArray();

        Tensor contribution;
        Tensor? local = null;
        bool summed = false;
        using (Autograd.EnableGrad())
        {
            var leaves = values.Select(Fresh).ToArray();
            contribution = Autograd.Grad([op.Apply(leaves)], [leaves[k]], [upstream], allowUnused: true)[0];

            switch (op.Kind)
            {
                case OpKind.Elementwise or OpKind.Identity:
                {
                    // Broadcast m to c's shape first, so that the gradient of Σ c is the diagonal of ∂c/∂m.
                    var args = values.Select(Fresh).ToArray();
                    Tensor expanded;
                    using (Autograd.NoGrad())
                        expanded = values[k].Expand(outputShape).Contiguous().Clone();
                    args[k] = expanded.Detach().RequireGrad();
                    var output = op.Apply(args);
                    local = Autograd.Grad([output], [args[k]], [Tensor.OnesLike(output)], allowUnused: true)[0];
                    summed = values[k].Count != output.Count;
                    break;
                }
                case OpKind.Reduction:
                {
                    var leaf = Fresh(values[k]);
                    local = Autograd.Grad([op.Apply(leaf)], [leaf], allowUnused: true)[0];
                    break;
                }
            }
        }
        return new ChainTerm(consumer, k, upstream, local, contribution, summed);
    }

    private static Tensor Fresh(Tensor value)
    {
        using (Autograd.NoGrad())
            return value.Contiguous().Clone().Detach().RequireGrad();
    }
}
