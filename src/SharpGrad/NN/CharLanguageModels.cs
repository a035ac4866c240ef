using System.Globalization;

namespace SharpGrad.NN;

/// <summary>
/// The sizes of a character-level language model: <see cref="Context"/> is the window a bigram or MLP
/// sees (1 for a bigram) and the longest sequence an LSTM or transformer reads (its learned position
/// table); <see cref="Embed"/> the token embedding size (the transformer's width); <see cref="Hidden"/>
/// the MLP's hidden layer, the LSTM's state or the transformer's feed-forward size; <see cref="Layers"/>
/// stacked LSTM layers or transformer blocks; <see cref="Heads"/> attention heads; <see cref="Dropout"/>
/// the dropout probability in training mode. Sizes a model does not use are ignored by it.
/// </summary>
public sealed record CharModelConfig(int Context, int Embed, int Hidden, int Layers, int Heads, double Dropout)
{
    /// <summary>The configuration as metadata entries (saved beside the weights so the model can be rebuilt).</summary>
    public IReadOnlyDictionary<string, string> ToMetadata() => new Dictionary<string, string>
    {
        ["context"] = Context.ToString(CultureInfo.InvariantCulture),
        ["embed"] = Embed.ToString(CultureInfo.InvariantCulture),
        ["hidden"] = Hidden.ToString(CultureInfo.InvariantCulture),
        ["layers"] = Layers.ToString(CultureInfo.InvariantCulture),
        ["heads"] = Heads.ToString(CultureInfo.InvariantCulture),
        ["dropout"] = Dropout.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>The configuration that <see cref="ToMetadata"/> wrote; names the missing or malformed entry.</summary>
    public static CharModelConfig FromMetadata(IReadOnlyDictionary<string, string> metadata, string source)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        int Int(string key) => metadata.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new InvalidDataException($"{source}: the metadata entry \"{key}\" is {(metadata.ContainsKey(key) ? $"\"{metadata[key]}\", not a whole number" : "missing")}.");
        double dropout = metadata.TryGetValue("dropout", out var d) && double.TryParse(d, NumberStyles.Float, CultureInfo.InvariantCulture, out double p)
            ? p
            : throw new InvalidDataException($"{source}: the metadata entry \"dropout\" is {(metadata.ContainsKey("dropout") ? $"\"{metadata["dropout"]}\", not a number" : "missing")}.");
        return new CharModelConfig(Int("context"), Int("embed"), Int("hidden"), Int("layers"), Int("heads"), dropout);
    }
}

/// <summary>
/// A model of the next character given the ones before it. Window models (<see cref="ReadsSequences"/>
/// false) map int32 tokens [N, Context] to logits [N, V] for the token that follows; sequence models
/// map int32 tokens [N, T] (T ≤ Context) to logits [N, T, V], position t predicting token t + 1 from
/// tokens ≤ t only. <see cref="Sample"/> draws a new word from either kind.
/// </summary>
public abstract class CharLanguageModel : Module
{
    /// <summary>Sets the vocabulary size and configuration.</summary>
    protected CharLanguageModel(string name, int vocabularySize, CharModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (vocabularySize < 2) throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, "A language model needs at least two tokens.");
        if (config.Context < 1) throw new ArgumentOutOfRangeException(nameof(config), $"{name}: the context must be at least 1 token, got {config.Context}.");
        if (!(config.Dropout >= 0 && config.Dropout < 1)) throw new ArgumentOutOfRangeException(nameof(config), $"{name}: dropout must be in [0, 1), got {config.Dropout}.");
        Name = name;
        VocabularySize = vocabularySize;
        Config = config;
    }

    /// <summary>The model's name ("bigram", "mlp", "lstm" or "transformer").</summary>
    public string Name { get; }

    /// <summary>The number of tokens V, boundary included.</summary>
    public int VocabularySize { get; }

    /// <summary>The sizes the model was built with.</summary>
    public CharModelConfig Config { get; }

    /// <summary>True for models that read whole sequences; false for fixed-window models.</summary>
    public abstract bool ReadsSequences { get; }

    /// <summary>
    /// Draws one word, token by token from softmax(logits / <paramref name="temperature"/>), starting after
    /// the boundary token and stopping at the next one or after <paramref name="maxTokens"/> tokens; returns
    /// the word's tokens without boundaries. The same generator state gives the same word.
    /// </summary>
    public int[] Sample(Generator generator, double temperature = 1, int? maxTokens = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!(temperature > 0) || !double.IsFinite(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The sampling temperature must be a positive number.");
        // A sequence model reads at most Context tokens, the boundary included; a window model has no such limit.
        int limit = maxTokens ?? (ReadsSequences ? Config.Context - 1 : 32);
        bool wasTraining = Training;
        Eval();
        var tokens = new List<int> { 0 };
        var probabilities = new double[VocabularySize];
        try
        {
            using (Autograd.NoGrad())
            {
                while (tokens.Count <= limit)
                {
                    var logits = NextLogits(tokens);
                    double max = double.NegativeInfinity;
                    for (int i = 0; i < logits.Length; i++) max = Math.Max(max, logits[i]);
                    double total = 0;
                    for (int i = 0; i < logits.Length; i++) total += probabilities[i] = Math.Exp((logits[i] - max) / temperature);
                    double u = generator.NextDouble() * total;
                    int next = logits.Length - 1;
                    for (int i = 0; i < logits.Length; i++)
                    {
                        u -= probabilities[i];
                        if (u < 0) { next = i; break; }
                    }
                    if (next == 0) break;
                    tokens.Add(next);
                }
            }
        }
        finally
        {
            Train(wasTraining);
        }
        return [.. tokens.Skip(1)];
    }

    /// <summary>The logits of the token after <paramref name="history"/> (which starts with the boundary token).</summary>
    protected virtual float[] NextLogits(IReadOnlyList<int> history)
    {
        if (ReadsSequences)
        {
            var x = Tensor.FromArray([.. history], 1, history.Count);
            var all = Call(x);
            return all[0][history.Count - 1].To(DType.Float32).ToArray<float>();
        }
        var window = new int[Config.Context];
        for (int i = 0; i < window.Length; i++)
        {
            int h = history.Count - window.Length + i;
            window[i] = h >= 0 ? history[h] : 0;
        }
        return Call(Tensor.FromArray(window, 1, window.Length))[0].To(DType.Float32).ToArray<float>();
    }

    /// <summary>Refuses token tensors of the wrong type or shape, naming the model.</summary>
    protected void CheckTokens(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.DType != DType.Int32 || input.Rank != 2)
            throw new ArgumentException($"{Name}: the input must be int32 tokens [N, {(ReadsSequences ? "T" : Config.Context.ToString(CultureInfo.InvariantCulture))}], got {input.DType.Name()} {input.Shape}.", nameof(input));
        if (ReadsSequences ? input.Size(1) > Config.Context : input.Size(1) != Config.Context)
            throw new ArgumentException($"{Name}: the input has {input.Size(1)} tokens per row; the model reads {(ReadsSequences ? "at most " : "")}{Config.Context}.", nameof(input));
    }
}

/// <summary>
/// The bigram model: a table of V×V logits, row a holding the scores of the token after a; trained by
/// gradient descent it reaches the log-likelihood of the bigram counts. Starts at zero (uniform).
/// </summary>
public sealed class BigramLanguageModel : CharLanguageModel
{
    /// <summary>Creates the table.</summary>
    public BigramLanguageModel(int vocabularySize, CharModelConfig? config = null)
        : base("bigram", vocabularySize, config ?? new CharModelConfig(1, 0, 0, 0, 0, 0))
    {
        Logits = RegisterModule("logits", new Embedding(vocabularySize, vocabularySize));
        using (Autograd.NoGrad()) Logits.Weight.Zero();
    }

    /// <summary>The table of next-token logits.</summary>
    public Embedding Logits { get; }

    /// <inheritdoc/>
    public override bool ReadsSequences => false;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        CheckTokens(input);
        return Observed(input, Logits.Call(input.Narrow(1, input.Size(1) - 1, 1).Reshape(-1)));
    }
}

/// <summary>
/// The MLP of Bengio et al. (2003), as in makemore: the embeddings of the last <c>Context</c> tokens,
/// concatenated, through one tanh hidden layer to the logits of the next token.
/// </summary>
public sealed class MlpLanguageModel : CharLanguageModel
{
    /// <summary>Creates the model.</summary>
    public MlpLanguageModel(int vocabularySize, CharModelConfig config, Generator? generator = null)
        : base("mlp", vocabularySize, config)
    {
        if (config.Embed < 1 || config.Hidden < 1) throw new ArgumentOutOfRangeException(nameof(config), $"mlp: embed and hidden must be positive, got {config.Embed} and {config.Hidden}.");
        Embedding = RegisterModule("embedding", new Embedding(vocabularySize, config.Embed, generator));
        Hidden = RegisterModule("hidden", new Linear(config.Context * config.Embed, config.Hidden, generator: generator));
        Output = RegisterModule("output", new Linear(config.Hidden, vocabularySize, generator: generator));
        this.generator = generator;
    }

    private readonly Generator? generator;

    /// <summary>The token embeddings.</summary>
    public Embedding Embedding { get; }

    /// <summary>The hidden layer.</summary>
    public Linear Hidden { get; }

    /// <summary>The output layer.</summary>
    public Linear Output { get; }

    /// <inheritdoc/>
    public override bool ReadsSequences => false;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        CheckTokens(input);
        var e = Embedding.Call(input).Flatten(1);
        var h = Functional.Dropout(Hidden.Call(e).Tanh(), Config.Dropout, Training, generator);
        return Observed(input, Output.Call(h));
    }
}

/// <summary>
/// A recurrent language model: token embeddings, a (multi-layer) LSTM read left to right, and a linear
/// layer from each step's hidden state to the logits of the next token.
/// </summary>
public sealed class LstmLanguageModel : CharLanguageModel
{
    private readonly Generator? generator;

    /// <summary>Creates the model.</summary>
    public LstmLanguageModel(int vocabularySize, CharModelConfig config, Generator? generator = null)
        : base("lstm", vocabularySize, config)
    {
        if (config.Embed < 1 || config.Hidden < 1 || config.Layers < 1)
            throw new ArgumentOutOfRangeException(nameof(config), $"lstm: embed, hidden and layers must be positive, got {config.Embed}, {config.Hidden} and {config.Layers}.");
        this.generator = generator;
        Embedding = RegisterModule("embedding", new Embedding(vocabularySize, config.Embed, generator));
        Lstm = RegisterModule("lstm", new LSTM(config.Embed, config.Hidden, config.Layers, batchFirst: true, dropout: config.Dropout, generator: generator));
        Output = RegisterModule("output", new Linear(config.Hidden, vocabularySize, generator: generator));
    }

    /// <summary>The token embeddings.</summary>
    public Embedding Embedding { get; }

    /// <summary>The recurrent layers.</summary>
    public LSTM Lstm { get; }

    /// <summary>The output layer.</summary>
    public Linear Output { get; }

    /// <inheritdoc/>
    public override bool ReadsSequences => true;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        CheckTokens(input);
        var h = Lstm.Call(Embedding.Call(input));
        return Observed(input, Output.Call(Functional.Dropout(h, Config.Dropout, Training, generator)));
    }
}

/// <summary>
/// A decoder-only (GPT-style) transformer: token embeddings plus learned position embeddings, dropout,
/// <c>Layers</c> pre-norm causal blocks (<see cref="DecoderBlock"/>: self-attention with <c>Heads</c>
/// heads and a GELU feed-forward layer of size <c>Hidden</c>), a final layer norm and a linear layer to
/// the logits of the next token at every position.
/// </summary>
public sealed class TransformerLanguageModel : CharLanguageModel
{
    private readonly Generator? generator;

    /// <summary>Creates the model.</summary>
    public TransformerLanguageModel(int vocabularySize, CharModelConfig config, Generator? generator = null)
        : base("transformer", vocabularySize, config)
    {
        if (config.Embed < 1 || config.Hidden < 1 || config.Layers < 1 || config.Heads < 1 || config.Embed % config.Heads != 0)
            throw new ArgumentOutOfRangeException(nameof(config),
                $"transformer: embed, hidden, layers and heads must be positive and embed a multiple of heads, got {config.Embed}, {config.Hidden}, {config.Layers} and {config.Heads}.");
        this.generator = generator;
        Embedding = RegisterModule("embedding", new Embedding(vocabularySize, config.Embed, generator));
        Position = RegisterModule("position", new LearnedPositionalEmbedding(config.Context, config.Embed, generator));
        var blocks = new Sequential();
        for (int i = 0; i < config.Layers; i++)
            blocks.Add(new DecoderBlock(config.Embed, config.Heads, config.Hidden, config.Dropout, batchFirst: true, generator: generator));
        Blocks = RegisterModule("blocks", blocks);
        Norm = RegisterModule("norm", new LayerNorm([config.Embed]));
        Output = RegisterModule("output", new Linear(config.Embed, vocabularySize, generator: generator));
    }

    /// <summary>The token embeddings.</summary>
    public Embedding Embedding { get; }

    /// <summary>The learned position embeddings, one per position up to <c>Context</c>.</summary>
    public LearnedPositionalEmbedding Position { get; }

    /// <summary>The decoder blocks, named "0", "1", ….</summary>
    public Sequential Blocks { get; }

    /// <summary>The final layer norm.</summary>
    public LayerNorm Norm { get; }

    /// <summary>The output layer.</summary>
    public Linear Output { get; }

    /// <inheritdoc/>
    public override bool ReadsSequences => true;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        CheckTokens(input);
        var h = Functional.Dropout(Position.Call(Embedding.Call(input)), Config.Dropout, Training, generator);
        return Observed(input, Output.Call(Norm.Call(Blocks.Call(h))));
    }
}

/// <summary>The character-level language models by name, as <c>sharpgrad train --task names</c> offers them.</summary>
public static class CharLanguageModels
{
    /// <summary>The names <see cref="Create"/> accepts, from the simplest model to the strongest.</summary>
    public static IReadOnlyList<string> Names { get; } = ["bigram", "mlp", "lstm", "transformer"];

    /// <summary>Builds the model called <paramref name="name"/> over <paramref name="vocabularySize"/> tokens.</summary>
    public static CharLanguageModel Create(string name, int vocabularySize, CharModelConfig config, Generator? generator = null) => name switch
    {
        "bigram" => new BigramLanguageModel(vocabularySize, config with { Context = 1 }),
        "mlp" => new MlpLanguageModel(vocabularySize, config, generator),
        "lstm" => new LstmLanguageModel(vocabularySize, config, generator),
        "transformer" => new TransformerLanguageModel(vocabularySize, config, generator),
        _ => throw new ArgumentException($"Unknown language model \"{name}\"; choose one of: {string.Join(", ", Names)}."),
    };
}
