using SharpGrad.Kernels;

namespace SharpGrad;

public sealed partial class Tensor
{
    /// <summary>tanh x. ∂/∂x = 1 − tanh² x.</summary>
    public Tensor Tanh()
    {
        var y = Dispatch.Unary(this, default(TanhOp<float>), default(TanhOp<double>), "Tanh");
        return Autograd.Record(y, OpCode.Tanh, [this]);
    }

    /// <summary>σ(x) = 1/(1 + e^(−x)). ∂/∂x = σ(x)(1 − σ(x)).</summary>
    public Tensor Sigmoid()
    {
        var y = Dispatch.Unary(this, default(SigmoidOp<float>), default(SigmoidOp<double>), "Sigmoid");
        return Autograd.Record(y, OpCode.Sigmoid, [this]);
    }

    /// <summary>max(x, 0). ∂/∂x = I[x &gt; 0] (0 at x = 0, as in PyTorch).</summary>
    public Tensor Relu()
    {
        var y = Dispatch.Unary(this, default(ReluOp<float>), default(ReluOp<double>), "Relu");
        return Autograd.Record(y, OpCode.Relu, [this]);
    }

    /// <summary>x for x &gt; 0, slope·x otherwise. ∂/∂x = 1 or slope.</summary>
    public Tensor LeakyRelu(double negativeSlope = 0.01)
    {
        var y = Dispatch.Unary(this, new LeakyReluOp<float>((float)negativeSlope), new LeakyReluOp<double>(negativeSlope), "LeakyRelu");
        return Autograd.Record(y, OpCode.LeakyRelu, [this], new OpAttributes { Scalar = negativeSlope });
    }

    /// <summary>
    /// GELU, x·Φ(x) with Φ the standard normal CDF (the exact form, PyTorch's default).
    /// ∂/∂x = Φ(x) + x·φ(x), φ the standard normal density.
    /// </summary>
    public Tensor Gelu()
    {
        var y = Dispatch.Unary(this, default(GeluOp<float>), default(GeluOp<double>), "Gelu");
        return Autograd.Record(y, OpCode.Gelu, [this]);
    }

    /// <summary>log(1 + eˣ), computed without overflow. ∂/∂x = σ(x).</summary>
    public Tensor Softplus()
    {
        var y = Dispatch.Unary(this, default(SoftplusOp<float>), default(SoftplusOp<double>), "Softplus");
        return Autograd.Record(y, OpCode.Softplus, [this]);
    }
}
