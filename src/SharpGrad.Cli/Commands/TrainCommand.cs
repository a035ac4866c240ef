using System.CommandLine;
using System.Globalization;
using System.Text;
using SharpGrad.Data;
using SharpGrad.IO;
using SharpGrad.NN;
using SharpGrad.Optim;
using SharpGrad.Training;
using Spectre.Console;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad train</c>: trains one of the reference models on MNIST-format digits (the
/// bundled 8 000/2 000 split by default), shows progress, and writes metrics.csv, curves.png,
/// model.safetensors and a resumable checkpoint into the output folder.
/// </summary>
internal static class TrainCommand
{
    private const string CheckpointFile = "checkpoint.safetensors";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model to train: cnn or mlp.", DefaultValueFactory = _ => "cnn" }.OneOf([.. MnistModels.Names]);
        var epochs = CliOptions.Integer("--epochs", "Number of passes over the training data.", 15);
        var batchSize = CliOptions.Integer("--batch-size", "Samples per optimisation step.", 32);
        var lr = CliOptions.Number("--lr", "Learning rate.");
        lr.DefaultValueFactory = _ => 0.002;
        var optimizer = new Option<string>("--optimizer") { Description = "Optimiser: adam, adamw, sgd or rmsprop.", DefaultValueFactory = _ => "adam" }
            .OneOf("adam", "adamw", "sgd", "rmsprop");
        var seed = CliOptions.Integer("--seed", "Seed for initialisation and shuffling.", 1UL);
        var data = new Option<string>("--data") { Description = "Folder with MNIST IDX files (train-images-idx3-ubyte[.gz], ...).", DefaultValueFactory = _ => CliPaths.DefaultDataFolder() };
        var output = new Option<string>("--out") { Description = "Folder for metrics.csv, curves.png, model.safetensors and the checkpoint.", DefaultValueFactory = _ => "out" };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in the output folder." };
        var command = new Command("train", "Train a digit classifier and report its test accuracy.")
        {
            model, epochs, batchSize, lr, optimizer, seed, data, output, resume,
        };
        command.SetAction(parse => Run(new Settings(
            parse.GetValue(model)!, parse.GetValue(epochs), parse.GetValue(batchSize), parse.GetValue(lr),
            parse.GetValue(optimizer)!, parse.GetValue(seed), parse.GetValue(data)!, parse.GetValue(output)!, parse.GetValue(resume))));
        return command;
    }

    private sealed record Settings(string Model, int Epochs, int BatchSize, double LearningRate, string Optimizer, ulong Seed, string Data, string Output, bool Resume);

    private sealed record EpochRow(int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy, double Seconds, double SamplesPerSecond);

    private static int Run(Settings s)
    {
        if (s.Epochs <= 0) throw new ArgumentException($"--epochs must be positive, got {s.Epochs}.");
        if (s.BatchSize <= 0) throw new ArgumentException($"--batch-size must be positive, got {s.BatchSize}.");
        if (!double.IsFinite(s.LearningRate) || s.LearningRate <= 0) throw new ArgumentException($"--lr must be a positive number, got {s.LearningRate.ToString(CultureInfo.InvariantCulture)}.");

        CliPaths.CheckFolder("--out", s.Output);
        var (train, test) = Mnist.Load(CliPaths.CheckFolder("--data", s.Data), normalize: true);
        var model = MnistModels.Create(s.Model, new Generator(s.Seed));
        var optimizer = CreateOptimizer(s.Optimizer, model.Parameters(), s.LearningRate);
        // Created before a resume restores the optimiser, so that it anneals from the base rate.
        var schedule = new CosineAnnealingLR(optimizer, s.Epochs);
        // One stream for shuffling and augmentation, saved in the checkpoint, so a resumed run sees the same batches.
        var shuffle = new Generator(s.Seed + 1);
        var trainer = new Trainer(model, optimizer, classes: 10);
        Directory.CreateDirectory(s.Output);
        string checkpointPath = Path.Combine(s.Output, CheckpointFile);

        var history = new List<EpochRow>();
        int startEpoch = 1;
        if (s.Resume)
        {
            if (!File.Exists(checkpointPath))
                throw new FileNotFoundException($"--resume: there is no checkpoint at {checkpointPath}.");
            var (epoch, meta) = Checkpoint.Load(checkpointPath, model, optimizer, shuffle);
            if (meta.TryGetValue("model", out var savedModel) && savedModel != s.Model)
                throw new ArgumentException($"--resume: the checkpoint is of model \"{savedModel}\", not \"{s.Model}\".");
            history.AddRange(ParseHistory(meta.GetValueOrDefault("history", "")));
            startEpoch = epoch + 1;
            for (int i = 0; i < epoch; i++) schedule.Step();
            AnsiConsole.MarkupLine($"Resuming after epoch {epoch} from [blue]{Markup.Escape(checkpointPath)}[/].");
        }

        // Digits shifted by up to two pixels: 8 000 images are few enough that the network memorises them otherwise.
        var augment = new RandomShift(2, shuffle);
        var trainLoader = new DataLoader(train, s.BatchSize, shuffle: true, generator: shuffle, transform: augment.Apply);
        var testLoader = new DataLoader(test, 500);
        AnsiConsole.MarkupLine($"Training [bold]{s.Model}[/] ({model.ParameterCount:N0} parameters) on {train.Count:N0} digits, testing on {test.Count:N0}; " +
            $"{s.Optimizer} lr {s.LearningRate.ToString(CultureInfo.InvariantCulture)} (cosine), batch {s.BatchSize}, seed {s.Seed}.");

        for (int epoch = startEpoch; epoch <= s.Epochs; epoch++)
        {
            var (loss, accuracy, seconds) = RunEpoch(trainer, trainLoader, epoch, s.Epochs, train.Count);
            schedule.Step();
            var eval = trainer.Evaluate(testLoader);
            var row = new EpochRow(epoch, loss, accuracy, eval.Loss, eval.Accuracy, seconds, train.Count / seconds);
            history.Add(row);
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
                "epoch {0,2}/{1}  train loss {2:F4}  train acc {3:P2}  test loss {4:F4}  [bold]test acc {5:P2}[/]  {6:F1} s  {7:N0} samples/s",
                epoch, s.Epochs, row.TrainLoss, row.TrainAccuracy, row.TestLoss, row.TestAccuracy, row.Seconds, row.SamplesPerSecond);
            Checkpoint.Save(checkpointPath, model, optimizer, epoch, shuffle, new Dictionary<string, string>
            {
                ["model"] = s.Model,
                ["history"] = FormatHistory(history),
            });
        }

        if (history.Count == 0)
            throw new ArgumentException($"Nothing to do: the checkpoint already covers {startEpoch - 1} epochs and --epochs is {s.Epochs}.");
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
