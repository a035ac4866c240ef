using SharpGrad.Kernels;

namespace SharpGrad.NN;

// Batch and layer normalisation, and dropout (the other layer whose behaviour depends on training mode).
//
// Letters: N batch, C channels (dimension 1), S the product of the sizes after the channel dimension (1 for
// [N, C], L for [N, C, L], H·W for [N, C, H, W]); M = N·S values per channel. x̂ is the normalised input,
// γ (weight) and β (bias) the per-channel affine parameters.
//
// Training-mode batch norm runs fused per-channel kernels (statistics, then normalise-and-scale; backward: two sums,
// then one pass). Its backward is the closed form of the spec (E8). When the backward pass itself is being recorded
// (createGraph), the same formula is built from tensor ops instead, so that second derivatives exist; the kernel
// is used otherwise, because it needs no intermediate tensors. Eval-mode batch norm is an affine map with
// constants and is composed from tensor ops. Layer norm is fused per row the same way (statistics over the last dims).
public static partial class Functional
{
    /// <summary>
    /// Batch normalisation of <paramref name="input"/> [N, C, ...] per channel (dimension 1), over all other
    /// dimensions: y = γ·(x − μ)/√(σ² + ε) + β, with γ = <paramref name="weight"/> and β = <paramref name="bias"/>
    /// ([C] each; omitted means 1 and 0).
    /// <para>In <paramref name="training"/> mode μ and σ² are the batch mean and biased variance, and the running
    /// statistics, when given, are updated in place (outside the graph) as running = (1 − momentum)·running +
    /// momentum·batch, with the unbiased variance (M/(M − 1)·σ²) for <paramref name="runningVar"/>, as PyTorch does.
    /// The gradient is ∂E/∂xᵢ = (γ/√(σ² + ε))·(gᵢ − mean_j g_j − x̂ᵢ·mean_j(g_j·x̂_j)), ∂E/∂γ = Σ g·x̂, ∂E/∂β = Σ g,
    /// with g = ∂E/∂y and x̂ = (x − μ)/√(σ² + ε).</para>
    /// <para>In eval mode μ and σ² are the running statistics (required), and y is an affine function of x.</para>
    /// </summary>
    /// <exception cref="ArgumentException">A rank below 2, a parameter that is not [C], missing running statistics in eval mode, or a single value per channel in training mode.</exception>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        bool training, double momentum = 0.1, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2)
            throw new ArgumentException($"BatchNorm: expected an input [N, C, ...] of rank 2 or more, got shape {ShapeMath.Format(input.ShapeArray)}.", nameof(input));
        Dispatch.RequireFloat(input, "BatchNorm");
        int n = input.ShapeArray[0], c = input.ShapeArray[1];
        int s = n * c == 0 ? 0 : input.Count / (n * c);
        CheckChannelParameter(input, runningMean, "runningMean");
        CheckChannelParameter(input, runningVar, "runningVar");
        CheckChannelParameter(input, weight, "weight");
        CheckChannelParameter(input, bias, "bias");
        weight = weight?.To(input.DType);
        bias = bias?.To(input.DType);
        var channelShape = new int[input.Rank];
        Array.Fill(channelShape, 1);
        channelShape[1] = c;

        if (!training)
        {
            if (runningMean is null || runningVar is null)
                throw new ArgumentException("BatchNorm: eval mode (training = false) normalises with the running statistics, so runningMean and runningVar must be given.");
            Tensor scale, mean;
            using (Autograd.NoGrad())
            {
                scale = runningVar.To(input.DType).Add(eps).Pow(-0.5);
                mean = runningMean.To(input.DType).Detach();
            }
            if (weight is not null) scale = scale.Mul(weight);
            var y = input.Sub(mean.Reshape(channelShape)).Mul(scale.Reshape(channelShape));
            return bias is null ? y : y.Add(bias.Reshape(channelShape));
        }

        long m = (long)n * s;
        if (m <= 1)
            throw new ArgumentException($"BatchNorm: training needs more than one value per channel to compute a variance, got input {ShapeMath.Format(input.ShapeArray)}.", nameof(input));
        if (!input.Device.IsCpu)
            return DeviceBatchNorm(input, runningMean, runningVar, weight, bias, channelShape, m, momentum, eps);
        var x = Dispatch.Contiguous(input);
        var batchMean = new double[c];
        var batchVar = new double[c];
        var invstd = new double[c];
        var result = new Tensor((int[])input.ShapeArray.Clone(), input.DType);
        var gamma = weight is null ? null : Dispatch.Contiguous(weight);
        var beta = bias is null ? null : Dispatch.Contiguous(bias);
        if (input.DType == DType.Float32)
        {
            Kernels.Normalization.Statistics(x.Data<float>(), x.Offset, n, c, s, batchMean, batchVar);
            InvertStd(batchVar, eps, invstd);
            Kernels.Normalization.Normalize(x.Data<float>(), x.Offset, n, c, s, batchMean, invstd,
                gamma?.Data<float>(), gamma?.Offset ?? 0, beta?.Data<float>(), beta?.Offset ?? 0, result.Data<float>());
        }
        else
        {
            Kernels.Normalization.Statistics(x.Data<double>(), x.Offset, n, c, s, batchMean, batchVar);
            InvertStd(batchVar, eps, invstd);
            Kernels.Normalization.Normalize(x.Data<double>(), x.Offset, n, c, s, batchMean, invstd,
                gamma?.Data<double>(), gamma?.Offset ?? 0, beta?.Data<double>(), beta?.Offset ?? 0, result.Data<double>());
        }
        UpdateRunningStatistics(runningMean, runningVar, batchMean, batchVar, m, momentum);

        var inputs = new List<Tensor> { input };
        if (weight is not null) inputs.Add(weight);
        if (bias is not null) inputs.Add(bias);
        return Autograd.Record(result, OpCode.BatchNorm, [.. inputs], g =>
        {
            var (gx, gGamma, gBeta) = Autograd.IsGradEnabled
                ? BatchNormBackwardRecorded(input, g, weight, channelShape, eps)
                : BatchNormBackwardFused(x, g, gamma, n, c, s, batchMean, invstd,
                    input.RequiresGrad, weight?.RequiresGrad == true, bias?.RequiresGrad == true);
            var grads = new List<Tensor?> { input.RequiresGrad ? gx : null };
            if (weight is not null) grads.Add(weight.RequiresGrad ? gGamma : null);
            if (bias is not null) grads.Add(bias.RequiresGrad ? gBeta : null);
            return [.. grads];
        }, weight is null ? [input] : [input, weight]);
    }

    /// <summary>
    /// Layer normalisation over the last dimensions, whose sizes are <paramref name="normalizedShape"/>:
    /// y = (x − μ)/√(σ² + ε)·γ + β, with μ and the biased σ² taken over those dimensions for each leading index,
    /// and γ = <paramref name="weight"/>, β = <paramref name="bias"/> of shape <paramref name="normalizedShape"/>
    /// (omitted means 1 and 0). The same in training and eval. One fused op: each row is normalised by a kernel that
    /// keeps x̂ and 1/√(σ² + ε), and the backward pass is ∂E/∂x = (gy − mean(gy) − x̂·mean(gy·x̂))/√(σ² + ε) with
    /// gy = γ·∂E/∂y, ∂E/∂γ = Σ ∂E/∂y·x̂ and ∂E/∂β = Σ ∂E/∂y over the rows.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="normalizedShape"/> is not the trailing shape of the input, or a parameter has another shape.</exception>
    public static Tensor LayerNorm(Tensor input, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(normalizedShape);
        int k = normalizedShape.Length;
        if (k == 0)
            throw new ArgumentException("LayerNorm: normalizedShape must name at least one dimension.", nameof(normalizedShape));
        if (input.Rank < k || !input.ShapeArray.AsSpan(input.Rank - k).SequenceEqual(normalizedShape))
            throw new ArgumentException(
                $"LayerNorm: normalizedShape {ShapeMath.Format(normalizedShape)} must match the last {k} dimension(s) of input {ShapeMath.Format(input.ShapeArray)}" +
                (input.Rank >= k ? $", which are {ShapeMath.Format(input.ShapeArray.AsSpan(input.Rank - k))}." : ", which has fewer dimensions."), nameof(normalizedShape));
        Dispatch.RequireFloat(input, "LayerNorm");
        foreach (var (p, name) in new[] { (weight, "weight"), (bias, "bias") })
            if (p is not null && !ShapeMath.SameShape(p.ShapeArray, normalizedShape))
                throw new ArgumentException($"LayerNorm: {name} must have the normalized shape {ShapeMath.Format(normalizedShape)}, got {ShapeMath.Format(p.ShapeArray)}.", name);
        weight = weight?.To(input.DType);
        bias = bias?.To(input.DType);
        if (!input.Device.IsCpu)
        {
            // On a GPU: the formula above from device reductions and elementwise ops, differentiated through their rules.
            var dims = Enumerable.Range(input.Rank - k, k).ToArray();
            var centered = input.Sub(input.Mean(dims, keepDim: true));
            var normalized = centered.Mul(centered.Mul(centered).Mean(dims, keepDim: true).Add(eps).Pow(-0.5));
            if (weight is not null) normalized = normalized.Mul(weight);
            return bias is null ? normalized : normalized.Add(bias);
        }
        int n = ShapeMath.Count(normalizedShape);
        int rows = n == 0 ? 0 : input.Count / n;
        var x = Dispatch.Contiguous(input);
        var xhat = Tensor.Uninitialized([rows, n], input.DType);
        var rstd = Tensor.Uninitialized([rows], input.DType);
        var result = Tensor.Uninitialized((int[])input.ShapeArray.Clone(), input.DType);
        var gamma = weight is null ? null : Dispatch.Contiguous(weight);
        var beta = bias is null ? null : Dispatch.Contiguous(bias);
        if (input.DType == DType.Float32)
            Kernels.LayerNormalization.Forward(x.Data<float>(), x.Offset, rows, n, gamma?.Data<float>(), gamma?.Offset ?? 0,
                beta?.Data<float>(), beta?.Offset ?? 0, eps, xhat.Data<float>(), rstd.Data<float>(), result.Data<float>());
        else
            Kernels.LayerNormalization.Forward(x.Data<double>(), x.Offset, rows, n, gamma?.Data<double>(), gamma?.Offset ?? 0,
                beta?.Data<double>(), beta?.Offset ?? 0, eps, xhat.Data<double>(), rstd.Data<double>(), result.Data<double>());

        var inputs = new List<Tensor> { input };
        if (weight is not null) inputs.Add(weight);
        if (bias is not null) inputs.Add(bias);
        return Autograd.Record(result, OpCode.LayerNorm, [.. inputs], g =>
        {
            Tensor? gx = null, gGamma = null, gBeta = null;
            if (Autograd.IsGradEnabled)
                (gx, gGamma, gBeta) = LayerNormBackwardRecorded(input, g, weight, k, eps);
            else
            {
                var gc = Dispatch.Contiguous(g);
                if (input.RequiresGrad)
                {
                    gx = Tensor.Uninitialized((int[])input.ShapeArray.Clone(), input.DType);
                    if (input.DType == DType.Float32)
                        Kernels.LayerNormalization.InputGrad(gc.Data<float>(), gc.Offset, rows, n, gamma?.Data<float>(), gamma?.Offset ?? 0,
                            xhat.Data<float>(), rstd.Data<float>(), gx.Data<float>());
                    else
                        Kernels.LayerNormalization.InputGrad(gc.Data<double>(), gc.Offset, rows, n, gamma?.Data<double>(), gamma?.Offset ?? 0,
                            xhat.Data<double>(), rstd.Data<double>(), gx.Data<double>());
                }
                // The parameter gradients are sums over the rows, taken by the general reduction as the composition
                // took them, so they split across data-parallel ranks the same way.
                if (weight?.RequiresGrad == true) gGamma = gc.Mul(xhat.Reshape(input.ShapeArray)).SumToShape(weight.ShapeArray);
                if (bias?.RequiresGrad == true) gBeta = gc.SumToShape(bias.ShapeArray);
            }
            var grads = new List<Tensor?> { input.RequiresGrad ? gx : null };
            if (weight is not null) grads.Add(weight.RequiresGrad ? gGamma : null);
            if (bias is not null) grads.Add(bias.RequiresGrad ? gBeta : null);
            return [.. grads];
        }, xhat, rstd);
    }

    // The layer-norm gradients as tensor ops, so that a createGraph pass records them (second derivatives).
    private static (Tensor Gx, Tensor GGamma, Tensor GBeta) LayerNormBackwardRecorded(Tensor x, Tensor g, Tensor? weight, int k, double eps)
    {
        var dims = new int[k];
        for (int i = 0; i < k; i++) dims[i] = x.Rank - k + i;
        var centered = x.Sub(x.Mean(dims, keepDim: true));
        var rstd = centered.Mul(centered).Mean(dims, keepDim: true).Add(eps).Pow(-0.5);
        var xhat = centered.Mul(rstd);
        var gy = weight is null ? g : g.Mul(weight);
        var gx = gy.Sub(gy.Mean(dims, keepDim: true)).Sub(xhat.Mul(gy.Mul(xhat).Mean(dims, keepDim: true))).Mul(rstd);
        var shape = x.ShapeArray.AsSpan(x.Rank - k).ToArray();
        return (gx, g.Mul(xhat).SumToShape(shape), g.SumToShape(shape));
    }

    /// <summary>
    /// Inverted dropout: in <paramref name="training"/> mode each element is zeroed with probability
    /// <paramref name="p"/> and the survivors are scaled by 1/(1 − p), so the expected value is unchanged; the mask
    /// is drawn from <paramref name="generator"/> (<see cref="Generator.Default"/> when null), one uniform number per
    /// element in row-major order, so a seeded generator reproduces it (inside a <see cref="SampleShard"/>, the numbers
    /// the rows would get in the whole batch). ∂y/∂x = mask·1/(1 − p). Outside training,
    /// or with p = 0, the input is returned unchanged.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is not in [0, 1).</exception>
    public static Tensor Dropout(Tensor input, double p, bool training, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!(p >= 0 && p < 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, $"Dropout: the drop probability p must be in [0, 1), got {p}.");
        if (!training || p == 0)
            return input;
        Dispatch.RequireFloat(input, "Dropout");
        var rng = generator ?? Generator.Default;
        double scale = 1 / (1 - p);
        var mask = new Tensor((int[])input.ShapeArray.Clone(), input.DType);
        int count = mask.Count;
        // Part of a larger batch (data-parallel training): skip the draws of the rows before and after
        // this part, so each row gets the mask it would get in the whole batch.
        var shard = input.Rank > 0 ? SampleShard.For(input.ShapeArray[0], "Dropout") : null;
        long perRow = input.Rank > 0 && input.ShapeArray[0] > 0 ? count / input.ShapeArray[0] : 0;
        long before = shard is null ? 0 : shard.Offset * perRow;
        long after = shard is null ? 0 : (shard.Total - shard.Offset - shard.Count) * perRow;
        for (long i = 0; i < before; i++) rng.NextDouble();
        if (input.DType == DType.Float32)
        {
            var m = mask.Data<float>();
            for (int i = 0; i < count; i++) m[i] = rng.NextDouble() < p ? 0f : (float)scale;
        }
        else
        {
            var m = mask.Data<double>();
            for (int i = 0; i < count; i++) m[i] = rng.NextDouble() < p ? 0 : scale;
        }
        for (long i = 0; i < after; i++) rng.NextDouble();
        return input.Mul(mask.To(input.Device));
    }

    private static void CheckChannelParameter(Tensor input, Tensor? parameter, string name)
    {
        if (parameter is null)
            return;
        if (parameter.Rank != 1 || parameter.ShapeArray[0] != input.ShapeArray[1])
            throw new ArgumentException(
                $"BatchNorm: {name} must have shape [C] = [{input.ShapeArray[1]}] (the channels, dimension 1 of input {ShapeMath.Format(input.ShapeArray)}), got {ShapeMath.Format(parameter.ShapeArray)}.", name);
        Dispatch.RequireFloat(parameter, "BatchNorm");
    }

    private static void InvertStd(double[] variance, double eps, double[] invstd)
    {
        for (int i = 0; i < variance.Length; i++) invstd[i] = 1 / Math.Sqrt(variance[i] + eps);
    }

    /// <summary>running = (1 − momentum)·running + momentum·batch, the variance unbiased; in place, outside the graph.</summary>
    /// <summary>
    /// Training-mode batch normalisation on a GPU, composed of device reductions and elementwise ops (so autograd
    /// differentiates it through their rules): the batch statistics of the formula above, and the running
    /// statistics updated on the device without reading them back.
    /// </summary>
    private static Tensor DeviceBatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        int[] channelShape, long count, double momentum, double eps)
    {
        var dims = Enumerable.Range(0, input.Rank).Where(d => d != 1).ToArray();
        var mean = input.Mean(dims, keepDim: true);
        var centered = input.Sub(mean);
        var variance = centered.Mul(centered).Mean(dims, keepDim: true);
        var y = centered.Mul(variance.Add(eps).Pow(-0.5));
        if (weight is not null) y = y.Mul(weight.Reshape(channelShape));
        if (bias is not null) y = y.Add(bias.Reshape(channelShape));
        using (Autograd.NoGrad())
        {
            int c = channelShape[1];
            runningMean?.MulInPlace(1 - momentum).AddInPlace(mean.Reshape(c), momentum);
            runningVar?.MulInPlace(1 - momentum).AddInPlace(variance.Reshape(c).Mul((double)count / (count - 1)), momentum);
        }
        return y;
    }

    private static void UpdateRunningStatistics(Tensor? runningMean, Tensor? runningVar, double[] mean, double[] variance, long count, double momentum)
    {
        using (Autograd.NoGrad())
        {
            if (runningMean is not null)
                runningMean.MulInPlace(1 - momentum).AddInPlace(Tensor.FromArray(mean).To(runningMean.DType), momentum);
            if (runningVar is not null)
            {
                var unbiased = new double[variance.Length];
                for (int i = 0; i < unbiased.Length; i++) unbiased[i] = variance[i] * count / (count - 1);
                runningVar.MulInPlace(1 - momentum).AddInPlace(Tensor.FromArray(unbiased).To(runningVar.DType), momentum);
            }
        }
    }

    /// <summary>The spec's backward formula through the fused kernel (not differentiable again).</summary>
    private static (Tensor? Gx, Tensor? GGamma, Tensor? GBeta) BatchNormBackwardFused(Tensor x, Tensor g, Tensor? gamma,
        int n, int c, int s, double[] mean, double[] invstd, bool wantX, bool wantGamma, bool wantBeta)
    {
        var gc = Dispatch.Contiguous(g);
        var gx = wantX ? new Tensor((int[])x.ShapeArray.Clone(), x.DType) : null;
        var gGamma = wantGamma ? new Tensor([c], x.DType) : null;
        var gBeta = wantBeta ? new Tensor([c], x.DType) : null;
        if (x.DType == DType.Float32)
            Kernels.Normalization.Backward(x.Data<float>(), x.Offset, gc.Data<float>(), gc.Offset, n, c, s, mean, invstd,
                gamma?.Data<float>(), gamma?.Offset ?? 0, gx?.Data<float>(), gGamma?.Data<float>(), gBeta?.Data<float>());
        else
            Kernels.Normalization.Backward(x.Data<double>(), x.Offset, gc.Data<double>(), gc.Offset, n, c, s, mean, invstd,
                gamma?.Data<double>(), gamma?.Offset ?? 0, gx?.Data<double>(), gGamma?.Data<double>(), gBeta?.Data<double>());
        return (gx, gGamma, gBeta);
    }

    /// <summary>
    /// The same formula from recorded tensor ops, for createGraph: the statistics are recomputed as functions of x,
    /// so the result can be differentiated again with respect to x, γ and g.
    /// </summary>
    private static (Tensor Gx, Tensor GGamma, Tensor GBeta) BatchNormBackwardRecorded(Tensor x, Tensor g, Tensor? weight, int[] channelShape, double eps)
    {
        var dims = new int[x.Rank - 1];
        dims[0] = 0;
        for (int i = 2; i < x.Rank; i++) dims[i - 1] = i;
        var centered = x.Sub(x.Mean(dims, keepDim: true));
        var invstd = centered.Mul(centered).Mean(dims, keepDim: true).Add(eps).Pow(-0.5);
        var xhat = centered.Mul(invstd);
        var gxhat = g.Mul(xhat);
        var k = weight is null ? invstd : invstd.Mul(weight.Reshape(channelShape));
        var gx = g.Sub(g.Mean(dims, keepDim: true)).Sub(xhat.Mul(gxhat.Mean(dims, keepDim: true))).Mul(k);
        return (gx, gxhat.Sum(dims), g.Sum(dims));
    }
}
