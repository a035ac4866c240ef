namespace SharpGrad.Explain;

/// <summary>
/// The part of <see cref="DerivativeChecker"/> that keeps random points away from kinks: how near a program's relu, abs,
/// max, min and max pooling are to switching at a point, and which exact ties there are no kink of the derivative asked for.
/// </summary>
public static partial class DerivativeChecker
{
    private static double ProgramKinkDistance(ProgramEvaluation evaluation, bool tiesOnly = false, bool exactTiesBuilt = false, IReadOnlySet<GraphNode>? after = null,
        Func<GraphNode, int, bool>? movesAlike = null)
    {
        int checks = 16;
        double best = double.PositiveInfinity;
        bool exact = exactTiesBuilt;
        double Rel(double u, double v) => exact && u == v ? double.PositiveInfinity : Math.Abs(u - v) / (1 + Math.Abs(u) + Math.Abs(v));
        foreach (var node in evaluation.Graph.Nodes)
        {
            if (node.Kind != GraphNodeKind.Operation) continue;
            // A tie built in before an intermediate variable (relu(w ⊙ x) at a const x of 0, for ∂L/∂h of h = relu(…))
            // is no kink of the derivative by it, which starts after it.
            exact = exactTiesBuilt || (after is not null && !after.Contains(node));
            var name = node.Op!.Name;
            if (name is "relu" or "abs" && !tiesOnly)
                foreach (var z in evaluation.ValueOf(node.Operands[0]).ToDoubleArray()) best = Math.Min(best, Rel(z, 0));
            else if (name is "max" or "min" && node.Operands.Count == 2)
            {
                var a = evaluation.ValueOf(node.Operands[0]).ToDoubleArray();
                var b = evaluation.ValueOf(node.Operands[1]).ToDoubleArray();
                // max(0, z) at z = 0 is a relu's kink, and max(a, 0.1a) at a = 0 a leaky relu's: ties of two values the
                // exercise set are the ones it asks about; a tie with a number, or at 0, is a kink like any other.
                if (tiesOnly && node.Operands.Any(o => o.Kind == GraphNodeKind.Constant)) continue;
                for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
                {
                    double u = a[a.Length == 1 ? 0 : i % a.Length], v = b[b.Length == 1 ? 0 : i % b.Length];
                    if (tiesOnly && u == 0 && v == 0) continue;
                    // min(r, clip(r, 0.8, 1.2)) inside the clip, after an intermediate r: sides equal by construction that
                    // move alike with r are no kink of the derivative by it, which is the same on either side.
                    if (u == v && !exact && movesAlike is not null && checks-- > 0 && movesAlike(node, i)) continue;
                    best = Math.Min(best, Rel(u, v));
                }
            }
            else if (name == "maxpool" && OpTable.Window(node.Op) is var (size, stride))
            {
                // A window whose two largest elements tie is max pooling's kink: the gradient goes to one of them.
                var x = evaluation.ValueOf(node.Operands[0]);
                int h = x.Shape[^2], w = x.Shape[^1];
                var v = x.ToDoubleArray();
                var window = new double[size * size];
                for (int plane = 0; plane < v.Length / (h * w); plane++)
                    for (int top = 0; top + size <= h; top += stride)
                        for (int left = 0; left + size <= w; left += stride)
                        {
                            for (int i = 0; i < size * size; i++) window[i] = v[plane * h * w + (top + i / size) * w + left + i % size];
                            Array.Sort(window);
                            if (size > 1 && !(tiesOnly && window[^1] == 0 && window[^2] == 0)) best = Math.Min(best, Rel(window[^1], window[^2]));
                        }
            }
            else if (name is "max" or "min")
            {
                var v = evaluation.ValueOf(node.Operands[0]).ToDoubleArray().Order().ToArray();
                var (top, next) = name == "max" ? (v[^1], v.Length > 1 ? v[^2] : 0) : (v[0], v.Length > 1 ? v[1] : 0);
                if (v.Length > 1 && !(tiesOnly && top == 0 && next == 0)) best = Math.Min(best, Rel(top, next));
            }
        }
        return best;
    }

    /// <summary>Whether element i of a two-sided max or min has sides whose derivatives by <paramref name="wrt"/> are equal.</summary>
    private static bool MoveAlike(ProgramEvaluation evaluation, GraphNode node, int i, GraphNode wrt)
    {
        var w = evaluation.Recorded[wrt.Index];
        if (!w.RequiresGrad) return false;
        double[]? first = null;
        foreach (var operand in node.Operands)
        {
            var side = evaluation.Recorded[operand.Index];
            var seed = new double[side.Count];
            seed[side.Count == 1 ? 0 : i % side.Count] = 1;
            var g = side.RequiresGrad
                ? Autograd.Grad([side], [w], [Tensor.FromArray(seed, seed.Length).Reshape(side.Shape.ToArray()).To(side.DType)], retainGraph: true, allowUnused: true)[0]?.ToDoubleArray()
                : null;
            g ??= new double[w.Count];
            if (first is null) first = g;
            else if (!first.AsSpan().SequenceEqual(g)) return false;
        }
        return true;
    }
}
