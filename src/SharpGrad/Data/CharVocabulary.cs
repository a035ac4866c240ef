using System.Text;

namespace SharpGrad.Data;

/// <summary>
/// The token set of a character-level language model: index 0 is the boundary token
/// <see cref="Boundary"/> ('.'), which both starts and ends every word (so a model learns where words
/// begin and when to stop from one row of its output), and indices 1… are the distinct characters of
/// the training text in ordinal order. Building it from the training split only, and saving
/// <see cref="Characters"/> beside a model's weights, gives the same indices when the model is loaded
/// again for sampling.
/// </summary>
public sealed class CharVocabulary
{
    /// <summary>The character that stands for the boundary token in <see cref="Characters"/> and in printed token lists.</summary>
    public const char Boundary = '.';

    /// <summary>The index of the boundary (start and end) token.</summary>
    public const int BoundaryIndex = 0;

    private readonly Dictionary<char, int> index = [];

    /// <summary>
    /// The vocabulary whose tokens are <paramref name="characters"/> in that order; the first must be
    /// <see cref="Boundary"/>, and none may repeat.
    /// </summary>
    public CharVocabulary(string characters)
    {
        ArgumentNullException.ThrowIfNull(characters);
        if (characters.Length < 2 || characters[0] != Boundary)
            throw new ArgumentException($"A character vocabulary starts with the boundary token '{Boundary}' and has at least one character, got \"{characters}\".", nameof(characters));
        for (int i = 0; i < characters.Length; i++)
            if (!index.TryAdd(characters[i], i))
                throw new ArgumentException($"A character vocabulary lists each character once; '{characters[i]}' appears twice in \"{characters}\".", nameof(characters));
        Characters = characters;
    }

    /// <summary>The vocabulary of <paramref name="words"/>: the boundary token, then every character they use, in ordinal order.</summary>
    public static CharVocabulary FromWords(IEnumerable<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var seen = new SortedSet<char>(Comparer<char>.Create((a, b) => a.CompareTo(b)));
        foreach (var word in words)
            foreach (char c in word)
            {
                if (c == Boundary)
                    throw new ArgumentException($"The word \"{word}\" contains '{Boundary}', which stands for the start and end of a word.", nameof(words));
                seen.Add(c);
            }
        if (seen.Count == 0)
            throw new ArgumentException("A character vocabulary needs at least one non-empty word.", nameof(words));
        return new CharVocabulary(Boundary + string.Concat(seen));
    }

    /// <summary>The tokens as characters, the boundary first: index i is token i.</summary>
    public string Characters { get; }

    /// <summary>The number of tokens, boundary included.</summary>
    public int Count => Characters.Length;

    /// <summary>The token of <paramref name="c"/>.</summary>
    public int this[char c] => index.TryGetValue(c, out int i)
        ? i
        : throw new ArgumentException($"The character '{c}' (U+{(int)c:X4}) is not in the vocabulary \"{Characters}\".", nameof(c));

    /// <summary>Whether <paramref name="c"/> is a token.</summary>
    public bool Contains(char c) => index.ContainsKey(c);

    /// <summary>The tokens of <paramref name="word"/>, without boundary tokens; names the word and position of a character outside the vocabulary.</summary>
    public int[] Encode(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var tokens = new int[word.Length];
        for (int i = 0; i < word.Length; i++)
        {
            if (!index.TryGetValue(word[i], out tokens[i]) || tokens[i] == BoundaryIndex)
                throw new ArgumentException($"\"{word}\": character {i + 1}, '{word[i]}' (U+{(int)word[i]:X4}), is not in the vocabulary \"{Characters}\".", nameof(word));
        }
        return tokens;
    }

    /// <summary>The text of <paramref name="tokens"/>, the boundary token written as '.'.</summary>
    public string Decode(IEnumerable<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var sb = new StringBuilder();
        foreach (int t in tokens)
        {
            if ((uint)t >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(tokens), t, $"Token {t} is outside the vocabulary of {Count} tokens.");
            sb.Append(Characters[t]);
        }
        return sb.ToString();
    }
}
