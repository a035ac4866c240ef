using SharpGrad.Kernels;

namespace SharpGrad.NN;

// 2-D max, average and adaptive average pooling.
//
// Letters: N batch, C channels, H×W input size, kH×kW window, OH×OW output size. Inputs are [N, C, H, W] (or
// [C, H, W]); outputs [N, C, OH, OW]. Every plane is pooled on its own.
//
// Each pooling is linear in its input once the winning positions (max) or the windows (average) are fixed, so each
// is recorded as a pair of adjoint ops — max: gather through argmax / scatter-add through argmax; average: window
// average / spread back — whose backward rules are each other. Gradients of any order follow.
public static partial class Functional
{
    /// <summary>
    /// Max pooling: each output is the largest element of its kH×kW window (dilated by <paramref name="dilation"/>,
    /// moved by <paramref name="stride"/>, which defaults to the window size). <paramref name="padding"/> adds
    /// implicit −∞ borders (at most half the window). OH = ⌊(H + 2p − d(kH − 1) − 1)/s⌋ + 1, rounded up instead with
    /// <paramref name="ceilMode"/> (a window starting beyond the input and its left padding is dropped).
    /// Backward: each output's gradient goes to the position of its maximum — the first in row-major window order
    /// when several elements tie — and gradients of overlapping windows add up. A NaN counts as the maximum.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong rank, non-positive window or stride, too much padding, or a window that does not fit.</exception>
    public static Tensor MaxPool2d(Tensor input, int[] kernelSize, int[]? stride = null, int[]? padding = null, int[]? dilation = null, bool ceilMode = false)
    {
        var (planes, h, w) = PoolPlanes(input, "MaxPool2d");
        var k = PoolKernel(kernelSize, "MaxPool2d");
        var st = stride is null || stride.Length == 0 ? k : SpatialPair(stride, 1, "MaxPool2d", "stride", minimum: 1);
        var pad = SpatialPair(padding, 0, "MaxPool2d", "padding", minimum: 0);
        var dil = SpatialPair(dilation, 1, "MaxPool2d", "dilation", minimum: 1);
        var (oh, ow) = PoolOutput(input, k, st, pad, dil, ceilMode, "MaxPool2d");
        var s = new MaxPool2dShape(planes, h, w, k[0], k[1], st[0], st[1], pad[0], pad[1], dil[0], dil[1], oh, ow);

        var x = Dispatch.Contiguous(input);
        var y = Tensor.Uninitialized(PooledShape(input, oh, ow), input.DType, input.Device);
        // The winners live in a tensor, so that they share the step's pooled memory, and a backward
        // pass after its memory scope has ended fails on them instead of reading reused memory.
        var argmax = Tensor.Uninitialized([planes * oh * ow], DType.Int32, input.Device);
        if (!input.Device.IsCpu)
        {
            if (y.Count > 0)
                DeviceBackends.For(input.Device).MaxPool2d(s, x.Buffer, x.Offset, y.Buffer, argmax.Buffer);
        }
        else if (input.DType == DType.Float32)
            Kernels.Pooling.MaxPool2d(s, x.Data<float>(), x.Offset, y.Data<float>(), argmax.Data<int>());
        else
            Kernels.Pooling.MaxPool2d(s, x.Data<double>(), x.Offset, y.Data<double>(), argmax.Data<int>());
        var inputShape = input.ShapeArray;
        // 2×2 windows at stride 2 that tile the planes exactly (LeNet's) cover every input position once, which
        // lets the backward pass write its result outright instead of clearing it and scattering into it.
        bool pairs = k[0] == 2 && k[1] == 2 && st[0] == 2 && st[1] == 2 && pad[0] == 0 && pad[1] == 0 && dil[0] == 1 && dil[1] == 1
            && h == 2 * oh && w == 2 * ow;
        return Autograd.Record(y, OpCode.MaxPool2d, [input], g => [ScatterArgmax(g, argmax, planes, inputShape, pairs)]);
    }

    /// <summary>
    /// Average pooling: each output is the mean of its kH×kW window (moved by <paramref name="stride"/>, which
    /// defaults to the window size). Zero <paramref name="padding"/> (at most half the window) is counted in the
    /// divisor when <paramref name="countIncludePad"/>, as PyTorch does, and left out of it otherwise. Output size and
    /// <paramref name="ceilMode"/> as in <see cref="MaxPool2d"/>. ∂y/∂x = 1/divisor for every element of the window.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong rank, non-positive window or stride, too much padding, or a window that does not fit.</exception>
    public static Tensor AvgPool2d(Tensor input, int[] kernelSize, int[]? stride = null, int[]? padding = null, bool countIncludePad = true, bool ceilMode = false)
    {
        var (planes, h, w) = PoolPlanes(input, "AvgPool2d");
        var k = PoolKernel(kernelSize, "AvgPool2d");
        var st = stride is null || stride.Length == 0 ? k : SpatialPair(stride, 1, "AvgPool2d", "stride", minimum: 1);
        var pad = SpatialPair(padding, 0, "AvgPool2d", "padding", minimum: 0);
        var (oh, ow) = PoolOutput(input, k, st, pad, [1, 1], ceilMode, "AvgPool2d");
        var rows = AxisWindows.Average(h, k[0], st[0], pad[0], oh, countIncludePad);
        var cols = AxisWindows.Average(w, k[1], st[1], pad[1], ow, countIncludePad);
        return WindowAverage(input, planes, rows, cols, "AvgPool2d");
    }

    /// <summary>
    /// Adaptive average pooling to <paramref name="outputSize"/> (one value for both dimensions, or height and
    /// width): output i along an axis of size H averages input positions ⌊i·H/OH⌋ to ⌈(i + 1)·H/OH⌉ − 1, so the
    /// windows cover the input evenly and overlap when OH does not divide H (PyTorch's bins). Size 1 is global
    /// average pooling.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong rank or a non-positive output size.</exception>
    public static Tensor AdaptiveAvgPool2d(Tensor input, int[] outputSize)
    {
        var (planes, h, w) = PoolPlanes(input, "AdaptiveAvgPool2d");
        ArgumentNullException.ThrowIfNull(outputSize);
        if (outputSize.Length == 0)
            throw new ArgumentException("AdaptiveAvgPool2d: outputSize takes one value or two (height, width), got none.", nameof(outputSize));
        var size = SpatialPair(outputSize, 1, "AdaptiveAvgPool2d", "outputSize", minimum: 1);
        var rows = AxisWindows.Adaptive(h, size[0]);
        var cols = AxisWindows.Adaptive(w, size[1]);
        return WindowAverage(input, planes, rows, cols, "AdaptiveAvgPool2d");
    }

    /// <summary>The recorded average over windows; backward spreads each gradient evenly over its window.</summary>
    private static Tensor WindowAverage(Tensor input, int planes, AxisWindows rows, AxisWindows cols, string op)
    {
        if (!input.Device.IsCpu)
            return DeviceWindowAverage(input, planes, rows, cols);
        int h = input.ShapeArray[^2], w = input.ShapeArray[^1];
        var x = Dispatch.Contiguous(input);
        var y = new Tensor(PooledShape(input, rows.Length, cols.Length), input.DType);
        if (input.DType == DType.Float32)
            Kernels.Pooling.Average(planes, h, w, rows, cols, x.Data<float>(), x.Offset, y.Data<float>());
        else
            Kernels.Pooling.Average(planes, h, w, rows, cols, x.Data<double>(), x.Offset, y.Data<double>());
        var inputShape = input.ShapeArray;
        return Autograd.Record(y, op == "AvgPool2d" ? OpCode.AvgPool2d : OpCode.AdaptiveAvgPool2d, [input], g => [WindowAverageBackward(g, planes, inputShape, rows, cols, op)]);
    }

    /// <summary>The adjoint of <see cref="WindowAverage"/>, recorded with <see cref="WindowAverage"/> as its own backward.</summary>
    private static Tensor WindowAverageBackward(Tensor g, int planes, int[] inputShape, AxisWindows rows, AxisWindows cols, string op)
    {
        int h = inputShape[^2], w = inputShape[^1];
        var gc = Dispatch.Contiguous(g);
        var gx = new Tensor((int[])inputShape.Clone(), g.DType);
        if (g.DType == DType.Float32)
            Kernels.Pooling.AverageBackward(planes, h, w, rows, cols, gc.Data<float>(), gc.Offset, gx.Data<float>());
        else
            Kernels.Pooling.AverageBackward(planes, h, w, rows, cols, gc.Data<double>(), gc.Offset, gx.Data<double>());
        return Autograd.Record(gx, op == "AvgPool2d" ? OpCode.AvgPool2dGrad : OpCode.AdaptiveAvgPool2dGrad, [g], hh => [WindowAverage(hh, planes, rows, cols, op)]);
    }

    /// <summary>
    /// Adds each output gradient into the position its window's maximum came from; recorded with the gather as its
    /// backward. <paramref name="pairs"/>: the windows are 2×2 at stride 2 and tile the planes exactly.
    /// </summary>
    private static Tensor ScatterArgmax(Tensor g, Tensor argmax, int planes, int[] inputShape, bool pairs)
    {
        int inPlane = inputShape[^1] * inputShape[^2], outPlane = g.ShapeArray[^1] * g.ShapeArray[^2];
        int oh = g.ShapeArray[^2], ow = g.ShapeArray[^1];
        var gc = Dispatch.Contiguous(g);
        Tensor gx;
        if (!g.Device.IsCpu)
        {
            gx = Tensor.ZerosOn((int[])inputShape.Clone(), g.DType, g.Device);
            if (gc.Count > 0)
                DeviceBackends.For(g.Device).ScatterArgmax(planes, inPlane, outPlane, gc.Buffer, gc.Offset, argmax.Buffer, gx.Buffer);
        }
        else if (pairs)
        {
            // Every element is written, so no clearing pass.
            gx = Tensor.Uninitialized((int[])inputShape.Clone(), g.DType);
            if (g.DType == DType.Float32)
                Kernels.Pooling.ScatterArgmaxPairs(planes, oh, ow, gc.Data<float>(), gc.Offset, argmax.Data<int>(), gx.Data<float>());
            else
                Kernels.Pooling.ScatterArgmaxPairs(planes, oh, ow, gc.Data<double>(), gc.Offset, argmax.Data<int>(), gx.Data<double>());
        }
        else
        {
            gx = new Tensor((int[])inputShape.Clone(), g.DType);
            if (g.DType == DType.Float32)
                Kernels.Pooling.ScatterArgmax(planes, inPlane, outPlane, gc.Data<float>(), gc.Offset, argmax.Data<int>(), gx.Data<float>());
            else
                Kernels.Pooling.ScatterArgmax(planes, inPlane, outPlane, gc.Data<double>(), gc.Offset, argmax.Data<int>(), gx.Data<double>());
        }
        var outputShape = g.ShapeArray;
        return Autograd.Record(gx, OpCode.MaxPool2dGrad, [g], h => [GatherArgmax(h, argmax, planes, outputShape, pairs)]);
    }

    /// <summary>
    /// <see cref="WindowAverage"/> on a GPU: the average factors into one averaging matrix per axis (row i of the
    /// matrix of an axis holds 1/Count[i] over its window), so y = A_h·x·A_wᵀ for every plane: two matrix products,
    /// recorded as such, whose backward rules spread the gradient over the windows.
    /// </summary>
    private static Tensor DeviceWindowAverage(Tensor input, int planes, AxisWindows rows, AxisWindows cols)
    {
        int h = input.ShapeArray[^2], w = input.ShapeArray[^1], oh = rows.Length, ow = cols.Length;
        var averageRows = AveragingMatrix(rows, h, input.DType).To(input.Device);
        var averageCols = AveragingMatrix(cols, w, input.DType).To(input.Device);
        var alongWidth = input.Reshape(planes * h, w).MatMul(averageCols.T).Reshape(planes, h, ow);
        var alongHeight = averageRows.MatMul(alongWidth.Permute(1, 0, 2).Reshape(h, planes * ow));
        return alongHeight.Reshape(oh, planes, ow).Permute(1, 0, 2).Reshape(PooledShape(input, oh, ow));
    }

    private static Tensor AveragingMatrix(AxisWindows windows, int size, DType dtype)
    {
        var m = new double[windows.Length * size];
        for (int i = 0; i < windows.Length; i++)
            for (int j = windows.Start[i]; j < windows.End[i]; j++)
                m[i * size + j] = 1.0 / windows.Count[i];
        return Tensor.FromArray(m, windows.Length, size).To(dtype);
    }

    /// <summary>Reads each window's maximum position out of a tensor of the input's shape; the adjoint of <see cref="ScatterArgmax"/>.</summary>
    private static Tensor GatherArgmax(Tensor x, Tensor argmax, int planes, int[] outputShape, bool pairs)
    {
        int inPlane = x.ShapeArray[^1] * x.ShapeArray[^2], outPlane = outputShape[^1] * outputShape[^2];
        var xc = Dispatch.Contiguous(x);
        var y = Tensor.Uninitialized((int[])outputShape.Clone(), x.DType);
        if (x.DType == DType.Float32)
            Kernels.Pooling.GatherArgmax(planes, inPlane, outPlane, xc.Data<float>(), xc.Offset, argmax.Data<int>(), y.Data<float>());
        else
            Kernels.Pooling.GatherArgmax(planes, inPlane, outPlane, xc.Data<double>(), xc.Offset, argmax.Data<int>(), y.Data<double>());
        var inputShape = x.ShapeArray;
        return Autograd.Record(y, OpCode.MaxPool2dGather, [x], h => [ScatterArgmax(h, argmax, planes, inputShape, pairs)]);
    }

    /// <summary>Checks the rank (3 or 4) and dtype and returns how many planes are pooled and their size.</summary>
    private static (int Planes, int H, int W) PoolPlanes(Tensor input, string op)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank is not (3 or 4))
            throw new ArgumentException($"{op}: expected a 4-D input [N, C, H, W] (or 3-D [C, H, W]), got shape {ShapeMath.Format(input.ShapeArray)}.", nameof(input));
        Dispatch.RequireFloat(input, op);
        int planes = 1;
        for (int i = 0; i < input.Rank - 2; i++) planes *= input.ShapeArray[i];
        return (planes, input.ShapeArray[^2], input.ShapeArray[^1]);
    }

    private static int[] PoolKernel(int[] kernelSize, string op)
    {
        ArgumentNullException.ThrowIfNull(kernelSize);
        if (kernelSize.Length == 0)
            throw new ArgumentException($"{op}: kernelSize takes one value or two (height, width), got none.", nameof(kernelSize));
        return SpatialPair(kernelSize, 1, op, "kernelSize", minimum: 1);
    }

    /// <summary>Checks the padding against the window and returns the output size, or says why there is none.</summary>
    private static (int OH, int OW) PoolOutput(Tensor input, int[] k, int[] st, int[] pad, int[] dil, bool ceilMode, string op)
    {
        if (pad[0] > k[0] / 2 || pad[1] > k[1] / 2)
            throw new ArgumentException(
                $"{op}: padding must be at most half the window, got padding {ShapeMath.Format(pad)} for window {k[0]}×{k[1]}.", "padding");
        int h = input.ShapeArray[^2], w = input.ShapeArray[^1];
        int oh = Kernels.Pooling.OutputSize(h, k[0], st[0], pad[0], dil[0], ceilMode);
        int ow = Kernels.Pooling.OutputSize(w, k[1], st[1], pad[1], dil[1], ceilMode);
        if (oh < 1 || ow < 1)
            throw new ArgumentException(
                $"{op}: the window {k[0]}×{k[1]} (dilation {dil[0]}×{dil[1]}, covering {dil[0] * (k[0] - 1) + 1}×{dil[1] * (k[1] - 1) + 1}) does not fit in the padded input " +
                $"{h + 2 * pad[0]}×{w + 2 * pad[1]} (input {ShapeMath.Format(input.ShapeArray)}, padding {ShapeMath.Format(pad)}); the computed output size would be {oh}×{ow}.", nameof(input));
        return (oh, ow);
    }

    private static int[] PooledShape(Tensor input, int oh, int ow)
    {
        var shape = (int[])input.ShapeArray.Clone();
        shape[^2] = oh;
        shape[^1] = ow;
        return shape;
    }
}
