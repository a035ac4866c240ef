using SharpGrad.Kernels;

namespace SharpGrad.NN;

// Scaled dot-product attention, softmax(Q·Kᵀ·scale + M)·V with scale = 1/√d by default.
//
// Letters: L queries, S keys, d the query/key width, dv the value width; the leading (batch, head) dimensions of Q,
// K, V and the mask broadcast together into "items". P = softmax(...) [items, L, S].
//
// The fused op runs the whole thing per item in Kernels.Attention (two GEMMs and a row softmax, no score tensor,
// mask addition or softmax graph in between) and keeps only P for the backward pass:
//   dV = Pᵀ·dO,  dP = dO·Vᵀ,  dS = P ⊙ (dP − rowsum(dP ⊙ P))·scale,  dQ = dS·K,  dK = dSᵀ·Q.
// The mask is a constant (it gets no gradient). When the backward pass itself is recorded (createGraph), the same
// formulas are built from tensor ops instead, so second derivatives exist. The composed version, matmul → softmax →
// matmul through the general ops, stays as the reference the fused one is tested against.
public static partial class Functional
{
    /// <summary>
    /// Scaled dot-product attention, softmax(Q·Kᵀ·scale + mask)·V, over the last two dimensions
    /// (Q [..., L, d], K [..., S, d], V [..., S, dv], batch dimensions broadcast), as one fused op with its own
    /// backward rule. <paramref name="mask"/> is added to the scores (0 where a query may look, −∞ where it may not;
    /// it broadcasts to [..., L, S] and receives no gradient); <paramref name="isCausal"/> additionally hides every
    /// key after the query's own position (aligned at the end when S &gt; L). <paramref name="scale"/> defaults to
    /// 1/√d. Inputs of mixed or integer element types go through <see cref="ComposedScaledDotProductAttention"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not fit Q [..., L, d], K [..., S, d], V [..., S, dv], or a mask that does not broadcast to the scores.</exception>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? mask = null, bool isCausal = false, double? scale = null)
    {
        CheckAttentionShapes(query, key, value);
        var dtype = query.DType;
        // On a GPU the composition runs as batched matrix products and a row softmax, the device kernels there are.
        if (key.DType != dtype || value.DType != dtype || !dtype.IsFloatingPoint() || !query.Device.IsCpu)
            return ComposedScaledDotProductAttention(query, key, value, mask, isCausal, scale);

        int l = query.Size(-2), s = key.Size(-2), d = query.Size(-1), dv = value.Size(-1);
        double factor = scale ?? 1 / Math.Sqrt(d);
        var batch = ShapeMath.Broadcast(query.ShapeArray.AsSpan(0, query.Rank - 2), key.ShapeArray.AsSpan(0, key.Rank - 2), "ScaledDotProductAttention");
        batch = ShapeMath.Broadcast(batch, value.ShapeArray.AsSpan(0, value.Rank - 2), "ScaledDotProductAttention");
        int[] scoreShape = [.. batch, l, s];
        Tensor? maskValues = null;
        if (mask is not null)
        {
            var full = ShapeMath.Broadcast(mask.ShapeArray, scoreShape, "ScaledDotProductAttention (mask and scores)");
            if (!ShapeMath.SameShape(full, scoreShape))
                throw new ArgumentException(
                    $"ScaledDotProductAttention: the mask {ShapeMath.Format(mask.ShapeArray)} must broadcast to the scores {ShapeMath.Format(scoreShape)}.", nameof(mask));
            using (Autograd.NoGrad())
                maskValues = mask.To(dtype).Detach();
        }

        int items = ShapeMath.Count(batch);
        var layout = new AttentionLayout
        {
            Items = items, L = l, S = s, D = d, Dv = dv, Scale = factor, Causal = isCausal,
            QOffsets = ItemOffsets(query, batch), KOffsets = ItemOffsets(key, batch), VOffsets = ItemOffsets(value, batch),
            QRow = query.StrideArray[^2], QCol = query.StrideArray[^1],
            KRow = key.StrideArray[^2], KCol = key.StrideArray[^1],
            VRow = value.StrideArray[^2], VCol = value.StrideArray[^1],
        };
        if (maskValues is not null)
        {
            var maskStrides = ShapeMath.BroadcastStrides(maskValues.ShapeArray, maskValues.StrideArray, scoreShape);
            var expanded = maskValues.AsStrided(scoreShape, maskStrides, maskValues.Offset);
            layout.MaskOffsets = ItemOffsets(expanded, batch);
            layout.MaskRow = maskStrides[^2];
            layout.MaskCol = maskStrides[^1];
        }

        var probs = Tensor.Uninitialized([items, l, s], dtype);
        // With no keys the product with V sums nothing: zeros, as the composition gives.
        var output = s == 0 ? Tensor.Zeros([.. batch, l, dv], dtype) : Tensor.Uninitialized([.. batch, l, dv], dtype);
        if (items > 0 && l > 0 && s > 0)
        {
            if (dtype == DType.Float32)
                Kernels.Attention.Forward(layout, query.Data<float>(), key.Data<float>(), value.Data<float>(), maskValues?.Data<float>(),
                    probs.Data<float>(), output.Data<float>());
            else
                Kernels.Attention.Forward(layout, query.Data<double>(), key.Data<double>(), value.Data<double>(), maskValues?.Data<double>(),
                    probs.Data<double>(), output.Data<double>());
        }

        return Autograd.Record(output, OpCode.ScaledDotProductAttention, [query, key, value], g =>
        {
            if (Autograd.IsGradEnabled)
                return AttentionBackwardRecorded(query, key, value, maskValues, isCausal, factor, g);
            var go = Dispatch.Contiguous(g);
            var gq = query.RequiresGrad ? Tensor.Uninitialized([.. batch, l, d], dtype) : null;
            var gk = key.RequiresGrad ? Tensor.Uninitialized([.. batch, s, d], dtype) : null;
            var gv = value.RequiresGrad ? Tensor.Uninitialized([.. batch, s, dv], dtype) : null;
            if (dtype == DType.Float32)
                Kernels.Attention.Backward(layout, query.Data<float>(), key.Data<float>(), value.Data<float>(), probs.Data<float>(),
                    go.Data<float>(), go.Offset, gq?.Data<float>(), gk?.Data<float>(), gv?.Data<float>());
            else
                Kernels.Attention.Backward(layout, query.Data<double>(), key.Data<double>(), value.Data<double>(), probs.Data<double>(),
                    go.Data<double>(), go.Offset, gq?.Data<double>(), gk?.Data<double>(), gv?.Data<double>());
            return [gq?.SumToShape(query.ShapeArray), gk?.SumToShape(key.ShapeArray), gv?.SumToShape(value.ShapeArray)];
        }, query, key, value);
    }

    /// <summary>
    /// The reference composition of <see cref="ScaledDotProductAttention"/>: Q·Kᵀ·scale through MatMul, the masks
    /// added, Softmax, then ·V, each a general op of the graph, so its gradient is that of the composition (and the
    /// mask, if it requires one, gets a gradient too). Same arguments and result as the fused op.
    /// </summary>
    public static Tensor ComposedScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? mask = null, bool isCausal = false, double? scale = null)
    {
        CheckAttentionShapes(query, key, value);
        var product = query.MatMul(key.Transpose(-1, -2));
        var scores = scale is { } c ? product.Mul(c) : product.Div(Math.Sqrt(query.Size(-1)));
        if (isCausal)
            scores = scores.Add(CausalMask(query.Size(-2), key.Size(-2), scores.DType).To(scores.Device));
        if (mask is not null)
            scores = scores.Add(mask.To(scores.DType).To(scores.Device));
        return scores.Softmax(-1).MatMul(value);
    }

    /// <summary>An additive mask [L, S]: 0 where key j ≤ query i (aligned at the end when S &gt; L), −∞ after.</summary>
    public static Tensor CausalMask(int queries, int keys, DType dtype = DType.Float32)
    {
        var data = new double[queries * keys];
        int offset = keys - queries;
        for (int i = 0; i < queries; i++)
            for (int j = 0; j < keys; j++)
                data[i * keys + j] = j > i + offset ? double.NegativeInfinity : 0;
        return Tensor.FromArray(data, [queries, keys]).To(dtype);
    }

    private static void CheckAttentionShapes(Tensor query, Tensor key, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (query.Rank < 2 || key.Rank < 2 || value.Rank < 2 || query.Size(-1) != key.Size(-1) || key.Size(-2) != value.Size(-2))
            throw new ArgumentException(
                $"ScaledDotProductAttention: expected Q [..., L, d], K [..., S, d], V [..., S, dv], got {query.Shape}, {key.Shape} and {value.Shape}.");
    }

    // The storage offset of each item's matrix, the batch dimensions of x read as broadcast to `batch`.
    private static int[] ItemOffsets(Tensor x, int[] batch)
    {
        var strides = ShapeMath.BroadcastStrides(x.ShapeArray.AsSpan(0, x.Rank - 2), x.StrideArray.AsSpan(0, x.Rank - 2), batch);
        int items = ShapeMath.Count(batch);
        var offsets = new int[items];
        for (int item = 0; item < items; item++)
        {
            int rem = item, offset = x.Offset;
            for (int dim = batch.Length - 1; dim >= 0; dim--)
            {
                offset += rem % batch[dim] * strides[dim];
                rem /= batch[dim];
            }
            offsets[item] = offset;
        }
        return offsets;
    }

    // The backward formulas as tensor ops, so that a createGraph pass records them (second derivatives).
    private static Tensor?[] AttentionBackwardRecorded(Tensor query, Tensor key, Tensor value, Tensor? mask, bool isCausal, double scale, Tensor g)
    {
        var scores = query.MatMul(key.Transpose(-1, -2)).Mul(scale);
        if (isCausal) scores = scores.Add(CausalMask(query.Size(-2), key.Size(-2), scores.DType));
        if (mask is not null) scores = scores.Add(mask);
        var p = scores.Softmax(-1);
        var dp = g.MatMul(value.Transpose(-1, -2));
        var ds = p.Mul(dp.Sub(dp.Mul(p).Sum([-1], keepDim: true))).Mul(scale);
        return
        [
            query.RequiresGrad ? ds.MatMul(key).SumToShape(query.ShapeArray) : null,
            key.RequiresGrad ? ds.Transpose(-1, -2).MatMul(query).SumToShape(key.ShapeArray) : null,
            value.RequiresGrad ? p.Transpose(-1, -2).MatMul(g).SumToShape(value.ShapeArray) : null,
        ];
    }
}
