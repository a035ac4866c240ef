namespace SharpGrad;

/// <summary>
/// One recorded operation in the autograd graph: the op's identity (<see cref="OpCode"/>), the
/// inputs that need gradients, and its backward rule, a function from the gradient of the op's
/// output to the gradients of its inputs (micrograd's <c>_backward</c>, PyTorch's <c>grad_fn</c>):
/// for the math primitives the shared rule of <see cref="Derivatives"/> applied to the recorded
/// operands, for structural and fused ops a closure written beside their forward. Values the
/// rule needs are captured when the op runs; their version numbers are recorded so that an
/// in-place write to one of them before the backward pass is caught instead of silently
/// producing a wrong gradient. After a backward pass without <c>retainGraph</c> the node is
/// released: its captured values are dropped and a second pass through it is an error.
/// </summary>
public sealed class Node
{
    // Every input as the op received it; bit k < 31 of `state` marks input k as not requiring gradients
    // when recorded, and bit 31 a released node. A mask instead of a copy with nulls keeps one array per
    // node (the operands') for the common case of an op applied to a constant; one word for both, and no
    // separate operand field, keep the node, which a scalar graph allocates per op, at 80 bytes.
    // Elements are null only in the copy for many inputs and after release (see InputAt).
    private Tensor[] inputs;
    private uint state;
    private const uint ReleasedBit = 1u << 31;
    // A closure over what a structural or fused op's rule needs, Func<Tensor, Tensor?[]>; null for
    // the math primitives, whose rule is the shared one in Derivatives, applied to the operands.
    private Func<Tensor, Tensor?[]>? closure;
    private Tensor? output;
    private Tensor[] saved;
    // The saved values' versions when recorded; null when all were 0, as in nearly every graph, which
    // spares a scalar graph an array per node.
    private readonly int[]? savedVersions;
    // A custom function's name, or the op's, filled in on first use.
    private string? name;

    internal Node(OpCode op, Tensor[] inputs, Func<Tensor, Tensor?[]> backward, Tensor[] saved, string? customName = null)
        : this(op, inputs, backward, null, null, saved)
    {
        if (customName is not null)
            name = customName + "Backward";
    }

    internal Node(OpCode op, Tensor[] operands, Tensor? output, OpAttributes? attributes, Tensor[] saved)
        : this(op, operands, null, output, attributes, saved)
    {
    }

    private Node(OpCode op, Tensor[] inputs, Func<Tensor, Tensor?[]>? closure, Tensor? output, OpAttributes? attributes, Tensor[] saved)
    {
        Op = op;
        Attributes = attributes;
        this.inputs = inputs;
        for (int k = 0; k < inputs.Length; k++)
        {
            if (inputs[k].RequiresGrad) continue;
            if (inputs.Length <= 31)
                state |= 1u << k;
            else
            {
                // Too many for the mask (a Cat of many tensors): keep a copy with nulls instead.
                var tracked = new Tensor[inputs.Length];
                for (int j = 0; j < inputs.Length; j++)
                    tracked[j] = inputs[j].RequiresGrad ? inputs[j] : null!;
                this.inputs = tracked;
                break;
            }
        }
        this.closure = closure;
        this.output = output;
        this.saved = saved;
        for (int i = 0; i < saved.Length; i++)
        {
            if (saved[i].Version == 0) continue;
            savedVersions = new int[saved.Length];
            for (int j = 0; j < saved.Length; j++) savedVersions[j] = saved[j].Version;
            break;
        }
    }

    /// <summary>The operation that produced this node's tensor.</summary>
    public OpCode Op { get; }

    /// <summary>The constants the op was applied with (exponent, bounds, dimensions), or null.</summary>
    public OpAttributes? Attributes { get; }

    /// <summary>The op's name with a "Backward" suffix, as PyTorch prints grad_fn (e.g. "MulBackward").</summary>
    // Built on first use: recording an op is on the hot path of small graphs, printing it is not.
    public string Name => name ??= Op + "Backward";

    /// <summary>The op's inputs in order; null where an input does not require gradients.</summary>
    public IReadOnlyList<Tensor?> Inputs
    {
        get
        {
            if (state == 0 || IsReleased)
                return inputs;
            var list = new Tensor?[inputs.Length];
            for (int k = 0; k < list.Length; k++) list[k] = InputAt(k);
            return list;
        }
    }

    /// <summary>
    /// Every operand of a math primitive in order, whether or not it requires gradients (empty
    /// for structural ops and after release): what Explain reads to rebuild the formula.
    /// </summary>
    // A math primitive's operands are its inputs (never more than 31 of them, so never replaced by a copy
    // with nulls): one array serves both.
    public IReadOnlyList<Tensor> Operands => closure is null && !IsReleased ? inputs : [];

    /// <summary>True once a backward pass has freed this node's saved values.</summary>
    public bool IsReleased => (state & ReleasedBit) != 0;

    /// <summary>How many inputs the op has (tracked or not).</summary>
    internal int Arity => inputs.Length;

    /// <summary>Input <paramref name="k"/>, or null when it does not require gradients (or the node was released).</summary>
    internal Tensor? InputAt(int k) => (state >> k & 1) != 0 && k < 31 ? null : inputs[k];

    /// <summary>
    /// The gradients of the inputs, in order. A math primitive's are written into <paramref name="scratch"/>
    /// when it has room (the backward walk reuses one array for every node); a closure returns its own.
    /// </summary>
    internal Tensor?[] Apply(Tensor gradOutput, Tensor?[]? scratch = null)
    {
        if (IsReleased)
            throw new InvalidOperationException(
                $"Trying to backward through {Name} a second time, but its saved values were freed by the first backward pass. " +
                "Pass retainGraph: true to the first Backward() (or Autograd.Grad) call if you need to go through the graph again.");
        for (int i = 0; i < saved.Length; i++)
        {
            if (saved[i].Version != (savedVersions?[i] ?? 0))
                throw new InvalidOperationException(
                    $"A tensor of shape {ShapeMath.Format(saved[i].ShapeArray)} that {Name} saved for the backward pass was modified by an in-place operation " +
                    $"(its version is {saved[i].Version}, expected {savedVersions?[i] ?? 0}). Use an out-of-place op or Clone() the value before changing it.");
        }
        Tensor?[] grads;
        if (closure is not null)
            grads = closure(gradOutput);
        else
        {
            grads = scratch is not null && scratch.Length == inputs.Length ? scratch : new Tensor?[inputs.Length];
            for (int k = 0; k < inputs.Length; k++)
                grads[k] = InputAt(k) is null ? null : Derivatives.Backward(Op, k, gradOutput, inputs, output!, Attributes);
        }
        if (grads.Length != inputs.Length)
            throw new InvalidOperationException($"{Name} returned {grads.Length} gradients for {inputs.Length} inputs.");
        return grads;
    }

    internal void Release()
    {
        state = ReleasedBit;
        closure = null;
        output = null;
        saved = [];
        inputs = Forgotten(inputs.Length);
    }

    /// <inheritdoc/>
    public override string ToString() => $"<{Name}>";

    // Released nodes keep their arity but no inputs. Arrays of nulls that nobody writes can be
    // shared, which spares the backward pass an allocation per node.
    private static readonly Tensor[][] ForgottenInputs = [[], new Tensor[1], new Tensor[2], new Tensor[3], new Tensor[4]];

    private static Tensor[] Forgotten(int arity) => arity < ForgottenInputs.Length ? ForgottenInputs[arity] : new Tensor[arity];
}
