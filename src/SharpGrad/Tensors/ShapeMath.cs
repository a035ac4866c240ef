using System.Globalization;
using System.Text;

namespace SharpGrad;

/// <summary>
/// Shape arithmetic shared by every op: element counts, contiguous strides, dimension
/// wrapping, and the NumPy/PyTorch broadcasting rule. Error messages name the op and both
/// shapes, because a shape mismatch is the most common mistake users make.
/// </summary>
internal static class ShapeMath
{
    public static int Count(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            n *= d;
            if (n > Array.MaxLength)
                throw new ArgumentException($"A tensor of shape {Format(shape)} has more elements than an array can hold ({Array.MaxLength}).");
        }
        return (int)n;
    }

    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        // Empty arrays cannot be written, so scalars can all share one.
        if (shape.Length == 0)
            return [];
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(shape[i], 1);
        }
        return strides;
    }

    public static void Validate(ReadOnlySpan<int> shape)
    {
        for (int i = 0; i < shape.Length; i++)
            if (shape[i] < 0)
                throw new ArgumentException($"Shape {Format(shape)} has a negative size {shape[i]} in dimension {i}.");
    }

    /// <summary>Wraps a possibly negative dimension index into [0, rank) or throws naming the op.</summary>
    public static int WrapDim(int dim, int rank, string op)
    {
        int r = Math.Max(rank, 1);
        if (dim < -r || dim >= r)
            throw new ArgumentOutOfRangeException(nameof(dim), $"{op}: dimension {dim} is out of range for a tensor of rank {rank} (expected {-r} to {r - 1}).");
        return dim < 0 ? dim + r : dim;
    }

    /// <summary>The broadcast shape of two shapes, aligned from the right.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string op)
    {
        int rank = Math.Max(a.Length, b.Length);
        if (rank == 0)
            return [];
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException(
                    $"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast together " +
                    $"(dimension {i - rank} is {da} in the first and {db} in the second; sizes must match or one must be 1).");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>
    /// Strides that read a tensor of <paramref name="shape"/>/<paramref name="strides"/> as if it
    /// had <paramref name="target"/> shape: broadcast dimensions get stride 0.
    /// </summary>
    public static int[] BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, ReadOnlySpan<int> target)
    {
        if (target.Length == 0)
            return [];
        var result = new int[target.Length];
        int lead = target.Length - shape.Length;
        for (int i = 0; i < target.Length; i++)
        {
            if (i < lead) continue;
            int d = shape[i - lead];
            result[i] = d == 1 && target[i] != 1 ? 0 : strides[i - lead];
        }
        return result;
    }

    public static bool IsContiguous(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        int expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] == 1) continue;
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    public static string Format(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }
        return sb.Append(']').ToString();
    }
}
