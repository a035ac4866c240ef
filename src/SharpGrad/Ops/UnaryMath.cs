using SharpGrad.Kernels;

namespace SharpGrad;

public sealed partial class Tensor
{
    /// <summary>eˣ. ∂/∂x = eˣ.</summary>
    public Tensor Exp()
    {
        var y = Dispatch.Unary(this, default(ExpOp<float>), default(ExpOp<double>), "Exp");
        return Autograd.Record(y, OpCode.Exp, [this]);
    }

    /// <summary>Natural logarithm. ∂/∂x = 1/x.</summary>
    public Tensor Log()
    {
        var y = Dispatch.Unary(this, default(LogOp<float>), default(LogOp<double>), "Log");
        return Autograd.Record(y, OpCode.Log, [this]);
    }

    /// <summary>√x. ∂/∂x = 1/(2√x).</summary>
    public Tensor Sqrt()
    {
        var y = Dispatch.Unary(this, default(SqrtOp<float>), default(SqrtOp<double>), "Sqrt");
        return Autograd.Record(y, OpCode.Sqrt, [this]);
    }

    /// <summary>|x|. ∂/∂x = sign(x), taken as 0 at x = 0.</summary>
    public Tensor Abs()
    {
        var y = Dispatch.Unary(this, default(AbsOp<float>), default(AbsOp<double>), "Abs");
        return Autograd.Record(y, OpCode.Abs, [this]);
    }

    /// <summary>sin x. ∂/∂x = cos x.</summary>
    public Tensor Sin()
    {
        var y = Dispatch.Unary(this, default(SinOp<float>), default(SinOp<double>), "Sin");
        return Autograd.Record(y, OpCode.Sin, [this]);
    }

    /// <summary>cos x. ∂/∂x = −sin x.</summary>
    public Tensor Cos()
    {
        var y = Dispatch.Unary(this, default(CosOp<float>), default(CosOp<double>), "Cos");
        return Autograd.Record(y, OpCode.Cos, [this]);
    }

    /// <summary>The error function. ∂/∂x = (2/√π)·e^(−x²).</summary>
    public Tensor Erf()
    {
        var y = Dispatch.Unary(this, default(ErfOp<float>), default(ErfOp<double>), "Erf");
        return Autograd.Record(y, OpCode.Erf, [this]);
    }

    /// <summary>−1, 0 or +1 by the sign of each element; not differentiable (its gradient is zero), so never recorded.</summary>
    public Tensor Sign() => Dispatch.Unary(this, default(SignOp<float>), default(SignOp<double>), "Sign");

    /// <summary>⌊x⌋, the largest whole number not above x. ∂/∂x = 0 (piecewise constant; 0 at the steps too, as in PyTorch).</summary>
    public Tensor Floor()
    {
        var y = Dispatch.Unary(this, default(FloorOp<float>), default(FloorOp<double>), "Floor");
        return Autograd.Record(y, OpCode.Floor, [this]);
    }
}
