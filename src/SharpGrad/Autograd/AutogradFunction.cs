namespace SharpGrad;

/// <summary>
/// A user-defined differentiable operation with its own forward and backward, like PyTorch's
/// <c>torch.autograd.Function</c>. <see cref="Forward"/> runs without recording; it may save
/// tensors on the context for <see cref="Backward"/>, which receives the gradient of the output
/// and returns one gradient (or null) per input. Saved tensors are protected by the same
/// in-place checks as built-in ops, and a backward written with tensor ops is itself
/// differentiable, so higher-order gradients work.
/// </summary>
public abstract class AutogradFunction
{
    /// <summary>Runs the function on <paramref name="inputs"/> and records it in the graph.</summary>
    public Tensor Apply(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var context = new FunctionContext();
        Tensor output;
        using (Autograd.NoGrad())
            output = Forward(context, inputs);
        ArgumentNullException.ThrowIfNull(output);
        // A fresh view, so that recording never changes a tensor the forward returned as is.
        output = output.Detach();
        var name = GetType().Name;
        return Autograd.RecordCustom(output, name, [.. inputs], g =>
        {
            var grads = Backward(context, g);
            if (grads.Length != inputs.Length)
                throw new InvalidOperationException($"{name}.Backward returned {grads.Length} gradients for {inputs.Length} inputs.");
            for (int i = 0; i < grads.Length; i++)
                if (grads[i] is Tensor gi && !ShapeMath.SameShape(gi.ShapeArray, inputs[i].ShapeArray))
                    throw new InvalidOperationException(
                        $"{name}.Backward returned a gradient of shape {ShapeMath.Format(gi.ShapeArray)} for input {i} of shape {ShapeMath.Format(inputs[i].ShapeArray)}.");
            return grads;
        }, [.. context.SavedTensors]);
    }

    /// <summary>Computes the output. Runs with gradient recording off.</summary>
    protected abstract Tensor Forward(FunctionContext context, Tensor[] inputs);

    /// <summary>Maps the output's gradient to one gradient per input (null for inputs without one).</summary>
    protected abstract Tensor?[] Backward(FunctionContext context, Tensor gradOutput);
}

/// <summary>
/// What an <see cref="AutogradFunction"/> keeps between its forward and backward passes:
/// saved tensors (checked for in-place modification) and any other values by name.
/// </summary>
public sealed class FunctionContext
{
    private readonly List<Tensor> saved = [];

    /// <summary>The tensors passed to <see cref="SaveForBackward"/>, in order.</summary>
    public IReadOnlyList<Tensor> SavedTensors => saved;

    /// <summary>Non-tensor values the backward needs (sizes, flags, constants).</summary>
    public Dictionary<string, object> Values { get; } = [];

    /// <summary>Keeps tensors for the backward pass.</summary>
    public void SaveForBackward(params Tensor[] tensors) => saved.AddRange(tensors);
}
