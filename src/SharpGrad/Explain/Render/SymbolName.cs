namespace SharpGrad.Explain;

/// <summary>
/// How a program name reads as mathematics. The convention (docs/grad-format.md): underscores
/// separate indices, <c>w_2_5</c> is w_{2,5} and <c>v_1_1</c> is v_{1,1}; otherwise trailing
/// digits are one index, <c>x1</c> is x_1 and <c>theta01</c> is θ_{01}; a Greek letter's name
/// becomes the letter; a trailing <c>hat</c> or <c>bar</c> becomes an accent (<c>yhat</c> is ŷ).
/// </summary>
public sealed class SymbolName
{
    private static readonly HashSet<string> Greek = new(StringComparer.Ordinal)
    {
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
        "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
        "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
    };

    private static readonly Dictionary<string, string> GreekLetters = new(StringComparer.Ordinal)
    {
        ["alpha"] = "α", ["beta"] = "β", ["gamma"] = "γ", ["delta"] = "δ", ["epsilon"] = "ε", ["zeta"] = "ζ",
        ["eta"] = "η", ["theta"] = "θ", ["iota"] = "ι", ["kappa"] = "κ", ["lambda"] = "λ", ["mu"] = "μ",
        ["nu"] = "ν", ["xi"] = "ξ", ["pi"] = "π", ["rho"] = "ρ", ["sigma"] = "σ", ["tau"] = "τ",
        ["upsilon"] = "υ", ["phi"] = "φ", ["chi"] = "χ", ["psi"] = "ψ", ["omega"] = "ω",
        ["Gamma"] = "Γ", ["Delta"] = "Δ", ["Theta"] = "Θ", ["Lambda"] = "Λ", ["Xi"] = "Ξ", ["Pi"] = "Π",
        ["Sigma"] = "Σ", ["Upsilon"] = "Υ", ["Phi"] = "Φ", ["Psi"] = "Ψ", ["Omega"] = "Ω",
    };

    private SymbolName(string name, string stem, string? accent, IReadOnlyList<string> indices)
    {
        Name = name;
        Stem = stem;
        Accent = accent;
        Indices = indices;
    }

    /// <summary>The name as written in the program.</summary>
    public string Name { get; }

    /// <summary>The letter part: "w", "theta", "y".</summary>
    public string Stem { get; }

    /// <summary>"hat" or "bar" when the name ends with one, else null.</summary>
    public string? Accent { get; }

    /// <summary>The indices: ["2", "5"] for w_2_5, ["01"] for theta01, [] for y.</summary>
    public IReadOnlyList<string> Indices { get; }

    /// <summary>Splits a program name by the convention above.</summary>
    public static SymbolName Parse(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var parts = name.Split('_');
        string stem = parts[0];
        var indices = new List<string>();
        if (parts.Length > 1 && stem.Length > 0 && parts.Skip(1).All(p => p.Length > 0))
            indices.AddRange(parts.Skip(1));
        else
            stem = name;
        if (indices.Count == 0)
        {
            int end = stem.Length;
            while (end > 0 && char.IsDigit(stem[end - 1])) end--;
            if (end > 0 && end < stem.Length)
            {
                indices.Add(stem[end..]);
                stem = stem[..end];
            }
        }
        string? accent = null;
        foreach (var a in new[] { "hat", "bar" })
            if (stem.Length > a.Length && stem.EndsWith(a, StringComparison.Ordinal))
            {
                accent = a;
                stem = stem[..^a.Length];
                break;
            }
        return new SymbolName(name, stem, accent, indices);
    }

    /// <summary>LaTeX: w_{2,5}, \theta_{01}, \hat{y}, \mathrm{var}.</summary>
    public string ToLatex()
    {
        // A Greek letter typed as itself (λ, or µ the micro sign) is its command, as pdflatex reads no raw Unicode.
        var stem = Stem.Normalize(System.Text.NormalizationForm.FormKC);
        if (SpelledGreek(stem) is { } spelled) stem = spelled;
        string core = Greek.Contains(stem) ? "\\" + stem
            : stem == "eps" ? "\\epsilon"
            : stem == "_" ? "\\_" // a bare _ is a subscript in LaTeX: the name _ (or _1, _hat) is the character \_
            : stem.Length == 1 ? stem
            : $"\\mathrm{{{stem.Replace("_", "\\_")}}}";
        if (Accent is not null) core = $"\\{Accent}{{{core}}}";
        // log_sigma's index is the letter too: \mathrm{log}_{\sigma}.
        var indices = Indices.Select(i => (SpelledGreek(i) ?? i) is var full && Greek.Contains(full) ? "\\" + full : i);
        return Indices.Count == 0 ? core : $"{core}_{{{string.Join(",", indices)}}}";
    }

    /// <summary>Unicode: w_{2,5}, θ_{01}, ŷ (the accent is precomposed where Unicode has the letter, else a combining mark).</summary>
    public string ToUnicode()
    {
        string core = GreekLetters.TryGetValue(Stem, out var letter) ? letter : Stem == "eps" ? "ε" : Stem;
        if (Accent is not null) core += Accent == "hat" ? "\u0302" : "\u0304";
        core = core.Normalize(System.Text.NormalizationForm.FormC);
        return Indices.Count == 0 ? core : Indices.Count == 1 && Indices[0].Length == 1 ? $"{core}_{Indices[0]}" : $"{core}_{{{string.Join(",", Indices)}}}";
    }

    /// <summary>The spelled name of a Greek letter ("lambda" for λ); null for anything else.</summary>
    public static string? SpelledGreek(string letter) =>
        GreekLetters.FirstOrDefault(kv => kv.Value == letter).Key;

    /// <inheritdoc/>
    public override string ToString() => Name;
}
