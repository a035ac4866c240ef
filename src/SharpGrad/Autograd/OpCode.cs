namespace SharpGrad;

/// <summary>
/// The identity of every operation the autograd graph records: one enumeration shared by the
/// backward pass, the printing of <see cref="Node.Name"/> and Explain, instead of free-form names
/// that could drift apart. The math primitives (<see cref="Derivatives.Covers"/>) have their
/// derivative written exactly once, in <see cref="Derivatives"/>, over an algebra that both the
/// numeric <see cref="Tensor"/> and Explain's symbolic expressions implement; the structural and
/// fused ops (convolution, pooling, indexing, fused losses) keep a numeric rule beside their
/// forward in <c>Ops/</c>.
/// </summary>
public enum OpCode
{
    // Elementwise arithmetic (broadcasting).
    /// <summary>a + b.</summary>
    Add,
    /// <summary>a − b.</summary>
    Sub,
    /// <summary>a · b.</summary>
    Mul,
    /// <summary>a / b.</summary>
    Div,
    /// <summary>−a.</summary>
    Neg,
    /// <summary>a^b with a tensor exponent.</summary>
    Pow,
    /// <summary>a^p with a constant exponent p.</summary>
    PowScalar,

    // Elementwise functions.
    /// <summary>eˣ.</summary>
    Exp,
    /// <summary>ln x.</summary>
    Log,
    /// <summary>√x.</summary>
    Sqrt,
    /// <summary>|x|.</summary>
    Abs,
    /// <summary>sin x.</summary>
    Sin,
    /// <summary>cos x.</summary>
    Cos,
    /// <summary>The error function.</summary>
    Erf,
    /// <summary>⌊x⌋; piecewise constant, so its gradient is zero (as in PyTorch).</summary>
    Floor,
    /// <summary>tanh x.</summary>
    Tanh,
    /// <summary>The logistic sigmoid.</summary>
    Sigmoid,
    /// <summary>max(x, 0).</summary>
    Relu,
    /// <summary>x or slope·x.</summary>
    LeakyRelu,
    /// <summary>x·Φ(x).</summary>
    Gelu,
    /// <summary>log(1 + eˣ).</summary>
    Softplus,
    /// <summary>x limited to [min, max].</summary>
    Clamp,
    /// <summary>Elementwise maximum of two tensors.</summary>
    Maximum,
    /// <summary>Elementwise minimum of two tensors.</summary>
    Minimum,
    /// <summary>Picks a where a condition holds, b elsewhere.</summary>
    Where,

    // Reductions.
    /// <summary>Sum over dimensions.</summary>
    Sum,
    /// <summary>Maximum over dimensions (ties share the gradient).</summary>
    Max,
    /// <summary>Minimum over dimensions (ties share the gradient).</summary>
    Min,
    /// <summary>
    /// x − log Σ eˣ along one dimension, as one primitive: its rule g − softmax(x)·Σg is what a
    /// teacher writes, and the constant shift that keeps the exponentials finite stays inside the
    /// forward kernel instead of showing up in derivations.
    /// </summary>
    LogSoftmax,

    // Linear algebra.
    /// <summary>The (batched) matrix product.</summary>
    MatMul,
    /// <summary>x·Wᵀ + b as one fused op.</summary>
    Linear,
    /// <summary>The weight gradient of Linear, Σ over the batch of gᵀ·x in fixed batch chunks.</summary>
    LinearWeightGrad,

    // Views and copies.
    /// <summary>A new shape over the same elements.</summary>
    Reshape,
    /// <summary>Dimensions reordered (transpose).</summary>
    Permute,
    /// <summary>Size-1 dimensions broadcast to a larger size.</summary>
    Expand,
    /// <summary>A copy.</summary>
    Clone,
    /// <summary>A contiguous copy (or the tensor itself).</summary>
    Contiguous,
    /// <summary>A change of element type.</summary>
    Cast,
    /// <summary>A copy to another device; its gradient is copied back.</summary>
    ToDevice,

    // Joining and indexing.
    /// <summary>Concatenation along a dimension.</summary>
    Cat,
    /// <summary>Basic indexing and slicing.</summary>
    Index,
    /// <summary>The adjoint of indexing (scatter into zeros).</summary>
    IndexBackward,
    /// <summary>Rows picked by an index tensor.</summary>
    IndexSelect,
    /// <summary>The adjoint of IndexSelect.</summary>
    IndexSelectBackward,
    /// <summary>Elements gathered along a dimension.</summary>
    Gather,
    /// <summary>The adjoint of Gather.</summary>
    GatherBackward,
    /// <summary>Constant padding.</summary>
    Pad,

    // Neural-network layers.
    /// <summary>2-D convolution.</summary>
    Conv2d,
    /// <summary>The input gradient of a convolution (a transposed convolution).</summary>
    Conv2dInputGrad,
    /// <summary>The weight gradient of a convolution.</summary>
    Conv2dWeightGrad,
    /// <summary>The bias gradient of a convolution.</summary>
    Conv2dBiasGrad,
    /// <summary>2-D max pooling.</summary>
    MaxPool2d,
    /// <summary>The adjoint of max pooling (scatter to the argmax).</summary>
    MaxPool2dGrad,
    /// <summary>Gather at max pooling's argmax (the adjoint of MaxPool2dGrad).</summary>
    MaxPool2dGather,
    /// <summary>2-D average pooling.</summary>
    AvgPool2d,
    /// <summary>The adjoint of average pooling.</summary>
    AvgPool2dGrad,
    /// <summary>Adaptive average pooling.</summary>
    AdaptiveAvgPool2d,
    /// <summary>The adjoint of adaptive average pooling.</summary>
    AdaptiveAvgPool2dGrad,
    /// <summary>Batch normalisation in training mode.</summary>
    BatchNorm,
    /// <summary>Layer normalisation over the last dimensions.</summary>
    LayerNorm,
    /// <summary>Cross-entropy of logits and class indices, fused.</summary>
    CrossEntropy,
    /// <summary>Binary cross-entropy of probabilities, fused.</summary>
    BinaryCrossEntropy,
    /// <summary>softmax(Q·Kᵀ·scale + mask)·V, fused.</summary>
    ScaledDotProductAttention,

    /// <summary>A user-defined <see cref="AutogradFunction"/>.</summary>
    Custom,
}
