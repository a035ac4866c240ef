using System.Globalization;

namespace SharpGrad.NN;

// Loss functions with PyTorch's semantics (torch.nn.functional.*_loss).
// Shapes: N = batch, C = classes, d... = optional extra dimensions (pixels of a segmentation map).
// Every loss is composed from differentiable tensor ops, so it needs no backward code of its
// own, except binary cross-entropy, whose clamped logarithm needs PyTorch's own derivative to
// stay finite at probabilities of exactly 0 and 1.
// Regression losses accept NaN and ±∞ in input and target and let them propagate into the
// loss, as PyTorch does: a non-finite loss is the signal that the data or the model diverged.
public static partial class Functional
{
    // PyTorch clamps log p and log(1 − p) at −100 in binary cross-entropy so that a saturated
    // probability gives a large finite loss instead of ∞ (and 0·log 0 gives 0, not NaN).
    private const double BceLogFloor = -100;

    // PyTorch's floor on p(1 − p) in the binary cross-entropy derivative (p − y)/(p(1 − p)).
    private const double BceGradientEpsilon = 1e-12;

    /// <summary>
    /// Mean squared error: lossᵢ = (inputᵢ − targetᵢ)², reduced by <paramref name="reduction"/>.
    /// Input and target must have the same shape and a floating-point dtype (the target is
    /// converted to the input's). NaN or ±∞ in either propagates into the loss.
    /// </summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        var diff = input.Sub(CheckRegressionTarget(input, target, "MseLoss"));
        return ReduceLoss(diff.Mul(diff), reduction, "MseLoss");
    }

    /// <summary>
    /// Mean absolute error: lossᵢ = |inputᵢ − targetᵢ|. Its derivative is sign(input − target),
    /// taken as 0 where they are equal (as in PyTorch). Shapes and dtypes as for <see cref="MseLoss"/>.
    /// </summary>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        var diff = input.Sub(CheckRegressionTarget(input, target, "L1Loss"));
        return ReduceLoss(diff.Abs(), reduction, "L1Loss");
    }

    /// <summary>
    /// Smooth L1 loss (PyTorch's definition): with d = |inputᵢ − targetᵢ|, lossᵢ = 0.5·d²/β when
    /// d &lt; β and d − 0.5·β otherwise, so it is quadratic near zero and linear (robust to
    /// outliers) beyond β. β = 0 gives the L1 loss. Shapes and dtypes as for <see cref="MseLoss"/>.
    /// </summary>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, double beta = 1.0, Reduction reduction = Reduction.Mean)
    {
        if (!(beta >= 0) || double.IsInfinity(beta))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "SmoothL1Loss: beta must be a finite number ≥ 0.");
        var d = input.Sub(CheckRegressionTarget(input, target, "SmoothL1Loss")).Abs();
        if (beta == 0)
            return ReduceLoss(d, reduction, "SmoothL1Loss"); // the quadratic branch would divide by zero
        var quadratic = d.Mul(d).Mul(0.5 / beta);
        var linear = d.Sub(0.5 * beta);
        return ReduceLoss(Tensor.Where(d.Lt(beta), quadratic, linear), reduction, "SmoothL1Loss");
    }

    /// <summary>
    /// Cross-entropy between <paramref name="logits"/> (unnormalised scores, [N, C], [N, C, d...]
    /// or [C]) and int32 class indices <paramref name="target"/> ([N], [N, d...] or a scalar),
    /// exactly as PyTorch's <c>F.cross_entropy</c>: lossᵢ = −w_{yᵢ}·log softmax(xᵢ)_{yᵢ}, computed
    /// with the stable log-softmax so logits of ±1e4 give finite, exact losses. With class
    /// <paramref name="weight"/> ([C]) the mean is Σ w_{yᵢ}·lossᵢ / Σ w_{yᵢ}. Targets equal to
    /// <paramref name="ignoreIndex"/> contribute nothing, not even to the mean's denominator.
    /// Label smoothing ε gives (1 − ε)·nllᵢ + (ε/C)·Σ_c −w_c·log p_{ic} (the second term also
    /// divided by Σ w_{yᵢ} for the mean), i.e. the cross-entropy against the target mixed with the
    /// uniform distribution. A class index outside [0, C) that is not the ignore index is an
    /// <see cref="ArgumentException"/> naming the index, its position and C.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, Tensor? weight = null, double labelSmoothing = 0,
        Reduction reduction = Reduction.Mean, int ignoreIndex = -100)
    {
        const string op = "CrossEntropy";
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "CrossEntropy: labelSmoothing must lie in [0, 1].");
        var batch = PrepareClassification(logits, target, weight, ignoreIndex, op, "logits");
        if (labelSmoothing == 0 && batch.Weight is null && batch.Input.Rank == 2 && reduction is Reduction.Mean or Reduction.Sum)
            return FusedCrossEntropy(batch, reduction);
        var logProbs = batch.Input.LogSoftmax(1);
        var nll = NllPerElement(logProbs, batch);
        if (labelSmoothing == 0)
            return ReduceClassification(nll, batch, reduction, op);

        int classes = batch.Input.Size(1);
        // −Σ_c w_c·log p_c for every sample; ignored samples are zeroed like their NLL.
        var weighted = batch.Weight is null ? logProbs : logProbs.Mul(batch.Weight.Reshape(ClassBroadcastShape(batch.Input)));
        var smooth = weighted.Sum(1).Neg().Mul(batch.Keep);
        var mixed = reduction switch
        {
            Reduction.None => nll.Mul(1 - labelSmoothing).Add(smooth.Mul(labelSmoothing / classes)),
            Reduction.Sum => nll.Sum().Mul(1 - labelSmoothing).Add(smooth.Sum().Mul(labelSmoothing / classes)),
            Reduction.Mean => nll.Sum().Mul(1 - labelSmoothing).Add(smooth.Sum().Mul(labelSmoothing / classes)).Div(batch.SampleWeights.Sum()),
            _ => throw UnknownReduction(reduction, op),
        };
        return batch.Unbatched && reduction == Reduction.None ? mixed.Reshape() : mixed;
    }

    /// <summary>
    /// The plain classification loss as one op: [N, C] logits, no class weights, no smoothing, a
    /// mean or a sum. It gives what the general composition below gives, without its dozen small
    /// ops forward and backward. The backward rule uses the fused kernel when the gradient itself
    /// is not recorded, and the differentiable composition (softmax − one-hot) when it is, so
    /// higher derivatives still follow.
    /// </summary>
    private static Tensor FusedCrossEntropy(ClassificationBatch batch, Reduction reduction)
    {
        if (!batch.Input.Device.IsCpu)
            return DeviceCrossEntropy(batch, reduction);
        var x = Dispatch.Contiguous(batch.Input);
        int n = x.Size(0), c = x.Size(1);
        var target = batch.SafeTarget;
        var keep = batch.Keep;
        double kept = keep.Sum().Item();
        // The weighted mean divides by the number of kept samples; 0/0 = NaN when all are ignored, as in PyTorch.
        double scale = reduction == Reduction.Mean ? 1 / kept : 1;
        double total = x.DType == DType.Float32
            ? Kernels.Classification.CrossEntropySum(x.Data<float>(), x.Offset, n, c, target.Data<int>(), target.Offset, keep.Data<float>(), keep.Offset)
            : Kernels.Classification.CrossEntropySum(x.Data<double>(), x.Offset, n, c, target.Data<int>(), target.Offset, keep.Data<double>(), keep.Offset);
        var loss = Tensor.Scalar(total * scale, x.DType);
        var input = batch.Input;
        return Autograd.Record(loss, OpCode.CrossEntropy, [input], g =>
        {
            if (Autograd.IsGradEnabled)
            {
                var oneHot = Tensor.Eye(c, dtype: input.DType).IndexSelect(0, target);
                return [input.Softmax(1).Sub(oneHot).Mul(keep.Unsqueeze(1)).Mul(g.Mul(scale))];
            }
            var gx = Tensor.Uninitialized([n, c], input.DType);
            double factor = g.Item() * scale;
            var xs = Dispatch.Contiguous(input);
            if (xs.DType == DType.Float32)
                Kernels.Classification.CrossEntropyGrad(xs.Data<float>(), xs.Offset, n, c, target.Data<int>(), target.Offset, keep.Data<float>(), keep.Offset, factor, gx.Data<float>());
            else
                Kernels.Classification.CrossEntropyGrad(xs.Data<double>(), xs.Offset, n, c, target.Data<int>(), target.Offset, keep.Data<double>(), keep.Offset, factor, gx.Data<double>());
            return [gx];
        }, input);
    }

    /// <summary>
    /// <see cref="FusedCrossEntropy"/> on a GPU: the device's cross-entropy kernel gives every row's loss (and, backward,
    /// softmax − one-hot), and the ignored rows are masked by the keep weights there; the gradient of the output is
    /// applied as a device scalar, so a training step never waits for the GPU to read it.
    /// </summary>
    private static Tensor DeviceCrossEntropy(ClassificationBatch batch, Reduction reduction)
    {
        var input = batch.Input;
        var device = input.Device;
        var kernels = DeviceBackends.For(device);
        var x = Dispatch.Contiguous(input);
        int n = x.Size(0), c = x.Size(1);
        var target = Dispatch.ToDevice(batch.SafeTarget, device);
        var keep = batch.Keep;
        // The weighted mean divides by the number of kept samples; 0/0 = NaN when all are ignored, as in PyTorch.
        double scale = reduction == Reduction.Mean ? 1 / batch.Keep.Sum().Item() : 1;
        var losses = Tensor.Uninitialized([n], x.DType, device);
        if (n > 0)
            kernels.CrossEntropy(x.Buffer, x.Offset, n, c, target.Buffer, target.Offset, losses.Buffer, null, 0);
        Tensor loss;
        using (Autograd.NoGrad())
            loss = losses.Mul(keep).Sum().Mul(scale);
        return Autograd.Record(loss, OpCode.CrossEntropy, [input], g =>
        {
            if (Autograd.IsGradEnabled)
            {
                var oneHot = Tensor.Eye(c, dtype: input.DType).IndexSelect(0, batch.SafeTarget).To(device);
                return [input.Softmax(1).Sub(oneHot).Mul(keep.Unsqueeze(1)).Mul(g.Mul(scale))];
            }
            var gx = Tensor.Uninitialized([n, c], input.DType, device);
            var xs = Dispatch.Contiguous(input);
            if (n > 0)
                kernels.CrossEntropy(xs.Buffer, xs.Offset, n, c, target.Buffer, target.Offset, Tensor.Uninitialized([n], xs.DType, device).Buffer, gx.Buffer, 1);
            return [gx.Mul(keep.Unsqueeze(1)).Mul(g.Mul(scale))];
        }, input);
    }

    /// <summary>
    /// Negative log-likelihood of int32 class indices under <paramref name="logProbs"/> (log
    /// probabilities, [N, C], [N, C, d...] or [C], e.g. from <see cref="Tensor.LogSoftmax"/>):
    /// lossᵢ = −w_{yᵢ}·logProbs[i, yᵢ], with weights, reduction and <paramref name="ignoreIndex"/>
    /// as in <see cref="CrossEntropy"/> (which is log-softmax followed by this).
    /// </summary>
    public static Tensor NllLoss(Tensor logProbs, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean, int ignoreIndex = -100)
    {
        const string op = "NllLoss";
        var batch = PrepareClassification(logProbs, target, weight, ignoreIndex, op, "logProbs");
        return ReduceClassification(NllPerElement(batch.Input, batch), batch, reduction, op);
    }

    /// <summary>
    /// Binary cross-entropy of <paramref name="probabilities"/> p ∈ [0, 1] against targets y of
    /// the same shape: lossᵢ = −wᵢ·[yᵢ·max(log pᵢ, −100) + (1 − yᵢ)·max(log(1 − pᵢ), −100)], the
    /// logarithms clamped as in PyTorch so that p = 0 or 1 gives a finite loss. The derivative is
    /// PyTorch's, w·(p − y)/max(p(1 − p), 1e-12), finite even at saturated probabilities.
    /// <paramref name="weight"/> must broadcast to the input's shape. Prefer
    /// <see cref="BinaryCrossEntropyWithLogits"/>, which never loses precision in the sigmoid.
    /// </summary>
    public static Tensor BinaryCrossEntropy(Tensor probabilities, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        const string op = "BinaryCrossEntropy";
        var y = CheckRegressionTarget(probabilities, target, op, "probabilities");
        var p = probabilities;
        CheckProbabilities(p, op);
        Tensor loss;
        using (Autograd.NoGrad())
            loss = y.Mul(ClampedLog(p)).Add(y.Neg().Add(1).Mul(ClampedLog(p.Neg().Add(1)))).Neg();
        loss = Autograd.Record(loss, OpCode.BinaryCrossEntropy, [p, y], g =>
        [
            p.RequiresGrad ? g.Mul(p.Sub(y)).Div(Tensor.Maximum(p.Mul(p.Neg().Add(1)), Tensor.Scalar(BceGradientEpsilon, p.DType))) : null,
            y.RequiresGrad ? g.Mul(ClampedLog(p.Neg().Add(1)).Sub(ClampedLog(p))) : null,
        ], p, y);
        if (weight is not null)
            loss = loss.Mul(CheckElementWeight(weight, p, op, nameof(weight)));
        return ReduceLoss(loss, reduction, op);
    }

    /// <summary>
    /// Binary cross-entropy on logits x (sigmoid folded in): lossᵢ = wᵢ·[(1 − yᵢ)·xᵢ +
    /// (1 + (pos − 1)·yᵢ)·log(1 + e^(−xᵢ))], which without <paramref name="posWeight"/> is
    /// max(x, 0) − x·y + log(1 + e^(−|x|)); log(1 + e^(−x)) is evaluated as that stable softplus,
    /// so logits of ±1e4 give exact finite losses. <paramref name="posWeight"/> (typically [C],
    /// broadcast along the last dimension) multiplies the loss of positive targets, trading
    /// recall against precision; <paramref name="weight"/> multiplies every element's loss.
    /// Both must broadcast to the input's shape.
    /// </summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor target, Tensor? weight = null, Tensor? posWeight = null,
        Reduction reduction = Reduction.Mean)
    {
        const string op = "BinaryCrossEntropyWithLogits";
        var y = CheckRegressionTarget(logits, target, op, "logits");
        var softplusNeg = logits.Neg().Softplus(); // −log σ(x)
        var logWeight = posWeight is null ? null : CheckElementWeight(posWeight, logits, op, nameof(posWeight)).Sub(1).Mul(y).Add(1);
        var loss = y.Neg().Add(1).Mul(logits).Add(logWeight is null ? softplusNeg : logWeight.Mul(softplusNeg));
        if (weight is not null)
            loss = loss.Mul(CheckElementWeight(weight, logits, op, nameof(weight)));
        return ReduceLoss(loss, reduction, op);
    }

    /// <summary>An input and its validated int32 target, reshaped to a batch, with the per-sample weights the reductions need.</summary>
    private sealed record ClassificationBatch(Tensor Input, Tensor SafeTarget, Tensor Keep, Tensor SampleWeights, Tensor? Weight, bool Unbatched);

    private static ClassificationBatch PrepareClassification(Tensor input, Tensor target, Tensor? weight, int ignoreIndex, string op, string inputName)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: {inputName} must be floating point, got {input.DType.Name()}.");
        if (target.DType != DType.Int32)
            throw new ArgumentException($"{op}: the target must hold int32 class indices, got {target.DType.Name()}. " +
                "Convert it with To(DType.Int32); for probability targets use BinaryCrossEntropy.");
        bool unbatched = input.Rank == 1;
        if (unbatched)
        {
            if (target.Rank != 0)
                throw new ArgumentException($"{op}: unbatched {inputName} of shape {ShapeMath.Format(input.ShapeArray)} needs a scalar (0-d) target, got shape {ShapeMath.Format(target.ShapeArray)}.");
            input = input.Unsqueeze(0);
            target = target.Reshape(1);
        }
        if (input.Rank < 2)
            throw new ArgumentException($"{op}: {inputName} must be [N, C], [N, C, d...] or [C], got shape {ShapeMath.Format(input.ShapeArray)}.");
        var expected = new int[input.Rank - 1];
        expected[0] = input.ShapeArray[0];
        for (int i = 2; i < input.Rank; i++) expected[i - 1] = input.ShapeArray[i];
        if (!ShapeMath.SameShape(target.ShapeArray, expected))
            throw new ArgumentException($"{op}: {inputName} of shape {ShapeMath.Format(input.ShapeArray)} needs a target of shape {ShapeMath.Format(expected)} (the input without its class dimension 1), got {ShapeMath.Format(target.ShapeArray)}.");
        int classes = input.ShapeArray[1];
        if (weight is not null)
        {
            if (weight.Rank != 1 || weight.Count != classes)
                throw new ArgumentException($"{op}: the class weight must have shape [{classes}] (one per class), got {ShapeMath.Format(weight.ShapeArray)}.");
            if (!weight.DType.IsFloatingPoint())
                throw new ArgumentException($"{op}: the class weight must be floating point, got {weight.DType.Name()}.");
            weight = weight.To(input.DType);
        }

        // Validating the indices reads them once; the values are labels, not parameters, so a plain loop is the clear way.
        var indices = target.ToArray<int>();
        var safe = new int[indices.Length];
        var keep = new double[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int c = indices[i];
            if (c == ignoreIndex)
                continue; // safe[i] = 0 is a valid row to gather from; keep[i] = 0 discards it
            if (c < 0 || c >= classes)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{op}: target index {c} at position {FormatPosition(i, unbatched ? [] : target.ShapeArray)} is out of range for C = {classes} classes (valid: 0 to {classes - 1}, or the ignore index {ignoreIndex})."),
                    nameof(target));
            safe[i] = c;
            keep[i] = 1;
        }
        var safeTarget = Tensor.FromArray(safe, target.ShapeArray);
        var keepMask = Tensor.FromArray(keep, target.ShapeArray).To(input.DType).To(input.Device);
        var sampleWeights = weight is null ? keepMask : weight.IndexSelect(0, safeTarget.Reshape(-1)).Reshape(target.ShapeArray).Mul(keepMask);
        return new ClassificationBatch(input, safeTarget, keepMask, sampleWeights, weight, unbatched);
    }

    /// <summary>−w_{yᵢ}·logProbs[i, yᵢ] per sample (0 for ignored samples), shape [N, d...].</summary>
    private static Tensor NllPerElement(Tensor logProbs, ClassificationBatch batch) =>
        logProbs.Gather(1, batch.SafeTarget.Unsqueeze(1)).Squeeze(1).Mul(batch.SampleWeights).Neg();

    private static Tensor ReduceClassification(Tensor losses, ClassificationBatch batch, Reduction reduction, string op) => reduction switch
    {
        Reduction.None => batch.Unbatched ? losses.Reshape() : losses,
        Reduction.Sum => losses.Sum(),
        // The weighted mean; 0/0 = NaN when every target is ignored, as in PyTorch.
        Reduction.Mean => losses.Sum().Div(batch.SampleWeights.Sum()),
        _ => throw UnknownReduction(reduction, op),
    };

    private static int[] ClassBroadcastShape(Tensor input)
    {
        var shape = new int[input.Rank];
        Array.Fill(shape, 1);
        shape[1] = input.ShapeArray[1];
        return shape;
    }

    private static string FormatPosition(int flat, int[] shape)
    {
        if (shape.Length == 0) return "[]";
        var idx = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return ShapeMath.Format(idx);
    }

    private static Tensor CheckRegressionTarget(Tensor input, Tensor target, string op, string inputName = "input")
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: {inputName} must be floating point, got {input.DType.Name()}.");
        if (!target.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: the target must be floating point, got {target.DType.Name()}. Convert it with To(DType.{input.DType}).");
        if (!ShapeMath.SameShape(input.ShapeArray, target.ShapeArray))
            throw new ArgumentException($"{op}: the target has shape {ShapeMath.Format(target.ShapeArray)} but {inputName} has shape {ShapeMath.Format(input.ShapeArray)}; they must match (broadcasting here usually hides a bug).");
        return target.To(input.DType);
    }

    private static Tensor CheckElementWeight(Tensor weight, Tensor input, string op, string name)
    {
        if (!weight.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: {name} must be floating point, got {weight.DType.Name()}.");
        bool fits = weight.Rank <= input.Rank;
        for (int i = 1; fits && i <= weight.Rank; i++)
            fits = weight.ShapeArray[^i] == 1 || weight.ShapeArray[^i] == input.ShapeArray[^i];
        if (!fits)
            throw new ArgumentException($"{op}: {name} of shape {ShapeMath.Format(weight.ShapeArray)} does not broadcast to the input's shape {ShapeMath.Format(input.ShapeArray)}.");
        return weight.To(input.DType);
    }

    private static void CheckProbabilities(Tensor p, string op)
    {
        double inside;
        using (Autograd.NoGrad())
            inside = p.Ge(0).Mul(p.Le(1)).Sum().Item(); // NaN compares false, so it is reported too
        if (inside != p.Count)
            throw new ArgumentException($"{op}: every probability must lie in [0, 1], but {p.Count - inside} of {p.Count} do not. Apply Sigmoid() first, or use BinaryCrossEntropyWithLogits on the logits.");
    }

    private static Tensor ClampedLog(Tensor x) => x.Log().Clamp(min: BceLogFloor);

    private static Tensor ReduceLoss(Tensor losses, Reduction reduction, string op) => reduction switch
    {
        Reduction.Mean => losses.Mean(),
        Reduction.Sum => losses.Sum(),
        Reduction.None => losses,
        _ => throw UnknownReduction(reduction, op),
    };

    private static ArgumentOutOfRangeException UnknownReduction(Reduction reduction, string op) =>
        new(nameof(reduction), reduction, $"{op}: unknown reduction.");
}
