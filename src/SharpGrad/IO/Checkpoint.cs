using System.Globalization;
using SharpGrad.NN;
using SharpGrad.Optim;

namespace SharpGrad.IO;

/// <summary>
/// Everything needed to resume training exactly, in one safetensors file: the model's state
/// dict (keys prefixed "model."), the optimiser's state ("optimizer."), the epoch just
/// completed and the random generator's state (in the metadata). Saving goes through a
/// temporary file and a rename, so an interrupted save leaves the previous checkpoint intact.
/// </summary>
public static class Checkpoint
{
    private const string Format = "sharpgrad-checkpoint/1";

    /// <summary>Writes a checkpoint; <paramref name="metadata"/> adds free-form string entries.</summary>
    public static void Save(string path, Module model, Optimizer? optimizer, int epoch, Generator? generator,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, t) in model.StateDict()) tensors["model." + name] = t;
        if (optimizer is not null)
            foreach (var (name, t) in optimizer.StateDict()) tensors["optimizer." + name] = t;
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
    /// Restores a checkpoint into <paramref name="model"/>, <paramref name="optimizer"/> and
    /// <paramref name="generator"/> (each optional) and returns the epoch it was saved after and
    /// its metadata. A file that is not a SharpGrad checkpoint, or whose tensors do not fit the
    /// model, is an <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static (int Epoch, IReadOnlyDictionary<string, string> Metadata) Load(string path, Module? model, Optimizer? optimizer, Generator? generator)
    {
        var content = SafeTensors.Load(path);
        var tensors = content.Tensors;
        var meta = content.Metadata;
        if (!meta.TryGetValue("format", out var format) || format != Format)
            throw new InvalidDataException($"{path} is not a SharpGrad checkpoint (its metadata has no \"format\": \"{Format}\").");
        if (!meta.TryGetValue("epoch", out var epochText) || !int.TryParse(epochText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int epoch))
            throw new InvalidDataException($"{path}: the checkpoint metadata has no valid \"epoch\".");
        try
        {
            if (model is not null)
                model.LoadStateDict(Section(tensors, "model."));
            optimizer?.LoadStateDict(Section(tensors, "optimizer."));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        if (generator is not null)
        {
            if (!meta.TryGetValue("rng_state", out var rng))
                throw new InvalidDataException($"{path}: the checkpoint has no random generator state.");
            try
            {
                generator.SetState(rng.Split(',').Select(w => ulong.Parse(w, CultureInfo.InvariantCulture)).ToArray());
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                throw new InvalidDataException($"{path}: the random generator state \"{rng}\" is damaged.", e);
            }
        }
        return (epoch, meta);
    }

    private static Dictionary<string, Tensor> Section(IEnumerable<KeyValuePair<string, Tensor>> tensors, string prefix) =>
        tensors.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => p.Key[prefix.Length..], p => p.Value);
}
