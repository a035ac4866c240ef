using SharpGrad.Kernels;

namespace SharpGrad.NN;

// 2-D convolution and its backward rules.
//
// Letters: N batch, C_in / C_out channels, H×W input size, kH×kW kernel, OH×OW output size, groups G.
// input [N, C_in, H, W], weight [C_out, C_in/G, kH, kW], bias [C_out], output [N, C_out, OH, OW].
//
// Three ops are recorded, all bilinear and adjoint to each other: with y = Conv(x, w),
//   ⟨g, Conv(x, w)⟩ = ⟨x, InputGrad(g, w)⟩ = ⟨w, WeightGrad(x, g)⟩,
// so each one's backward rule is made of the other two, and gradients of any order come out of the same three
// kernels (the double backward of a convolution layer, gradient penalties, Hessian-vector products).
public static partial class Functional
{
    /// <summary>
    /// 2-D convolution (cross-correlation, as in PyTorch) of <paramref name="input"/> [N, C_in, H, W] with
    /// <paramref name="weight"/> [C_out, C_in/groups, kH, kW], plus <paramref name="bias"/> [C_out] if given:
    /// y[n, o, i, j] = b[o] + Σ_{c, p, q} w[o, c, p, q]·x[n, g·C_in/groups + c, i·s_h − p_h + p·d_h, j·s_w − p_w + q·d_w],
    /// with g = o / (C_out/groups) and zeros outside the input. The output is [N, C_out, OH, OW] with
    /// OH = ⌊(H + 2p_h − d_h(kH − 1) − 1)/s_h⌋ + 1 (likewise OW). <paramref name="stride"/>,
    /// <paramref name="padding"/> and <paramref name="dilation"/> take one value for both dimensions or two
    /// (height, width); null means 1, 0 and 1. Differentiable to any order with respect to input, weight and bias.
    /// </summary>
    /// <exception cref="ArgumentException">A shape, channel count, group count, stride, padding or dilation does not fit; the message names the shapes.</exception>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, int[]? stride = null, int[]? padding = null, int[]? dilation = null, int groups = 1)
    {
        var pad = SpatialPair(padding, 0, "Conv2d", "padding", minimum: 0);
        return Conv2dPadded(input, weight, bias, stride, pad[0], pad[0], pad[1], pad[1], dilation, groups);
    }

    /// <summary>
    /// <see cref="Conv2d(Tensor, Tensor, Tensor?, int[], int[], int[], int)"/> with PyTorch's named padding:
    /// <c>"valid"</c> is no padding; <c>"same"</c> pads so that the output has the input's height and width
    /// (stride must be 1), putting ⌊d(k − 1)/2⌋ before and the rest after, so an even kernel gets one more row
    /// and column of zeros at the bottom and right.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown padding name, "same" with a stride other than 1, or a shape that does not fit.</exception>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, string padding, int[]? stride = null, int[]? dilation = null, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(padding);
        switch (padding.ToLowerInvariant())
        {
            case "valid":
                return Conv2dPadded(input, weight, bias, stride, 0, 0, 0, 0, dilation, groups);
            case "same":
            {
                ArgumentNullException.ThrowIfNull(weight);
                var st = SpatialPair(stride, 1, "Conv2d", "stride", minimum: 1);
                if (st[0] != 1 || st[1] != 1)
                    throw new ArgumentException($"Conv2d: padding \"same\" needs stride 1 (an output the size of the input), got stride {ShapeMath.Format(st)}.", nameof(stride));
                var dil = SpatialPair(dilation, 1, "Conv2d", "dilation", minimum: 1);
                if (weight.Rank != 4)
                    throw new ArgumentException($"Conv2d: expected a 4-D weight [C_out, C_in/groups, kH, kW], got shape {ShapeMath.Format(weight.ShapeArray)}.", nameof(weight));
                int totalH = dil[0] * (weight.ShapeArray[2] - 1), totalW = dil[1] * (weight.ShapeArray[3] - 1);
                return Conv2dPadded(input, weight, bias, st, totalH / 2, totalH - totalH / 2, totalW / 2, totalW - totalW / 2, dil, groups);
            }
            default:
                throw new ArgumentException($"Conv2d: padding must be \"same\", \"valid\" or explicit sizes, got \"{padding}\".", nameof(padding));
        }
    }

    /// <summary>Validates everything, works out the geometry (padding may differ before and after) and runs the recorded op.</summary>
    private static Tensor Conv2dPadded(Tensor input, Tensor weight, Tensor? bias, int[]? stride,
        int padTop, int padBottom, int padLeft, int padRight, int[]? dilation, int groups)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        var st = SpatialPair(stride, 1, "Conv2d", "stride", minimum: 1);
        var dil = SpatialPair(dilation, 1, "Conv2d", "dilation", minimum: 1);
        if (input.Rank != 4)
            throw new ArgumentException($"Conv2d: expected a 4-D input [N, C_in, H, W], got shape {ShapeMath.Format(input.ShapeArray)}.", nameof(input));
        if (weight.Rank != 4)
            throw new ArgumentException($"Conv2d: expected a 4-D weight [C_out, C_in/groups, kH, kW], got shape {ShapeMath.Format(weight.ShapeArray)}.", nameof(weight));
        Dispatch.RequireFloat(input, "Conv2d");
        if (weight.DType != input.DType)
            throw new ArgumentException($"Conv2d: input is {input.DType.Name()} but weight is {weight.DType.Name()}; convert one with To().", nameof(weight));
        int n = input.ShapeArray[0], c = input.ShapeArray[1], h = input.ShapeArray[2], w = input.ShapeArray[3];
        int o = weight.ShapeArray[0], kh = weight.ShapeArray[2], kw = weight.ShapeArray[3];
        if (groups < 1)
            throw new ArgumentException($"Conv2d: groups must be positive, got {groups}.", nameof(groups));
        if (c % groups != 0 || o % groups != 0)
            throw new ArgumentException(
                $"Conv2d: groups = {groups} must divide both the input channels ({c}, dimension 1 of input {ShapeMath.Format(input.ShapeArray)}) " +
                $"and the output channels ({o}, dimension 0 of weight {ShapeMath.Format(weight.ShapeArray)}).", nameof(groups));
        if (weight.ShapeArray[1] * groups != c)
            throw new ArgumentException(
                $"Conv2d: input {ShapeMath.Format(input.ShapeArray)} has {c} channels in dimension 1, but weight {ShapeMath.Format(weight.ShapeArray)} " +
                $"expects {weight.ShapeArray[1] * groups} (weight dimension 1 = {weight.ShapeArray[1]} channels per group × groups = {groups}).", nameof(weight));
        if (kh < 1 || kw < 1)
            throw new ArgumentException($"Conv2d: the kernel must be at least 1×1, got weight {ShapeMath.Format(weight.ShapeArray)}.", nameof(weight));
        if (bias is not null)
        {
            if (bias.Rank != 1 || bias.ShapeArray[0] != o)
                throw new ArgumentException($"Conv2d: bias must have shape [C_out] = [{o}] (dimension 0 of weight {ShapeMath.Format(weight.ShapeArray)}), got {ShapeMath.Format(bias.ShapeArray)}.", nameof(bias));
            if (bias.DType != input.DType)
                throw new ArgumentException($"Conv2d: input is {input.DType.Name()} but bias is {bias.DType.Name()}; convert one with To().", nameof(bias));
        }
        int oh = (h + padTop + padBottom - dil[0] * (kh - 1) - 1) / st[0] + 1;
        int ow = (w + padLeft + padRight - dil[1] * (kw - 1) - 1) / st[1] + 1;
        int spanH = dil[0] * (kh - 1) + 1, spanW = dil[1] * (kw - 1) + 1;
        if (h + padTop + padBottom < spanH || w + padLeft + padRight < spanW)
        {
            int rawH = FloorDiv(h + padTop + padBottom - spanH, st[0]) + 1, rawW = FloorDiv(w + padLeft + padRight - spanW, st[1]) + 1;
            throw new ArgumentException(
                $"Conv2d: the kernel {kh}×{kw} (dilation {dil[0]}×{dil[1]}, covering {spanH}×{spanW}) is larger than the padded input " +
                $"{h + padTop + padBottom}×{w + padLeft + padRight} (input {ShapeMath.Format(input.ShapeArray)}, padding {padTop}+{padBottom}×{padLeft}+{padRight}); " +
                $"the computed output size would be {rawH}×{rawW}.", nameof(input));
        }
        var shape = new Conv2dShape(n, c, h, w, o, kh, kw, st[0], st[1], padTop, padLeft, dil[0], dil[1], groups, oh, ow);
        return Conv2dCore(input, weight, bias, shape);
    }

    /// <summary>The recorded forward op. Backward: ∂/∂x = InputGrad(g, w), ∂/∂w = WeightGrad(x, g), ∂/∂b = BiasGrad(g).</summary>
    internal static Tensor Conv2dCore(Tensor x, Tensor w, Tensor? bias, Conv2dShape s)
    {
        // The kernel writes every element of y (and the gradient kernels below every element of theirs), so no
        // result needs clearing first.
        var y = Tensor.Uninitialized([s.N, s.O, s.OH, s.OW], x.DType, x.Device);
        var xc = Dispatch.Contiguous(x);
        var wc = Dispatch.Contiguous(Dispatch.OnDevice(w, x.Device, "Conv2d"));
        var bc = bias is null ? null : Dispatch.Contiguous(Dispatch.OnDevice(bias, x.Device, "Conv2d"));
        if (!x.Device.IsCpu)
            DeviceConvolution.Forward(s, xc, wc, bc, y);
        else if (x.DType == DType.Float32)
            Kernels.Convolution.Conv2d(s, xc.Data<float>(), xc.Offset, wc.Data<float>(), wc.Offset, bc?.Data<float>(), bc?.Offset ?? 0, y.Data<float>());
        else
            Kernels.Convolution.Conv2d(s, xc.Data<double>(), xc.Offset, wc.Data<double>(), wc.Offset, bc?.Data<double>(), bc?.Offset ?? 0, y.Data<double>());
        Tensor[] inputs = bias is null ? [x, w] : [x, w, bias];
        return Autograd.Record(y, OpCode.Conv2d, inputs, g =>
        {
            var gx = x.RequiresGrad ? Conv2dInputGrad(g, w, s) : null;
            var gw = w.RequiresGrad ? Conv2dWeightGrad(x, g, s) : null;
            if (bias is null)
                return [gx, gw];
            return [gx, gw, bias.RequiresGrad ? Conv2dBiasGrad(g, s) : null];
        }, x, w);
    }

    /// <summary>
    /// The input gradient of a convolution, ∂⟨g, Conv(x, w)⟩/∂x (a transposed convolution of g), as a recorded op:
    /// linear in g and in w, so its backward is ∂/∂g = Conv(h, w) and ∂/∂w = WeightGrad(h, g) for an incoming h.
    /// </summary>
    internal static Tensor Conv2dInputGrad(Tensor g, Tensor w, Conv2dShape s)
    {
        var gx = Tensor.Uninitialized([s.N, s.C, s.H, s.W], g.DType, g.Device);
        var gc = Dispatch.Contiguous(g);
        var wc = Dispatch.Contiguous(w);
        if (!g.Device.IsCpu)
            DeviceConvolution.InputGrad(s, gc, wc, gx);
        else if (g.DType == DType.Float32)
            Kernels.Convolution.Conv2dInputGrad(s, gc.Data<float>(), gc.Offset, wc.Data<float>(), wc.Offset, gx.Data<float>());
        else
            Kernels.Convolution.Conv2dInputGrad(s, gc.Data<double>(), gc.Offset, wc.Data<double>(), wc.Offset, gx.Data<double>());
        return Autograd.Record(gx, OpCode.Conv2dInputGrad, [g, w], h =>
            [g.RequiresGrad ? Conv2dCore(h, w, null, s) : null,
             w.RequiresGrad ? Conv2dWeightGrad(h, g, s) : null],
            g, w);
    }

    /// <summary>
    /// The weight gradient of a convolution, ∂⟨g, Conv(x, w)⟩/∂w = Σₙ g[n]·colsₙᵀ, as a recorded op: linear in x
    /// and in g, so its backward is ∂/∂x = InputGrad(g, h) and ∂/∂g = Conv(x, h) for an incoming h.
    /// </summary>
    internal static Tensor Conv2dWeightGrad(Tensor x, Tensor g, Conv2dShape s)
    {
        var gw = Tensor.Uninitialized([s.O, s.Cg, s.KH, s.KW], g.DType, g.Device);
        var xc = Dispatch.Contiguous(x);
        var gc = Dispatch.Contiguous(g);
        if (!g.Device.IsCpu)
            DeviceConvolution.WeightGrad(s, xc, gc, gw);
        else if (g.DType == DType.Float32)
            Kernels.Convolution.Conv2dWeightGrad(s, xc.Data<float>(), xc.Offset, gc.Data<float>(), gc.Offset, gw.Data<float>());
        else
            Kernels.Convolution.Conv2dWeightGrad(s, xc.Data<double>(), xc.Offset, gc.Data<double>(), gc.Offset, gw.Data<double>());
        return Autograd.Record(gw, OpCode.Conv2dWeightGrad, [x, g], h =>
            [x.RequiresGrad ? Conv2dInputGrad(g, h, s) : null,
             g.RequiresGrad ? Conv2dCore(x, h, null, s) : null],
            x, g);
    }

    /// <summary>
    /// The bias gradient of a convolution, Σ_{n,i,j} g[n, o, i, j] (what g.Sum([0, 2, 3]) gives, without the general
    /// strided reduction), as a recorded op: its backward spreads h[o] over every image and position.
    /// </summary>
    internal static Tensor Conv2dBiasGrad(Tensor g, Conv2dShape s)
    {
        // On a device the sum over images and positions is a reduction like any other, recorded as one.
        if (!g.Device.IsCpu)
            return g.Sum([0, 2, 3]);
        var gb = Tensor.Uninitialized([s.O], g.DType);
        var gc = Dispatch.Contiguous(g);
        if (g.DType == DType.Float32)
            Kernels.Convolution.BiasGrad(s, gc.Data<float>(), gc.Offset, gb.Data<float>());
        else
            Kernels.Convolution.BiasGrad(s, gc.Data<double>(), gc.Offset, gb.Data<double>());
        return Autograd.Record(gb, OpCode.Conv2dBiasGrad, [g], h => [h.Reshape(1, s.O, 1, 1).Expand(s.N, s.O, s.OH, s.OW)]);
    }

    /// <summary>
    /// A (height, width) pair from one or two values (null gives <paramref name="fallback"/> for both), each at
    /// least <paramref name="minimum"/>; shared by the convolution and pooling ops.
    /// </summary>
    private static int[] SpatialPair(int[]? values, int fallback, string op, string name, int minimum)
    {
        if (values is null || values.Length == 0)
            return [fallback, fallback];
        if (values.Length > 2)
            throw new ArgumentException($"{op}: {name} takes one value or two (height, width), got {values.Length}: {ShapeMath.Format(values)}.", name);
        int[] pair = values.Length == 1 ? [values[0], values[0]] : [values[0], values[1]];
        if (pair[0] < minimum || pair[1] < minimum)
            throw new ArgumentException(
                $"{op}: {name} must be {(minimum == 0 ? "non-negative" : "positive")}, got {ShapeMath.Format(values)}.", name);
        return pair;
    }

    private static int FloorDiv(int a, int b) => (int)Math.Floor((double)a / b);
}
