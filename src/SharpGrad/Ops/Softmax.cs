namespace SharpGrad;

public sealed partial class Tensor
{
    /// <summary>
    /// log softmax along <paramref name="dim"/>: x − logsumexp(x), evaluated as
    /// (x − m) − log Σ e^(x − m) with m the maximum, so that logits of any magnitude (±1e4
    /// included) neither overflow nor lose their small differences to rounding in float32.
    /// </summary>
    public Tensor LogSoftmax(int dim = -1)
    {
        Dispatch.RequireFloat(this, "LogSoftmax");
        var d = NormalizeDims([dim], "LogSoftmax");
        Tensor y;
        if (!Device.IsCpu && d.Length == 1 && d[0] == Rank - 1 && Count > 0)
        {
            // Over the last dimension a device has the whole formula as one kernel, a row per thread group.
            var x = Dispatch.Contiguous(this);
            y = Uninitialized((int[])ShapeArray.Clone(), DType, Device);
            DeviceBackends.For(Device).LogSoftmaxRows(x.Buffer, x.Offset, Count / ShapeArray[^1], ShapeArray[^1], y.Buffer);
        }
        else
            using (Autograd.NoGrad())
            {
                var shifted = Sub(StableShift(d));
                y = shifted.Sub(shifted.Exp().Sum(d, keepDim: true).Log());
            }
        return Autograd.Record(y, OpCode.LogSoftmax, [this], new OpAttributes { Dims = d });
    }

    /// <summary>softmax along <paramref name="dim"/>: e^(x − logsumexp(x)), so no intermediate overflows.</summary>
    public Tensor Softmax(int dim = -1) => LogSoftmax(dim).Exp();
}
