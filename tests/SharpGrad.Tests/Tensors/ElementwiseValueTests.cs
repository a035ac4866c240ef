namespace SharpGrad.Tests.Tensors;

public class ElementwiseValueTests
{
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private static double Softplus(double x) => Math.Log(1 + Math.Exp(x));

    /// <summary>erf by its Maclaurin series summed in full (accurate to ~1e-11 for |x| ≤ 4): an independent reference.</summary>
    private static double ErfSeries(double x)
    {
        double term = x, sum = x;
        for (int n = 1; n < 200; n++)
        {
            term *= -x * x / n;
            sum += term / (2 * n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    // Reference erf values (Abramowitz & Stegun table, 10 digits suffice here).
    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.5, 0.5204998778)]
    [InlineData(1.0, 0.8427007929)]
    [InlineData(-2.0, -0.9953222650)]
    [InlineData(3.0, 0.9999779095)]
    public void Erf_MatchesTable(double x, double expected)
    {
        Assert.Equal(expected, Tensor.FromArray(new[] { x }).Erf().Item(), 1e-9);
    }

    [Fact]
    public void UnaryOps_SmallValues_ByHand()
    {
        var x = Expect.Vec(-2, -0.5, 0, 0.5, 3);
        Expect.Values(x.Relu(), 0, 0, 0, 0.5, 3);
        Expect.Values(x.Abs(), 2, 0.5, 0, 0.5, 3);
        Expect.Values(x.Sign(), -1, -1, 0, 1, 1);
        Expect.Values(x.LeakyRelu(0.1), -0.2, -0.05, 0, 0.5, 3);
        Expect.Values(x.Clamp(-1, 1), -1, -0.5, 0, 0.5, 1);
        Expect.Values(x.Clamp(min: 0), 0, 0, 0, 0.5, 3);
        Expect.Values(x.Clamp(max: 0), -2, -0.5, 0, 0, 0);
        Expect.Values(Expect.Vec(4, 9, 0.25).Sqrt(), 2, 3, 0.5);
        Expect.Close(x.Exp(), [Math.Exp(-2), Math.Exp(-0.5), 1, Math.Exp(0.5), Math.Exp(3)], 1e-15);
        Expect.Close(Expect.Vec(1, Math.E, 0.5).Log(), [0, 1, Math.Log(0.5)], 1e-15);
        Expect.Close(x.Tanh(), Expect.Map([-2, -0.5, 0, 0.5, 3], Math.Tanh), 1e-15);
        Expect.Close(x.Sigmoid(), Expect.Map([-2, -0.5, 0, 0.5, 3], Sigmoid), 1e-15);
        Expect.Close(x.Softplus(), Expect.Map([-2, -0.5, 0, 0.5, 3], Softplus), 1e-15);
        Expect.Close(x.Sin(), Expect.Map([-2, -0.5, 0, 0.5, 3], Math.Sin), 1e-15);
        Expect.Close(x.Cos(), Expect.Map([-2, -0.5, 0, 0.5, 3], Math.Cos), 1e-15);
        // GELU(x) = x·Φ(x); Φ(1) = 0.8413447461, Φ(−1) = 0.1586552539.
        Expect.Close(Expect.Vec(-1, 0, 1).Gelu(), [-0.1586552539, 0, 0.8413447461], 1e-9);
    }

    [Fact]
    public void Softplus_LargeInputs_DoNotOverflow()
    {
        var y = Tensor.FromArray(new float[] { 100, -100, 0 }).Softplus().ToArray<double>();
        Assert.Equal(100.0, y[0], 1e-5);
        Assert.True(y[1] >= 0 && y[1] < 1e-40);
        Assert.Equal(Math.Log(2), y[2], 1e-7);
    }

    [Fact]
    public void Clamp_InvalidBounds_Throw()
    {
        var x = Expect.Vec(1, 2);
        Assert.Throws<ArgumentException>(() => x.Clamp());
        var e = Assert.Throws<ArgumentException>(() => x.Clamp(2, 1));
        Assert.Contains("greater than max", e.Message);
    }

    [Fact]
    public void Erf_Float32_IsWithinFloatPrecisionOfTheSeries_AcrossTheRange()
    {
        // The float32 path has its own formulas (polynomial near 0, rational-exponential form beyond, ±1 in the
        // tails); the series of the test is the independent reference. Odd, with NaN passed through.
        var grid = Enumerable.Range(0, 4001).Select(i => -8 + i * 0.004f).Append(1e-6f).Append(-3e-5f).ToArray();
        var y = Tensor.FromArray(grid).Erf().ToArray<float>();
        for (int i = 0; i < grid.Length; i++)
        {
            double expected = Math.Abs(grid[i]) > 5 ? Math.Sign(grid[i]) : ErfSeries(grid[i]);
            Assert.True(Math.Abs(expected - y[i]) < 3e-7, $"erf({grid[i]}) = {y[i]}, expected {expected}");
        }
        Assert.True(float.IsNaN((float)Tensor.FromArray(new[] { float.NaN }).Erf().Item()));
    }

    public static TheoryData<string> UnaryNames => ["Exp", "Relu", "Tanh", "Sigmoid", "Abs", "Sin", "Neg", "LeakyRelu", "Gelu", "Softplus", "Erf", "Sign", "Clamp"];

    private static Tensor ApplyUnary(string name, Tensor x) => name switch
    {
        "Exp" => x.Exp(),
        "Relu" => x.Relu(),
        "Tanh" => x.Tanh(),
        "Sigmoid" => x.Sigmoid(),
        "Abs" => x.Abs(),
        "Sin" => x.Sin(),
        "Neg" => x.Neg(),
        "LeakyRelu" => x.LeakyRelu(0.2),
        "Gelu" => x.Gelu(),
        "Softplus" => x.Softplus(),
        "Erf" => x.Erf(),
        "Sign" => x.Sign(),
        "Clamp" => x.Clamp(-0.5, 0.7),
        _ => throw new ArgumentException(name),
    };

    private static double ScalarReference(string name, double v) => name switch
    {
        "Exp" => Math.Exp(v),
        "Relu" => Math.Max(v, 0),
        "Tanh" => Math.Tanh(v),
        "Sigmoid" => Sigmoid(v),
        "Abs" => Math.Abs(v),
        "Sin" => Math.Sin(v),
        "Neg" => -v,
        "LeakyRelu" => v > 0 ? v : 0.2 * v,
        "Gelu" => v * 0.5 * (1 + ErfSeries(v / Math.Sqrt(2))),
        "Softplus" => Softplus(v),
        "Erf" => ErfSeries(v),
        "Sign" => Math.Sign(v),
        "Clamp" => Math.Clamp(v, -0.5, 0.7),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(UnaryNames))]
    public void Unary_OnTransposedAndSteppedInputs_EqualsContiguousCopy(string name)
    {
        var baseT = Tensor.Uniform([7, 13], -2, 2, new Generator(41), DType.Float64);
        var transposed = baseT.T;                                        // [13, 7], strides [1, 13]
        var stepped = baseT[TensorIndex.Slice(1, null, 2), TensorIndex.Slice(null, null, 3)]; // [3, 5]
        foreach (var view in new[] { transposed, stepped })
        {
            Assert.False(view.IsContiguous);
            var input = view.ToArray<double>();
            var expected = Expect.Map(input, v => ScalarReference(name, v));
            var onView = ApplyUnary(name, view);
            var onCopy = ApplyUnary(name, view.Contiguous());
            Assert.Equal(view.Shape.ToArray(), onView.Shape.ToArray());
            Expect.Close(expected, onView.ToArray<double>(), 1e-13);
            Expect.Close(onCopy.ToArray<double>(), onView.ToArray<double>(), 1e-15);
        }
    }

    [Theory]
    [MemberData(nameof(UnaryNames))]
    public void Unary_Large_Float32_MatchesScalarLoop(string name)
    {
        // 100 003 elements cross the parallel threshold and leave a vector tail.
        const int n = 100_003;
        var x = Tensor.Uniform([n], -4, 4, new Generator(43));
        var input = x.ToArray<float>();
        var y = ApplyUnary(name, x).ToArray<float>();
        Assert.Equal(n, y.Length);
        for (int i = 0; i < n; i++)
        {
            double expected = ScalarReference(name, input[i]);
            double tolerance = 2e-6 * Math.Max(1, Math.Abs(expected));
            if (Math.Abs(expected - y[i]) > tolerance)
                Assert.Fail($"{name}: element {i} of input {input[i]} gave {y[i]}, expected {expected}");
        }
    }

    [Fact]
    public void Unary_Large_Float64_Exp_MatchesScalarLoop()
    {
        const int n = 100_003;
        var x = Tensor.Uniform([n], -10, 10, new Generator(44), DType.Float64);
        var input = x.ToArray<double>();
        var y = x.Exp().ToArray<double>();
        for (int i = 0; i < n; i++)
        {
            double expected = Math.Exp(input[i]);
            if (Math.Abs(expected - y[i]) > 1e-14 * expected)
                Assert.Fail($"element {i}: exp({input[i]}) gave {y[i]}, expected {expected}");
        }
    }

    [Fact]
    public void Unary_Large_NonContiguous_MatchesScalarLoop()
    {
        var baseT = Tensor.Uniform([317, 631], -3, 3, new Generator(45), DType.Float64); // 200 027 elements
        var t = baseT.T;
        var input = t.ToArray<double>();
        var relu = t.Relu().ToArray<double>();
        var tanh = t.Tanh().ToArray<double>();
        for (int i = 0; i < input.Length; i++)
        {
            Assert.Equal(Math.Max(input[i], 0), relu[i]);
            if (Math.Abs(Math.Tanh(input[i]) - tanh[i]) > 1e-15)
                Assert.Fail($"tanh element {i}");
        }
    }

    [Fact]
    public void Comparisons_ProduceZeroOneMasks()
    {
        var x = Expect.Vec(1, 2, 3);
        Expect.Values(x.Eq(2), 0, 1, 0);
        Expect.Values(x.Ne(2), 1, 0, 1);
        Expect.Values(x.Lt(2), 1, 0, 0);
        Expect.Values(x.Le(2), 1, 1, 0);
        Expect.Values(x.Gt(2), 0, 0, 1);
        Expect.Values(x.Ge(2), 0, 1, 1);
        Assert.Equal(DType.Float64, x.Eq(2).DType);
    }

    [Fact]
    public void Comparisons_Broadcast_TensorAgainstTensor()
    {
        var col = Expect.Vec(1, 2, 3).Reshape(3, 1);
        var row = Expect.Vec(2, 3);
        var lt = col.Lt(row);
        Expect.Shape(lt, 3, 2);
        Expect.Values(lt, 1, 1, 0, 1, 0, 0);
        Expect.Values(col.Eq(row), 0, 0, 1, 0, 0, 1);
    }

    [Fact]
    public void Comparisons_Int32_AndLongVectors_WithTails()
    {
        // 37 elements: four full float64 vectors of the 256-bit path, then a scalar tail.
        var v = Enumerable.Range(0, 37).Select(i => (double)(i % 5)).ToArray();
        var x = Tensor.FromArray(v);
        var ge = x.Ge(2).ToArray<double>();
        var ne = x.Ne(Tensor.Full([37], 3, DType.Float64)).ToArray<double>();
        for (int i = 0; i < 37; i++)
        {
            Assert.Equal(v[i] >= 2 ? 1.0 : 0.0, ge[i]);
            Assert.Equal(v[i] != 3 ? 1.0 : 0.0, ne[i]);
        }

        var ints = Tensor.FromArray(Enumerable.Range(0, 37).ToArray());
        var mask = ints.Gt(Tensor.FromArray(Enumerable.Range(0, 37).Select(i => 36 - i).ToArray()));
        Assert.Equal(DType.Int32, mask.DType);
        Assert.Equal(Enumerable.Range(0, 37).Select(i => i > 36 - i ? 1 : 0).ToArray(), mask.ToArray<int>());

        var f = Tensor.FromArray(v.Select(d => (float)d).ToArray());
        Assert.Equal(v.Select(d => d == 4 ? 1f : 0f).ToArray(), f.Eq(4).ToArray<float>());
    }

    [Fact]
    public void Where_BroadcastsConditionAndOperands()
    {
        var cond = Expect.Vec(1, 0).Reshape(2, 1);
        var a = Expect.Vec(1, 2, 3);
        var b = Tensor.Scalar(-1, DType.Float64);
        var r = Tensor.Where(cond, a, b);
        Expect.Shape(r, 2, 3);
        Expect.Values(r, 1, 2, 3, -1, -1, -1);

        var x = Expect.Vec(-2, 5, -1, 4);
        Expect.Values(Tensor.Where(x.Gt(0), x, Tensor.ZerosLike(x)), 0, 5, 0, 4);
    }

    [Fact]
    public void Where_IntConditionAndPromotedOperands()
    {
        var cond = Tensor.FromArray(new[] { 0, 3, -1 });
        var r = Tensor.Where(cond, Tensor.FromArray(new float[] { 1, 2, 3 }), Tensor.FromArray(new[] { 10.0, 20, 30 }));
        Assert.Equal(DType.Float64, r.DType);
        Expect.Values(r, 10, 2, 3);
    }

    [Fact]
    public void Where_IncompatibleShapes_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Where(Tensor.Zeros(3), Tensor.Zeros(2), Tensor.Zeros(2)));
        Assert.Contains("Where", e.Message);
    }

    [Fact]
    public void MaximumMinimum_Broadcast()
    {
        var a = Tensor.FromNested(new double[,] { { 1, 5 }, { 3, -2 } });
        var b = Expect.Vec(2, 0);
        Expect.Values(Tensor.Maximum(a, b), 2, 5, 3, 0);
        Expect.Values(Tensor.Minimum(a, b), 1, 0, 2, -2);
        Expect.Shape(Tensor.Maximum(b.Reshape(2, 1), Expect.Vec(1, 2, 3)), 2, 3);
        Expect.Values(Tensor.Maximum(b.Reshape(2, 1), Expect.Vec(1, 2, 3)), 2, 2, 3, 1, 2, 3);
    }

    [Fact]
    public void MaximumMinimum_Large_MatchScalarLoop()
    {
        const int n = 100_003;
        var g = new Generator(46);
        var a = Tensor.Uniform([n], -1, 1, g);
        var b = Tensor.Uniform([n], -1, 1, g);
        var av = a.ToArray<float>();
        var bv = b.ToArray<float>();
        var mx = Tensor.Maximum(a, b).ToArray<float>();
        var mn = Tensor.Minimum(a, b).ToArray<float>();
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(Math.Max(av[i], bv[i]), mx[i]);
            Assert.Equal(Math.Min(av[i], bv[i]), mn[i]);
        }
    }

    [Fact]
    public void UnaryFloatOps_OnInt32_AreRefused()
    {
        var e = Assert.Throws<NotSupportedException>(() => Tensor.FromArray(new[] { 1, 2 }).Exp());
        Assert.Contains("Exp", e.Message);
        Assert.Contains("int32", e.Message);
    }

    [Fact]
    public void To_ConvertsBetweenDTypes()
    {
        var f = Tensor.FromArray(new[] { 1.75, -1.75, 3 }).To(DType.Float32);
        Assert.Equal(DType.Float32, f.DType);
        Assert.Equal(new float[] { 1.75f, -1.75f, 3 }, f.ToArray<float>());
        var i = f.To(DType.Int32);
        Assert.Equal([1, -1, 3], i.ToArray<int>()); // truncation toward zero
        Assert.Equal(new[] { 1.0, -1, 3 }, i.To(DType.Float64).ToArray<double>());
        var t = Expect.Iota(2, 3).T.To(DType.Float32);
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, t.ToArray<float>());
    }

    [Fact]
    public void Unary_OnContiguousSliceWithOffset_ReadsTheRightElements()
    {
        var rows = Expect.Iota(4, 3)[2..]; // [[6, 7, 8], [9, 10, 11]], offset 6
        Assert.True(rows.IsContiguous);
        Expect.Values(rows.Neg(), -6, -7, -8, -9, -10, -11);
        Expect.Close(rows.Sqrt(), [Math.Sqrt(6), Math.Sqrt(7), Math.Sqrt(8), 3, Math.Sqrt(10), Math.Sqrt(11)], 1e-15);
        Expect.Values(rows + 1, 7, 8, 9, 10, 11, 12);
    }
}
