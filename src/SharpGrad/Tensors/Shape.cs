using System.Collections;
using System.Runtime.CompilerServices;

namespace SharpGrad;

/// <summary>
/// The sizes of a tensor's dimensions, as PyTorch's <c>torch.Size</c>: a read-only list of ints
/// with value equality (<c>a.Shape == b.Shape</c> compares sizes) that prints as <c>[2, 3]</c>,
/// the form SharpGrad's error messages use. It is a thin view of the tensor's own array, so
/// reading <see cref="Tensor.Shape"/> allocates nothing; it converts implicitly to
/// <see cref="ReadOnlySpan{T}"/> for code that wants a span, and <see cref="ToArray"/> copies.
/// A collection expression builds one: <c>Shape s = [2, 3];</c>.
/// </summary>
[CollectionBuilder(typeof(Shape), nameof(Create))]
public readonly struct Shape : IReadOnlyList<int>, IEquatable<Shape>
{
    // Never exposed mutably: the array belongs to the tensor (or to Create's copy).
    private readonly int[]? sizes;

    internal Shape(int[] sizes) => this.sizes = sizes;

    /// <summary>A shape with a copy of <paramref name="sizes"/>.</summary>
    public static Shape Create(ReadOnlySpan<int> sizes) => new(sizes.ToArray());

    private int[] Sizes => sizes ?? [];

    /// <summary>The size of dimension <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>).</summary>
    public int this[int index] => Sizes[index];

    /// <summary>The number of dimensions (0 for a scalar).</summary>
    public int Count => Sizes.Length;

    /// <summary>The number of dimensions, as a span's <c>Length</c>; the same as <see cref="Count"/>.</summary>
    public int Length => Sizes.Length;

    /// <summary>The number of elements a tensor of this shape holds (1 for a scalar), as <c>torch.Size.numel()</c>.</summary>
    public long NumElements
    {
        get
        {
            long n = 1;
            foreach (int s in Sizes) n *= s;
            return n;
        }
    }

    /// <summary>The sizes as a span, without copying.</summary>
    public ReadOnlySpan<int> AsSpan() => Sizes;

    /// <summary>A new array with the sizes.</summary>
    public int[] ToArray() => Sizes.Length == 0 ? [] : (int[])Sizes.Clone();

    /// <summary>The sizes as a span, without copying.</summary>
    public static implicit operator ReadOnlySpan<int>(Shape shape) => shape.Sizes;

    /// <summary>Enumerates the sizes without allocating.</summary>
    public Enumerator GetEnumerator() => new(Sizes);

    IEnumerator<int> IEnumerable<int>.GetEnumerator() => ((IEnumerable<int>)Sizes).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => Sizes.GetEnumerator();

    /// <summary>True when both shapes have the same sizes in the same order.</summary>
    public bool Equals(Shape other) => Sizes.AsSpan().SequenceEqual(other.Sizes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int s in Sizes) hash.Add(s);
        return hash.ToHashCode();
    }

    /// <summary>True when both shapes have the same sizes in the same order.</summary>
    public static bool operator ==(Shape left, Shape right) => left.Equals(right);

    /// <summary>True when the shapes differ in rank or in some size.</summary>
    public static bool operator !=(Shape left, Shape right) => !left.Equals(right);

    /// <summary>The sizes in brackets, <c>[2, 3]</c> (<c>[]</c> for a scalar), as error messages print shapes.</summary>
    public override string ToString() => ShapeMath.Format(Sizes);

    /// <summary>A non-allocating enumerator over the sizes.</summary>
    public struct Enumerator : IEnumerator<int>
    {
        private readonly int[] sizes;
        private int index;

        internal Enumerator(int[] sizes)
        {
            this.sizes = sizes;
            index = -1;
        }

        /// <inheritdoc/>
        public readonly int Current => sizes[index];

        readonly object IEnumerator.Current => Current;

        /// <inheritdoc/>
        public bool MoveNext() => ++index < sizes.Length;

        /// <inheritdoc/>
        public void Reset() => index = -1;

        /// <inheritdoc/>
        public readonly void Dispose()
        {
        }
    }
}
