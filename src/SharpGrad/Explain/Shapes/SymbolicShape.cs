namespace SharpGrad.Explain;

/// <summary>
/// The static shape of a node, known before anything runs: a list of <see cref="Dim"/>s, some
/// possibly symbolic (<c>[D]</c>, <c>[H, D]</c>). Empty for a scalar.
/// </summary>
public sealed class SymbolicShape : IEquatable<SymbolicShape>
{
    private readonly Dim[] dims;

    /// <summary>Creates the shape.</summary>
    public SymbolicShape(IEnumerable<Dim> dims) => this.dims = [.. dims];

    /// <summary>The shape of a scalar.</summary>
    public static SymbolicShape Scalar { get; } = new([]);

    /// <summary>A shape of known sizes.</summary>
    public static SymbolicShape FromSizes(IEnumerable<int> sizes) => new(sizes.Select(Dim.Known));

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<Dim> Dims => dims;

    /// <summary>The number of dimensions.</summary>
    public int Rank => dims.Length;

    /// <summary>True for the empty shape.</summary>
    public bool IsScalar => dims.Length == 0;

    /// <summary>True when no dimension is symbolic.</summary>
    public bool IsKnown => dims.All(d => d.IsKnown);

    /// <summary>True when every size is a known 1 (or there is none): the node holds exactly one number.</summary>
    public bool IsSingleElement => dims.All(d => d.IsKnown && d.Size == 1);

    /// <summary>True when some size is known to be larger than 1: the node surely holds several numbers.</summary>
    public bool IsSurelyMultiElement => dims.Any(d => d.IsKnown && d.Size != 1);

    /// <summary>The sizes, with symbols looked up in <paramref name="bindings"/>; null when one is unbound.</summary>
    public int[]? Resolve(IReadOnlyDictionary<string, int> bindings)
    {
        var sizes = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i].IsKnown) sizes[i] = dims[i].Size;
            else if (bindings.TryGetValue(dims[i].Symbol!, out var n)) sizes[i] = n;
            else return null;
        }
        return sizes;
    }

    /// <summary>"[2, D]"; "scalar" for the empty shape.</summary>
    public override string ToString() => dims.Length == 0 ? "scalar" : "[" + string.Join(", ", dims) + "]";

    /// <inheritdoc/>
    public bool Equals(SymbolicShape? other) => other is not null && dims.AsSpan().SequenceEqual(other.dims);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as SymbolicShape);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in dims) h.Add(d);
        return h.ToHashCode();
    }
}
