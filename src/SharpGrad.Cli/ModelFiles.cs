using SharpGrad.Data;
using SharpGrad.IO;
using SharpGrad.NN;

namespace SharpGrad.Cli;

/// <summary>Loads the weights that <c>sharpgrad train</c> writes into the right reference model.</summary>
internal static class ModelFiles
{
    public static (string Name, Sequential Model) Load(string path, string? modelName)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"No model file at {path}; train one with `sharpgrad train` or pass --weights.");
        var content = SafeTensors.Load(path);
        RequireFinite(path, content);
        var metadata = content.Metadata;
        RequireDigitsModel(path, metadata);
        string name = modelName ?? metadata.GetValueOrDefault("model")
            ?? throw new ArgumentException($"{path} does not say which model it holds; pass --model cnn or --model mlp.");
        var model = MnistModels.Create(name);
        try
        {
            model.LoadStateDict(content.Tensors);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path} does not hold {name} weights: {e.Message}", e);
        }
        model.Eval();
        return (name, model);
    }

    /// <summary>
    /// Refuses a file of another kind that train writes, saying which and what to give instead: a language model of
    /// the names task, or a training checkpoint (whose weights, under "model.", would be listed as unexpected).
    /// </summary>
    public static void RequireDigitsModel(string path, IReadOnlyDictionary<string, string> metadata)
    {
        if (metadata.ContainsKey("rng_state") && metadata.ContainsKey("epoch"))
            throw new InvalidDataException($"{path} is a training checkpoint, not a model file; give the model.safetensors that train writes beside it.");
        if (metadata.GetValueOrDefault("task") == Commands.NamesTraining.Task)
            throw new InvalidDataException($"{path} holds a language model of names ({metadata.GetValueOrDefault("model")}), not a digits model; it is for `sharpgrad sample`, and this command needs weights from `sharpgrad train` (the digits task).");
    }

    /// <summary>
    /// The digits in the MNIST IDX files of <paramref name="folder"/>, normalised; images of another size than 28×28 are
    /// refused with their size, since the digits models take nothing else.
    /// </summary>
    public static (TensorDataset Train, TensorDataset Test) LoadDigits(string folder)
    {
        var (train, test) = Mnist.Load(CliPaths.CheckFolder("--data", folder), normalize: true);
        foreach (var set in new[] { train, test })
            if (set.Inputs.ShapeArray is [.., var h, var w] && (h, w) != (28, 28))
                throw new InvalidDataException($"--data {folder}: the images are {h}×{w}; the digits models take 28×28 MNIST images.");
        return (train, test);
    }

    /// <summary>
    /// Refuses weights that are not all finite numbers: a model of NaNs would still print a confusion matrix, names of
    /// 'zzz…' and an ONNX file, none of them meaning anything.
    /// </summary>
    private static void RequireFinite(string path, SafeTensorsContent content)
    {
        foreach (var (name, tensor) in content.Tensors)
        {
            int bad = tensor.ToDoubleArray().Count(v => !double.IsFinite(v));
            if (bad > 0)
                throw new InvalidDataException($"{path}: tensor '{name}' holds {bad} of {tensor.Count} values that are not finite numbers (NaN or ∞); the weights are damaged or come from a training run that diverged.");
        }
    }

    /// <summary>
    /// The language model and vocabulary in a model.safetensors written by <c>sharpgrad train --task names</c>;
    /// a missing file, another kind of file or damaged metadata is an error that names the file.
    /// </summary>
    public static (CharLanguageModel Model, CharVocabulary Vocabulary) LoadLanguageModel(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"No model file at {path}; train one with `sharpgrad train --task names` or pass --weights.");
        SafeTensorsContent content;
        try
        {
            content = SafeTensors.Load(path);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or System.Text.Json.JsonException)
        {
            throw new InvalidDataException($"{path} is not a model file written by sharpgrad train: {e.Message}", e);
        }
        RequireFinite(path, content);
        var metadata = content.Metadata;
        if (metadata.GetValueOrDefault("task") != "names")
            // A digits model is a cnn or an mlp without a vocabulary; any other model name there lost its task entry.
            throw new InvalidDataException(metadata.GetValueOrDefault("model") is { } other && (other == "cnn" || (other == "mlp" && !metadata.ContainsKey("vocabulary")))
                ? $"{path} holds a digits model ({other}), not a language model; sample needs weights from `sharpgrad train --task names`."
                : $"{path} does not say it holds a language model (no \"task\": \"names\" in its metadata); sample needs weights from `sharpgrad train --task names`.");
        string name = metadata.GetValueOrDefault("model") ?? throw new InvalidDataException($"{path} does not say which model it holds (metadata entry \"model\").");
        var characters = metadata.GetValueOrDefault("vocabulary") ?? throw new InvalidDataException($"{path} does not hold its vocabulary (metadata entry \"vocabulary\").");
        CharVocabulary vocabulary;
        CharLanguageModel model;
        try
        {
            vocabulary = new CharVocabulary(characters);
            model = CharLanguageModels.Create(name, vocabulary.Count, CharModelConfig.FromMetadata(metadata, path));
            model.LoadStateDict(content.Tensors);
        }
        catch (ArgumentException e)
        {
            // Without the runtime's " (Parameter 'characters')": the name of an argument means nothing to the user.
            var reason = e.ParamName is { } p && e.Message.EndsWith($" (Parameter '{p}')", StringComparison.Ordinal) ? e.Message[..^$" (Parameter '{p}')".Length] : e.Message;
            throw new InvalidDataException($"{path} does not hold a {name} language model: {reason}", e);
        }
        model.Eval();
        return (model, vocabulary);
    }
}
