using System.Globalization;
using SharpGrad.NN;
using SharpGrad.Optim;

namespace SharpGrad.IO;

/// <summary>
/// Everything needed to resume training exactly, in one safetensors file: the model's state
/// dict (keys prefixed "model."), the optimiser's state ("optimizer."), the learning-rate
/// scheduler's position and settings ("scheduler."), the epoch just completed and the random
/// generator's state (in the metadata). Saving goes through a temporary file and a rename, so an
/// interrupted save leaves the previous checkpoint intact.
/// </summary>
public static class Checkpoint
{
    private const string Format = "sharpgrad-checkpoint/1";

    /// <summary>
    /// Writes a checkpoint; <paramref name="metadata"/> adds free-form string entries. Pass the
    /// <paramref name="scheduler"/> that sets the optimiser's learning rate, if any: without its
    /// state a resumed run would start the schedule again from the rate it had reached.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
    public static void Save(string path, Module model, Optimizer? optimizer, int epoch, Generator? generator,
        IReadOnlyDictionary<string, string>? metadata = null, LearningRateScheduler? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, t) in model.StateDict()) tensors[ModelPrefix + name] = t;
        if (optimizer is not null)
            foreach (var (name, t) in optimizer.StateDict()) tensors[OptimizerPrefix + name] = t;
        if (scheduler is not null)
            foreach (var (name, t) in scheduler.StateDict()) tensors[SchedulerPrefix + name] = t;
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            ["format"] = Format,
            ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
        };
        if (generator is not null)
            meta["rng_state"] = string.Join(",", generator.GetState().Select(w => w.ToString(CultureInfo.InvariantCulture)));
        SafeTensors.Save(path, tensors, meta);
    }

    /// <summary>
    /// Restores a checkpoint into <paramref name="model"/>, <paramref name="optimizer"/>,
    /// <paramref name="generator"/> and <paramref name="scheduler"/> (each optional) and returns the
    /// epoch it was saved after and its metadata. A file that is not a SharpGrad checkpoint, is damaged, or whose tensors do not fit the
    /// objects given (another architecture, another optimiser, a schedule with other settings) is
    /// an <see cref="InvalidDataException"/> naming the file and what does not fit.
    /// </summary>
    public static (int Epoch, IReadOnlyDictionary<string, string> Metadata) Load(string path, Module? model, Optimizer? optimizer, Generator? generator,
        LearningRateScheduler? scheduler = null)
    {
        var content = SafeTensors.Load(path);
        var tensors = content.Tensors;
        var (epoch, meta) = ReadHeader(path, content.Metadata);
        ulong[]? rngState = null;
        if (generator is not null)
        {
            if (!meta.TryGetValue("rng_state", out var rng))
                throw new InvalidDataException($"{path}: the checkpoint has no random generator state (metadata entry \"rng_state\").");
            rngState = ParseRngState(path, rng);
        }
        if (scheduler is not null && !tensors.Keys.Any(k => k.StartsWith(SchedulerPrefix, StringComparison.Ordinal)))
            throw new InvalidDataException($"{path}: the checkpoint has no learning-rate scheduler state (no \"{SchedulerPrefix}*\" tensors); it was saved without one.");
        try
        {
            model?.LoadStateDict(Section(tensors, ModelPrefix));
            optimizer?.LoadStateDict(Section(tensors, OptimizerPrefix));
            // After the optimiser, whose restored rate it then sets again from the restored step.
            scheduler?.LoadStateDict(Section(tensors, SchedulerPrefix));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        if (rngState is not null)
        {
            try
            {
                generator!.SetState(rngState);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{path}: the random generator state in metadata entry \"rng_state\" is damaged: {e.Message}", e);
            }
        }
        return (epoch, meta);
    }

    /// <summary>
    /// Reads only what a checkpoint says about itself: the epoch it was saved after and its
    /// metadata, after checking that it is a well-formed SharpGrad checkpoint. Use it to decide
    /// how to build the model and optimiser before <see cref="Load"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is damaged or not a SharpGrad checkpoint.</exception>
    public static (int Epoch, IReadOnlyDictionary<string, string> Metadata) ReadInfo(string path) =>
        ReadHeader(path, SafeTensors.Load(path).Metadata);

    private const string ModelPrefix = "model.";

    private const string OptimizerPrefix = "optimizer.";

    private const string SchedulerPrefix = "scheduler.";

    private static (int Epoch, IReadOnlyDictionary<string, string> Metadata) ReadHeader(string path, IReadOnlyDictionary<string, string> meta)
    {
        if (!meta.TryGetValue("format", out var format) || format != Format)
            throw new InvalidDataException($"{path} is not a SharpGrad checkpoint (its metadata has no \"format\": \"{Format}\").");
        if (!meta.TryGetValue("epoch", out var epochText) || !int.TryParse(epochText, NumberStyles.None, CultureInfo.InvariantCulture, out int epoch))
            throw new InvalidDataException($"{path}: the checkpoint's metadata entry \"epoch\" is {(epochText is null ? "missing" : $"\"{epochText}\"")}, not a number of epochs ≥ 0.");
        return (epoch, meta);
    }

    private static ulong[] ParseRngState(string path, string text)
    {
        var words = text.Split(',');
        var state = new ulong[words.Length];
        for (int i = 0; i < words.Length; i++)
            if (!ulong.TryParse(words[i], NumberStyles.None, CultureInfo.InvariantCulture, out state[i]))
                throw new InvalidDataException($"{path}: the random generator state in metadata entry \"rng_state\" is damaged: word {i} is \"{words[i]}\", not an unsigned 64-bit integer.");
        return state;
    }

    private static Dictionary<string, Tensor> Section(IEnumerable<KeyValuePair<string, Tensor>> tensors, string prefix) =>
        tensors.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => p.Key[prefix.Length..], p => p.Value);
}
