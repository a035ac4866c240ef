using System.Diagnostics;
using SharpGrad.Data;
using SharpGrad.NN;
using SharpGrad.Optim;

namespace SharpGrad.Training;

/// <summary>
/// The classification training loop every example needs, written once: for each batch,
/// forward, cross-entropy, backward, optimiser step; then evaluation on held-out data with
/// accuracy and a confusion matrix. It reports progress per batch through a callback so that
/// a console, a notebook or a test can show it as it likes.
/// </summary>
public sealed class Trainer
{
    private readonly Module model;
    private readonly Optimizer optimizer;
    private readonly ITrainingStepHooks? hooks;
    private DivergenceDetector? divergence;

    /// <summary>Creates a trainer for <paramref name="model"/> (which maps inputs to [N, classes] logits).</summary>
    /// <param name="model">The model.</param>
    /// <param name="optimizer">The optimiser of the model's parameters.</param>
    /// <param name="classes">The number of classes.</param>
    /// <param name="hooks">Called around each step (e.g. data-parallel gradient averaging); none when null.</param>
    public Trainer(Module model, Optimizer optimizer, int classes, ITrainingStepHooks? hooks = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (classes < 2)
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "A classifier needs at least two classes.");
        this.model = model;
        this.optimizer = optimizer;
        this.hooks = hooks;
        Classes = classes;
    }

    /// <summary>The number of classes.</summary>
    public int Classes { get; }

    /// <summary>
    /// How many times its starting value (at least ln <see cref="Classes"/>, an untrained
    /// classifier's loss) the batch loss must exceed, <see cref="DivergencePatience"/> batches in a
    /// row, for <see cref="TrainEpoch"/> to stop with a <see cref="TrainingDivergedException"/>.
    /// Default 100; <see cref="double.PositiveInfinity"/> stops only on a non-finite loss.
    /// </summary>
    public double DivergenceFactor { get; init; } = 100;

    /// <summary>The number of consecutive batches the loss must stay above the divergence threshold. Default 10.</summary>
    public int DivergencePatience { get; init; } = 10;

    /// <summary>
    /// One pass over <paramref name="loader"/> in training mode. <paramref name="onBatch"/> is
    /// called after every step with the number of samples seen so far and the running means.
    /// </summary>
    /// <exception cref="TrainingDivergedException">
    /// A batch loss was not finite, or stayed above <see cref="DivergenceFactor"/> times its
    /// starting value for <see cref="DivergencePatience"/> batches; the model's weights are then
    /// not worth saving. The starting value is that of this trainer's first batch.
    /// </exception>
    public (double Loss, double Accuracy, double Seconds) TrainEpoch(DataLoader loader, Action<BatchProgress>? onBatch = null)
    {
        ArgumentNullException.ThrowIfNull(loader);
        divergence ??= new DivergenceDetector(DivergenceFactor, DivergencePatience, Classes);
        model.Train();
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        long correct = 0, seen = 0;
        // Batches come from the loader in main memory and go to the model's device (copied once, inside the batch's scope).
        var device = model.Device;
        foreach (var (batchInputs, targets) in loader.InMemoryScopes())
        {
            var inputs = batchInputs.To(device);
            Tensor logits;
            using (hooks?.BeginStep(inputs.Size(0)))
                logits = model.Call(inputs);
            var loss = Functional.CrossEntropy(logits, targets);
            optimizer.ZeroGrad();
            loss.Backward();
            hooks?.AfterBackward();
            optimizer.Step();
            double batchLoss = loss.Item();
            if (divergence.Observe(batchLoss) is { } reason)
                throw new TrainingDivergedException($"Training diverged after {seen + targets.Size(0)} samples of the epoch: {reason}; lower the learning rate.",
                    seen + targets.Size(0), batchLoss);
            int n = targets.Size(0);
            lossSum += batchLoss * n;
            correct += CountCorrect(logits, targets);
            seen += n;
            onBatch?.Invoke(new BatchProgress(seen, lossSum / seen, (double)correct / seen, clock.Elapsed.TotalSeconds));
        }
        if (seen == 0)
            throw new InvalidOperationException(loader.Dataset.Count == 0
                ? "The training data set is empty."
                : $"The training data produced no batches: its {loader.Dataset.Count} samples are fewer than one batch of {loader.BatchSize}, and the loader drops an incomplete last batch.");
        return (lossSum / seen, (double)correct / seen, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Evaluates the model being trained (see the static <see cref="Evaluate(Module, DataLoader, int)"/>).</summary>
    public Evaluation Evaluate(DataLoader loader) => Evaluate(model, loader, Classes);

    /// <summary>Loss, accuracy and confusion matrix of <paramref name="model"/> on <paramref name="loader"/> in evaluation mode, without recording gradients.</summary>
    public static Evaluation Evaluate(Module model, DataLoader loader, int classes)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loader);
        bool wasTraining = model.Training;
        model.Eval();
        var confusion = new long[classes, classes];
        double lossSum = 0;
        long seen = 0;
        try
        {
            using (Autograd.NoGrad())
            {
                var device = model.Device;
                foreach (var (inputs, targets) in loader.InMemoryScopes())
                {
                    var logits = model.Call(inputs.To(device));
                    lossSum += Functional.CrossEntropy(logits, targets, reduction: Reduction.Sum).Item();
                    var predicted = logits.ArgMax(1).ToArray<int>();
                    var actual = targets.ToArray<int>();
                    for (int i = 0; i < actual.Length; i++) confusion[actual[i], predicted[i]]++;
                    seen += actual.Length;
                }
            }
        }
        finally
        {
            model.Train(wasTraining);
        }
        return new Evaluation(seen == 0 ? double.NaN : lossSum / seen, confusion);
    }

    private static long CountCorrect(Tensor logits, Tensor targets)
    {
        using (Autograd.NoGrad())
            return (long)logits.ArgMax(1).Eq(targets.To(logits.Device)).Sum().Item();
    }
}
