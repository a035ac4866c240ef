namespace SharpGrad;

/// <summary>
/// Entry points of reverse-mode differentiation: the no-grad scope, the functional gradient
/// <c>Grad</c> (with <c>createGraph</c> for higher-order derivatives), and the hook by
/// which ops record themselves. The graph is recorded while the forward pass runs, as in
/// PyTorch: what you compute is what gets differentiated.
/// </summary>
public static class Autograd
{
    // The mode flows with the async context, not the thread: a scope opened before an await is
    // still in force after it (on whatever thread resumes), work started inside it with Task.Run or
    // Parallel.For inherits it, and it never leaks to unrelated work that later runs on the same thread.
    private static readonly AsyncLocal<bool> gradDisabled = new();

    /// <summary>Whether ops currently record the graph (false inside <see cref="NoGrad"/>).</summary>
    public static bool IsGradEnabled => !gradDisabled.Value;

    /// <summary>
    /// Opens a scope in which no op records the graph (inference, optimiser updates). Dispose it
    /// to restore the previous mode: <c>using (Autograd.NoGrad()) { ... }</c>. The scope belongs to
    /// the async flow that opened it: it holds across <c>await</c>, is inherited by tasks and
    /// parallel loops started inside it, and does not affect other work on the same threads.
    /// </summary>
    public static IDisposable NoGrad() => new GradModeScope(enabled: false);

    /// <summary>Opens a scope that records the graph even inside a <see cref="NoGrad"/> scope.</summary>
    public static IDisposable EnableGrad() => new GradModeScope(enabled: true);

    /// <summary>
    /// Computes the gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/>
    /// and returns them, without touching any <see cref="Tensor.Grad"/>. Each output needs a
    /// matching entry in <paramref name="gradOutputs"/> unless it is a scalar (then 1 is used).
    /// With <paramref name="createGraph"/> the backward pass is itself recorded, so the results
    /// can be differentiated again (second derivatives, Hessian-vector products). An input that
    /// the outputs do not depend on gets a zero gradient when <paramref name="allowUnused"/> is
    /// true and is an error otherwise.
    /// </summary>
    public static Tensor[] Grad(
        IReadOnlyList<Tensor> outputs,
        IReadOnlyList<Tensor> inputs,
        IReadOnlyList<Tensor?>? gradOutputs = null,
        bool createGraph = false,
        bool? retainGraph = null,
        bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Count; i++)
            if (!inputs[i].RequiresGrad)
                throw new ArgumentException($"Input {i} (shape {ShapeMath.Format(inputs[i].ShapeArray)}) does not require gradients, so no gradient can be computed for it.", nameof(inputs));
        var seeds = SeedGradients(outputs, gradOutputs, "Autograd.Grad");
        var found = BackwardEngine.Run(outputs, seeds, retainGraph ?? createGraph, createGraph, inputs);
        var result = new Tensor[inputs.Count];
        for (int i = 0; i < inputs.Count; i++)
        {
            if (found[i] is Tensor g)
                result[i] = g;
            else if (allowUnused)
                result[i] = Tensor.ZerosLike(inputs[i]);
            else
                throw new InvalidOperationException(
                    $"Input {i} (shape {ShapeMath.Format(inputs[i].ShapeArray)}) was not used to compute the outputs, so it has no gradient. Pass allowUnused: true to get zeros instead.");
        }
        return result;
    }

    /// <summary>Shorthand for one output and one input.</summary>
    public static Tensor Grad(Tensor output, Tensor input, Tensor? gradOutput = null, bool createGraph = false, bool? retainGraph = null, bool allowUnused = false)
        => Grad([output], [input], gradOutput is null ? null : [gradOutput], createGraph, retainGraph, allowUnused)[0];

    /// <summary>Runs the backward pass from <paramref name="root"/>, accumulating into the leaves' <see cref="Tensor.Grad"/>.</summary>
    internal static void Backward(Tensor root, Tensor? gradient, bool retainGraph, bool createGraph)
    {
        var seeds = SeedGradients([root], gradient is null ? null : [gradient], "Backward()");
        BackwardEngine.Run([root], seeds, retainGraph, createGraph, inputs: null);
    }

    /// <summary>
    /// Records <paramref name="result"/> as produced by a structural or fused op with the given
    /// inputs and backward rule, when gradients are enabled and some input requires them.
    /// <paramref name="saved"/> lists the tensors whose values the rule reads, for in-place
    /// modification checks. The math primitives record through the other overload instead, so
    /// that their one rule is the shared one.
    /// </summary>
    internal static Tensor Record(Tensor result, OpCode op, Tensor[] inputs, Func<Tensor, Tensor?[]> backward, params Tensor[] saved)
    {
        // One rule per primitive: an op of the shared table never gets a second, private rule.
        if (Derivatives.Covers(op))
            throw new InvalidOperationException($"{op} has its rule in the shared derivative table; record it without a closure.");
        if (!NeedsGrad(inputs))
            return result;
        result.MarkRequiresGrad(new Node(op, inputs, backward, saved));
        return result;
    }

    /// <summary>Records a user-defined function under its own name.</summary>
    internal static Tensor RecordCustom(Tensor result, string name, Tensor[] inputs, Func<Tensor, Tensor?[]> backward, Tensor[] saved)
    {
        if (!NeedsGrad(inputs))
            return result;
        result.MarkRequiresGrad(new Node(OpCode.Custom, inputs, backward, saved, name));
        return result;
    }

    /// <summary>
    /// Records a math primitive, whose backward rule is the shared one of <see cref="Derivatives"/>
    /// applied to its <paramref name="operands"/> (all of them, tracked or not), its output and
    /// <paramref name="attributes"/>; no closure is allocated. The values the rule reads are
    /// protected against in-place changes.
    /// </summary>
    internal static Tensor Record(Tensor result, OpCode op, Tensor[] operands, OpAttributes? attributes = null)
    {
        if (!Derivatives.Covers(op))
            throw new InvalidOperationException($"{op} has no rule in the shared derivative table.");
        if (!NeedsGrad(operands))
            return result;
        bool usesOutput = Derivatives.UsesOutput(op), usesOperands = Derivatives.UsesOperandValues(op);
        Tensor[] saved = usesOperands && usesOutput ? [.. operands, result] : usesOperands ? operands : usesOutput ? [result] : [];
        result.MarkRequiresGrad(new Node(op, operands, usesOutput ? result : null, attributes, saved));
        return result;
    }

    /// <summary>
    /// <see cref="Record(Tensor, OpCode, Tensor[], OpAttributes?)"/> for a binary primitive, which allocates the
    /// operand array only when the op is recorded: the backward pass computes its gradients from these ops
    /// with recording off, once or twice per node.
    /// </summary>
    internal static Tensor Record(Tensor result, OpCode op, Tensor a, Tensor b) =>
        NeedsGrad(a, b) ? Record(result, op, [a, b]) : result;

    /// <summary>True when an op on these inputs must be recorded.</summary>
    internal static bool NeedsGrad(params ReadOnlySpan<Tensor> inputs)
    {
        if (gradDisabled.Value) return false;
        foreach (var t in inputs)
            if (t.RequiresGrad) return true;
        return false;
    }

    private static Tensor[] SeedGradients(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor?>? gradOutputs, string caller)
    {
        if (gradOutputs is not null && gradOutputs.Count != outputs.Count)
            throw new ArgumentException($"{caller}: got {gradOutputs.Count} output gradients for {outputs.Count} outputs.");
        var seeds = new Tensor[outputs.Count];
        for (int i = 0; i < outputs.Count; i++)
        {
            var output = outputs[i];
            if (!output.RequiresGrad)
                throw new InvalidOperationException(
                    $"{caller} was called on a tensor (shape {ShapeMath.Format(output.ShapeArray)}) that does not require gradients: none of the tensors it was computed from has RequiresGrad = true, or it was computed inside Autograd.NoGrad().");
            var g = gradOutputs?[i];
            if (g is null)
            {
                if (output.Count != 1)
                    throw new InvalidOperationException(
                        $"{caller} without a gradient argument needs a scalar output, but this tensor has shape {ShapeMath.Format(output.ShapeArray)}. " +
                        "Pass a gradient of the same shape (for example Tensor.OnesLike(output)), or reduce the output to a scalar first.");
                g = Tensor.OnesLike(output);
            }
            else if (!ShapeMath.SameShape(g.ShapeArray, output.ShapeArray))
                throw new ArgumentException(
                    $"{caller}: the gradient has shape {ShapeMath.Format(g.ShapeArray)} but the output has shape {ShapeMath.Format(output.ShapeArray)}; they must match.");
            else if (g.DType != output.DType)
                g = g.To(output.DType);
            seeds[i] = g;
        }
        return seeds;
    }

    private sealed class GradModeScope : IDisposable
    {
        private readonly bool previousDisabled;
        private bool disposed;

        public GradModeScope(bool enabled)
        {
            previousDisabled = gradDisabled.Value;
            if (previousDisabled != !enabled)
                gradDisabled.Value = !enabled;
        }

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            // Only writes when the mode differs, so the common nested no-op scope costs no context copy.
            if (gradDisabled.Value != previousDisabled)
                gradDisabled.Value = previousDisabled;
        }
    }
}
