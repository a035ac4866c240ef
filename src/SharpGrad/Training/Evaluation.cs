namespace SharpGrad.Training;

/// <summary>
/// The result of evaluating a classifier: mean loss and the confusion matrix, whose entry
/// [actual, predicted] counts the samples of class <c>actual</c> that were predicted as
/// <c>predicted</c>; accuracy is its trace over its total.
/// </summary>
public sealed class Evaluation
{
    private readonly long[,] confusion;

    /// <summary>Creates the result from a mean loss and a confusion matrix.</summary>
    public Evaluation(double loss, long[,] confusion)
    {
        ArgumentNullException.ThrowIfNull(confusion);
        if (confusion.GetLength(0) != confusion.GetLength(1))
            throw new ArgumentException("A confusion matrix must be square.", nameof(confusion));
        Loss = loss;
        this.confusion = (long[,])confusion.Clone();
    }

    /// <summary>Mean loss per sample.</summary>
    public double Loss { get; }

    /// <summary>The number of classes.</summary>
    public int Classes => confusion.GetLength(0);

    /// <summary>Samples evaluated.</summary>
    public long Count
    {
        get
        {
            long n = 0;
            foreach (var c in confusion) n += c;
            return n;
        }
    }

    /// <summary>Fraction predicted correctly.</summary>
    public double Accuracy
    {
        get
        {
            long correct = 0;
            for (int i = 0; i < Classes; i++) correct += confusion[i, i];
            return Count == 0 ? double.NaN : (double)correct / Count;
        }
    }

    /// <summary>Samples of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted] => confusion[actual, predicted];
}
