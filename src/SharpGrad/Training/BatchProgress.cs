namespace SharpGrad.Training;

/// <summary>Progress within a training epoch, reported after each batch.</summary>
/// <param name="Samples">Samples processed so far in this epoch.</param>
/// <param name="Loss">Mean training loss so far.</param>
/// <param name="Accuracy">Training accuracy so far (0 to 1).</param>
/// <param name="Seconds">Seconds since the epoch started.</param>
public readonly record struct BatchProgress(long Samples, double Loss, double Accuracy, double Seconds)
{
    /// <summary>Throughput so far.</summary>
    public double SamplesPerSecond => Seconds > 0 ? Samples / Seconds : 0;
}
