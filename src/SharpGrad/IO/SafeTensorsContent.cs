namespace SharpGrad.IO;

/// <summary>
/// What <see cref="SafeTensors.Load"/> read from a file: the tensors, in the order their data
/// lies in the file, and the free-form string metadata of the header's <c>__metadata__</c>
/// entry. <see cref="Tensors"/> is also an <see cref="IReadOnlyDictionary{TKey, TValue}"/>, so it
/// can be passed straight to <c>Module.LoadStateDict</c>.
/// </summary>
public sealed class SafeTensorsContent
{
    internal SafeTensorsContent(OrderedDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The tensors by name, enumerated in file order (ascending data offsets).</summary>
    public OrderedDictionary<string, Tensor> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> map; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
}
