namespace SharpGrad.Training;

/// <summary>
/// Thrown by <see cref="Trainer.TrainEpoch"/> when training has diverged: a batch loss that is
/// not finite, or losses that stay far above where training started (see
/// <see cref="Trainer.DivergenceFactor"/>). The model's weights are then useless, so whoever
/// saves them should keep the last checkpoint from before instead; the usual cure is a lower
/// learning rate. It derives from <see cref="InvalidOperationException"/>, as continuing is not
/// possible in the model's state.
/// </summary>
public sealed class TrainingDivergedException : InvalidOperationException
{
    /// <summary>Creates the exception for a divergence seen after <paramref name="samples"/> samples of the epoch, at loss <paramref name="loss"/>.</summary>
    public TrainingDivergedException(string message, long samples, double loss)
        : base(message)
    {
        Samples = samples;
        Loss = loss;
    }

    /// <summary>Samples of the epoch trained on before the divergence was seen.</summary>
    public long Samples { get; }

    /// <summary>The loss that showed the divergence (non-finite, or the recent mean).</summary>
    public double Loss { get; }
}
