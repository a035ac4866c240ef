namespace SharpGrad.Explain;

// Index notation in answers: (v)_i, (M)_ij, σ(z)_i, ∂L/∂(C)_ik and Σ_k. The parser only records the letters on the parts
// they are written on and keeps products beside them free of matrix-notation readings; CheckExprEvaluator reads them.
internal sealed partial class CheckExprParser
{
    /// <summary>True once the answer has written index letters: only then are products looked at for them.</summary>
    private bool indexed;

    /// <summary>The subscript of the last derivative's denominator, ∂L/∂(C)_ik.</summary>
    private string? partialIndices;

    private readonly Dictionary<CheckExpr, bool> hasIndices = new(ReferenceEqualityComparer.Instance);

    private bool HasIndices(CheckExpr e)
    {
        if (e.Indices is not null) return true;
        if (hasIndices.TryGetValue(e, out var known)) return known;
        return hasIndices[e] = e.Args.Any(HasIndices);
    }

    private static bool IndexLetters(string letters) => letters.Length is 1 or 2 && letters.All(char.IsLetter);

    private CheckExpr Indexed(CheckExpr e, string letters)
    {
        e.Indices = letters;
        indexed = true;
        return e;
    }

    /// <summary>_i or _ij on a part: one letter per axis; more letters, digits or a letter twice are said at the subscript.</summary>
    private CheckExpr Subscript(CheckExpr operand, Tok sub)
    {
        var letters = sub.Text[1..];
        if (!IndexLetters(letters))
            throw Fail(letters.All(char.IsLetter)
                ? $"_{letters} gives {letters.Length} indices, but a gradient has at most two: _i for a vector's component, _ij for a matrix entry"
                : $"_{letters} is no index: write one letter per axis (_i, _ij); a numbered component is written x[0], counting from 0", sub);
        if (letters.Length == 2 && letters[0] == letters[1])
            throw Fail($"_{letters} repeats its index: write diag(…) for the diagonal of a matrix", sub);
        if (letters.Length == 2 && StaticRank(operand) is int rank and < 2)
            throw Fail($"_{letters} gives two indices to {operand.Text}, which is {(rank == 0 ? "a single number" : "a vector")}: write _{letters[0]}", sub);
        if (operand.Indices is not null)
            throw Fail($"{operand.Text} has index letters already (_{operand.Indices}); write one subscript", sub);
        return Indexed(operand, letters);
    }

    /// <summary>Σ_k before index notation sums over k (an error for another subscript); before anything else, over every component.</summary>
    private CheckExpr IndexSum(CheckExpr body, Tok sigma, int start)
    {
        // Σ_{i,j} reaches here as Σ_i_j.
        var letter = sigma.Text.Length < 2 ? "" : sigma.Text[2..].Replace("_", "");
        if (sigma.Text.Length >= 2 && (letter.Length is not (1 or 2) || !letter.All(char.IsLetter) || (letter.Length == 2 && letter[0] == letter[1])))
            throw Fail($"{sigma.Text} sums over '{letter}': write the index letters it sums over, as Σ_i, Σ_ij or Σ_i Σ_j", sigma);
        if (letter.Length == 0 || !HasIndices(body)) return Node(CheckExpr.Kinds.Call, start, [body], name: "Σ");
        return Node(CheckExpr.Kinds.Call, start, [body], name: "Σ", relation: letter);
    }
}
