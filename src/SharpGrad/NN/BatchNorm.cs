namespace SharpGrad.NN;

/// <summary>
/// Batch normalisation over the channel dimension (dimension 1). In training mode it normalises
/// with the batch's mean and biased variance and updates running estimates
/// (running = (1 − momentum)·running + momentum·batch, with the unbiased variance); in
/// evaluation mode it uses the running estimates. An optional learned scale γ and shift β.
/// <see cref="BatchNorm1d"/> and <see cref="BatchNorm2d"/> fix the accepted input ranks.
/// The state dict has PyTorch's keys: <c>weight</c>, <c>bias</c>, <c>running_mean</c>,
/// <c>running_var</c> and <c>num_batches_tracked</c>, the count of training forward passes.
/// PyTorch keeps that count as int64; SharpGrad has no int64 tensors, so it is a 0-d int32
/// tensor, written to safetensors as I32 (PyTorch's <c>load_state_dict</c> copies it into its
/// int64 buffer) and read from PyTorch's I64. A state dict without it (files written before it
/// existed) still loads strictly and leaves the count as it was, as PyTorch does for old checkpoints.
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
        RegisterBuffer(NumBatchesTrackedName, Tensor.Zeros([], DType.Int32));
    }

    private const string NumBatchesTrackedName = "num_batches_tracked";

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

    /// <summary>How many training-mode forward passes have updated the running estimates (a 0-d int32 tensor).</summary>
    public Tensor NumBatchesTracked => Buffer(NumBatchesTrackedName);

    /// <summary>The input ranks this layer accepts.</summary>
    protected abstract int[] AcceptedRanks { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ExpectInput(input, AcceptedRanks, 1, NumFeatures, $"{NumFeatures} channels in dimension 1");
        var output = Functional.BatchNorm(input, RunningMean, RunningVar, OptionalParameter("weight"), OptionalParameter("bias"), Training, Momentum, Eps);
        if (Training)
        {
            // Incremented in place without Fill's scalar tensor: this runs on every training step.
            var count = NumBatchesTracked;
            count.Data<int>()[count.Offset]++;
            count.Storage.BumpVersion();
        }
        return Observed(input, output);
    }

    private protected override bool MayBeMissingFromStateDict(string name) => name == NumBatchesTrackedName;
}
