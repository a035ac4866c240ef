using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace SharpGrad.Kernels;

// Scaled dot-product attention, O = softmax(Q·Kᵀ·scale + M)·V, for a stack of independent (batch, head) items.
//
// Letters: L queries, S keys, d the query/key width, dv the value width; P the attention probabilities [L, S].
// Per item, forward: P ← Q·Kᵀ (GEMM, Kᵀ read through K's strides), P ← P·scale + M, causal positions (key j after
// query i + S − L) cleared, each row softmaxed in place, then O ← P·V (GEMM). P is kept for the backward pass, which
// needs no other intermediate:
//   dV = Pᵀ·dO,  dP = dO·Vᵀ,  dS = P ⊙ (dP − rowsum(dP ⊙ P))·scale,  dQ = dS·K,  dK = dSᵀ·Q
// where dS overwrites a per-thread L×S scratch row block. Items are spread across cores; the GEMMs inside an item run
// serially then (Partitioner does not nest), and a single large item parallelises inside its GEMMs instead.

/// <summary>
/// Where the operands of <see cref="Attention"/> live: per-item element offsets into each operand's storage (broadcast
/// batch dimensions repeat an offset) and the (row, column) strides of the matrices of each item. The probabilities,
/// the output and every gradient are contiguous [items, rows, columns] arrays.
/// </summary>
internal sealed class AttentionLayout
{
    public int Items, L, S, D, Dv;
    public double Scale;
    public bool Causal;
    public int[] QOffsets = [], KOffsets = [], VOffsets = [], MaskOffsets = [];
    public int QRow, QCol, KRow, KCol, VRow, VCol, MaskRow, MaskCol;
}

/// <summary>
/// The arithmetic of fused scaled-dot-product attention, forward and backward, over float or double arrays addressed
/// by an <see cref="AttentionLayout"/>; knows nothing of tensors or autograd.
/// </summary>
internal static class Attention
{
    /// <summary>
    /// Fills <paramref name="probs"/> [items, L, S] with the attention probabilities and <paramref name="output"/>
    /// [items, L, dv] with P·V. <paramref name="mask"/> (nullable) is added to the scaled scores. A row with no
    /// visible key (every score −∞) comes out NaN, as the composed softmax gives.
    /// </summary>
    public static void Forward<T>(AttentionLayout layout, T[] q, T[] k, T[] v, T[]? mask, T[] probs, T[] output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long work = 2L * layout.L * layout.S * (layout.D + layout.Dv);
        Partitioner.For(layout.Items, work, new ForwardBody<T>(layout, q, k, v, mask, probs, output));
    }

    /// <summary>
    /// The gradients of Q, K and V (each nullable, to skip it) as contiguous [items, ·, ·] arrays, from the
    /// probabilities of <see cref="Forward{T}"/> and the output gradient <paramref name="gradOutput"/>, contiguous
    /// [items, L, dv] from <paramref name="gradOffset"/>.
    /// </summary>
    public static void Backward<T>(AttentionLayout layout, T[] q, T[] k, T[] v, T[] probs, T[] gradOutput, int gradOffset,
        T[]? gradQ, T[]? gradK, T[]? gradV)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long work = 4L * layout.L * layout.S * (layout.D + layout.Dv);
        Partitioner.For(layout.Items, work, new BackwardBody<T>(layout, q, k, v, probs, gradOutput, gradOffset, gradQ, gradK, gradV));
    }

    private readonly struct ForwardBody<T>(AttentionLayout p, T[] q, T[] k, T[] v, T[]? mask, T[] probs, T[] output) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int l = p.L, s = p.S, ls = l * s;
            T scale = T.CreateChecked(p.Scale);
            for (int item = start; item < end; item++)
            {
                var scores = probs.AsSpan(item * ls, ls);
                Gemm.Multiply(l, s, p.D, q.AsSpan(p.QOffsets[item]), p.QRow, p.QCol,
                    k.AsSpan(p.KOffsets[item]), p.KCol, p.KRow, scores, s, 1, accumulate: false);
                for (int i = 0; i < l; i++)
                {
                    var row = scores.Slice(i * s, s);
                    TensorPrimitives.Multiply(row, scale, row);
                    if (mask is not null)
                        AddMaskRow(row, mask, p.MaskOffsets[item] + i * p.MaskRow, p.MaskCol);
                    int visible = p.Causal ? Math.Clamp(i + s - l + 1, 0, s) : s;
                    SoftmaxRow(row, visible);
                }
                Gemm.Multiply(l, p.Dv, s, scores, s, 1, v.AsSpan(p.VOffsets[item]), p.VRow, p.VCol,
                    output.AsSpan(item * l * p.Dv, l * p.Dv), p.Dv, 1, accumulate: false);
            }
        }
    }

    private readonly struct BackwardBody<T>(AttentionLayout p, T[] q, T[] k, T[] v, T[] probs, T[] gradOutput, int gradOffset,
        T[]? gradQ, T[]? gradK, T[]? gradV) : IPartitionBody
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int l = p.L, s = p.S, d = p.D, dv = p.Dv, ls = l * s;
            T scale = T.CreateChecked(p.Scale);
            bool needScores = gradQ is not null || gradK is not null;
            var rented = needScores ? ArrayPool<T>.Shared.Rent(ls) : null;
            try
            {
                for (int item = start; item < end; item++)
                {
                    var pr = probs.AsSpan(item * ls, ls);
                    var go = gradOutput.AsSpan(gradOffset + item * l * dv, l * dv);
                    if (gradV is not null)
                        Gemm.Multiply(s, dv, l, pr, 1, s, go, dv, 1, gradV.AsSpan(item * s * dv, s * dv), dv, 1, accumulate: false);
                    if (!needScores)
                        continue;
                    var ds = rented.AsSpan(0, ls);
                    Gemm.Multiply(l, s, dv, go, dv, 1, v.AsSpan(p.VOffsets[item]), p.VCol, p.VRow, ds, s, 1, accumulate: false);
                    for (int i = 0; i < l; i++)
                    {
                        var dRow = ds.Slice(i * s, s);
                        var pRow = pr.Slice(i * s, s);
                        T centre = TensorPrimitives.Dot<T>(dRow, pRow);
                        TensorPrimitives.Subtract(dRow, centre, dRow);
                        TensorPrimitives.Multiply(dRow, pRow, dRow);
                        TensorPrimitives.Multiply(dRow, scale, dRow);
                    }
                    if (gradQ is not null)
                        Gemm.Multiply(l, d, s, ds, s, 1, k.AsSpan(p.KOffsets[item]), p.KRow, p.KCol,
                            gradQ.AsSpan(item * l * d, l * d), d, 1, accumulate: false);
                    if (gradK is not null)
                        Gemm.Multiply(s, d, l, ds, 1, s, q.AsSpan(p.QOffsets[item]), p.QRow, p.QCol,
                            gradK.AsSpan(item * s * d, s * d), d, 1, accumulate: false);
                }
            }
            finally
            {
                if (rented is not null) ArrayPool<T>.Shared.Return(rented);
            }
        }
    }

    private static void AddMaskRow<T>(Span<T> row, T[] mask, int offset, int colStride) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (colStride == 1)
            TensorPrimitives.Add(row, mask.AsSpan(offset, row.Length), row);
        else if (colStride == 0)
            TensorPrimitives.Add(row, mask[offset], row);
        else
            for (int j = 0; j < row.Length; j++)
                row[j] += mask[offset + j * colStride];
    }

    /// <summary>
    /// Softmax of the first <paramref name="visible"/> entries of <paramref name="row"/> in place, the rest set to 0;
    /// shifted by the maximum so nothing overflows. No visible entry, or all of them −∞, gives NaN.
    /// </summary>
    private static void SoftmaxRow<T>(Span<T> row, int visible) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (visible == 0)
        {
            row.Fill(T.NaN);
            return;
        }
        var head = row[..visible];
        row[visible..].Clear();
        T max = TensorPrimitives.Max<T>(head);
        TensorPrimitives.Subtract(head, max, head);
        TensorPrimitives.Exp<T>(head, head);
        T sum = TensorPrimitives.Sum<T>(head);
        TensorPrimitives.Multiply(head, T.One / sum, head);
    }
}
