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
/// <c>sharpgrad train --task names</c>: trains a character-level language model (bigram, MLP, LSTM or
/// transformer) on the bundled first names (or a folder of train.txt, val.txt and test.txt), reports
/// validation loss after every epoch and test loss at the end in nats per character, and writes the
/// outputs of the digits task: metrics.csv, curves.png, model.safetensors (with the vocabulary and the
/// model's sizes in its metadata, which <c>sharpgrad sample</c> reads) and a checkpoint per epoch.
/// </summary>
internal static class NamesTraining
{
    private const string CheckpointFile = "checkpoint.safetensors";

    /// <summary>The task's value in the <c>task</c> metadata entry of the files it writes.</summary>
    public const string Task = "names";

    /// <summary>The settings of one run: the recipe (each part the model's default unless given) and where to read and write.</summary>
    public sealed record Settings(LanguageModelRecipe Recipe, ulong Seed, string Data, string Output, Device Device = default);

    private sealed record EpochRow(int Epoch, double TrainLoss, double ValLoss, double Seconds, double CharactersPerSecond);

    /// <summary>The bundled names beside the assembly, or <paramref name="given"/>.</summary>
    public static string DataFolder(string? given) => given ?? Path.Combine(AppContext.BaseDirectory, "data", "names");

    /// <summary>The deepest stack <c>--layers</c> may ask for.</summary>
    private const int MaxLayers = 256;

    /// <summary>The most weights a names model may have, by the estimate <see cref="Run"/> makes from its sizes.</summary>
    private const long MaxParameters = 200_000_000;

    public static int Run(Settings s)
    {
        if (MpiEnvironment.Detect() is not null)
            throw new ArgumentException("--task names trains in one process; run it without mpirun.");
        var r = s.Recipe;
        if (r.Epochs <= 0) throw new ArgumentException($"--epochs must be positive, got {r.Epochs}.");
        if (r.BatchSize <= 0) throw new ArgumentException($"--batch-size must be positive, got {r.BatchSize}.");
        if (!double.IsFinite(r.LearningRate) || r.LearningRate <= 0) throw new ArgumentException($"--lr must be a positive number, got {r.LearningRate.ToString(CultureInfo.InvariantCulture)}.");
        if (!double.IsFinite(r.WeightDecay) || r.WeightDecay < 0) throw new ArgumentException($"--weight-decay must be zero or positive, got {r.WeightDecay.ToString(CultureInfo.InvariantCulture)}.");
        if (r.WarmupSteps < 0) throw new ArgumentException($"--warmup must be zero or positive, got {r.WarmupSteps}.");
        if (!(r.Config.Dropout >= 0 && r.Config.Dropout < 1)) throw new ArgumentException($"--dropout must be in [0, 1), got {r.Config.Dropout.ToString(CultureInfo.InvariantCulture)}.");
        foreach (var (option, value) in new[] { ("--context", r.Config.Context), ("--embed", r.Config.Embed), ("--hidden", r.Config.Hidden), ("--layers", r.Config.Layers), ("--heads", r.Config.Heads) })
            if (value < (r.Model == "bigram" || (r.Model == "mlp" && option is "--layers" or "--heads") || (r.Model == "lstm" && option == "--heads") ? 0 : 1))
                throw new ArgumentException($"{option} must be positive for the {r.Model} model, got {value}.");
        // A model this command can train on a CPU in a session: each layer's weights are at most about 4·(embed + hidden)²
        // (an LSTM's four gates), and a stack deeper than 256 layers is no character model.
        if (r.Config.Layers > MaxLayers)
            throw new ArgumentException($"--layers must be at most {MaxLayers}, got {r.Config.Layers}.");
        long estimate = Math.Max(1, r.Config.Layers) * 4L * ((long)r.Config.Embed + r.Config.Hidden) * ((long)r.Config.Embed + r.Config.Hidden);
        if (estimate > MaxParameters)
            throw new ArgumentException($"--embed {r.Config.Embed}, --hidden {r.Config.Hidden} and --layers {r.Config.Layers} make a model of up to {estimate:N0} weights, more than {MaxParameters:N0}; choose smaller sizes.");
        if (r.Model == "transformer" && r.Config.Embed % r.Config.Heads != 0)
            throw new ArgumentException($"--embed ({r.Config.Embed}) must be a multiple of --heads ({r.Config.Heads}).");

        // A device that cannot be used is reported before anything is read or written.
        if (!s.Device.IsCpu)
            DeviceBackends.For(s.Device);
        string folder = CliPaths.CheckFolder("--data", s.Data);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"--data: the folder '{folder}' does not exist; it should hold train.txt, val.txt and test.txt, one word per line.");
        var train = NamesDataset.ReadWords(Path.Combine(folder, "train.txt"));
        var val = NamesDataset.ReadWords(Path.Combine(folder, "val.txt"));
        var test = NamesDataset.ReadWords(Path.Combine(folder, "test.txt"));
        var vocabulary = CharVocabulary.FromWords(train);
        var generator = new Generator(s.Seed);
        var model = CharLanguageModels.Create(r.Model, vocabulary.Count, r.Config, generator);
        // Initialised on the CPU from the seed and then moved, so a GPU run starts from the CPU run's weights.
        model.To(s.Device);
        NamesDataset Make(List<string> words, string file)
        {
            try
            {
                return model.ReadsSequences ? NamesDataset.Sequences(words, vocabulary, r.Config.Context) : NamesDataset.Windows(words, vocabulary, model.Config.Context);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{Path.Combine(folder, file)}: {e.Message.Split(" (Parameter")[0]}", e);
            }
        }
        var trainSet = Make(train, "train.txt");
        var valSet = Make(val, "val.txt");
        var testSet = Make(test, "test.txt");

        CliPaths.PrepareOutputFolder("--out", s.Output, "model.safetensors", "metrics.csv", "curves.png", CheckpointFile);

        // Weight decay on matrices and embeddings only: shrinking biases and norm gains towards zero only hurts.
        var decayed = model.Parameters().Where(p => p.Rank >= 2).ToList();
        var rest = model.Parameters().Where(p => p.Rank < 2).ToList();
        var optimizer = new AdamW(decayed, r.LearningRate, weightDecay: r.WeightDecay);
        if (rest.Count > 0) optimizer.AddParameterGroup(rest, weightDecay: 0);
        var shuffle = new Generator(s.Seed + 1);
        var trainLoader = new DataLoader(trainSet, r.BatchSize, shuffle: true, generator: shuffle);
        int totalSteps = trainLoader.BatchCount * r.Epochs;
        int warmup = Math.Min(r.WarmupSteps, totalSteps - 1);
        var cosine = new CosineAnnealingLR(optimizer, Math.Max(1, totalSteps - warmup));
        LearningRateScheduler schedule = warmup > 0 ? new LinearWarmup(optimizer, warmup, after: cosine) : cosine;
        var trainer = new LanguageModelTrainer(model, optimizer, schedule);
        var valLoader = new DataLoader(valSet, 512);
        var testLoader = new DataLoader(testSet, 512);

        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            "Training [bold]{0}[/] ({1:N0} parameters) on {2:N0} names ({3:N0} characters with their ends), validating on {4:N0}, testing on {5:N0}; " +
            "AdamW lr {6} (warm-up {7} steps, cosine), weight decay {8}, batch {9}, seed {10}{11}.",
            r.Model, model.ParameterCount, train.Count, trainSet.CharacterCount, val.Count, test.Count,
            r.LearningRate, warmup, r.WeightDecay, r.BatchSize, s.Seed, s.Device.IsCpu ? "" : $", on {s.Device}");

        string checkpointPath = Path.Combine(s.Output, CheckpointFile);
        var history = new List<EpochRow>();
        for (int epoch = 1; epoch <= r.Epochs; epoch++)
        {
            double loss, seconds;
            long characters;
            try
            {
                (loss, seconds, characters) = RunEpoch(trainer, trainLoader, epoch, r.Epochs, trainSet.CharacterCount);
            }
            catch (TrainingDivergedException e)
            {
                string kept = epoch > 1 ? $"the checkpoint of epoch {epoch - 1} is kept" : "no checkpoint was written";
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {epoch}: {e.Message.TrimEnd('.')} (--lr {r.LearningRate}); {kept} and no model weights were written."), e);
            }
            double valLoss = LanguageModelTrainer.Evaluate(model, valLoader);
            var row = new EpochRow(epoch, loss, valLoss, seconds, characters / seconds);
            history.Add(row);
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
                "epoch {0,2}/{1}  train loss {2:F4}  [bold]val loss {3:F4}[/] nats/char  {4:F1} s  {5:N0} chars/s",
                epoch, r.Epochs, row.TrainLoss, row.ValLoss, row.Seconds, row.CharactersPerSecond);
            Checkpoint.Save(checkpointPath, model, optimizer, epoch, shuffle, Metadata(r, vocabulary, s.Seed, history), schedule);
        }

        double testLoss = LanguageModelTrainer.Evaluate(model, testLoader);
        var meta = Metadata(r, vocabulary, s.Seed, history);
        meta["val_loss"] = history[^1].ValLoss.ToString("R", CultureInfo.InvariantCulture);
        meta["test_loss"] = testLoss.ToString("R", CultureInfo.InvariantCulture);
        SafeTensors.Save(Path.Combine(s.Output, "model.safetensors"), model.StateDict(), meta);
        WriteMetrics(Path.Combine(s.Output, "metrics.csv"), history);
        Plots.LossCurves(Path.Combine(s.Output, "curves.png"), history.Select(h => (h.Epoch, h.TrainLoss, h.ValLoss)).ToList());

        var table = new Table().Title("Result (nats per character)").AddColumns("model", "parameters", "epochs", "val loss", "test loss", "train time", "chars/s");
        table.AddRow(r.Model, model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture), r.Epochs.ToString(CultureInfo.InvariantCulture),
            history[^1].ValLoss.ToString("F4", CultureInfo.InvariantCulture), testLoss.ToString("F4", CultureInfo.InvariantCulture),
            history.Sum(h => h.Seconds).ToString("F1", CultureInfo.InvariantCulture) + " s",
            history.Average(h => h.CharactersPerSecond).ToString("N0", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "Test loss [bold]{0:F4}[/] nats per character.", testLoss);
        AnsiConsole.MarkupLine($"Wrote metrics.csv, curves.png and model.safetensors to [blue]{Markup.Escape(Path.GetFullPath(s.Output))}[/]; " +
            $"sample names with [blue]sharpgrad sample --weights {Markup.Escape(Path.Combine(s.Output, "model.safetensors"))}[/].");
        return 0;
    }

    private static Dictionary<string, string> Metadata(LanguageModelRecipe r, CharVocabulary vocabulary, ulong seed, IEnumerable<EpochRow> history)
    {
        var meta = new Dictionary<string, string>(r.Config.ToMetadata())
        {
            ["task"] = Task,
            ["model"] = r.Model,
            ["vocabulary"] = vocabulary.Characters,
            ["epochs"] = r.Epochs.ToString(CultureInfo.InvariantCulture),
            ["batch_size"] = r.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["lr"] = r.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["weight_decay"] = r.WeightDecay.ToString("R", CultureInfo.InvariantCulture),
            ["warmup"] = r.WarmupSteps.ToString(CultureInfo.InvariantCulture),
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["history"] = string.Join(";", history.Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.Epoch},{h.TrainLoss:R},{h.ValLoss:R},{h.Seconds:R}"))),
        };
        return meta;
    }

    private static (double Loss, double Seconds, long Characters) RunEpoch(LanguageModelTrainer trainer, DataLoader loader, int epoch, int epochs, int characters)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
            return trainer.TrainEpoch(loader);
        (double, double, long) result = default;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"epoch {epoch}/{epochs}", maxValue: characters);
                result = trainer.TrainEpoch(loader, p =>
                {
                    task.Value = p.Samples;
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}/{epochs}  loss {p.Loss:F4}  {p.SamplesPerSecond:N0} chars/s");
                });
            });
        return result;
    }

    private static void WriteMetrics(string path, IReadOnlyList<EpochRow> history)
    {
        var sb = new StringBuilder("epoch,train_loss,val_loss,seconds,characters_per_second\n");
        foreach (var h in history)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{h.Epoch},{h.TrainLoss:R},{h.ValLoss:R},{h.Seconds:F3},{h.CharactersPerSecond:F1}"));
        CliPaths.WriteText(path, sb.ToString(), "train");
    }
}
