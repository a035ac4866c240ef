using System.Numerics;

namespace SharpGrad.Explain;

/// <summary>The cost of one parameter: its paths, their total number of factors, and the multiplications path by path.</summary>
/// <param name="Name">The parameter.</param>
/// <param name="Paths">The number of paths from the objective to it.</param>
/// <param name="Factors">The total number of factors over those paths.</param>
public sealed record ParameterCost(string Name, BigInteger Paths, BigInteger Factors)
{
    /// <summary>Σ over paths of (factors − 1).</summary>
    public BigInteger Multiplications => Factors - Paths;
}
