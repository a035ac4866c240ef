using SharpGrad.Kernels;
using SharpGrad.NN;
using SharpGrad.Optim;

namespace SharpGrad.Cli.Bench;

/// <summary>
/// The SharpGrad side of every benchmark, with seeded synthetic inputs of the same shapes as
/// bench/torch_reference.py: square SGEMM, MLP inference, a training step, the scalar chain. Shared by
/// <c>sharpgrad bench</c> and, compiled in as a linked file, by the BenchmarkDotNet project
/// bench/SharpGrad.Bench, so both time exactly the same code.
/// </summary>
internal static class Workloads
{
    public const int Batch = 64;
    public const int Classes = 10;

    /// <summary>The SGD learning rate of the training-step benchmarks (torch.optim.SGD lr 0.01 in the PyTorch reference).</summary>
    public const double LearningRate = 0.01;

    /// <summary>Uniform floats in [−1, 1) from a fixed seed.</summary>
    public static float[] RandomFloats(int count, int seed)
    {
        var rng = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < data.Length; i++)
            data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }

    /// <summary>A batch of [<paramref name="count"/>, 1, 28, 28] images (64 by default).</summary>
    public static Tensor Images(int seed = 1, int count = Batch) => Tensor.FromArray(RandomFloats(count * 28 * 28, seed), count, 1, 28, 28);

    /// <summary><paramref name="count"/> int32 class labels in [0, 10) (64 by default).</summary>
    public static Tensor Labels(int seed = 2, int count = Batch)
    {
        var rng = new Random(seed);
        var labels = new int[count];
        for (int i = 0; i < labels.Length; i++)
            labels[i] = rng.Next(Classes);
        return Tensor.FromArray(labels, labels.Length);
    }

    /// <summary>The model called <paramref name="name"/> from <see cref="MnistModels"/>, with seeded weights.</summary>
    public static Sequential Model(string name) => MnistModels.Create(name, new Generator(42));

    /// <summary>Plain SGD at <see cref="LearningRate"/> over the model's parameters.</summary>
    public static Sgd CreateSgd(Module model) => new(model.Parameters(), LearningRate);

    /// <summary>Row-major C = A·B, all n×n, through SharpGrad's packed GEMM.</summary>
    public static void Sgemm(int n, float[] a, float[] b, float[] c) =>
        Gemm.Multiply<float>(n, n, n, a, n, 1, b, n, 1, c, n, 1, accumulate: false);

    /// <summary>
    /// Forward pass without recording the graph (the model should be in eval mode), its logits copied into
    /// <paramref name="logits"/> as ONNX Runtime writes into its bound output. It runs in a memory scope, as a
    /// serving loop would, so that repeated calls reuse the activations' memory.
    /// </summary>
    public static void Infer(Module model, Tensor images, float[] logits)
    {
        using var scope = MemoryScope.Begin();
        using var noGrad = Autograd.NoGrad();
        model.Call(images).ToFloatArray().CopyTo(logits, 0);
    }

    /// <summary>
    /// One training step: forward, softmax cross-entropy, zero grad, backward, optimiser step, in a memory scope
    /// so that the step's activations and gradients reuse the previous step's memory (what
    /// <see cref="SharpGrad.Training.Trainer"/> does). Returns the loss. Every training benchmark goes through
    /// this one method, so they all time the same thing.
    /// </summary>
    public static double TrainStep(Module model, Optimizer optimizer, Tensor images, Tensor labels)
    {
        using var scope = MemoryScope.Begin();
        var logits = model.Call(images);
        var loss = Functional.CrossEntropy(logits, labels);
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        return loss.Item();
    }

    /// <summary>The sizes of the transformer benchmark, the same in bench/torch_reference.py.</summary>
    public static class Transformer
    {
        public const int Batch = 32, Context = 32, Vocabulary = 28, Width = 64, Heads = 4, FeedForward = 256, Layers = 2;
    }

    /// <summary>
    /// A small decoder-only character model: token embedding, learned positions, <see cref="Transformer.Layers"/>
    /// pre-norm causal blocks (GELU feed-forward), a final layer norm and the vocabulary projection; [N, T] int32
    /// tokens to [N, T, V] logits. Seeded weights.
    /// </summary>
    public static Sequential TransformerModel()
    {
        var g = new Generator(42);
        var layers = new List<Module>
        {
            new Embedding(Transformer.Vocabulary, Transformer.Width, g),
            new LearnedPositionalEmbedding(Transformer.Context, Transformer.Width, g),
        };
        for (int i = 0; i < Transformer.Layers; i++)
            layers.Add(new DecoderBlock(Transformer.Width, Transformer.Heads, Transformer.FeedForward, generator: g));
        layers.Add(new LayerNorm([Transformer.Width]));
        layers.Add(new Linear(Transformer.Width, Transformer.Vocabulary, generator: g));
        return new Sequential([.. layers]);
    }

    /// <summary>Seeded int32 tokens [N, T] in [0, V): inputs (<paramref name="seed"/> 3) or next-token targets (4).</summary>
    public static Tensor Tokens(int seed)
    {
        var rng = new Random(seed);
        var tokens = new int[Transformer.Batch * Transformer.Context];
        for (int i = 0; i < tokens.Length; i++)
            tokens[i] = rng.Next(Transformer.Vocabulary);
        return Tensor.FromArray(tokens, Transformer.Batch, Transformer.Context);
    }

    /// <summary>
    /// One language-model training step, as <see cref="TrainStep"/>: forward, cross-entropy over every position
    /// ([N·T, V] logits against [N·T] targets), zero grad, backward, optimiser step, in a memory scope.
    /// </summary>
    public static double TransformerTrainStep(Module model, Optimizer optimizer, Tensor tokens, Tensor targets)
    {
        using var scope = MemoryScope.Begin();
        var logits = model.Call(tokens);
        var loss = Functional.CrossEntropy(logits.Reshape(-1, Transformer.Vocabulary), targets.Reshape(-1));
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        return loss.Item();
    }

    /// <summary>
    /// Per-op overhead: builds the chain y ← y·w + c from y = x, <paramref name="nodes"/> graph nodes in all
    /// (two per link), and back-propagates it. Returns ∂y/∂x so the work cannot be skipped.
    /// </summary>
    public static double ScalarChain(int nodes)
    {
        var x = Tensor.Scalar(1.0).RequireGrad();
        var w = Tensor.Scalar(0.5).RequireGrad();
        var c = Tensor.Scalar(0.25);
        var y = x;
        for (int i = 0; i < nodes / 2; i++)
            y = y * w + c;
        y.Backward();
        return x.Grad!.Item();
    }
}
