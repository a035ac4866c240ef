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
    /// y = x·Wᵀ + b for x of shape [..., in], W of shape [out, in] and b of shape [out]. One op, as
    /// PyTorch's addmm: the bias is written into the output first and the matrix product added onto
    /// it, and Wᵀ is read through its strides by the matrix kernel, so nothing is transposed in
    /// memory. Backward: ∂/∂x = G·W, ∂/∂W = Gᵀ·x (computed in W's own [out, in] layout, so it adds
    /// into W's gradient as one contiguous pass), ∂/∂b = Σ over rows of G.
    /// </summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null) => Linear(input, weight, bias, relu: false);

    /// <summary>
    /// max(x·Wᵀ + b, 0), a linear layer followed by ReLU, as one pass when nothing is recorded (inference): the ReLU is
    /// applied by the matrix kernel to each block of the output while it is still in cache. Same values as
    /// <c>Linear(input, weight, bias).Relu()</c>; while the graph is recorded it is exactly that.
    /// </summary>
    internal static Tensor LinearRelu(Tensor input, Tensor weight, Tensor? bias = null) => Linear(input, weight, bias, relu: true);

    private static Tensor Linear(Tensor input, Tensor weight, Tensor? bias, bool relu)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2)
            throw new ArgumentException($"Linear: the weight must be [out, in], got shape {ShapeMath.Format(weight.ShapeArray)}.");
        if (input.Rank == 0 || input.Size(-1) != weight.Size(1))
            throw new ArgumentException($"Linear: input of shape {ShapeMath.Format(input.ShapeArray)} does not end in {weight.Size(1)} features, as the weight {ShapeMath.Format(weight.ShapeArray)} requires.");
        if (bias is not null && (bias.Rank != 1 || bias.Size(0) != weight.Size(0)))
            throw new ArgumentException($"Linear: the bias must be [{weight.Size(0)}] for a weight of shape {ShapeMath.Format(weight.ShapeArray)}, got {ShapeMath.Format(bias.ShapeArray)}.");
        if (input.DType != weight.DType || (bias is not null && bias.DType != weight.DType) || !weight.DType.IsFloatingPoint()
            || !input.Device.IsCpu || !weight.Device.IsCpu || bias?.Device.IsCpu == false)
        {
            // Mixed element types promote like any arithmetic, through the general ops; on a GPU the product is one
            // GEMM reading Wᵀ through its strides and the bias one broadcast add, with their own backward rules.
            var product = input.MatMul(weight.T);
            var affine = bias is null ? product : product.Add(bias);
            return relu ? affine.Relu() : affine;
        }

        int inFeatures = weight.Size(1), outFeatures = weight.Size(0);
        var outShape = (int[])input.ShapeArray.Clone();
        outShape[^1] = outFeatures;
        // The bias or the product overwrites every element, except an empty product without bias: zeros.
        var y = inFeatures == 0 && bias is null ? Tensor.Zeros(outShape, weight.DType) : Tensor.Uninitialized(outShape, weight.DType);
        int rows = ShapeMath.Count(input.ShapeArray.AsSpan(0, input.Rank - 1));
        Tensor rowsView;
        using (Autograd.NoGrad())
            rowsView = input.Reshape(rows, inFeatures);
        bool recorded = Autograd.IsGradEnabled && (input.RequiresGrad || weight.RequiresGrad || bias?.RequiresGrad == true);
        // A weight that is not being trained right now (no-grad, or frozen) keeps one packing across calls; the packed
        // product also writes the bias and applies the ReLU as it goes, where the bias is one contiguous row.
        if (y.DType == DType.Float32 && (!Autograd.IsGradEnabled || !weight.RequiresGrad)
            && Kernels.Gemm.UsesPackedPath(rows, outFeatures, inFeatures)
            && (bias is null || bias.StrideArray[0] == 1)
            && !(relu && recorded)
            && PackedWeights.TransposedFloat(weight) is { } packed)
        {
            Kernels.Gemm.MultiplyPrepacked(rows, packed,
                rowsView.Data<float>().AsSpan(rowsView.Offset), rowsView.StrideArray[0], rowsView.StrideArray[1],
                y.Span<float>(), outFeatures, accumulate: false,
                bias is null ? default : bias.Data<float>().AsSpan(bias.Offset, outFeatures), relu);
            if (relu)
                return y;
        }
        else if (y.Count > 0 && inFeatures > 0)
        {
            if (bias is not null)
                Dispatch.CopyInto(bias, y);
            if (y.DType == DType.Float32)
                Kernels.Gemm.Multiply(rows, outFeatures, inFeatures,
                    rowsView.Data<float>().AsSpan(rowsView.Offset), rowsView.StrideArray[0], rowsView.StrideArray[1],
                    weight.Data<float>().AsSpan(weight.Offset), weight.StrideArray[1], weight.StrideArray[0],
                    y.Span<float>(), outFeatures, 1, accumulate: bias is not null);
            else
                Kernels.Gemm.Multiply(rows, outFeatures, inFeatures,
                    rowsView.Data<double>().AsSpan(rowsView.Offset), rowsView.StrideArray[0], rowsView.StrideArray[1],
                    weight.Data<double>().AsSpan(weight.Offset), weight.StrideArray[1], weight.StrideArray[0],
                    y.Span<double>(), outFeatures, 1, accumulate: bias is not null);
        }
        else if (bias is not null)
            Dispatch.CopyInto(bias, y);
        Tensor[] inputs = bias is null ? [input, weight] : [input, weight, bias];
        var linear = Autograd.Record(y, OpCode.Linear, inputs, g =>
        {
            // Views are taken again here, so that with createGraph they are part of the graph.
            var g2 = g.Reshape(rows, outFeatures);
            var x2 = weight.RequiresGrad ? input.Reshape(rows, inFeatures) : null;
            return
            [
                input.RequiresGrad ? g2.MatMul(weight).Reshape(input.ShapeArray) : null,
                weight.RequiresGrad ? LinearWeightGrad(g2, x2!) : null,
                .. bias is null ? Array.Empty<Tensor?>() : [bias.RequiresGrad ? SumOverRows(rows, (first, count) => g2.Narrow(0, first, count).Sum(0)) : null],
            ];
        }, input, weight);
        return relu ? linear.Relu() : linear;
    }

    /// <summary>
    /// The weight gradient of a linear layer, Σ over rows r of g[r]ᵀ·x[r] ([out, in] from g [rows, out] and x
    /// [rows, in]), as a recorded op: the rows are the batch, summed in the fixed chunks of
    /// <see cref="Kernels.BatchSums"/> so the result does not depend on how the batch is split across ranks. It is
    /// bilinear, so its backward is ∂/∂g = x·hᵀ and ∂/∂x = g·h for an incoming h.
    /// </summary>
    internal static Tensor LinearWeightGrad(Tensor g, Tensor x)
    {
        int rows = g.Size(0), outFeatures = g.Size(1), inFeatures = x.Size(1);
        var gw = Tensor.Uninitialized([outFeatures, inFeatures], g.DType);
        if (gw.Count == 0)
        {
            // Nothing to write; an empty [out, 0] result has no valid row stride to hand the kernel.
        }
        else if (g.DType == DType.Float32)
            Kernels.Gemm.MultiplyBatchSum(outFeatures, inFeatures, rows,
                g.Data<float>().AsSpan(g.Offset), g.StrideArray[1], g.StrideArray[0],
                x.Data<float>().AsSpan(x.Offset), x.StrideArray[0], x.StrideArray[1],
                gw.Span<float>(), inFeatures, 1, accumulate: false);
        else
            Kernels.Gemm.MultiplyBatchSum(outFeatures, inFeatures, rows,
                g.Data<double>().AsSpan(g.Offset), g.StrideArray[1], g.StrideArray[0],
                x.Data<double>().AsSpan(x.Offset), x.StrideArray[0], x.StrideArray[1],
                gw.Span<double>(), inFeatures, 1, accumulate: false);
        return Autograd.Record(gw, OpCode.LinearWeightGrad, [g, x], h =>
            [g.RequiresGrad ? x.MatMul(h.T) : null,
             x.RequiresGrad ? g.MatMul(h) : null],
            g, x);
    }

    /// <summary>
    /// Σ over the rows [0, <paramref name="rows"/>) of a per-row quantity, given as <paramref name="part"/>(first,
    /// count) for the fixed chunks of <see cref="Kernels.BatchSums"/> and added as its tree: the weight and bias
    /// gradients then do not depend on how the batch is split across data-parallel ranks.
    /// </summary>
    private static Tensor SumOverRows(int rows, Func<int, int, Tensor> part)
    {
        int chunks = Kernels.BatchSums.ChunkCount(rows);
        if (chunks <= 1)
            return part(0, rows);
        var sums = new Tensor[chunks];
        for (int c = 0; c < chunks; c++)
        {
            var (first, end) = Kernels.BatchSums.Chunk(rows, c);
            sums[c] = part(first, end - first);
        }
        return Kernels.BatchSums.Tree(sums, static (a, b) => a.Add(b));
    }

    /// <summary>
    /// Looks up rows of <paramref name="weight"/> ([num, dim]) for every int32 index in
    /// <paramref name="indices"/>; the result has shape indices.shape + [dim]. The gradient adds
    /// into the rows that were used (repeated indices accumulate), except the row
    /// <paramref name="paddingIndex"/>, which receives none (PyTorch's padding_idx).
    /// </summary>
    public static Tensor Embedding(Tensor indices, Tensor weight, int? paddingIndex = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(weight);
        if (indices.DType != DType.Int32)
            throw new ArgumentException($"Embedding: indices must be an int32 tensor, got {indices.DType.Name()}.");
        if (weight.Rank != 2)
            throw new ArgumentException($"Embedding: the weight must be [num_embeddings, dim], got shape {ShapeMath.Format(weight.ShapeArray)}.");
        var flat = indices.Reshape(-1);
        var rows = weight.IndexSelect(0, flat);
        if (paddingIndex is { } pad)
        {
            // Same values, but the padding positions read a detached copy, so no gradient reaches that row.
            var isPad = flat.Eq(pad).To(weight.DType).Reshape(-1, 1);
            rows = Tensor.Where(isPad, rows.Detach(), rows);
        }
        return rows.Reshape([.. indices.ShapeArray, weight.Size(1)]);
    }
}
