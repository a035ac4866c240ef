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
        var metadata = content.Metadata;
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
}
