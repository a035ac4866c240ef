namespace SharpGrad.NN;

/// <summary>
/// The two reference models for 28×28 digit images that <c>sharpgrad train</c> offers: a
/// multilayer perceptron 784-256-10 and a LeNet-like convolutional network. Both take
/// [N, 1, 28, 28] inputs and return [N, 10] logits. Building one by name is how a saved
/// state dict finds the structure it belongs to.
/// </summary>
public static class MnistModels
{
    /// <summary>The model names that <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cnn", "mlp"];

    /// <summary>Flatten → Linear(784, 256) → ReLU → Linear(256, 10).</summary>
    public static Sequential Mlp(Generator? generator = null) => new(
        new Flatten(),
        new Linear(784, 256, generator: generator),
        new ReLU(),
        new Linear(256, 10, generator: generator));

    /// <summary>
    /// LeNet-like: Conv(1→8, 5×5, "same") → ReLU → MaxPool(2) → Conv(8→16, 5×5) → ReLU →
    /// MaxPool(2) → Flatten(400) → Linear(400, 120) → ReLU → Linear(120, 10).
    /// </summary>
    public static Sequential Cnn(Generator? generator = null) => new(
        new Conv2d(1, 8, 5, padding: 2, generator: generator),
        new ReLU(),
        new MaxPool2d(2),
        new Conv2d(8, 16, 5, generator: generator),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Linear(400, 120, generator: generator),
        new ReLU(),
        new Linear(120, 10, generator: generator));

    /// <summary>Builds the model called <paramref name="name"/> ("mlp" or "cnn").</summary>
    public static Sequential Create(string name, Generator? generator = null) => name switch
    {
        "mlp" => Mlp(generator),
        "cnn" => Cnn(generator),
        _ => throw new ArgumentException($"Unknown model \"{name}\"; choose one of: {string.Join(", ", Names)}."),
    };
}
