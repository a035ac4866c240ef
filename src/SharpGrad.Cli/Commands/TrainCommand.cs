using System.CommandLine;
using System.Globalization;
using System.Text;
using SharpGrad.Data;
using SharpGrad.Distributed;
using SharpGrad.IO;
using SharpGrad.NN;
using SharpGrad.Optim;
using SharpGrad.Training;
using Spectre.Console;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad train</c>: trains one of the reference models on MNIST-format digits (the
/// bundled 8 000/2 000 split by default), shows progress, and writes metrics.csv, curves.png,
/// model.safetensors and a resumable checkpoint into the output folder. Started by <c>mpirun -np N</c>
/// (or any MPI launcher) it trains data-parallel: each rank takes its share of every global batch
/// of N × --batch-size samples, gradients are averaged over the ranks, and rank 0 alone prints and
/// writes files; the result is that of one process with the global batch.
/// </summary>
internal static class TrainCommand
{
    private const string CheckpointFile = "checkpoint.safetensors";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model to train: cnn or mlp.", DefaultValueFactory = _ => "cnn" };
        model.AcceptOnlyFromAmong([.. MnistModels.Names]);
        var epochs = new Option<int>("--epochs") { Description = "Number of passes over the training data.", DefaultValueFactory = _ => 15 };
        var batchSize = new Option<int>("--batch-size") { Description = "Samples per optimisation step on each process; under mpirun -np N the global batch is N times this.", DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => 0.002 };
        var optimizer = new Option<string>("--optimizer") { Description = "Optimiser: adam, adamw, sgd or rmsprop.", DefaultValueFactory = _ => "adam" };
        optimizer.AcceptOnlyFromAmong("adam", "adamw", "sgd", "rmsprop");
        var seed = new Option<ulong>("--seed") { Description = "Seed for initialisation and shuffling.", DefaultValueFactory = _ => 1 };
        var data = new Option<string>("--data") { Description = "Folder with MNIST IDX files (train-images-idx3-ubyte[.gz], ...).", DefaultValueFactory = _ => CliPaths.DefaultDataFolder() };
        var output = new Option<string>("--out") { Description = "Folder for metrics.csv, curves.png, model.safetensors and the checkpoint.", DefaultValueFactory = _ => "out" };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in the output folder." };
        var distTimeout = new Option<double>("--dist-timeout") { Description = "Under mpirun: seconds a rank waits for the others before stopping with an error.", DefaultValueFactory = _ => ProcessGroup.DefaultTimeout.TotalSeconds };
        var command = new Command("train", "Train a digit classifier and report its test accuracy.")
        {
            model, epochs, batchSize, lr, optimizer, seed, data, output, resume, distTimeout,
        };
        command.SetAction(parse => Run(new Settings(
            parse.GetValue(model)!, parse.GetValue(epochs), parse.GetValue(batchSize), parse.GetValue(lr),
            parse.GetValue(optimizer)!, parse.GetValue(seed), parse.GetValue(data)!, parse.GetValue(output)!, parse.GetValue(resume)), parse.GetValue(distTimeout)));
        return command;
    }

    private sealed record Settings(string Model, int Epochs, int BatchSize, double LearningRate, string Optimizer, ulong Seed, string Data, string Output, bool Resume);

    private sealed record EpochRow(int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy, double Seconds, double SamplesPerSecond);

    private static int Run(Settings s, double timeoutSeconds)
    {
        if (!double.IsFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new ArgumentException($"--dist-timeout must be a positive number of seconds, got {timeoutSeconds.ToString(CultureInfo.InvariantCulture)}.");
        using var group = DistributedTraining.Join(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            return Run(s, group);
        }
        catch (Exception e) when (group.Size > 1)
        {
            // One rank giving up must end the others now, not after their timeout.
            return DistributedTraining.Fail(group, e, e is DistributedException or ArgumentException or IOException or InvalidDataException
                ? CliErrors.UsageError : CliErrors.InternalError);
        }
    }

    private static int Run(Settings s, ProcessGroup group)
    {
        if (s.Epochs <= 0) throw new ArgumentException($"--epochs must be positive, got {s.Epochs}.");
        if (s.BatchSize <= 0) throw new ArgumentException($"--batch-size must be positive, got {s.BatchSize}.");
        if (!double.IsFinite(s.LearningRate) || s.LearningRate <= 0) throw new ArgumentException($"--lr must be a positive number, got {s.LearningRate.ToString(CultureInfo.InvariantCulture)}.");
        DistributedTraining.RequireSameArguments(group, [
            new("--model", s.Model), new("--epochs", s.Epochs.ToString(CultureInfo.InvariantCulture)),
            new("--batch-size", s.BatchSize.ToString(CultureInfo.InvariantCulture)), new("--lr", s.LearningRate.ToString("R", CultureInfo.InvariantCulture)),
            new("--optimizer", s.Optimizer), new("--seed", s.Seed.ToString(CultureInfo.InvariantCulture)), new("--resume", s.Resume ? "yes" : "no"),
            new("--dist-timeout", group.Timeout.TotalSeconds.ToString("R", CultureInfo.InvariantCulture))]);

        var (train, test) = Mnist.Load(s.Data, normalize: true);
        var model = MnistModels.Create(s.Model, new Generator(s.Seed));
        var optimizer = CreateOptimizer(s.Optimizer, model.Parameters(), s.LearningRate);
        // Created before a resume restores the optimiser, so that it anneals from the base rate.
        var schedule = new CosineAnnealingLR(optimizer, s.Epochs);
        // One stream for shuffling and augmentation, saved in the checkpoint, so a resumed run sees the same batches.
        var shuffle = new Generator(s.Seed + 1);
        if (group.IsRoot) Directory.CreateDirectory(s.Output);
        string checkpointPath = Path.Combine(s.Output, CheckpointFile);

        var history = new List<EpochRow>();
        int startEpoch = 1;
        if (s.Resume)
        {
            var shared = DistributedTraining.ShareCheckpoint(group, checkpointPath)
                ?? throw new FileNotFoundException($"--resume: there is no checkpoint at {checkpointPath}.");
            int epoch;
            IReadOnlyDictionary<string, string> meta;
            try
            {
                (epoch, meta) = Checkpoint.Load(shared.Path, model, optimizer, shuffle);
            }
            finally
            {
                if (shared.Temporary) File.Delete(shared.Path);
            }
            if (meta.TryGetValue("model", out var savedModel) && savedModel != s.Model)
                throw new ArgumentException($"--resume: the checkpoint is of model \"{savedModel}\", not \"{s.Model}\".");
            history.AddRange(ParseHistory(meta.GetValueOrDefault("history", "")));
            startEpoch = epoch + 1;
            for (int i = 0; i < epoch; i++) schedule.Step();
            AnsiConsole.MarkupLine($"Resuming after epoch {epoch} from [blue]{Markup.Escape(checkpointPath)}[/].");
        }

        // Digits shifted by up to two pixels: 8 000 images are few enough that the network memorises them otherwise.
        var augment = new RandomShift(2, shuffle);
        // Every rank draws the same permutation and shifts (same seed) and takes its share of each global batch.
        var trainLoader = new DataLoader(train, s.BatchSize, shuffle: true, generator: shuffle, transform: augment.Apply,
            sampler: DistributedTraining.Sampler(group, evenSteps: true));
        var testLoader = new DataLoader(test, 500, sampler: DistributedTraining.Sampler(group, evenSteps: false));
        // Rank 0's parameters on every rank, then gradients averaged over the ranks at every step.
        using var ddp = new DistributedDataParallel(model, group);
        var trainer = new Trainer(model, optimizer, classes: 10, hooks: group.Size > 1 ? ddp : null);
        if (group.Size > 1)
            AnsiConsole.MarkupLine($"Data-parallel on {group.Size} ranks over [blue]{Markup.Escape(group.Transport)}[/].");
        AnsiConsole.MarkupLine($"Training [bold]{s.Model}[/] ({model.ParameterCount:N0} parameters) on {train.Count:N0} digits, testing on {test.Count:N0}; " +
            $"{s.Optimizer} lr {s.LearningRate.ToString(CultureInfo.InvariantCulture)} (cosine), batch {DistributedTraining.BatchDescription(group, s.BatchSize)}, seed {s.Seed}.");

        for (int epoch = startEpoch; epoch <= s.Epochs; epoch++)
        {
            var (loss, accuracy, seconds) = DistributedTraining.Combine(group, RunEpoch(trainer, trainLoader, epoch, s.Epochs, train.Count / group.Size));
            schedule.Step();
            var eval = DistributedTraining.Combine(group, trainer.Evaluate(testLoader));
            var row = new EpochRow(epoch, loss, accuracy, eval.Loss, eval.Accuracy, seconds, train.Count / seconds);
            history.Add(row);
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
                "epoch {0,2}/{1}  train loss {2:F4}  train acc {3:P2}  test loss {4:F4}  [bold]test acc {5:P2}[/]  {6:F1} s  {7:N0} samples/s",
                epoch, s.Epochs, row.TrainLoss, row.TrainAccuracy, row.TestLoss, row.TestAccuracy, row.Seconds, row.SamplesPerSecond);
            if (group.IsRoot)
            {
                Checkpoint.Save(checkpointPath, model, optimizer, epoch, shuffle, new Dictionary<string, string>
                {
                    ["model"] = s.Model,
                    ["history"] = FormatHistory(history),
                });
            }
        }

        if (history.Count == 0)
            throw new ArgumentException($"Nothing to do: the checkpoint already covers {startEpoch - 1} epochs and --epochs is {s.Epochs}.");
        if (!group.IsRoot)
            return 0;
        SafeTensors.Save(Path.Combine(s.Output, "model.safetensors"), model.StateDict(), new Dictionary<string, string> { ["model"] = s.Model });
        WriteMetrics(Path.Combine(s.Output, "metrics.csv"), history);
        Plots.TrainingCurves(Path.Combine(s.Output, "curves.png"), history.Select(h => (h.Epoch, h.TrainLoss, h.TestAccuracy)).ToList());

        var last = history[^1];
        var table = new Table().Title("Result").AddColumns("model", "epochs", "test accuracy", "test loss", "train time", "samples/s");
        table.AddRow(s.Model, last.Epoch.ToString(CultureInfo.InvariantCulture), last.TestAccuracy.ToString("P2", CultureInfo.InvariantCulture),
            last.TestLoss.ToString("F4", CultureInfo.InvariantCulture), history.Sum(h => h.Seconds).ToString("F1", CultureInfo.InvariantCulture) + " s",
            history.Average(h => h.SamplesPerSecond).ToString("N0", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Wrote metrics.csv, curves.png and model.safetensors to [blue]{Markup.Escape(Path.GetFullPath(s.Output))}[/].");
        return 0;
    }

    private static (double Loss, double Accuracy, double Seconds) RunEpoch(Trainer trainer, DataLoader loader, int epoch, int epochs, int samples)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
            return trainer.TrainEpoch(loader);
        (double, double, double) result = default;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"epoch {epoch}/{epochs}", maxValue: samples);
                result = trainer.TrainEpoch(loader, p =>
                {
                    task.Value = p.Samples;
                    task.Description = string.Create(CultureInfo.InvariantCulture,
                        $"epoch {epoch}/{epochs}  loss {p.Loss:F4}  acc {p.Accuracy:P1}  {p.SamplesPerSecond:N0} samples/s");
                });
            });
        return result;
    }

    internal static Optimizer CreateOptimizer(string name, IEnumerable<Tensor> parameters, double lr) => name switch
    {
        "adam" => new Adam(parameters, lr),
        "adamw" => new AdamW(parameters, lr),
        "sgd" => new Sgd(parameters, lr, momentum: 0.9),
        "rmsprop" => new RmsProp(parameters, lr),
        _ => throw new ArgumentException($"Unknown optimiser \"{name}\"; choose adam, adamw, sgd or rmsprop."),
    };

    private static void WriteMetrics(string path, IReadOnlyList<EpochRow> history)
    {
        var sb = new StringBuilder("epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,samples_per_second\n");
        foreach (var h in history)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{h.Epoch},{h.TrainLoss:R},{h.TrainAccuracy:R},{h.TestLoss:R},{h.TestAccuracy:R},{h.Seconds:F3},{h.SamplesPerSecond:F1}"));
        CliPaths.WriteText(path, sb.ToString(), "train");
    }

    private static string FormatHistory(IEnumerable<EpochRow> history) => string.Join(";", history.Select(h => string.Create(CultureInfo.InvariantCulture,
        $"{h.Epoch},{h.TrainLoss:R},{h.TrainAccuracy:R},{h.TestLoss:R},{h.TestAccuracy:R},{h.Seconds:R},{h.SamplesPerSecond:R}")));

    private static IEnumerable<EpochRow> ParseHistory(string text)
    {
        foreach (var entry in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = entry.Split(',');
            if (f.Length != 7)
                throw new InvalidDataException($"The checkpoint's training history is damaged near \"{entry}\".");
            double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
            yield return new EpochRow(int.Parse(f[0], CultureInfo.InvariantCulture), D(1), D(2), D(3), D(4), D(5), D(6));
        }
    }
}
