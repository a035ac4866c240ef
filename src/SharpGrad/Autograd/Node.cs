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
    private readonly string? customName;
    private Tensor?[] inputs;
    // A closure over what a structural or fused op's rule needs, Func<Tensor, Tensor?[]>; null for
    // the math primitives, whose rule is the shared one in Derivatives, applied to the operands.
    private Func<Tensor, Tensor?[]>? closure;
    private bool released;
    private Tensor[] operands;
    private Tensor? output;
    private Tensor[] saved;
    private readonly int[] savedVersions;
    private string? name;

    internal Node(OpCode op, Tensor?[] inputs, Func<Tensor, Tensor?[]> backward, Tensor[] saved, string? customName = null)
        : this(op, inputs, backward, [], null, null, saved)
    {
        this.customName = customName;
    }

    internal Node(OpCode op, Tensor?[] inputs, Tensor[] operands, Tensor? output, OpAttributes? attributes, Tensor[] saved)
        : this(op, inputs, null, operands, output, attributes, saved)
    {
    }

    private Node(OpCode op, Tensor?[] inputs, Func<Tensor, Tensor?[]>? closure, Tensor[] operands, Tensor? output, OpAttributes? attributes, Tensor[] saved)
    {
        Op = op;
        Attributes = attributes;
        this.inputs = inputs;
        this.closure = closure;
        this.operands = operands;
        this.output = output;
        this.saved = saved;
        savedVersions = saved.Length == 0 ? [] : new int[saved.Length];
        for (int i = 0; i < saved.Length; i++) savedVersions[i] = saved[i].Version;
    }

    /// <summary>The operation that produced this node's tensor.</summary>
    public OpCode Op { get; }

    /// <summary>The constants the op was applied with (exponent, bounds, dimensions), or null.</summary>
    public OpAttributes? Attributes { get; }

    /// <summary>The op's name with a "Backward" suffix, as PyTorch prints grad_fn (e.g. "MulBackward").</summary>
    // Built on first use: recording an op is on the hot path of small graphs, printing it is not.
    public string Name => name ??= (customName ?? Op.ToString()) + "Backward";

    /// <summary>The op's inputs in order; null where an input does not require gradients.</summary>
    public IReadOnlyList<Tensor?> Inputs => inputs;

    /// <summary>
    /// Every operand of a math primitive in order, whether or not it requires gradients (empty
    /// for structural ops and after release): what Explain reads to rebuild the formula.
    /// </summary>
    public IReadOnlyList<Tensor> Operands => operands;

    /// <summary>True once a backward pass has freed this node's saved values.</summary>
    public bool IsReleased => released;

    internal Tensor?[] InputArray => inputs;

    internal Tensor?[] Apply(Tensor gradOutput)
    {
        if (released)
            throw new InvalidOperationException(
                $"Trying to backward through {Name} a second time, but its saved values were freed by the first backward pass. " +
                "Pass retainGraph: true to the first Backward() (or Autograd.Grad) call if you need to go through the graph again.");
        for (int i = 0; i < saved.Length; i++)
        {
            if (saved[i].Version != savedVersions[i])
                throw new InvalidOperationException(
                    $"A tensor of shape {ShapeMath.Format(saved[i].ShapeArray)} that {Name} saved for the backward pass was modified by an in-place operation " +
                    $"(its version is {saved[i].Version}, expected {savedVersions[i]}). Use an out-of-place op or Clone() the value before changing it.");
        }
        Tensor?[] grads;
        if (closure is not null)
            grads = closure(gradOutput);
        else
        {
            grads = new Tensor?[inputs.Length];
            for (int k = 0; k < inputs.Length; k++)
                if (inputs[k] is not null)
                    grads[k] = Derivatives.Backward(Op, k, gradOutput, operands, output!, Attributes);
        }
        if (grads.Length != inputs.Length)
            throw new InvalidOperationException($"{Name} returned {grads.Length} gradients for {inputs.Length} inputs.");
        return grads;
    }

    internal void Release()
    {
        released = true;
        closure = null;
        operands = [];
        output = null;
        saved = [];
        inputs = Forgotten(inputs.Length);
    }

    /// <inheritdoc/>
    public override string ToString() => $"<{Name}>";

    // Released nodes keep their arity but no inputs. Arrays of nulls that nobody writes can be
    // shared, which spares the backward pass an allocation per node.
    private static readonly Tensor?[][] ForgottenInputs = [[], new Tensor?[1], new Tensor?[2], new Tensor?[3], new Tensor?[4]];

    private static Tensor?[] Forgotten(int arity) => arity < ForgottenInputs.Length ? ForgottenInputs[arity] : new Tensor?[arity];
}
