namespace SharpGrad.NN;

public static partial class Functional
{
    /// <summary>
    /// Scaled dot-product attention, softmax(Q·Kᵀ/√d + mask)·V, over the last two dimensions
    /// (Q [..., L, d], K [..., S, d], V [..., S, dv], batch dimensions broadcast). <paramref name="mask"/>
    /// is added to the scores (0 where a query may look, −∞ where it may not; it broadcasts);
    /// <paramref name="isCausal"/> additionally hides every key after the query's own position.
    /// Composed of engine ops, so its gradient is that of the composition.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? mask = null, bool isCausal = false)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (query.Rank < 2 || key.Rank < 2 || value.Rank < 2 || query.Size(-1) != key.Size(-1) || key.Size(-2) != value.Size(-2))
            throw new ArgumentException(
                $"ScaledDotProductAttention: expected Q [..., L, d], K [..., S, d], V [..., S, dv], got {query.Shape}, {key.Shape} and {value.Shape}.");
        var scores = query.MatMul(key.Transpose(-1, -2)).Div(Math.Sqrt(query.Size(-1)));
        if (isCausal)
            scores = scores.Add(CausalMask(query.Size(-2), key.Size(-2), scores.DType));
        if (mask is not null)
            scores = scores.Add(mask.To(scores.DType));
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
}
