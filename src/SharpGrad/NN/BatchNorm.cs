namespace SharpGrad.NN;

/// <summary>
/// Batch normalisation over the channel dimension (dimension 1). In training mode it normalises
/// with the batch's mean and biased variance and updates running estimates
/// (running = (1 − momentum)·running + momentum·batch, with the unbiased variance); in
/// evaluation mode it uses the running estimates. An optional learned scale γ and shift β.
/// <see cref="BatchNorm1d"/> and <see cref="BatchNorm2d"/> fix the accepted input ranks.
/// </summary>
public abstract class BatchNorm : Module
{
    /// <summary>Creates the layer for <paramref name="numFeatures"/> channels.</summary>
    protected BatchNorm(int numFeatures, double eps, double momentum, bool affine, DType dtype)
    {
        if (numFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(numFeatures), numFeatures, "Batch norm needs a positive number of features.");
        if (!(momentum >= 0 && momentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Batch-norm momentum must be in [0, 1].");
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        if (affine)
        {
            RegisterParameter("weight", Tensor.Ones([numFeatures], dtype));
            RegisterParameter("bias", Tensor.Zeros([numFeatures], dtype));
        }
        RegisterBuffer("running_mean", Tensor.Zeros([numFeatures], dtype));
        RegisterBuffer("running_var", Tensor.Ones([numFeatures], dtype));
    }

    /// <summary>The number of channels.</summary>
    public int NumFeatures { get; }

    /// <summary>The constant added to the variance.</summary>
    public double Eps { get; }

    /// <summary>The weight of the newest batch in the running estimates.</summary>
    public double Momentum { get; }

    /// <summary>The running mean per channel.</summary>
    public Tensor RunningMean => Buffer("running_mean");

    /// <summary>The running (unbiased) variance per channel.</summary>
    public Tensor RunningVar => Buffer("running_var");

    /// <summary>The input ranks this layer accepts.</summary>
    protected abstract int[] AcceptedRanks { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ExpectInput(input, AcceptedRanks, 1, NumFeatures, $"{NumFeatures} channels in dimension 1");
        return Functional.BatchNorm(input, RunningMean, RunningVar, OptionalParameter("weight"), OptionalParameter("bias"), Training, Momentum, Eps);
    }
}
