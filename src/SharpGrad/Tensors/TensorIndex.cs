namespace SharpGrad;

/// <summary>
/// One entry of a tensor index, as in <c>x[0, 1..3, TensorIndex.Slice(null, null, 2)]</c>:
/// an integer picks one position and removes the dimension, a C# range or a
/// <see cref="Slice"/> keeps a strided part of it (Python's start:stop:step, with negative
/// positions counting from the end and out-of-range bounds clamped), <see cref="NewAxis"/>
/// inserts a dimension of size 1 and <see cref="Ellipsis"/> stands for all remaining
/// dimensions. Every result is a view.
/// </summary>
public readonly struct TensorIndex
{
    private TensorIndex(IndexKind kind, int start = 0, int stop = 0, int step = 1, bool hasStart = false, bool hasStop = false)
    {
        Kind = kind;
        Start = start;
        Stop = stop;
        Step = step;
        HasStart = hasStart;
        HasStop = hasStop;
    }

    internal enum IndexKind
    {
        Single,
        Slice,
        NewAxis,
        Ellipsis,
    }

    internal IndexKind Kind { get; }

    internal int Start { get; }

    internal int Stop { get; }

    internal int Step { get; }

    internal bool HasStart { get; }

    internal bool HasStop { get; }

    /// <summary>Inserts a new dimension of size 1.</summary>
    public static TensorIndex NewAxis => new(IndexKind.NewAxis);

    /// <summary>Stands for as many full slices as needed to index every dimension.</summary>
    public static TensorIndex Ellipsis => new(IndexKind.Ellipsis);

    /// <summary>Every position of a dimension.</summary>
    public static TensorIndex All => new(IndexKind.Slice);

    /// <summary>Positions start, start + step, ... before stop; null bounds mean the ends. The step must be positive.</summary>
    public static TensorIndex Slice(int? start, int? stop, int step = 1)
    {
        if (step <= 0)
            throw new ArgumentOutOfRangeException(nameof(step), step, "A slice step must be positive.");
        return new(IndexKind.Slice, start ?? 0, stop ?? 0, step, start.HasValue, stop.HasValue);
    }

    /// <summary>One position (negative counts from the end).</summary>
    public static implicit operator TensorIndex(int index) => new(IndexKind.Single, index);

    /// <summary>One position, possibly from the end (<c>^1</c> is the last).</summary>
    public static implicit operator TensorIndex(Index index)
    {
        // ^0 is one past the last position (as for arrays); no position can be read there.
        if (index.IsFromEnd && index.Value == 0)
            throw new ArgumentOutOfRangeException(nameof(index), "^0 is one past the last position and cannot be indexed; the last position is ^1.");
        return new(IndexKind.Single, index.IsFromEnd ? -index.Value : index.Value);
    }

    /// <summary>A contiguous range of positions (<c>1..3</c>, <c>..^1</c>, <c>..</c>).</summary>
    public static implicit operator TensorIndex(Range range) =>
        new(IndexKind.Slice,
            // A start of ^0 is the end itself (an empty range); int.MaxValue is clamped to the size.
            range.Start.IsFromEnd ? (range.Start.Value == 0 ? int.MaxValue : -range.Start.Value) : range.Start.Value,
            range.End.IsFromEnd ? -range.End.Value : range.End.Value,
            1,
            hasStart: true,
            hasStop: !(range.End.IsFromEnd && range.End.Value == 0));
}
