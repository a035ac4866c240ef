namespace SharpGrad.Optim;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter, 2019), as PyTorch's AdamW: before
/// the Adam step the weights shrink by w ← w − lr·λ·w, and the gradient is left alone, so the
/// decay is the same for every parameter instead of being divided by √v̂ as L2 regularisation
/// is in <see cref="Adam"/>. The Adam update and state are otherwise identical.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimiser over <paramref name="parameters"/> with PyTorch's defaults (weight decay 0.01).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative learning rate, ε or weight decay, or a β outside [0, 1).</exception>
    public AdamW(IEnumerable<Tensor> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false)
        : base(parameters, learningRate, beta1, beta2, eps, weightDecay, amsgrad, decoupledWeightDecay: true)
    {
    }
}
