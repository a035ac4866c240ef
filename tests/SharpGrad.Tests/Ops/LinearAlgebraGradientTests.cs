namespace SharpGrad.Tests.Ops;

/// <summary>MatMul for every rank combination, broadcasting and transposed operands, against finite differences and hand values.</summary>
public class LinearAlgebraGradientTests
{
    public static TheoryData<int[], int[]> Shapes => new()
    {
        { [4], [4] },
        { [3, 4], [4] },
        { [4], [4, 2] },
        { [3, 4], [4, 2] },
        { [2, 3, 4], [4, 5] },
        { [2, 1, 3, 4], [3, 4, 2] },
        { [3, 4], [2, 4, 5] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatMul_MatchesFiniteDifferences(int[] shapeA, int[] shapeB) =>
        TestData.AssertGradients(xs => xs[0].MatMul(xs[1]), TestData.Leaf(shapeA, 51), TestData.Leaf(shapeB, 52));

    [Fact]
    public void MatMul_TransposedOperands_MatchFiniteDifferences() =>
        TestData.AssertGradients(xs => xs[0].MatMul(xs[1]), TestData.TransposedLeaf(3, 4, 53), TestData.TransposedLeaf(4, 2, 54));

    [Fact]
    public void MatMul_SteppedOperand_MatchesFiniteDifferences() =>
        TestData.AssertGradients(xs => xs[0].MatMul(xs[1]), TestData.SteppedLeaf(3, 4, 55), TestData.Leaf([4, 2], 56));

    [Fact]
    public void MatMul_HandComputed()
    {
        var a = Tensor.FromNested(new double[,] { { 1, 2 }, { 3, 4 } });
        var b = Tensor.FromNested(new double[,] { { 5, 6 }, { 7, 8 } });
        Assert.Equal([19.0, 22, 43, 50], a.MatMul(b).ToDoubleArray());
        Assert.Equal([17.0, 23, 39, 53], a.MatMul(b.T).ToDoubleArray());
        Assert.Equal(11.0, Tensor.FromArray([1.0, 2]).MatMul(Tensor.FromArray([3.0, 4])).Item());
    }

    [Fact]
    public void MatMul_MisalignedShapes_NamesBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).MatMul(Tensor.Zeros(4, 5)));
        Assert.Contains("MatMul", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4, 5]", e.Message);
    }

    [Fact]
    public void MatMul_Float32_MatchesFloat64()
    {
        var a = Tensor.Uniform([37, 29], -1, 1, new Generator(5));
        var b = Tensor.Uniform([29, 41], -1, 1, new Generator(6));
        var c32 = a.MatMul(b).ToDoubleArray();
        var c64 = a.To(DType.Float64).MatMul(b.To(DType.Float64)).ToDoubleArray();
        for (int i = 0; i < c64.Length; i++) Assert.InRange(Math.Abs(c64[i] - c32[i]), 0, 1e-5 * 29);
    }
}
