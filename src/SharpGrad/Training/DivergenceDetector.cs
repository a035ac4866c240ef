using System.Globalization;

namespace SharpGrad.Training;

/// <summary>
/// Decides from a stream of batch losses whether training has diverged. A non-finite loss
/// diverges at once. Otherwise the reference is the first loss seen, or ln C for C classes if
/// that is larger (an untrained classifier's cross-entropy, so a run resumed from a good model
/// is not held to its own small loss), and training has diverged when each of the last
/// <see cref="Patience"/> batch losses is above <see cref="Factor"/> times the reference: one
/// noisy batch does not stop a run, a loss that has exploded and stays up does.
/// </summary>
internal sealed class DivergenceDetector(double factor, int patience, int classes)
{
    private double reference = double.NaN;
    private int above;

    public double Factor { get; } = factor;

    public int Patience { get; } = patience;

    /// <summary>The loss above which a batch counts towards divergence; NaN before the first loss.</summary>
    public double Threshold => Factor * reference;

    /// <summary>Records one batch loss; returns a one-line reason when training has diverged, otherwise null.</summary>
    public string? Observe(double loss)
    {
        if (!double.IsFinite(loss))
            return $"the batch loss became {loss.ToString(CultureInfo.InvariantCulture)}";
        if (double.IsNaN(reference))
            reference = Math.Max(loss, Math.Log(classes));
        above = loss > Threshold ? above + 1 : 0;
        if (above < Patience)
            return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"the loss stayed above {Threshold:G3} ({Factor:G3} times its starting value {reference:G3}) for {Patience} batches in a row, reaching {loss:G3}");
    }
}
