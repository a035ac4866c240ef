namespace SharpGrad.Explain;

/// <summary>What <see cref="DerivativeChecker.Check"/> decided about a hand-derived derivative.</summary>
public enum CheckVerdict
{
    /// <summary>The expression equals the true derivative (symbolically, or at every point tried).</summary>
    Correct,

    /// <summary>The expression differs from the true derivative at the counterexample point.</summary>
    Incorrect,
}

/// <summary>
/// The class of mistake <see cref="DerivativeChecker"/> recognised in an incorrect answer, so that
/// feedback and batch reports can count them: <see cref="Value"/> when the values simply differ.
/// </summary>
public enum CheckMistake
{
    /// <summary>No mistake: the answer is correct.</summary>
    None,

    /// <summary>The values differ and no more specific class fits.</summary>
    Value,

    /// <summary>The answer has another shape than the derivative, or its operands do not fit.</summary>
    Shape,

    /// <summary>The answer is the transpose of the derivative.</summary>
    Transposed,

    /// <summary>The answer is missing a sum over a broadcast dimension.</summary>
    MissingSum,

    /// <summary>The answer is the negative of the derivative.</summary>
    SignFlipped,

    /// <summary>The answer is a constant multiple of the derivative.</summary>
    ConstantFactor,

    /// <summary>The answer is n times the derivative for a size n of the program: a missing 1/n.</summary>
    MissingMean,

    /// <summary>A path of the chain rule is missing.</summary>
    MissingPath,

    /// <summary>A factor of a path (a local derivative) is missing or extra.</summary>
    MissingFactor,

    /// <summary>A term is not a path from the objective to the variable.</summary>
    NotAPath,

    /// <summary>The answer uses the derivative asked for, or one computed from it.</summary>
    Circular,

    /// <summary>The answer is NaN or infinite where the derivative is a number (or the other way round).</summary>
    NotFinite,

    /// <summary>A name with its indices swapped (w_5_2 for w_2_5).</summary>
    IndexTypo,
}
