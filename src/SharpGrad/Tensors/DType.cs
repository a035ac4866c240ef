namespace SharpGrad;

/// <summary>
/// The element type of a <see cref="Tensor"/>. <see cref="Float32"/> is the default for
/// training; <see cref="Float64"/> is what the gradient checker and the explain tools use;
/// <see cref="Int32"/> holds indices (argmax results, gather and index-select arguments,
/// class labels) and supports views, copies and casts but no arithmetic.
/// </summary>
public enum DType
{
    /// <summary>32-bit IEEE 754 floating point (C# <c>float</c>).</summary>
    Float32,
    /// <summary>64-bit IEEE 754 floating point (C# <c>double</c>).</summary>
    Float64,
    /// <summary>32-bit signed integer (C# <c>int</c>), for indices and labels.</summary>
    Int32,
}

internal static class DTypeExtensions
{
    public static bool IsFloatingPoint(this DType dtype) => dtype != DType.Int32;

    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        _ => "int32",
    };

    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this DType dtype) => dtype == DType.Float64 ? 8 : 4;

    public static DType Of<T>() =>
        typeof(T) == typeof(float) ? DType.Float32 :
        typeof(T) == typeof(double) ? DType.Float64 :
        typeof(T) == typeof(int) ? DType.Int32 :
        throw new NotSupportedException($"Element type {typeof(T).Name} is not supported; use float, double or int.");

    /// <summary>The wider of two dtypes, as PyTorch promotes float32 with float64 to float64.</summary>
    public static DType Promote(DType a, DType b) => a == b ? a : (a == DType.Float64 || b == DType.Float64) ? DType.Float64 : DType.Float32;
}
