using SharpGrad.NN;

namespace SharpGrad.Training;

/// <summary>
/// Everything that defines a language-model training run besides the data and the seed: the
/// model and its sizes, epochs, batch size, AdamW learning rate and weight decay (applied to
/// weight matrices and embeddings, not to biases and norm gains), and the warm-up steps before the
/// cosine decay to zero over the rest of the run. <see cref="Default"/> holds the tuned defaults of
/// each model on the bundled names (docs/sequence-models.md), each under three minutes on two cores.
/// </summary>
public sealed record LanguageModelRecipe(string Model, CharModelConfig Config, int Epochs, int BatchSize, double LearningRate, double WeightDecay, int WarmupSteps)
{
    /// <summary>The longest word, in tokens with its end, that the sequence models read by default: the bundled names have at most 15 characters.</summary>
    public const int DefaultSequenceLength = 16;

    /// <summary>The default recipe of <paramref name="model"/>.</summary>
    public static LanguageModelRecipe Default(string model) => model switch
    {
        "bigram" => new(model, new CharModelConfig(1, 0, 0, 0, 0, 0), Epochs: 3, BatchSize: 256, LearningRate: 0.1, WeightDecay: 0, WarmupSteps: 0),
        "mlp" => new(model, new CharModelConfig(5, 24, 256, 1, 0, 0), Epochs: 15, BatchSize: 128, LearningRate: 1e-2, WeightDecay: 0.1, WarmupSteps: 0),
        "lstm" => new(model, new CharModelConfig(DefaultSequenceLength, 32, 64, 1, 0, 0), Epochs: 20, BatchSize: 32, LearningRate: 5e-3, WeightDecay: 0.1, WarmupSteps: 20),
        "transformer" => new(model, new CharModelConfig(DefaultSequenceLength, 64, 256, 2, 4, 0.1), Epochs: 20, BatchSize: 32, LearningRate: 3e-3, WeightDecay: 0.1, WarmupSteps: 50),
        _ => throw new ArgumentException($"Unknown language model \"{model}\"; choose one of: {string.Join(", ", CharLanguageModels.Names)}."),
    };
}
