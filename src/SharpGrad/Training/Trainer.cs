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
    /// One pass over <paramref name="loader"/> in training mode. <paramref name="onBatch"/> is
    /// called after every step with the number of samples seen so far and the running means.
    /// </summary>
    public (double Loss, double Accuracy, double Seconds) TrainEpoch(DataLoader loader, Action<BatchProgress>? onBatch = null)
    {
        ArgumentNullException.ThrowIfNull(loader);
        model.Train();
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        long correct = 0, seen = 0;
        foreach (var (inputs, targets) in InScopes(loader))
        {
            Tensor logits;
            using (hooks?.BeginStep(inputs.Size(0)))
                logits = model.Call(inputs);
            var loss = Functional.CrossEntropy(logits, targets);
            optimizer.ZeroGrad();
            loss.Backward();
            hooks?.AfterBackward();
            optimizer.Step();
            double batchLoss = loss.Item();
            if (!double.IsFinite(batchLoss))
                throw new InvalidOperationException($"The training loss became {batchLoss} after {seen} samples; lower the learning rate.");
            int n = targets.Size(0);
            lossSum += batchLoss * n;
            correct += CountCorrect(logits, targets);
            seen += n;
            onBatch?.Invoke(new BatchProgress(seen, lossSum / seen, (double)correct / seen, clock.Elapsed.TotalSeconds));
        }
        if (seen == 0)
            throw new InvalidOperationException("The training data produced no batches (is the dataset smaller than one batch with dropLast?).");
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
                foreach (var (inputs, targets) in InScopes(loader))
                {
                    var logits = model.Call(inputs);
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

    /// <summary>
    /// The loader's batches, each drawn inside a fresh memory scope that stays open until the next
    /// batch is asked for: the batch, the activations and the backward pass's temporaries of one step
    /// all reuse the previous step's memory.
    /// </summary>
    private static IEnumerable<(Tensor Inputs, Tensor Targets)> InScopes(DataLoader loader)
    {
        using var batches = loader.GetEnumerator();
        while (true)
        {
            using var step = MemoryScope.Begin();
            if (!batches.MoveNext())
                yield break;
            yield return batches.Current;
        }
    }

    private static long CountCorrect(Tensor logits, Tensor targets)
    {
        using (Autograd.NoGrad())
            return (long)logits.ArgMax(1).Eq(targets).Sum().Item();
    }
}
