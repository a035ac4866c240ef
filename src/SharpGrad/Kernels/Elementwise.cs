using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SharpGrad.Kernels;

/// <summary>
/// The shared loops of every elementwise kernel: one per arity, over the merged strided
/// layout (<see cref="StridedLayout"/>). Rows whose operands are contiguous or broadcast
/// (stride 0) run as vector loops; anything else falls back to a strided scalar loop. Large
/// jobs are split by rows, or by chunks of a long row, through the one <see cref="Partitioner"/>.
/// </summary>
internal static class Elementwise
{
    // Work units of about this many elements keep thread hand-off cheap relative to the work.
    private const int ChunkElements = 1 << 14;

    /// <summary>dst = op(a, b) elementwise over <paramref name="layout"/> (built from the a, b, dst strides in that order).</summary>
    public static void Binary<TOp, T>(TOp op, StridedLayout layout, T[] a, int aOffset, T[] b, int bOffset, T[] dst, int dstOffset)
        where TOp : struct, IBinaryOp<T> where T : unmanaged
    {
        var body = new BinaryBody<TOp, T>(op, layout, a, aOffset, b, bOffset, dst, dstOffset, VectorWidth.Wide);
        Partitioner.For(body.Units, body.UnitLength, body);
    }

    /// <summary>y = op(x) over contiguous ranges.</summary>
    public static void Unary<TOp, T>(TOp op, T[] x, int xOffset, T[] y, int yOffset, int length)
        where TOp : struct, IUnaryOp<T> where T : unmanaged
    {
        int units = (length + ChunkElements - 1) / ChunkElements;
        Partitioner.For(units, ChunkElements, new UnaryBody<TOp, T>(op, x, xOffset, y, yOffset, length));
    }

    /// <summary>
    /// Copies <paramref name="srcCount"/> contiguous elements into <paramref name="dstCount"/> contiguous ones: the same
    /// count, or one value repeated (a fill). Split into the same contiguous shares as <see cref="Unary{TOp, T}"/> and
    /// the binary ops, so that zeroing a gradient before the backward pass adds into it leaves each core's share in
    /// its own cache, as the accumulation and the optimiser's update then find it.
    /// </summary>
    public static void CopyContiguous<T>(T[] src, int srcOffset, int srcCount, T[] dst, int dstOffset, int dstCount) where T : unmanaged
    {
        int units = (dstCount + ChunkElements - 1) / ChunkElements;
        Partitioner.For(units, ChunkElements, new ContiguousCopyBody<T>(src, srcOffset, srcCount == dstCount, dst, dstOffset, dstCount));
    }

    /// <summary>Copies a strided source into a strided destination (layout built from src, dst strides).</summary>
    public static void Copy<T>(StridedLayout layout, T[] src, int srcOffset, T[] dst, int dstOffset) where T : unmanaged
    {
        var body = new CopyBody<T>(layout, src, srcOffset, dst, dstOffset);
        Partitioner.For(layout.RowCount, Math.Max(layout.RowLength, 1), body);
    }

    /// <summary>dst = cond ≠ 0 ? a : b, all strided (layout built from cond, a, b, dst strides).</summary>
    public static void Where<TC, T>(StridedLayout layout, TC[] cond, int cOffset, T[] a, int aOffset, T[] b, int bOffset, T[] dst, int dstOffset)
        where TC : unmanaged, INumber<TC> where T : unmanaged
    {
        Span<int> off = stackalloc int[4];
        int n = layout.RowLength;
        int[] s = layout.InnerStrides;
        for (int row = 0; row < layout.RowCount; row++)
        {
            layout.RowOffsets(row, off);
            int c = cOffset + off[0], ia = aOffset + off[1], ib = bOffset + off[2], d = dstOffset + off[3];
            for (int i = 0; i < n; i++, c += s[0], ia += s[1], ib += s[2], d += s[3])
                dst[d] = cond[c] != TC.Zero ? a[ia] : b[ib];
        }
    }

    /// <summary>Converts between element types; both ranges contiguous.</summary>
    public static void Convert<TFrom, TTo>(ReadOnlySpan<TFrom> src, Span<TTo> dst)
        where TFrom : unmanaged, INumber<TFrom> where TTo : unmanaged, INumber<TTo>
        => System.Numerics.Tensors.TensorPrimitives.ConvertTruncating(src, dst);

    private static void BinaryRow<TOp, T>(TOp op, ref T a, int sa, ref T b, int sb, ref T d, int sd, int n, bool wide)
        where TOp : struct, IBinaryOp<T> where T : unmanaged
    {
        int i = 0;
        int w512 = Vector512<T>.Count;
        if (wide && sd == 1 && n >= w512)
        {
            if (sa == 1 && sb == 1)
            {
                for (; i <= n - w512; i += w512)
                    op.Invoke(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
            }
            else if (sa == 0 && sb == 1)
            {
                var va = Vector512.Create(a);
                for (; i <= n - w512; i += w512)
                    op.Invoke(va, Vector512.LoadUnsafe(ref b, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
            }
            else if (sa == 1 && sb == 0)
            {
                var vb = Vector512.Create(b);
                for (; i <= n - w512; i += w512)
                    op.Invoke(Vector512.LoadUnsafe(ref a, (nuint)i), vb).StoreUnsafe(ref d, (nuint)i);
            }
        }
        int w = Vector256<T>.Count;
        if (sd == 1 && Vector256.IsHardwareAccelerated && n - i >= w)
        {
            if (sa == 1 && sb == 1)
            {
                for (; i <= n - w; i += w)
                    op.Invoke(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
            }
            else if (sa == 0 && sb == 1)
            {
                var va = Vector256.Create(a);
                for (; i <= n - w; i += w)
                    op.Invoke(va, Vector256.LoadUnsafe(ref b, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
            }
            else if (sa == 1 && sb == 0)
            {
                var vb = Vector256.Create(b);
                for (; i <= n - w; i += w)
                    op.Invoke(Vector256.LoadUnsafe(ref a, (nuint)i), vb).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref d, i * sd) = op.Invoke(Unsafe.Add(ref a, i * sa), Unsafe.Add(ref b, i * sb));
    }

    private readonly struct BinaryBody<TOp, T> : IPartitionBody where TOp : struct, IBinaryOp<T> where T : unmanaged
    {
        private readonly TOp op;
        private readonly StridedLayout layout;
        private readonly T[] a, b, dst;
        private readonly int aOffset, bOffset, dstOffset, chunksPerRow;
        private readonly bool wide;

        public BinaryBody(TOp op, StridedLayout layout, T[] a, int aOffset, T[] b, int bOffset, T[] dst, int dstOffset, bool wide)
        {
            this.wide = wide;
            (this.op, this.layout, this.a, this.aOffset, this.b, this.bOffset, this.dst, this.dstOffset) = (op, layout, a, aOffset, b, bOffset, dst, dstOffset);
            // Few long rows (the contiguous case is one row) are cut into chunks so both cores get work.
            chunksPerRow = layout.RowCount >= 8 ? 1 : Math.Max(1, layout.RowLength / ChunkElements);
        }

        public int Units => layout.RowCount * chunksPerRow;

        public int UnitLength => Math.Max(1, layout.RowLength / chunksPerRow);

        public void Invoke(int start, int end)
        {
            Span<int> off = stackalloc int[3];
            int[] s = layout.InnerStrides;
            int n = layout.RowLength;
            for (int u = start; u < end; u++)
            {
                int row = u / chunksPerRow, part = u % chunksPerRow;
                int from = (int)((long)n * part / chunksPerRow), to = (int)((long)n * (part + 1) / chunksPerRow);
                layout.RowOffsets(row, off);
                BinaryRow(op,
                    ref a[aOffset + off[0] + from * s[0]], s[0],
                    ref b[bOffset + off[1] + from * s[1]], s[1],
                    ref dst[dstOffset + off[2] + from * s[2]], s[2], to - from, wide);
            }
        }
    }

    private readonly struct UnaryBody<TOp, T>(TOp op, T[] x, int xOffset, T[] y, int yOffset, int length) : IPartitionBody
        where TOp : struct, IUnaryOp<T> where T : unmanaged
    {
        public void Invoke(int start, int end)
        {
            int from = start * ChunkElements, to = Math.Min(length, end * ChunkElements);
            op.Invoke(x.AsSpan(xOffset + from, to - from), y.AsSpan(yOffset + from, to - from));
        }
    }

    private readonly struct ContiguousCopyBody<T>(T[] src, int srcOffset, bool sameCount, T[] dst, int dstOffset, int length) : IPartitionBody
        where T : unmanaged
    {
        public void Invoke(int start, int end)
        {
            int from = start * ChunkElements, to = Math.Min(length, end * ChunkElements);
            var target = dst.AsSpan(dstOffset + from, to - from);
            if (sameCount)
                src.AsSpan(srcOffset + from, to - from).CopyTo(target);
            else
                target.Fill(src[srcOffset]);
        }
    }

    private readonly struct CopyBody<T>(StridedLayout layout, T[] src, int srcOffset, T[] dst, int dstOffset) : IPartitionBody where T : unmanaged
    {
        public void Invoke(int start, int end)
        {
            Span<int> off = stackalloc int[2];
            int n = layout.RowLength;
            int ss = layout.InnerStrides[0], ds = layout.InnerStrides[1];
            for (int row = start; row < end; row++)
            {
                layout.RowOffsets(row, off);
                int si = srcOffset + off[0], di = dstOffset + off[1];
                if (ss == 1 && ds == 1)
                    src.AsSpan(si, n).CopyTo(dst.AsSpan(di, n));
                else if (ss == 0 && ds == 1)
                    dst.AsSpan(di, n).Fill(src[si]);
                else
                    for (int i = 0; i < n; i++, si += ss, di += ds) dst[di] = src[si];
            }
        }
    }
}
