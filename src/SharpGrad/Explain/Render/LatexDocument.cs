using System.Text;

namespace SharpGrad.Explain;

/// <summary>
/// LaTeX that goes on a page as it is: a standalone document around a fragment (amsmath and
/// amssymb for align*, \mathbb and \odot; <c>\allowdisplaybreaks</c> so that a long derivation
/// breaks across pages), and an equation whose right side is a sum written one term per line
/// (a path per line), so that no line runs off the page.
/// </summary>
public static class LatexDocument
{
    /// <summary>The packages and settings every fragment needs, as a comment for people who paste it into their own document.</summary>
    public const string Requirements = "% needs \\usepackage{amsmath,amssymb}; \\allowdisplaybreaks lets long derivations break across pages";

    /// <summary>A complete document that compiles with pdflatex, around <paramref name="body"/>.</summary>
    public static string Standalone(string body, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        var sb = new StringBuilder();
        sb.Append("\\documentclass{article}\n\\usepackage[margin=2cm]{geometry}\n\\usepackage{amsmath,amssymb}\n\\allowdisplaybreaks\n\\begin{document}\n");
        if (title is not null) sb.Append("\\section*{").Append(Text(title)).Append("}\n");
        sb.Append(body);
        if (!body.EndsWith('\n')) sb.Append('\n');
        sb.Append("\\end{document}\n");
        return sb.ToString();
    }

    /// <summary>
    /// One line of an align* environment, <c>left &amp;= t1 \\ &amp;\quad + t2 …</c>: the right side's
    /// terms each on a line of their own, continued lines indented.
    /// </summary>
    public static string AlignedSum(string left, IReadOnlyList<string> terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        if (terms.Count == 0) return $"{left} &= 0";
        var sb = new StringBuilder($"{left} &= {terms[0]}");
        for (int i = 1; i < terms.Count; i++)
        {
            var t = terms[i];
            sb.Append(" \\\\\n  &\\quad ").Append(t.StartsWith('-') ? "- " + t[1..].TrimStart() : "+ " + t);
        }
        return sb.ToString();
    }

    /// <summary>
    /// Plain text for a LaTeX text argument: the special characters escaped, and the symbols the text renderer
    /// prints (η, −, ∂, ∞, σ, ⊙, ᵀ, ...) as math, which pdflatex cannot typeset from their Unicode characters.
    /// </summary>
    public static string Text(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length);
        foreach (var ch in text)
            sb.Append(ch switch
            {
                '\\' => "\\textbackslash{}",
                '{' or '}' or '$' or '&' or '#' or '_' or '%' => "\\" + ch,
                '^' => "\\^{}",
                '~' => "\\~{}",
                _ when MathSymbols.TryGetValue(ch, out var math) => $"\\ensuremath{{{math}}}",
                _ => ch.ToString(),
            });
        return sb.ToString();
    }

    private static readonly Dictionary<char, string> MathSymbols = new()
    {
        ['−'] = "-", ['∂'] = "\\partial", ['∞'] = "\\infty", ['·'] = "\\cdot", ['⊙'] = "\\odot", ['⊗'] = "\\otimes",
        ['×'] = "\\times", ['ᵀ'] = "^{\\top}", ['≤'] = "\\le", ['≥'] = "\\ge", ['≠'] = "\\ne", ['≈'] = "\\approx",
        ['→'] = "\\to", ['√'] = "\\surd", ['Σ'] = "\\Sigma", ['ŷ'] = "\\hat{y}", ['′'] = "'", ['²'] = "^2", ['³'] = "^3",
        ['α'] = "\\alpha", ['β'] = "\\beta", ['γ'] = "\\gamma", ['δ'] = "\\delta", ['ε'] = "\\varepsilon", ['η'] = "\\eta",
        ['θ'] = "\\theta", ['λ'] = "\\lambda", ['μ'] = "\\mu", ['π'] = "\\pi", ['ρ'] = "\\rho", ['σ'] = "\\sigma",
        ['τ'] = "\\tau", ['φ'] = "\\varphi", ['ψ'] = "\\psi", ['ω'] = "\\omega", ['Δ'] = "\\Delta",
    };
}
