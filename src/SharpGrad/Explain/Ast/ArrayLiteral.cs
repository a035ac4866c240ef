using System.Globalization;

namespace SharpGrad.Explain;

/// <summary>
/// A value written in a program or on the command line: a number (<c>3</c>, <c>-1e-3</c>) or a
/// rectangular nested list (<c>[[1], [-1]]</c>). The parser rejects ragged lists, so the value
/// always has a well-defined <see cref="Shape"/> (empty for a plain number).
/// </summary>
public sealed class ArrayLiteral
{
    private readonly double[] values;
    private readonly int[] shape;

    /// <summary>Creates the literal from its elements in row-major order and its shape.</summary>
    public ArrayLiteral(IReadOnlyList<double> values, IReadOnlyList<int> shape, SourcePosition position)
    {
        this.values = [.. values];
        this.shape = [.. shape];
        if (this.values.Length != this.shape.Aggregate(1, (a, b) => a * b))
            throw new ArgumentException($"{this.values.Length} values do not fill shape [{string.Join(", ", this.shape)}].");
        Position = position;
    }

    /// <summary>The elements in row-major order.</summary>
    public IReadOnlyList<double> Values => values;

    /// <summary>The size of each dimension; empty for a plain number.</summary>
    public IReadOnlyList<int> Shape => shape;

    /// <summary>Where the literal starts.</summary>
    public SourcePosition Position { get; }

    /// <summary>The value as a new float64 tensor (0-dimensional for a plain number).</summary>
    public Tensor ToTensor() => shape.Length == 0
        ? Tensor.Scalar(values[0], DType.Float64)
        : Tensor.FromArray(values, shape);

    /// <summary>The literal in program syntax.</summary>
    public override string ToString()
    {
        int k = 0;
        return Write(0);

        string Write(int dim)
        {
            if (dim == shape.Length) return values[k++].ToString("R", CultureInfo.InvariantCulture);
            var parts = new string[shape[dim]];
            for (int i = 0; i < parts.Length; i++) parts[i] = Write(dim + 1);
            return "[" + string.Join(", ", parts) + "]";
        }
    }
}
