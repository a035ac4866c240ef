namespace SharpGrad.Explain;

/// <summary>
/// The "did you mean" of every unknown-name message (a program's use, <c>--wrt</c>, <c>--of</c>, a
/// name in a <c>check</c> expression): the defined name closest to a typo, by edit distance (one
/// edit for names of up to three letters, two for longer ones, a change of case alone counting as
/// none), or null where no name is that close or two are equally close.
/// </summary>
public static class NameSuggestion
{
    /// <summary>The candidate closest to <paramref name="name"/>, or null when none is close enough to be a typo of it.</summary>
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(candidates);
        // A Cyrillic or Greek letter that looks like a Latin one (а for a, М for M), pasted from another keyboard.
        var latin = Latin(name);
        if (candidates.FirstOrDefault(c => c != name && Latin(c) == latin) is { } lookAlike) return lookAlike;
        // A single letter is too short for a typo of it to be recognisable, except in its case (e for E).
        if (name.Length < 2)
            return candidates.Where(c => c != name && string.Equals(c, name, StringComparison.OrdinalIgnoreCase)).FirstOrDefault();
        string? best = null;
        int bestDistance = (name.Length <= 3 ? 1 : 2) + 1;
        // A name longer than every candidate by more than the distance allowed is no typo of one (and a pasted
        // answer's 100 000-letter name would cost its length times each candidate's).
        candidates = candidates.Where(c => Math.Abs(c.Length - name.Length) < bestDistance);
        bool tie = false;
        foreach (var candidate in candidates)
        {
            if (candidate == name) continue;
            int d = string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase) ? 0 : EditDistance(name, candidate);
            if (d < bestDistance) (best, bestDistance, tie) = (candidate, d, false);
            else if (d == bestDistance && best is not null) tie = true;
        }
        // W4 is as near W1 as W3: a guess between them would mislead.
        return tie ? null : best;
    }

    /// <summary>"; did you mean 'w2'?" for a near miss, "" otherwise: the tail of an unknown-name message.</summary>
    public static string Hint(string name, IEnumerable<string> candidates) =>
        Closest(name, candidates) is { } best ? $"; did you mean {Quoted(name, best)}?" : "";

    /// <summary>
    /// 'a', or for a look-alike 'a' (the name has U+0430, a Cyrillic letter), which prints like the name it is not; for
    /// two spellings of one letter that look the same on the page (µ and μ), the code point of each.
    /// </summary>
    public static string Quoted(string name, string best)
    {
        if (Latin(name) != Latin(best))
        {
            int at = name.Length == best.Length ? Enumerable.Range(0, name.Length).FirstOrDefault(i => name[i] != best[i], -1) : -1;
            return at >= 0 && PrintKey(name) == PrintKey(best)
                ? $"'{best}' ('{name}' has U+{(int)name[at]:X4} where '{best}' has U+{(int)best[at]:X4})"
                : $"'{best}'";
        }
        // The look-alike is in the name written, or in the program's own name (declared with another keyboard).
        var (holder, other) = name.FirstOrDefault(LookAlikes.ContainsKey) is var c && c != default ? (name, c) : (best, best.FirstOrDefault(LookAlikes.ContainsKey));
        return other == default ? $"'{best}'"
            : $"'{best}' ('{holder}' has U+{(int)other:X4}, a {(other >= 0x0400 ? "Cyrillic" : "Greek")} letter that looks like the Latin {LookAlikes[other]})";
    }

    private static readonly Dictionary<char, char> LookAlikes = new()
    {
        ['а'] = 'a', ['е'] = 'e', ['о'] = 'o', ['р'] = 'p', ['с'] = 'c', ['у'] = 'y', ['х'] = 'x', ['і'] = 'i', ['ј'] = 'j', ['ѕ'] = 's', ['ӏ'] = 'l',
        ['А'] = 'A', ['В'] = 'B', ['Е'] = 'E', ['К'] = 'K', ['М'] = 'M', ['Н'] = 'H', ['О'] = 'O', ['Р'] = 'P', ['С'] = 'C', ['Т'] = 'T', ['Х'] = 'X',
        ['Α'] = 'A', ['Β'] = 'B', ['Ε'] = 'E', ['Ζ'] = 'Z', ['Η'] = 'H', ['Ι'] = 'I', ['Κ'] = 'K', ['Μ'] = 'M', ['Ν'] = 'N', ['Ο'] = 'O', ['Ρ'] = 'P', ['Τ'] = 'T', ['Χ'] = 'X', ['ο'] = 'o',
    };

    /// <summary>
    /// What a name prints as, folded so that two names that print alike get one key: the printed form (phi1 and φ1 are
    /// φ_1, yhat is ŷ), compatibility forms folded (µ the micro sign is μ, ﬁ is fi, a full-width １ is 1), and Cyrillic or
    /// Greek look-alikes read as the Latin letters they look like (х is x).
    /// </summary>
    public static string PrintKey(string name) => Latin(SymbolName.Parse(name).ToUnicode().Normalize(System.Text.NormalizationForm.FormKC));

    private static string Latin(string name) => name.All(c => c < 0x0370) ? name : string.Concat(name.Select(c => LookAlikes.TryGetValue(c, out var l) ? l : c));

    private static int EditDistance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) row[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
