using SharpGrad.Kernels;

namespace SharpGrad;

/// <summary>The elementwise functions a device backend computes, named as the CPU kernel structs in <c>Kernels/Operators.cs</c>.</summary>
internal enum ElementwiseOp
{
    // Binary: the result has the dtype of the operands; comparisons give 1 or 0 in that dtype.
    Add, Sub, Mul, Div, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge,

    // Unary, on floating-point tensors; P0 and P1 are the parameters named beside each.
    Neg, Exp, Log, Sqrt, Abs, Sin, Cos, Tanh, Sigmoid, Relu, Sign, Floor, Softplus, Erf, Gelu,
    LeakyRelu, // P0 = negative slope
    Clamp,     // P0 = min, P1 = max
    PowScalar, // P0 = exponent
}

/// <summary>
/// The kernels of one non-CPU device: what <see cref="Dispatch"/> and the fused ops call instead of the CPU kernels
/// when their operands live on that device. Like the CPU kernels they know nothing of autograd; they take buffers,
/// element offsets, shapes and strides. Every buffer passed to one call is on this backend's device; the CPU side
/// has already checked shapes and dtypes. Calls are queued in order on the device; <see cref="Download"/> waits
/// for everything queued before it. Implemented by SharpGrad.Cuda for <c>cuda:N</c> and <c>gpu-sim</c>.
/// </summary>
internal interface IDeviceKernels
{
    /// <summary>The device this backend computes on.</summary>
    Device Device { get; }

    // ---- Memory -------------------------------------------------------------------------------

    /// <summary>A buffer of <paramref name="length"/> elements, zero-filled when <paramref name="zeroed"/>.</summary>
    DeviceBuffer Allocate(DType dtype, int length, bool zeroed);

    /// <summary>Copies <paramref name="count"/> elements of a host array (float[], double[] or int[] of the buffer's dtype) to the device.</summary>
    void Upload(Array source, int sourceOffset, DeviceBuffer destination, int destinationOffset, int count);

    /// <summary>Waits for queued work, then copies <paramref name="count"/> elements into a host array of the buffer's dtype.</summary>
    void Download(DeviceBuffer source, int sourceOffset, Array destination, int destinationOffset, int count);

    /// <summary>
    /// destination[dOffset + Σ i_k·dStrides_k] = source[sOffset + Σ i_k·sStrides_k] for every index i of
    /// <paramref name="shape"/>, converting the element type when the buffers' dtypes differ (float → int truncates).
    /// Source strides may be 0 (broadcast). Covers contiguous copies, casts, expand and writes into views.
    /// </summary>
    void Copy(DeviceBuffer source, int sourceOffset, int[] sourceStrides, DeviceBuffer destination, int destinationOffset, int[] destinationStrides, int[] shape);

    /// <summary>Waits until every queued kernel and copy has finished.</summary>
    void Synchronize();

    /// <summary>Sets <paramref name="count"/> elements from <paramref name="offset"/> to <paramref name="value"/>.</summary>
    void Fill(DeviceBuffer destination, int offset, int count, double value);

    // ---- Elementwise --------------------------------------------------------------------------

    /// <summary>
    /// result = a op b over <paramref name="shape"/>, with a and b read through their strides (0 where broadcast)
    /// and the result contiguous from 0. a, b and the result share a dtype (int32 allowed for the arithmetic and comparisons).
    /// </summary>
    void Binary(ElementwiseOp op, int[] shape, DeviceBuffer a, int aOffset, int[] aStrides, DeviceBuffer b, int bOffset, int[] bStrides, DeviceBuffer result);

    /// <summary>result[i] = op(x[xOffset + i]) for i &lt; count, both contiguous and floating-point; p0 and p1 as in <see cref="ElementwiseOp"/>.</summary>
    void Unary(ElementwiseOp op, double p0, double p1, DeviceBuffer x, int xOffset, DeviceBuffer result, int count);

    /// <summary>result = cond ≠ 0 ? a : b over <paramref name="shape"/>, operands through strides, result contiguous; a, b and result share a dtype, cond may differ.</summary>
    void Where(int[] shape, DeviceBuffer cond, int condOffset, int[] condStrides, DeviceBuffer a, int aOffset, int[] aStrides,
        DeviceBuffer b, int bOffset, int[] bStrides, DeviceBuffer result);

    // ---- Reductions ---------------------------------------------------------------------------

    /// <summary>
    /// Reduces the middle axis of x viewed as contiguous [outer, length, inner] from <paramref name="xOffset"/>
    /// into result [outer, inner] (contiguous from 0): Sum, Max or Min (NaN wins, as on the CPU). Float32 sums accumulate in float32 pairwise or wider.
    /// </summary>
    void Reduce(ReduceKind kind, DeviceBuffer x, int xOffset, int outer, int length, int inner, DeviceBuffer result);

    /// <summary>The index of the first maximum (or minimum) along the middle axis, as <see cref="Reduce"/>, into an int32 result.</summary>
    void ArgReduce(bool max, DeviceBuffer x, int xOffset, int outer, int length, int inner, DeviceBuffer result);

    /// <summary>
    /// log_softmax over each contiguous row of <paramref name="length"/> elements: result = x − max − log Σ exp(x − max).
    /// </summary>
    void LogSoftmaxRows(DeviceBuffer x, int xOffset, int rows, int length, DeviceBuffer result);

    // ---- Linear algebra -----------------------------------------------------------------------

    /// <summary>
    /// For each of <paramref name="batch"/> matrices: C[m×n] (+)= A[m×k]·B[k×n]. Element (i, j) of A is at
    /// aOffset + b·aBatchStride + i·aRowStride + j·aColStride (likewise B), and one of each operand's row and column
    /// strides is 1 (a transposed operand has row stride 1); C is row-major with row stride
    /// <paramref name="ldc"/>. With <paramref name="accumulate"/> the product is added onto C. Float32 and float64.
    /// </summary>
    void Gemm(int batch, int m, int n, int k,
        DeviceBuffer a, int aOffset, int aBatchStride, int aRowStride, int aColStride,
        DeviceBuffer b, int bOffset, int bBatchStride, int bRowStride, int bColStride,
        DeviceBuffer c, int cOffset, int cBatchStride, int ldc, bool accumulate);

    // ---- Convolution and pooling --------------------------------------------------------------

    /// <summary>
    /// Unfolds every image of x [N, C, H, W] (contiguous from xOffset) into columns [N, C·KH·KW, OH·OW] (contiguous
    /// from 0; zeros where the window is in the padding), the right operands of convolution as matrix products, in
    /// one launch. Groups are row ranges of each image's columns.
    /// </summary>
    void Im2Col(Conv2dShape s, DeviceBuffer x, int xOffset, DeviceBuffer columns);

    /// <summary>
    /// The adjoint of <see cref="Im2Col"/>: adds columns [N, C·KH·KW, OH·OW] (contiguous from 0) back into gx
    /// [N, C, H, W] (contiguous from 0), each pixel summing the entries read from it in a fixed order.
    /// </summary>
    void Col2Im(Conv2dShape s, DeviceBuffer columns, DeviceBuffer gx);

    /// <summary>
    /// Max pooling of contiguous planes: y [planes, OH, OW] and, for the backward pass, the flat index within its
    /// input plane of each chosen element (int32, the first maximum; NaN wins as in PyTorch) into <paramref name="argmax"/>.
    /// </summary>
    void MaxPool2d(MaxPool2dShape s, DeviceBuffer x, int xOffset, DeviceBuffer y, DeviceBuffer argmax);

    /// <summary>gx[p, argmax[p, o]] += gy[p, o] for every plane p and output o; gx [planes, inPlane] is zeroed by the caller.</summary>
    void ScatterArgmax(int planes, int inPlane, int outPlane, DeviceBuffer gy, int gyOffset, DeviceBuffer argmax, DeviceBuffer gx);

    // ---- Losses -------------------------------------------------------------------------------

    /// <summary>
    /// Cross-entropy of logits x [n, c] (contiguous) against int32 class indices: losses[i] = −log softmax(x_i)[t_i]
    /// into a buffer of n elements, and, when <paramref name="gradient"/> is not null, gradient = scale·(softmax(x) − onehot(t)).
    /// Rows whose target is outside [0, c) are the caller's to reject.
    /// </summary>
    void CrossEntropy(DeviceBuffer x, int xOffset, int n, int c, DeviceBuffer target, int targetOffset, DeviceBuffer losses, DeviceBuffer? gradient, double scale);

    // ---- Optimisers (one fused kernel per parameter) -------------------------------------------

    /// <summary>The update of <c>Kernels.OptimizerUpdates.Adam</c> with the same arguments, on device buffers.</summary>
    void Adam(DeviceBuffer p, int pOffset, DeviceBuffer g, int gOffset, DeviceBuffer m, DeviceBuffer v, DeviceBuffer? vMax, int length,
        double beta1, double beta2, double weightDecay, double decay, double stepSize, double epsHat);

    /// <summary>The update of <c>Kernels.OptimizerUpdates.Sgd</c> with the same arguments, on device buffers.</summary>
    void Sgd(DeviceBuffer p, int pOffset, DeviceBuffer g, int gOffset, DeviceBuffer? buffer, int length,
        double learningRate, double weightDecay, double momentum, double dampening, bool nesterov);
}
