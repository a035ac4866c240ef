using System.Globalization;

namespace SharpGrad.Data;

/// <summary>
/// Words (first names, one per line) as samples for a character-level language model, in one of two
/// layouts. <see cref="Windows"/>: one sample per predicted character, the <c>context</c> tokens
/// before it (boundary-padded at the start) and the token itself, for models that see a fixed window
/// (bigram, MLP). <see cref="Sequences"/>: one sample per word, the boundary token followed by the
/// word as input and the word followed by the boundary token as target, for models that read the
/// whole prefix (LSTM, transformer); a batch is cut to its longest word and shorter words are padded
/// with targets of <see cref="IgnoreIndex"/>, which the loss skips. Either way every character of a
/// word and its end are predicted once, so a mean loss over the targets is the loss in nats per
/// character, comparable between the two layouts.
/// </summary>
public sealed class NamesDataset : IDataset
{
    /// <summary>The target of padding positions, to pass to the loss as its ignore index.</summary>
    public const int IgnoreIndex = -1;

    private readonly int[] inputs;
    private readonly int[] targets;
    private readonly int[]? lengths;

    private NamesDataset(int[] inputs, int[] targets, int[]? lengths, int count, int width, bool isSequences, int characters)
    {
        this.inputs = inputs;
        this.targets = targets;
        this.lengths = lengths;
        Count = count;
        Width = width;
        IsSequences = isSequences;
        CharacterCount = characters;
    }

    /// <inheritdoc/>
    public int Count { get; }

    /// <summary>Tokens per input: the context length of windows, the padded length of sequences.</summary>
    public int Width { get; }

    /// <summary>True for whole-word sequences, false for fixed windows.</summary>
    public bool IsSequences { get; }

    /// <summary>The number of predicted tokens over all samples (each word's characters and its end).</summary>
    public int CharacterCount { get; }

    /// <summary>
    /// One sample per character and word end of <paramref name="words"/>: input the <paramref name="context"/>
    /// tokens before it (the boundary token before the word's start), int32 [context]; target its token, int32 scalar.
    /// </summary>
    public static NamesDataset Windows(IReadOnlyList<string> words, CharVocabulary vocabulary, int context)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (context < 1) throw new ArgumentOutOfRangeException(nameof(context), context, "A window needs a context of at least one token.");
        var encoded = words.Select(vocabulary.Encode).ToArray();
        int count = encoded.Sum(w => w.Length + 1);
        var inputs = new int[count * context];
        var targets = new int[count];
        int n = 0;
        var window = new int[context];
        foreach (var word in encoded)
        {
            Array.Fill(window, CharVocabulary.BoundaryIndex);
            for (int t = 0; t <= word.Length; t++)
            {
                int token = t < word.Length ? word[t] : CharVocabulary.BoundaryIndex;
                window.CopyTo(inputs, n * context);
                targets[n++] = token;
                Array.Copy(window, 1, window, 0, context - 1);
                window[context - 1] = token;
            }
        }
        return new NamesDataset(inputs, targets, null, count, context, false, count);
    }

    /// <summary>
    /// One sample per word: input the boundary token and the word, target the word and the boundary token,
    /// both int32 [<paramref name="maxLength"/>] padded (inputs with the boundary token, targets with
    /// <see cref="IgnoreIndex"/>). Words longer than <paramref name="maxLength"/> − 1 characters are refused.
    /// </summary>
    public static NamesDataset Sequences(IReadOnlyList<string> words, CharVocabulary vocabulary, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (maxLength < 2) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "A sequence needs room for at least one character and the end.");
        var inputs = new int[words.Count * maxLength];
        var targets = new int[words.Count * maxLength];
        Array.Fill(targets, IgnoreIndex);
        var lengths = new int[words.Count];
        int characters = 0;
        for (int i = 0; i < words.Count; i++)
        {
            var word = vocabulary.Encode(words[i]);
            if (word.Length + 1 > maxLength)
                throw new ArgumentException($"\"{words[i]}\" has {word.Length} characters; sequences of {maxLength} positions hold words of at most {maxLength - 1}.", nameof(words));
            int row = i * maxLength;
            word.CopyTo(inputs, row + 1);
            word.CopyTo(targets, row);
            targets[row + word.Length] = CharVocabulary.BoundaryIndex;
            lengths[i] = word.Length + 1;
            characters += word.Length + 1;
        }
        return new NamesDataset(inputs, targets, lengths, words.Count, maxLength, true, characters);
    }

    /// <summary>
    /// The words of a text file, one per line (surrounding white space trimmed, blank lines skipped);
    /// a word with white space inside or the boundary character '.' is refused with its file and line.
    /// </summary>
    public static List<string> ReadWords(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"No word list at {path}.", path);
        var words = new List<string>();
        int line = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            var word = raw.Trim();
            if (word.Length == 0) continue;
            if (word.Any(char.IsWhiteSpace) || word.Contains(CharVocabulary.Boundary, StringComparison.Ordinal))
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}, line {line}: \"{word}\" is not one word (no spaces or '{CharVocabulary.Boundary}' inside a word; one word per line)."));
            words.Add(word);
        }
        if (words.Count == 0) throw new InvalidDataException($"{path} holds no words.");
        return words;
    }

    /// <inheritdoc/>
    public (Tensor Input, Tensor Target) this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"The data set has {Count} samples.");
            var (x, y) = GetBatch([index]);
            return (x.Squeeze(0), y.Squeeze(0));
        }
    }

    /// <summary>The samples at <paramref name="indices"/>; sequences are cut to the longest word among them.</summary>
    public (Tensor Inputs, Tensor Targets) GetBatch(int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Length == 0) throw new ArgumentException("GetBatch: a batch needs at least one index.", nameof(indices));
        foreach (int i in indices)
            if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), i, $"The data set has {Count} samples.");
        int b = indices.Length;
        if (!IsSequences)
        {
            var x = new int[b * Width];
            var y = new int[b];
            for (int r = 0; r < b; r++)
            {
                Array.Copy(inputs, indices[r] * Width, x, r * Width, Width);
                y[r] = targets[indices[r]];
            }
            return (Tensor.FromArray(x, b, Width), Tensor.FromArray(y, b));
        }
        int length = 0;
        foreach (int i in indices) length = Math.Max(length, lengths![i]);
        var xs = new int[b * length];
        var ys = new int[b * length];
        for (int r = 0; r < b; r++)
        {
            Array.Copy(inputs, indices[r] * Width, xs, r * length, length);
            Array.Copy(targets, indices[r] * Width, ys, r * length, length);
        }
        return (Tensor.FromArray(xs, b, length), Tensor.FromArray(ys, b, length));
    }
}
