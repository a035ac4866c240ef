namespace SharpGrad.Tests.Tensors;

public class ArithmeticTests
{
    [Fact]
    public void Add_MatrixPlusRow_BroadcastsOverRows()
    {
        var m = Tensor.FromNested(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var r = m + Expect.Vec(10, 20, 30);
        Expect.Shape(r, 2, 3);
        Expect.Values(r, 11, 22, 33, 14, 25, 36);
        Expect.Values(Expect.Vec(10, 20, 30) + m, 11, 22, 33, 14, 25, 36);
    }

    [Fact]
    public void Mul_ColumnTimesRow_IsOuterProduct()
    {
        var col = Expect.Vec(1, 2).Reshape(2, 1);
        var row = Expect.Vec(10, 20, 30).Reshape(1, 3);
        var r = col * row;
        Expect.Shape(r, 2, 3);
        Expect.Values(r, 10, 20, 30, 20, 40, 60);
    }

    [Fact]
    public void Sub_And_Div_Broadcast_ThreeDimensions()
    {
        var a = Expect.Iota(2, 1, 3);            // [[[0,1,2]], [[3,4,5]]]
        var b = Expect.Vec(1, 2).Reshape(2, 1);  // [[1],[2]]
        var d = a - b;                             // [2, 2, 3]
        Expect.Shape(d, 2, 2, 3);
        Expect.Values(d, -1, 0, 1, -2, -1, 0, 2, 3, 4, 1, 2, 3);
        var q = a / b;
        Expect.Values(q, 0, 1, 2, 0, 0.5, 1, 3, 4, 5, 1.5, 2, 2.5);
    }

    [Fact]
    public void ScalarOperators_BothSides()
    {
        var x = Expect.Vec(1, 2, 4);
        Expect.Values(x + 1, 2, 3, 5);
        Expect.Values(1 + x, 2, 3, 5);
        Expect.Values(x - 1, 0, 1, 3);
        Expect.Values(1 - x, 0, -1, -3);
        Expect.Values(x * 3, 3, 6, 12);
        Expect.Values(3 * x, 3, 6, 12);
        Expect.Values(x / 2, 0.5, 1, 2);
        Expect.Values(8 / x, 8, 4, 2);
        Expect.Values(-x, -1, -2, -4);
        Expect.Values(x.Pow(2), 1, 4, 16);
        Expect.Values(x.Pow(Expect.Vec(0, 3, 0.5)), 1, 8, 2);
    }

    [Fact]
    public void TensorOperators_ElementwiseNotMatrix()
    {
        var a = Tensor.FromNested(new double[,] { { 1, 2 }, { 3, 4 } });
        var b = Tensor.FromNested(new double[,] { { 5, 6 }, { 7, 8 } });
        Expect.Values(a + b, 6, 8, 10, 12);
        Expect.Values(a - b, -4, -4, -4, -4);
        Expect.Values(a * b, 5, 12, 21, 32);
        Expect.Values(b / a, 5, 3, 7.0 / 3, 2);
    }

    [Fact]
    public void ScalarTensor_BroadcastsAgainstAnything()
    {
        var s = Tensor.Scalar(2, DType.Float64);
        Expect.Values(Expect.Iota(2, 2) * s, 0, 2, 4, 6);
        var r = s + s;
        Assert.Equal(0, r.Rank);
        Assert.Equal(4.0, r.Item());
    }

    [Fact]
    public void BinaryOps_OnNonContiguousOperands()
    {
        var a = Expect.Iota(2, 3).T;       // [[0,3],[1,4],[2,5]]
        var b = Expect.Iota(3, 4)[.., TensorIndex.Slice(1, null, 2)]; // [[1,3],[5,7],[9,11]]
        Expect.Values(a + b, 1, 6, 6, 11, 11, 16);
        Expect.Values(a * b, 0, 9, 5, 28, 18, 55);
        Expect.Values(a - Expect.Vec(1, 2), -1, 1, 0, 2, 1, 3);
    }

    [Fact]
    public void Add_MismatchedShapes_MessageHasOpAndBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3) + Tensor.Zeros(4));
        Assert.Contains("Add", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4]", e.Message);
        Assert.Contains("cannot be broadcast", e.Message);
    }

    [Fact]
    public void MulAndSub_MismatchedShapes_NameTheirOp()
    {
        var mul = Assert.Throws<ArgumentException>(() => Tensor.Zeros(3, 2).Mul(Tensor.Zeros(3, 3)));
        Assert.Contains("Mul", mul.Message);
        Assert.Contains("[3, 2]", mul.Message);
        Assert.Contains("[3, 3]", mul.Message);
        var sub = Assert.Throws<ArgumentException>(() => Tensor.Zeros(5) - Tensor.Zeros(2, 4));
        Assert.Contains("Sub", sub.Message);
        Assert.Contains("[5]", sub.Message);
        Assert.Contains("[2, 4]", sub.Message);
    }

    [Fact]
    public void Promotion_Float32PlusFloat64_IsFloat64()
    {
        var a = Tensor.FromArray(new float[] { 0.1f, 1 });
        var b = Tensor.FromArray(new[] { 0.1, 2 });
        var r = a + b;
        Assert.Equal(DType.Float64, r.DType);
        Expect.Values(r, (double)0.1f + 0.1, 3);
        Assert.Equal(DType.Float64, (b * a).DType);
    }

    [Fact]
    public void Promotion_Int32PlusFloat32_IsFloat32()
    {
        var i = Tensor.FromArray(new[] { 1, 2, 3 });
        var f = Tensor.FromArray(new float[] { 0.5f, 0.25f, -1 });
        var r = i + f;
        Assert.Equal(DType.Float32, r.DType);
        Assert.Equal(new float[] { 1.5f, 2.25f, 2 }, r.ToArray<float>());
        var d = i * Tensor.FromArray(new[] { 0.5 });
        Assert.Equal(DType.Float64, d.DType);
        Expect.Values(d, 0.5, 1, 1.5);
    }

    [Fact]
    public void Int32Arithmetic_StaysInt32_FractionalScalarPromotes()
    {
        var i = Tensor.FromArray(new[] { 1, 2, 3 });
        var sum = i + Tensor.FromArray(new[] { 10, 20, 30 });
        Assert.Equal(DType.Int32, sum.DType);
        Assert.Equal([11, 22, 33], sum.ToArray<int>());
        Assert.Equal(DType.Int32, (i * 2).DType);
        Assert.Equal([2, 4, 6], (i * 2).ToArray<int>());
        var half = i * 2.5;
        Assert.Equal(DType.Float32, half.DType);
        Assert.Equal(new float[] { 2.5f, 5, 7.5f }, half.ToArray<float>());
        Assert.Equal([-1, -2, -3], (-i).ToArray<int>());
    }

    [Fact]
    public void Int32Division_IsRefused()
    {
        var i = Tensor.FromArray(new[] { 1, 2 });
        var e = Assert.Throws<NotSupportedException>(() => i / Tensor.FromArray(new[] { 1, 1 }));
        Assert.Contains("Div", e.Message);
        Assert.Contains("int32", e.Message);
    }

    [Fact]
    public void LargeBroadcastAdd_MatchesScalarLoop()
    {
        // 37 × 2701 = 99 937 elements: rows longer than one vector with ragged tails, many rows.
        const int rows = 37, cols = 2701;
        var g = new Generator(12);
        var m = Tensor.Uniform([rows, cols], -1, 1, g, DType.Float32);
        var bias = Tensor.Uniform([cols], -1, 1, g, DType.Float32);
        var mv = m.ToArray<float>();
        var bv = bias.ToArray<float>();
        var r = (m + bias).ToArray<float>();
        var rt = (m.T.Contiguous().T + bias).ToArray<float>(); // same values through a strided operand
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                float expected = mv[i * cols + j] + bv[j];
                Assert.Equal(expected, r[i * cols + j]);
                Assert.Equal(expected, rt[i * cols + j]);
            }
    }

    [Fact]
    public void LargeContiguousMulAndSub_MatchScalarLoop_Float64()
    {
        const int n = 100_003;
        var g = new Generator(13);
        var a = Tensor.Uniform([n], -3, 3, g, DType.Float64);
        var b = Tensor.Uniform([n], -3, 3, g, DType.Float64);
        var av = a.ToArray<double>();
        var bv = b.ToArray<double>();
        var prod = (a * b).ToArray<double>();
        var diff = (a - b).ToArray<double>();
        var scaled = (2.5 * a).ToArray<double>();
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(av[i] * bv[i], prod[i]);
            Assert.Equal(av[i] - bv[i], diff[i]);
            Assert.Equal(2.5 * av[i], scaled[i]);
        }
    }

    [Fact]
    public void FewLongBroadcastRows_SplitIntoChunks_MatchScalarLoop()
    {
        // Three rows of 40 001: fewer than eight rows, so each row is cut into chunks.
        const int rows = 3, cols = 40_001;
        var g = new Generator(14);
        var m = Tensor.Uniform([rows, cols], -1, 1, g, DType.Float64);
        var bias = Tensor.Uniform([cols], -1, 1, g, DType.Float64);
        var mv = m.ToArray<double>();
        var bv = bias.ToArray<double>();
        var sum = (m + bias).ToArray<double>();
        var diff = (bias - m).ToArray<double>();
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                Assert.Equal(mv[i * cols + j] + bv[j], sum[i * cols + j]);
                Assert.Equal(bv[j] - mv[i * cols + j], diff[i * cols + j]);
            }
    }
}
