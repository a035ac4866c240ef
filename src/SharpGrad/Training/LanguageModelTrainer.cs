using System.Diagnostics;
using SharpGrad.Data;
using SharpGrad.NN;
using SharpGrad.Optim;

namespace SharpGrad.Training;

/// <summary>
/// The training loop of a character-level language model: for each batch of token windows or
/// whole words, forward, cross-entropy over every predicted token (padding skipped), backward,
/// optional gradient clipping, optimiser step and one step of a per-step learning-rate schedule
/// (warm-up and cosine decay are planned in steps, not epochs). Losses are reported in nats per
/// character, the end of each word counted as one character, the same measure for window and
/// sequence models.
/// </summary>
public sealed class LanguageModelTrainer
{
    private readonly CharLanguageModel model;
    private readonly Optimizer optimizer;
    private readonly LearningRateScheduler? schedule;
    private DivergenceDetector? divergence;

    /// <summary>Creates a trainer; <paramref name="schedule"/>, when given, is stepped after every optimiser step.</summary>
    public LanguageModelTrainer(CharLanguageModel model, Optimizer optimizer, LearningRateScheduler? schedule = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (schedule is not null && !ReferenceEquals(schedule.Optimizer, optimizer))
            throw new ArgumentException("LanguageModelTrainer: the schedule must belong to the trainer's optimiser.", nameof(schedule));
        this.model = model;
        this.optimizer = optimizer;
        this.schedule = schedule;
    }

    /// <summary>The largest total gradient norm a step applies (larger ones are scaled down); 0, the default, never clips.</summary>
    public double ClipNorm { get; init; }

    /// <summary>
    /// One pass over <paramref name="loader"/> in training mode; returns the mean loss per predicted
    /// character, the seconds taken and the characters predicted. <paramref name="onBatch"/> is called
    /// after each step (its samples are characters and its accuracy the share predicted best).
    /// </summary>
    /// <exception cref="TrainingDivergedException">A batch loss was not finite or stayed far above its starting value.</exception>
    public (double Loss, double Seconds, long Characters) TrainEpoch(DataLoader loader, Action<BatchProgress>? onBatch = null)
    {
        ArgumentNullException.ThrowIfNull(loader);
        divergence ??= new DivergenceDetector(100, 10, model.VocabularySize);
        model.Train();
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        long seen = 0, correct = 0;
        // Batches come from the loader in main memory and go to the model's device.
        var device = model.Device;
        foreach (var (inputs, targets) in loader.InMemoryScopes())
        {
            var (logits, flatTargets) = Flatten(model.Call(inputs.To(device)), targets);
            var loss = Functional.CrossEntropy(logits, flatTargets, ignoreIndex: NamesDataset.IgnoreIndex);
            optimizer.ZeroGrad();
            loss.Backward();
            if (ClipNorm > 0) GradientClipping.ClipGradNorm(model.Parameters(), ClipNorm);
            optimizer.Step();
            schedule?.Step();
            double batchLoss = loss.Item();
            if (divergence.Observe(batchLoss) is { } reason)
                throw new TrainingDivergedException($"Training diverged after {seen} characters of the epoch: {reason}; lower the learning rate.", seen, batchLoss);
            var (count, right) = CountTargets(logits, flatTargets);
            lossSum += batchLoss * count;
            seen += count;
            correct += right;
            onBatch?.Invoke(new BatchProgress(seen, lossSum / seen, (double)correct / seen, clock.Elapsed.TotalSeconds));
        }
        if (seen == 0)
            throw new InvalidOperationException("The training data produced no characters to predict.");
        return (lossSum / seen, clock.Elapsed.TotalSeconds, seen);
    }

    /// <summary>The mean loss per predicted character of <paramref name="model"/> on <paramref name="loader"/>, in evaluation mode and without gradients.</summary>
    public static double Evaluate(CharLanguageModel model, DataLoader loader)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loader);
        bool wasTraining = model.Training;
        model.Eval();
        double lossSum = 0;
        long seen = 0;
        try
        {
            using (Autograd.NoGrad())
            {
                var device = model.Device;
                foreach (var (inputs, targets) in loader.InMemoryScopes())
                {
                    var (logits, flatTargets) = Flatten(model.Call(inputs.To(device)), targets);
                    lossSum += Functional.CrossEntropy(logits, flatTargets, reduction: Reduction.Sum, ignoreIndex: NamesDataset.IgnoreIndex).Item();
                    seen += CountTargets(logits, flatTargets).Count;
                }
            }
        }
        finally
        {
            model.Train(wasTraining);
        }
        return seen == 0 ? double.NaN : lossSum / seen;
    }

    /// <summary>Logits [N·T, V] and targets [N·T] of a sequence model; a window model's [N, V] and [N] as they are.</summary>
    private static (Tensor Logits, Tensor Targets) Flatten(Tensor logits, Tensor targets) =>
        logits.Rank == 3 ? (logits.Reshape(-1, logits.Size(-1)), targets.Reshape(-1)) : (logits, targets);

    private static (long Count, long Correct) CountTargets(Tensor logits, Tensor targets)
    {
        using (Autograd.NoGrad())
        {
            var t = targets.ToArray<int>();
            var p = logits.ArgMax(1).ToArray<int>();
            long count = 0, correct = 0;
            for (int i = 0; i < t.Length; i++)
            {
                if (t[i] == NamesDataset.IgnoreIndex) continue;
                count++;
                if (p[i] == t[i]) correct++;
            }
            return (count, correct);
        }
    }
}
