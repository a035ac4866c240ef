namespace SharpGrad.Kernels;

/// <summary>
/// Gather and its adjoint, scatter-add, along one dimension. The index array is contiguous
/// with the output's shape; the other operand is addressed through its strides. Indices are
/// checked as they are read, and a bad one is reported with its position.
/// </summary>
internal static class Gather
{
    /// <summary>dst[p] = src[p with coordinate <paramref name="dim"/> replaced by index[p]].</summary>
    public static void Forward<T>(int[] shape, int dim, int[] index, int indexOffset, T[] src, int srcOffset, int[] srcStrides, int srcDimSize, T[] dst)
    {
        int n = dst.Length;
        var coord = new int[shape.Length];
        for (int p = 0; p < n; p++)
        {
            int idx = index[indexOffset + p];
            if ((uint)idx >= (uint)srcDimSize)
                throw OutOfRange("Gather", idx, dim, srcDimSize, shape, p);
            int off = srcOffset;
            for (int d = 0; d < shape.Length; d++)
                off += (d == dim ? idx : coord[d]) * srcStrides[d];
            dst[p] = src[off];
            Increment(coord, shape);
        }
    }

    /// <summary>dst[p with coordinate dim replaced by index[p]] += src[p]; dst is contiguous with <paramref name="dstShape"/>.</summary>
    public static void ScatterAdd<T>(int[] shape, int dim, int[] index, int indexOffset, T[] src, T[] dst, int[] dstShape)
        where T : System.Numerics.INumber<T>
    {
        var dstStrides = ShapeMath.ContiguousStrides(dstShape);
        var coord = new int[shape.Length];
        for (int p = 0; p < src.Length; p++)
        {
            int idx = index[indexOffset + p];
            if ((uint)idx >= (uint)dstShape[dim])
                throw OutOfRange("ScatterAdd", idx, dim, dstShape[dim], shape, p);
            int off = 0;
            for (int d = 0; d < shape.Length; d++)
                off += (d == dim ? idx : coord[d]) * dstStrides[d];
            dst[off] += src[p];
            Increment(coord, shape);
        }
    }

    private static void Increment(int[] coord, int[] shape)
    {
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (++coord[d] < shape[d]) return;
            coord[d] = 0;
        }
    }

    internal static ArgumentException OutOfRange(string op, int idx, int dim, int size, int[] shape, int flat)
    {
        var pos = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            pos[d] = flat % shape[d];
            flat /= shape[d];
        }
        return new ArgumentException($"{op}: index {idx} at position {ShapeMath.Format(pos)} is out of range for dimension {dim} of size {size}.");
    }
}
