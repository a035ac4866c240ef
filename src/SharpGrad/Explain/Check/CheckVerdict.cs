namespace SharpGrad.Explain;

/// <summary>What <see cref="DerivativeChecker.Check"/> decided about a hand-derived derivative.</summary>
public enum CheckVerdict
{
    /// <summary>The expression equals the true derivative (symbolically, or at every point tried).</summary>
    Correct,

    /// <summary>The expression differs from the true derivative at the counterexample point.</summary>
    Incorrect,
}
