namespace SharpGrad.Explain;

/// <summary>The three ways expressions are printed.</summary>
public enum Notation
{
    /// <summary>Program syntax in ASCII (<c>y - yhat</c>, <c>a * b</c>): reads back as a program.</summary>
    Source,

    /// <summary>Text for people: Unicode minus and middle dot (<c>y − yhat</c>, <c>a · b</c>); still parses.</summary>
    Text,

    /// <summary>LaTeX math (<c>\hat{y}</c>, <c>\frac{a}{b}</c>, <c>W_{1}\,x</c>).</summary>
    Latex,
}
