namespace SharpGrad;

/// <summary>
/// One recorded operation in the autograd graph: the op's name, the inputs that need
/// gradients, and its backward rule, a function from the gradient of the op's output to the
/// gradients of its inputs (micrograd's <c>_backward</c>, PyTorch's <c>grad_fn</c>). Values the
/// rule needs are captured when the op runs; their version numbers are recorded so that an
/// in-place write to one of them before the backward pass is caught instead of silently
/// producing a wrong gradient. After a backward pass without <c>retainGraph</c> the node is
/// released: its captured values are dropped and a second pass through it is an error.
/// </summary>
public sealed class Node
{
    private readonly string op;
    private Tensor?[] inputs;
    // Either a closure over what the rule needs, Func<Tensor, Tensor?[]>, or a static rule that is
    // handed the op's operands, Func<Tensor, Tensor[], Tensor?[]>: the second costs no closure and
    // no delegate per op, which matters for the arithmetic ops on small tensors.
    private Delegate? backward;
    private Tensor[] operands;
    private Tensor[] saved;
    private readonly int[] savedVersions;
    private string? name;

    internal Node(string op, Tensor?[] inputs, Func<Tensor, Tensor?[]> backward, Tensor[] saved)
        : this(op, inputs, (Delegate)backward, [], saved)
    {
    }

    internal Node(string op, Tensor?[] inputs, Func<Tensor, Tensor[], Tensor?[]> backward, Tensor[] operands, Tensor[] saved)
        : this(op, inputs, (Delegate)backward, operands, saved)
    {
    }

    private Node(string op, Tensor?[] inputs, Delegate backward, Tensor[] operands, Tensor[] saved)
    {
        this.op = op;
        this.inputs = inputs;
        this.backward = backward;
        this.operands = operands;
        this.saved = saved;
        savedVersions = saved.Length == 0 ? [] : new int[saved.Length];
        for (int i = 0; i < saved.Length; i++) savedVersions[i] = saved[i].Version;
    }

    /// <summary>The op's name with a "Backward" suffix, as PyTorch prints grad_fn (e.g. "MulBackward").</summary>
    // Built on first use: recording an op is on the hot path of small graphs, printing it is not.
    public string Name => name ??= op + "Backward";

    /// <summary>The op's inputs in order; null where an input does not require gradients.</summary>
    public IReadOnlyList<Tensor?> Inputs => inputs;

    /// <summary>True once a backward pass has freed this node's saved values.</summary>
    public bool IsReleased => backward is null;

    internal Tensor?[] InputArray => inputs;

    internal Tensor?[] Apply(Tensor gradOutput)
    {
        if (backward is null)
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
        var grads = backward is Func<Tensor, Tensor?[]> closure
            ? closure(gradOutput)
            : ((Func<Tensor, Tensor[], Tensor?[]>)backward)(gradOutput, operands);
        if (grads.Length != inputs.Length)
            throw new InvalidOperationException($"{Name} returned {grads.Length} gradients for {inputs.Length} inputs.");
        return grads;
    }

    internal void Release()
    {
        backward = null;
        operands = [];
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
