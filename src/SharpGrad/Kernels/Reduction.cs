using System.Numerics;
using System.Numerics.Tensors;

namespace SharpGrad.Kernels;

/// <summary>A reduction of one contiguous row to one value.</summary>
internal interface IReduceOp<T> where T : unmanaged
{
    T Invoke(ReadOnlySpan<T> row);
}

internal readonly struct SumReduce<T> : IReduceOp<T> where T : unmanaged, INumber<T>
{
    public T Invoke(ReadOnlySpan<T> row) => TensorPrimitives.Sum(row);
}

internal readonly struct MaxReduce<T> : IReduceOp<T> where T : unmanaged, INumber<T>
{
    public T Invoke(ReadOnlySpan<T> row) => TensorPrimitives.Max(row);
}

internal readonly struct MinReduce<T> : IReduceOp<T> where T : unmanaged, INumber<T>
{
    public T Invoke(ReadOnlySpan<T> row) => TensorPrimitives.Min(row);
}

/// <summary>
/// Reductions over contiguous data seen as a [rows, length] matrix: along rows (the reduced
/// dimensions are innermost) or down columns (the reduced dimensions are outermost, as when a
/// bias gradient sums over the batch). The tensor layer arranges its data into one of these.
/// </summary>
internal static class Reduction
{
    /// <summary>dst[r] = op(src[r, 0..length]).</summary>
    public static void Rows<TOp, T>(TOp op, T[] src, int srcOffset, int rows, int length, T[] dst, int dstOffset)
        where TOp : struct, IReduceOp<T> where T : unmanaged
        => Partitioner.For(rows, Math.Max(length, 1), new RowsBody<TOp, T>(op, src, srcOffset, length, dst, dstOffset));

    /// <summary>dst[j] = Σ_r src[r, j].</summary>
    public static void SumColumns<T>(T[] src, int srcOffset, int rows, int length, T[] dst, int dstOffset)
        where T : unmanaged, INumber<T>
    {
        const int Block = 1024;
        int blocks = (length + Block - 1) / Block;
        Partitioner.For(blocks, (long)rows * Block, new ColumnsBody<T>(src, srcOffset, rows, length, dst, dstOffset, Block));
    }

    /// <summary>dst[r] = index of the first largest (or smallest) element of row r; NaN counts as largest.</summary>
    public static void ArgRows<T>(T[] src, int srcOffset, int rows, int length, int[] dst, int dstOffset, bool max)
        where T : unmanaged, INumber<T>
    {
        for (int r = 0; r < rows; r++)
        {
            var row = new ReadOnlySpan<T>(src, srcOffset + r * length, length);
            dst[dstOffset + r] = max ? TensorPrimitives.IndexOfMax(row) : TensorPrimitives.IndexOfMin(row);
        }
    }

    private readonly struct RowsBody<TOp, T>(TOp op, T[] src, int srcOffset, int length, T[] dst, int dstOffset) : IPartitionBody
        where TOp : struct, IReduceOp<T> where T : unmanaged
    {
        public void Invoke(int start, int end)
        {
            for (int r = start; r < end; r++)
                dst[dstOffset + r] = op.Invoke(new ReadOnlySpan<T>(src, srcOffset + r * length, length));
        }
    }

    private readonly struct ColumnsBody<T>(T[] src, int srcOffset, int rows, int length, T[] dst, int dstOffset, int block) : IPartitionBody
        where T : unmanaged, INumber<T>
    {
        public void Invoke(int start, int end)
        {
            for (int blk = start; blk < end; blk++)
            {
                int from = blk * block, n = Math.Min(block, length - from);
                var acc = dst.AsSpan(dstOffset + from, n);
                acc.Clear();
                for (int r = 0; r < rows; r++)
                    TensorPrimitives.Add(acc, new ReadOnlySpan<T>(src, srcOffset + r * length + from, n), acc);
            }
        }
    }
}
