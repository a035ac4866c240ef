namespace SharpGrad.Tests.Explain;

/// <summary>Compares doubles up to an absolute tolerance, for Assert.Equal on arrays.</summary>
internal sealed class Tolerance(double epsilon) : IEqualityComparer<double>
{
    public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;

    public int GetHashCode(double obj) => 0;
}
