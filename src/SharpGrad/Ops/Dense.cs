namespace SharpGrad.NN;

/// <summary>
/// Functional forms of the layers, as PyTorch's <c>torch.nn.functional</c>: stateless functions
/// of their inputs and weights. Each is differentiable with respect to every tensor argument.
/// The members live in the <c>Ops</c> files of their families (dense, convolution, pooling,
/// normalisation, losses).
/// </summary>
public static partial class Functional
{
    /// <summary>
    /// y = x·Wᵀ + b for x of shape [..., in], W of shape [out, in] and b of shape [out]. Wᵀ is read
    /// through its strides by the matrix kernel, so nothing is transposed in memory.
    /// </summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2)
            throw new ArgumentException($"Linear: the weight must be [out, in], got shape {ShapeMath.Format(weight.ShapeArray)}.");
        if (input.Rank == 0 || input.Size(-1) != weight.Size(1))
            throw new ArgumentException($"Linear: input of shape {ShapeMath.Format(input.ShapeArray)} does not end in {weight.Size(1)} features, as the weight {ShapeMath.Format(weight.ShapeArray)} requires.");
        var y = input.MatMul(weight.T);
        return bias is null ? y : y.Add(bias);
    }

    /// <summary>
    /// Looks up rows of <paramref name="weight"/> ([num, dim]) for every int32 index in
    /// <paramref name="indices"/>; the result has shape indices.shape + [dim]. The gradient adds
    /// into the rows that were used (repeated indices accumulate).
    /// </summary>
    public static Tensor Embedding(Tensor indices, Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(weight);
        if (indices.DType != DType.Int32)
            throw new ArgumentException($"Embedding: indices must be an int32 tensor, got {indices.DType.Name()}.");
        if (weight.Rank != 2)
            throw new ArgumentException($"Embedding: the weight must be [num_embeddings, dim], got shape {ShapeMath.Format(weight.ShapeArray)}.");
        var rows = weight.IndexSelect(0, indices.Reshape(-1));
        return rows.Reshape([.. indices.ShapeArray, weight.Size(1)]);
    }
}
