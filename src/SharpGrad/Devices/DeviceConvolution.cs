using SharpGrad.Kernels;

namespace SharpGrad;

/// <summary>
/// Convolution on a device as im2col and matrix products, the way cuDNN-less GPU code does it: each image is unfolded
/// into columns [C·kH·kW, OH·OW] (all images in one launch of the device's Im2Col kernel) and multiplied by the weights as [C_out, C·kH·kW] per
/// group. The backward products use the same columns (the weight gradient) or fold them back with Col2Im (the input
/// gradient). Only device calls here; recording the graph stays with the ops in <c>Ops/Convolution.cs</c>.
/// </summary>
internal static class DeviceConvolution
{
    /// <summary>y [N, O, OH, OW] = conv(x, w) (+ bias): x, w contiguous; y fresh.</summary>
    public static void Forward(Conv2dShape s, Tensor x, Tensor w, Tensor? bias, Tensor y)
    {
        var kernels = DeviceBackends.For(x.Device);
        int p = s.OH * s.OW, k = s.K, og = s.Og;
        if (y.Count == 0) return;
        if (bias is not null)
            kernels.Copy(bias.Buffer, bias.Offset, [0, bias.StrideArray[0], 0], y.Buffer, 0, [s.O * p, p, 1], [s.N, s.O, p]);
        var columns = Columns(kernels, s, x);
        for (int g = 0; g < s.Groups; g++)
            kernels.Gemm(s.N, og, p, k,
                w.Buffer, w.Offset + g * og * k, 0, k, 1,
                columns.Buffer, g * k * p, s.Groups * k * p, p, 1,
                y.Buffer, g * og * p, s.O * p, p, accumulate: bias is not null);
    }

    /// <summary>gx [N, C, H, W] from g [N, O, OH, OW] and w: the columns Wᵀ·g folded back onto the image (gx fresh).</summary>
    public static void InputGrad(Conv2dShape s, Tensor g, Tensor w, Tensor gx)
    {
        var kernels = DeviceBackends.For(g.Device);
        int p = s.OH * s.OW, k = s.K, og = s.Og;
        kernels.Fill(gx.Buffer, 0, gx.Count, 0);
        if (gx.Count == 0 || p == 0) return;
        var columns = Tensor.Uninitialized([s.N, s.Groups * k, p], g.DType, g.Device);
        for (int gi = 0; gi < s.Groups; gi++)
            kernels.Gemm(s.N, k, p, og,
                w.Buffer, w.Offset + gi * og * k, 0, 1, k,
                g.Buffer, g.Offset + gi * og * p, s.O * p, p, 1,
                columns.Buffer, gi * k * p, s.Groups * k * p, p, accumulate: false);
        kernels.Col2Im(s, columns.Buffer, gx.Buffer);
    }

    /// <summary>gw [O, C/groups, kH, kW] = Σ over images of g·columnsᵀ (gw fresh, contiguous).</summary>
    public static void WeightGrad(Conv2dShape s, Tensor x, Tensor g, Tensor gw)
    {
        var kernels = DeviceBackends.For(g.Device);
        int p = s.OH * s.OW, k = s.K, og = s.Og;
        if (s.N == 0 || p == 0)
        {
            kernels.Fill(gw.Buffer, 0, gw.Count, 0);
            return;
        }
        var columns = Columns(kernels, s, x);
        // One batched product per group gives each image's share [N, O, K]; one reduction over the images sums them in
        // a fixed order (no accumulation across launches, so the result does not depend on scheduling).
        var shares = Tensor.Uninitialized([s.N, s.O, k], g.DType, g.Device);
        for (int gi = 0; gi < s.Groups; gi++)
            kernels.Gemm(s.N, og, k, p,
                g.Buffer, g.Offset + gi * og * p, s.O * p, p, 1,
                columns.Buffer, gi * k * p, s.Groups * k * p, 1, p,
                shares.Buffer, gi * og * k, s.O * k, k, accumulate: false);
        kernels.Reduce(ReduceKind.Sum, shares.Buffer, 0, 1, s.N, s.O * k, gw.Buffer);
    }

    // Every image unfolded: [N, groups·K, OH·OW].
    private static Tensor Columns(IDeviceKernels kernels, Conv2dShape s, Tensor x)
    {
        int p = s.OH * s.OW;
        var columns = Tensor.Uninitialized([s.N, s.Groups * s.K, p], x.DType, x.Device);
        kernels.Im2Col(s, x.Buffer, x.Offset, columns.Buffer);
        return columns;
    }
}
