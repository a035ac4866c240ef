namespace SharpGrad.Tests;

/// <summary>Seeded float64 inputs for gradient checks, contiguous or deliberately not.</summary>
internal static class TestData
{
    /// <summary>A float64 leaf requiring gradients with values uniform in [low, high).</summary>
    public static Tensor Leaf(int[] shape, ulong seed, double low = -2, double high = 2) =>
        Tensor.Uniform(shape, low, high, new Generator(seed), DType.Float64).RequireGrad();

    /// <summary>A non-contiguous (transposed) float64 leaf of the given 2-D shape.</summary>
    public static Tensor TransposedLeaf(int rows, int cols, ulong seed, double low = -2, double high = 2) =>
        Tensor.Uniform([cols, rows], low, high, new Generator(seed), DType.Float64).T.RequireGrad();

    /// <summary>A non-contiguous leaf: every second column of a wider tensor.</summary>
    public static Tensor SteppedLeaf(int rows, int cols, ulong seed, double low = -2, double high = 2) =>
        Tensor.Uniform([rows, 2 * cols], low, high, new Generator(seed), DType.Float64)[.., TensorIndex.Slice(null, null, 2)].RequireGrad();

    /// <summary>Values bounded away from zero (for abs, relu, sqrt, log kinks and poles).</summary>
    public static Tensor AwayFromZero(int[] shape, ulong seed, double magnitudeLow = 0.2, double magnitudeHigh = 2, bool positive = false)
    {
        var g = new Generator(seed);
        var n = shape.Aggregate(1, (a, b) => a * b);
        var data = new double[n];
        for (int i = 0; i < n; i++)
        {
            double m = magnitudeLow + (magnitudeHigh - magnitudeLow) * g.NextDouble();
            data[i] = positive || g.NextDouble() < 0.5 ? m : -m;
        }
        return Tensor.FromArray(data, shape).RequireGrad();
    }

    /// <summary>Asserts that the checker passes, showing its report when it does not.</summary>
    public static void AssertGradients(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var result = GradCheck.Check(f, inputs);
        Assert.True(result.Passed, result.ToString());
        Assert.True(result.EntriesCompared > 0);
    }

    /// <summary>Asserts that second derivatives pass the checker.</summary>
    public static void AssertSecondOrder(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var result = GradCheck.CheckSecondOrder(f, inputs);
        Assert.True(result.Passed, result.ToString());
    }
}
