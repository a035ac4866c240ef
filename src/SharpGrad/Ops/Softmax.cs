namespace SharpGrad;

public sealed partial class Tensor
{
    /// <summary>
    /// log softmax along <paramref name="dim"/>: x − logsumexp(x). Stable for logits of any
    /// magnitude (±1e4 included) because logsumexp subtracts the maximum first.
    /// </summary>
    public Tensor LogSoftmax(int dim = -1) => Sub(LogSumExp(dim, keepDim: true));

    /// <summary>softmax along <paramref name="dim"/>: e^(x − logsumexp(x)), so no intermediate overflows.</summary>
    public Tensor Softmax(int dim = -1) => LogSoftmax(dim).Exp();
}
