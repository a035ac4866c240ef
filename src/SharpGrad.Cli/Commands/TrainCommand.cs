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
/// writes files; the result is that of one process with the global batch. With <c>--task names</c> it
/// trains a character-level language model instead (<see cref="NamesTraining"/>).
/// </summary>
internal static class TrainCommand
{
    private const string CheckpointFile = "checkpoint.safetensors";

    /// <summary>
    /// Called on rank 0 with the checkpoint path and epoch right after each checkpoint is saved, before the next
    /// epoch starts; lets a test take the exact file a run killed in the next epoch would leave behind.
    /// </summary>
    internal static Action<string, int>? CheckpointSaved;

    public static Command Create()
    {
        var task = new Option<string>("--task")
        {
            Description = "What to learn: digits (classify the MNIST-format digits) or names (a character-level language model of first names).",
            DefaultValueFactory = _ => "digits",
        }.OneOf("digits", NamesTraining.Task);
        var model = new Option<string?>("--model")
        {
            Description = "Model to train: cnn or mlp for digits (default cnn); bigram, mlp, lstm or transformer for names (default transformer).",
        }.OneOf([.. MnistModels.Names.Union(CharLanguageModels.Names)]);
        var epochs = CliOptions.Integer("--epochs", "Number of passes over the training data (names: the model's default unless given).", 15);
        var batchSize = CliOptions.Integer("--batch-size", "Samples per optimisation step on each process; under mpirun -np N the global batch is N times this. Names: words or windows per step, the model's default unless given.", 32);
        var lr = CliOptions.Number("--lr", "Learning rate (names: the model's default unless given).");
        lr.DefaultValueFactory = _ => 0.002;
        var optimizer = new Option<string>("--optimizer") { Description = "Optimiser: adam, adamw, sgd or rmsprop (digits; names train with AdamW).", DefaultValueFactory = _ => "adam" }
            .OneOf("adam", "adamw", "sgd", "rmsprop");
        var seed = CliOptions.Integer("--seed", "Seed for initialisation and shuffling.", 1UL);
        var data = new Option<string?>("--data")
        {
            Description = "Digits: folder with MNIST IDX files (train-images-idx3-ubyte[.gz], ...); default: the bundled 8 000/2 000 digits. " +
                "Names: folder with train.txt, val.txt and test.txt (one word per line); default: the bundled first names.",
        };
        var output = new Option<string>("--out") { Description = "Folder for metrics.csv, curves.png, model.safetensors and the checkpoint.", DefaultValueFactory = _ => "out" };
        var resume = new Option<bool>("--resume")
        {
            Description = "Continue the run whose checkpoint is in the output folder, exactly as if it had not stopped: --model, --optimizer, --lr, " +
                "--epochs, --batch-size and --seed are taken from the checkpoint, and giving one with another value is an error (the cosine " +
                "schedule is planned over the whole run, so a finished run cannot be lengthened; start a new run instead). Digits only.",
        };
        var distTimeout = CliOptions.Number("--dist-timeout", "Under mpirun: seconds a rank waits for the others before stopping with an error.");
        distTimeout.DefaultValueFactory = _ => ProcessGroup.DefaultTimeout.TotalSeconds;
        var context = CliOptions.Integer<int>("--context", "Names: tokens a bigram or MLP sees before the next one, or the longest word (with its end) an LSTM or transformer reads.");
        var embed = CliOptions.Integer<int>("--embed", "Names: token embedding size (the transformer's width).");
        var hidden = CliOptions.Integer<int>("--hidden", "Names: MLP hidden units, LSTM state size or transformer feed-forward size.");
        var layers = CliOptions.Integer<int>("--layers", "Names: LSTM layers or transformer blocks.");
        var heads = CliOptions.Integer<int>("--heads", "Names: transformer attention heads.");
        var dropout = CliOptions.Number("--dropout", "Names: dropout probability while training.");
        var weightDecay = CliOptions.Number("--weight-decay", "Names: AdamW weight decay of weight matrices and embeddings.");
        var warmup = CliOptions.Integer<int>("--warmup", "Names: steps of linear learning-rate warm-up before the cosine decay.");
        var device = CliOptions.Device("Where to train: cpu, cuda, cuda:N (an NVIDIA GPU, with the SharpGrad.Cuda backend) or gpu-sim (the GPU kernels on the CPU, for checking them without a GPU).");
        var command = new Command("train",
            "Train a digit classifier and report its test accuracy, or (--task names) a character-level language model of first names and report its test loss in nats per character.")
        {
            task, model, epochs, batchSize, lr, optimizer, seed, data, output, resume, distTimeout, context, embed, hidden, layers, heads, dropout, weightDecay, warmup, device,
        };
        command.SetAction(parse =>
        {
            bool Given(Option o) => parse.GetResult(o) is { Implicit: false };
            Option[] namesOnly = [context, embed, hidden, layers, heads, dropout, weightDecay, warmup];
            if (parse.GetValue(task) == NamesTraining.Task)
            {
                foreach (var o in new Option[] { optimizer, resume, distTimeout }.Where(Given))
                    throw new ArgumentException($"{o.Name} applies to --task digits; names models train with AdamW, in one process, from the start.");
                string name = parse.GetValue(model) ?? "transformer";
                if (!CharLanguageModels.Names.Contains(name))
                    throw new ArgumentException($"--model {name} is a digits model; --task names trains {CliOptions.Choices(CharLanguageModels.Names)}.");
                var r = LanguageModelRecipe.Default(name);
                var c = r.Config;
                r = r with
                {
                    Config = c with
                    {
                        Context = Given(context) ? parse.GetValue(context) : c.Context,
                        Embed = Given(embed) ? parse.GetValue(embed) : c.Embed,
                        Hidden = Given(hidden) ? parse.GetValue(hidden) : c.Hidden,
                        Layers = Given(layers) ? parse.GetValue(layers) : c.Layers,
                        Heads = Given(heads) ? parse.GetValue(heads) : c.Heads,
                        Dropout = Given(dropout) ? parse.GetValue(dropout) : c.Dropout,
                    },
                    Epochs = Given(epochs) ? parse.GetValue(epochs) : r.Epochs,
                    BatchSize = Given(batchSize) ? parse.GetValue(batchSize) : r.BatchSize,
                    LearningRate = Given(lr) ? parse.GetValue(lr) : r.LearningRate,
                    WeightDecay = Given(weightDecay) ? parse.GetValue(weightDecay) : r.WeightDecay,
                    WarmupSteps = Given(warmup) ? parse.GetValue(warmup) : r.WarmupSteps,
                };
                if (name == "bigram" && Given(context) && parse.GetValue(context) != 1)
                    throw new ArgumentException($"--context of a bigram model is 1, got {parse.GetValue(context)}.");
                // A size the model has no use for would be accepted and ignored, as if it had changed the model.
                Option[] unused = name switch
                {
                    "bigram" => [embed, hidden, layers, heads],
                    "mlp" => [layers, heads],
                    "lstm" => [heads],
                    _ => [],
                };
                foreach (var o in unused.Where(Given))
                    throw new ArgumentException($"{o.Name} does not apply to the {name} model, which has no {(o == embed ? "embedding" : o == hidden ? "hidden layer" : o == layers ? "stack of layers" : "attention heads")}.");
                return NamesTraining.Run(new NamesTraining.Settings(r, parse.GetValue(seed), NamesTraining.DataFolder(parse.GetValue(data)), parse.GetValue(output)!, parse.GetValue(device)));
            }
            foreach (var o in namesOnly.Where(Given))
                throw new ArgumentException($"{o.Name} applies to --task names only.");
            string digitsModel = parse.GetValue(model) ?? "cnn";
            if (!MnistModels.Names.Contains(digitsModel))
                throw new ArgumentException($"--model {digitsModel} is a names model; --task digits trains {CliOptions.Choices(MnistModels.Names)} (add --task names for the language models).");
            return Run(new Settings(
                digitsModel, parse.GetValue(epochs), parse.GetValue(batchSize), parse.GetValue(lr),
                parse.GetValue(optimizer)!, parse.GetValue(seed), CliPaths.DataFolder(parse.GetValue(data)), parse.GetValue(output)!, parse.GetValue(resume),
                [.. new Option[] { model, epochs, batchSize, lr, optimizer, seed }.Where(Given).Select(o => o.Name)], parse.GetValue(device)),
                parse.GetValue(distTimeout));
        });
        return command;
    }

    /// <summary>The command line; <see cref="Given"/> names the run-defining options typed on it (the others have their defaults).</summary>
    private sealed record Settings(string Model, int Epochs, int BatchSize, double LearningRate, string Optimizer, ulong Seed, string Data, string Output, bool Resume,
        IReadOnlyCollection<string> Given, Device Device);

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
            return DistributedTraining.Fail(group, e, e is DistributedException or ArgumentException or IOException or InvalidDataException or InvalidOperationException
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

        // A device that cannot be used is reported before anything is written.
        if (!s.Device.IsCpu)
            DeviceBackends.For(s.Device);
        CliPaths.CheckFolder("--out", s.Output);
        string checkpointPath = Path.Combine(s.Output, CheckpointFile);
        int done = 0;
        IReadOnlyDictionary<string, string>? saved = null;
        // Rank 0's checkpoint, copied to the other ranks (their output folder need not be shared).
        (string Path, bool Temporary)? resumeFrom = null;
        if (s.Resume)
        {
            resumeFrom = DistributedTraining.ShareCheckpoint(group, checkpointPath)
                ?? throw new FileNotFoundException(Directory.Exists(checkpointPath)
                    ? $"--resume: {checkpointPath} is a folder, not a checkpoint."
                    : $"--resume: there is no checkpoint at {checkpointPath}.");
            (done, saved) = Checkpoint.ReadInfo(resumeFrom.Value.Path);
            s = ResumedSettings(s, checkpointPath, done, saved);
        }

        if (!s.Device.IsCpu && group.Size > 1)
            throw new ArgumentException($"--device {s.Device} trains in one process; data-parallel training over MPI runs on the CPU (leave out --device).");
        // Initialised on the CPU from the seed and then moved, so a GPU run starts from the CPU run's weights.
        var model = MnistModels.Create(s.Model, new Generator(s.Seed)).To(s.Device);
        var optimizer = CreateOptimizer(s.Optimizer, model.Parameters(), s.LearningRate);
        var schedule = new CosineAnnealingLR(optimizer, s.Epochs);
        // One stream for shuffling and augmentation, saved in the checkpoint, so a resumed run sees the same batches.
        var shuffle = new Generator(s.Seed + 1);
        var history = new List<EpochRow>();
        if (saved is not null)
        {
            try
            {
                Checkpoint.Load(resumeFrom!.Value.Path, model, optimizer, shuffle, schedule);
            }
            finally
            {
                if (resumeFrom!.Value.Temporary) File.Delete(resumeFrom.Value.Path);
            }
            if (schedule.StepCount != done)
                throw new InvalidDataException($"{checkpointPath}: the learning-rate schedule is at epoch {schedule.StepCount} but the checkpoint says {done} epochs are done; the file is damaged.");
            history.AddRange(ParseHistory(checkpointPath, saved.GetValueOrDefault("history", ""), done));
            AnsiConsole.MarkupLine($"Resuming after epoch {done} of {s.Epochs} from [blue]{Markup.Escape(checkpointPath)}[/].");
        }
        var (train, test) = ModelFiles.LoadDigits(s.Data);
        // The output folder is made only once the checkpoint and the data have been read, so a run refused for either leaves none behind.
        if (group.IsRoot)
        {
            CliPaths.PrepareOutputFolder("--out", s.Output, "model.safetensors", "metrics.csv", "curves.png", CheckpointFile);
        }

        // Digits shifted by up to two pixels: 8 000 images are few enough that the network memorises them otherwise.
        var augment = new RandomShift(2, shuffle);
        // Every rank draws the same permutation and shifts (same seed) and takes its share of each global batch.
        var trainLoader = new DataLoader(train, s.BatchSize, shuffle: true, generator: shuffle, transform: augment.Apply,
            sampler: DistributedTraining.Sampler(group, evenSteps: true));
        var testLoader = new DataLoader(test, 500, sampler: DistributedTraining.Sampler(group, evenSteps: false));
        // Rank 0's parameters on every rank, then gradients averaged over the ranks at every step.
        using var ddp = group.Size > 1 ? new DistributedDataParallel(model, group) : null;
        var trainer = new Trainer(model, optimizer, classes: 10, hooks: ddp);
        if (group.Size > 1)
            AnsiConsole.MarkupLine($"Data-parallel on {group.Size} ranks over [blue]{Markup.Escape(group.Transport)}[/].");
        AnsiConsole.MarkupLine($"Training [bold]{s.Model}[/] ({model.ParameterCount:N0} parameters) on {train.Count:N0} digits, testing on {test.Count:N0}; " +
            $"{s.Optimizer} lr {s.LearningRate.ToString(CultureInfo.InvariantCulture)} (cosine), batch {DistributedTraining.BatchDescription(group, s.BatchSize)}, seed {s.Seed}" +
            (s.Device.IsCpu ? "." : $", on {s.Device}."));

        for (int epoch = done + 1; epoch <= s.Epochs; epoch++)
        {
            double loss, accuracy, seconds;
            try
            {
                (loss, accuracy, seconds) = DistributedTraining.Combine(group, RunEpoch(trainer, trainLoader, epoch, s.Epochs, train.Count / group.Size));
            }
            catch (TrainingDivergedException e)
            {
                // Nothing of this epoch is saved: the checkpoint stays at the last epoch that ended well.
                string kept = epoch > 1 ? $"the checkpoint of epoch {epoch - 1} is kept" : "no checkpoint was written";
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {epoch}: {e.Message.TrimEnd('.')} (--lr {s.LearningRate}); {kept} and no model weights were written."), e);
            }
            schedule.Step();
            var eval = DistributedTraining.Combine(group, trainer.Evaluate(testLoader));
            var row = new EpochRow(epoch, loss, accuracy, eval.Loss, eval.Accuracy, seconds, train.Count / seconds);
            history.Add(row);
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
                "epoch {0,2}/{1}  train loss {2:F4}  train acc {3:P2}  test loss {4:F4}  [bold]test acc {5:P2}[/]  {6:F1} s  {7:N0} samples/s",
                epoch, s.Epochs, row.TrainLoss, row.TrainAccuracy, row.TestLoss, row.TestAccuracy, row.Seconds, row.SamplesPerSecond);
            if (!group.IsRoot)
                continue;
            Checkpoint.Save(checkpointPath, model, optimizer, epoch, shuffle, new Dictionary<string, string>
            {
                ["model"] = s.Model,
                ["optimizer"] = s.Optimizer,
                ["lr"] = s.LearningRate.ToString("R", CultureInfo.InvariantCulture),
                ["epochs"] = s.Epochs.ToString(CultureInfo.InvariantCulture),
                ["batch_size"] = s.BatchSize.ToString(CultureInfo.InvariantCulture),
                ["seed"] = s.Seed.ToString(CultureInfo.InvariantCulture),
                ["history"] = FormatHistory(history),
            }, schedule);
            CheckpointSaved?.Invoke(checkpointPath, epoch);
        }

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

    /// <summary>
    /// The settings of the run a checkpoint continues: each run-defining option comes from the
    /// checkpoint, and one typed with another value is refused, since the resumed run must be the
    /// run that was interrupted (same schedule, same batches).
    /// </summary>
    private static Settings ResumedSettings(Settings s, string path, int done, IReadOnlyDictionary<string, string> meta)
    {
        string Entry(string key) => meta.TryGetValue(key, out var value)
            ? value
            : throw new InvalidDataException($"{path}: the checkpoint does not record its run's {key} (metadata entry \"{key}\"); it was written by an older sharpgrad or is damaged. Start a new run without --resume.");
        if (meta.GetValueOrDefault("task") == NamesTraining.Task)
            throw new InvalidDataException($"{path}: the checkpoint is of a names run (--task names), which cannot be resumed; --resume continues a digits run. Start a new run without --resume, or give another --out.");
        InvalidDataException Damaged(string key, string value, string what) =>
            new($"{path}: the checkpoint's metadata entry \"{key}\" is \"{value}\", not {what}; the file is damaged.");

        string model = Entry("model");
        if (!MnistModels.Names.Contains(model)) throw Damaged("model", model, "a model name");
        string optimizer = Entry("optimizer");
        if (optimizer is not ("adam" or "adamw" or "sgd" or "rmsprop")) throw Damaged("optimizer", optimizer, "an optimiser name");
        string lrText = Entry("lr"), epochsText = Entry("epochs"), batchText = Entry("batch_size"), seedText = Entry("seed");
        if (!double.TryParse(lrText, NumberStyles.Float, CultureInfo.InvariantCulture, out double lr) || !double.IsFinite(lr) || lr <= 0) throw Damaged("lr", lrText, "a positive number");
        if (!int.TryParse(epochsText, NumberStyles.None, CultureInfo.InvariantCulture, out int epochs) || epochs <= 0) throw Damaged("epochs", epochsText, "a positive whole number");
        if (!int.TryParse(batchText, NumberStyles.None, CultureInfo.InvariantCulture, out int batch) || batch <= 0) throw Damaged("batch_size", batchText, "a positive whole number");
        if (!ulong.TryParse(seedText, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed)) throw Damaged("seed", seedText, "a seed");

        void Same<T>(string option, T given, T recorded, string why = "")
        {
            if (s.Given.Contains(option) && !EqualityComparer<T>.Default.Equals(given, recorded))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"--resume: {option} {given} differs from the {recorded} of the run in {path}; a resumed run continues that run, so leave {option} out or give the same value{why}."));
        }
        Same("--model", s.Model, model);
        Same("--optimizer", s.Optimizer, optimizer);
        Same("--lr", s.LearningRate, lr);
        Same("--epochs", s.Epochs, epochs, " (its cosine schedule was planned over that many epochs; to train longer, start a new run)");
        Same("--batch-size", s.BatchSize, batch);
        Same("--seed", s.Seed, seed);
        if (done > epochs)
            throw new InvalidDataException($"{path}: the checkpoint says {done} epochs are done, more than the {epochs} its run was planned with; the file is damaged.");
        if (done == epochs)
            throw new ArgumentException($"--resume: the run in {path} already finished all {epochs} epochs; nothing is left to resume (to train again or longer, start a new run without --resume).");
        return s with { Model = model, Optimizer = optimizer, LearningRate = lr, Epochs = epochs, BatchSize = batch, Seed = seed };
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

    /// <summary>The rows of a checkpoint's history, which must be epochs 1 to <paramref name="done"/> in order.</summary>
    private static List<EpochRow> ParseHistory(string path, string text, int done)
    {
        var rows = new List<EpochRow>();
        foreach (var entry in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = entry.Split(',');
            var values = new double[7];
            bool ok = f.Length == 7 && int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int epoch) && epoch == rows.Count + 1;
            for (int i = 1; ok && i < 7; i++)
                ok = double.TryParse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]);
            if (!ok)
                throw new InvalidDataException($"{path}: row {rows.Count + 1} of the checkpoint's training history (metadata entry \"history\") is damaged: \"{entry}\".");
            rows.Add(new EpochRow(rows.Count + 1, values[1], values[2], values[3], values[4], values[5], values[6]));
        }
        if (rows.Count != done)
            throw new InvalidDataException($"{path}: the checkpoint's training history (metadata entry \"history\") has {rows.Count} rows but {done} epochs are done; the file is damaged.");
        return rows;
    }
}
