namespace SharpGrad.Tests.Tensors;

public class ReductionValueTests
{
    // [[1, 2, 3],
    //  [4, 5, 6]]
    private static Tensor M() => Tensor.FromNested(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });

    [Fact]
    public void Sum_All_IsScalar()
    {
        var s = M().Sum();
        Assert.Equal(0, s.Rank);
        Assert.Equal(21.0, s.Item());
    }

    [Fact]
    public void Sum_OverEachDimension()
    {
        var cols = M().Sum(0); // the leading dimension of a contiguous tensor: the column path
        Expect.Shape(cols, 3);
        Expect.Values(cols, 5, 7, 9);
        var rows = M().Sum(1);
        Expect.Shape(rows, 2);
        Expect.Values(rows, 6, 15);
        Expect.Values(M().Sum(-1), 6, 15);
    }

    [Fact]
    public void Sum_KeepDim_KeepsSizeOne()
    {
        var c = M().Sum(0, keepDim: true);
        Expect.Shape(c, 1, 3);
        Expect.Values(c, 5, 7, 9);
        var r = M().Sum(1, keepDim: true);
        Expect.Shape(r, 2, 1);
        Expect.Values(r, 6, 15);
        var all = M().Sum([0, 1], keepDim: true);
        Expect.Shape(all, 1, 1);
        Expect.Values(all, 21);
    }

    [Fact]
    public void Sum_MultipleDims_HandComputed()
    {
        var x = Expect.Iota(2, 3, 4); // x[i, j, k] = 12i + 4j + k
        // Over dims 0 and 2: Σ_i Σ_k (12i + 4j + k) = 2·4·4j + 4·12 + 2·6 = 32j + 60.
        var s = x.Sum([0, 2]);
        Expect.Shape(s, 3);
        Expect.Values(s, 60, 92, 124);
        var k = x.Sum([2, 0], keepDim: true);
        Expect.Shape(k, 1, 3, 1);
        Expect.Values(k, 60, 92, 124);
        // Over dims 0 and 1 (leading dims of a contiguous tensor): Σ_i Σ_j = 3·2·k + 12·3 + 4·3·2 = 6k + 60.
        var lead = x.Sum([0, 1]);
        Expect.Shape(lead, 4);
        Expect.Values(lead, 60, 66, 72, 78);
        // Over dims 1 and 2: Σ_j Σ_k = 12·12i + 4·3·4 + 6·3 = 144i + 66.
        Expect.Values(x.Sum([1, 2]), 66, 210);
    }

    [Fact]
    public void Sum_LeadingDims_LargeContiguous_MatchesLoop()
    {
        // The column kernel works in blocks of 1024 columns; 2500 columns leaves a partial block.
        const int rows = 7, cols = 2500;
        var x = Tensor.Uniform([rows, cols], -1, 1, new Generator(51), DType.Float64);
        var v = x.ToArray<double>();
        var s = x.Sum(0).ToArray<double>();
        for (int j = 0; j < cols; j++)
        {
            double expected = 0;
            for (int i = 0; i < rows; i++) expected += v[i * cols + j];
            Assert.Equal(expected, s[j], 1e-12);
        }

        var y = x.Reshape(7, 50, 50); // over dims 0 and 1 → 50 columns
        var s2 = y.Sum([0, 1]).ToArray<double>();
        for (int k = 0; k < 50; k++)
        {
            double expected = 0;
            for (int r = 0; r < rows * 50; r++) expected += v[r * 50 + k];
            Assert.Equal(expected, s2[k], 1e-11);
        }
    }

    [Fact]
    public void Sum_LeadingDim_OfContiguousSliceWithOffset()
    {
        var x = Expect.Iota(4, 3)[1..]; // rows 1..3: [[3,4,5],[6,7,8],[9,10,11]], offset 3
        Assert.True(x.IsContiguous);
        Assert.Equal(3, x.Offset);
        Expect.Values(x.Sum(0), 18, 21, 24);
    }

    [Fact]
    public void Sum_OverTransposedTensor()
    {
        var t = M().T; // [[1,4],[2,5],[3,6]]
        Expect.Values(t.Sum(0), 6, 15);
        Expect.Values(t.Sum(1), 5, 7, 9);
        Assert.Equal(21.0, t.Sum().Item());

        var stepped = Expect.Iota(3, 4)[.., TensorIndex.Slice(null, null, 2)]; // [[0,2],[4,6],[8,10]]
        Expect.Values(stepped.Sum(0), 12, 18);
        Expect.Values(stepped.Sum(1), 2, 10, 18);
    }

    [Fact]
    public void Sum_Int32_StaysInt32()
    {
        var x = Tensor.FromArray(new[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var all = x.Sum();
        Assert.Equal(DType.Int32, all.DType);
        Assert.Equal(21.0, all.Item());
        Assert.Equal([5, 7, 9], x.Sum(0).ToArray<int>());
        Assert.Equal([6, 15], x.Sum(1).ToArray<int>());
        Assert.Equal([6, 15], x.T.Sum(0).ToArray<int>());
    }

    [Fact]
    public void Sum_Float32_Large_MatchesDoubleLoop()
    {
        const int n = 100_003;
        var x = Tensor.Uniform([n], 0, 1, new Generator(52));
        double expected = 0;
        foreach (var f in x.ToArray<float>()) expected += f;
        Assert.Equal(expected, x.Sum().Item(), expected * 1e-5);

        var d = Tensor.Uniform([n], 0, 1, new Generator(54), DType.Float64);
        double exact = 0;
        foreach (var v in d.ToArray<double>()) exact += v;
        Assert.Equal(exact, d.Sum().Item(), exact * 1e-12);
    }

    [Fact]
    public void Sum_OfEmpty_IsZero_MaxOfEmpty_Throws()
    {
        Assert.Equal(0.0, Tensor.Zeros(0).Sum().Item());
        Expect.Values(Tensor.Zeros(0, 3).Sum(0), 0, 0, 0);
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(0).Max());
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void Sum_DuplicateDims_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => M().Sum([1, -1]));
        Assert.Contains("more than once", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => M().Sum(2));
    }

    [Fact]
    public void Mean_OverDims()
    {
        Assert.Equal(3.5, M().Mean().Item());
        Expect.Values(M().Mean(0), 2.5, 3.5, 4.5);
        Expect.Values(M().Mean(1), 2, 5);
        var k = M().Mean(1, keepDim: true);
        Expect.Shape(k, 2, 1);
        Expect.Values(Expect.Iota(2, 3, 4).Mean([0, 2]), 7.5, 11.5, 15.5);
    }

    [Fact]
    public void Mean_Int32_IsRefused()
    {
        var e = Assert.Throws<NotSupportedException>(() => Tensor.FromArray(new[] { 1, 2 }).Mean());
        Assert.Contains("Mean", e.Message);
    }

    [Fact]
    public void Var_UnbiasedAndBiased_HandComputed()
    {
        var x = Expect.Vec(1, 2, 3, 4);
        // mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5.
        Assert.Equal(5.0 / 3, x.Var().Item(), 1e-15);
        Assert.Equal(1.25, x.Var([], correction: 0).Item(), 1e-15);
        Assert.Equal(Math.Sqrt(5.0 / 3), x.Std().Item(), 1e-15);
        Assert.Equal(Math.Sqrt(1.25), x.Std([], correction: 0).Item(), 1e-15);
    }

    [Fact]
    public void Var_AlongDimension_WithKeepDim()
    {
        var x = Tensor.FromNested(new double[,] { { 1, 2, 3, 4 }, { 2, 4, 6, 8 } });
        // Row 1 is twice row 0, so its variance is four times as large.
        // Named: a lone positional int binds to Var(int correction), not to the dimension.
        Expect.Close(x.Var(dim: 1), [5.0 / 3, 20.0 / 3], 1e-15);
        Expect.Close(x.Var(1, correction: 0), [1.25, 5], 1e-15);
        var k = x.Var(1, keepDim: true);
        Expect.Shape(k, 2, 1);
        // Columns: pairs (1,2), (2,4), (3,6), (4,8): unbiased variance (a − b)²/2.
        Expect.Close(x.Var(dim: 0), [0.5, 2, 4.5, 8], 1e-15);
        Expect.Close(x.Std(dim: 0), [Math.Sqrt(0.5), Math.Sqrt(2), Math.Sqrt(4.5), Math.Sqrt(8)], 1e-15);
        Expect.Close(x.Std([0, 1], correction: 0), [Math.Sqrt(((1 + 4 + 9 + 16 + 4 + 16 + 36 + 64) / 8.0) - 3.75 * 3.75)], 1e-15);
    }

    [Fact]
    public void Var_LargeOffsetValues_TwoPassIsAccurate()
    {
        // 1e8 + {1, 2, 3, 4}: a one-pass formula loses everything to cancellation.
        var x = Expect.Vec(1e8 + 1, 1e8 + 2, 1e8 + 3, 1e8 + 4);
        Assert.Equal(5.0 / 3, x.Var().Item(), 1e-9);
    }

    [Fact]
    public void MaxMin_AllAndOverDims()
    {
        var x = Tensor.FromNested(new double[,] { { 3, -1, 7 }, { 2, 9, -4 } });
        Assert.Equal(9.0, x.Max().Item());
        Assert.Equal(-4.0, x.Min().Item());
        Expect.Values(x.Max(0), 3, 9, 7);
        Expect.Values(x.Min(0), 2, -1, -4);
        Expect.Values(x.Max(1), 7, 9);
        Expect.Values(x.Min(-1), -1, -4);
        var k = x.Max(1, keepDim: true);
        Expect.Shape(k, 2, 1);
        Expect.Values(k, 7, 9);
        Expect.Values(x.T.Max(0), 7, 9);
        Expect.Values(x.T.Max(1), 3, 9, 7);
        Expect.Values(Expect.Iota(2, 3, 4).Max([0, 2]), 15, 19, 23);
        Expect.Values(Expect.Iota(2, 3, 4).Min([1, 2], keepDim: true), 0, 12);
    }

    [Fact]
    public void Max_Int32()
    {
        var x = Tensor.FromArray(new[] { 4, -7, 11, 0 }, 2, 2);
        Assert.Equal(11.0, x.Max().Item());
        Assert.Equal([4, 11], x.Max(1).ToArray<int>());
        Assert.Equal(DType.Int32, x.Min(0).DType);
        Assert.Equal([-7, 0], x.Min(1).ToArray<int>());
    }

    [Fact]
    public void ArgMaxArgMin_TiesGoToTheFirstIndex()
    {
        var x = Expect.Vec(3, 1, 3, 0, 1, 0);
        var am = x.ArgMax();
        Assert.Equal(DType.Int32, am.DType);
        Assert.Equal(0, am.Rank);
        Assert.Equal(0.0, am.Item());
        Assert.Equal(3.0, x.ArgMin().Item());
    }

    [Fact]
    public void ArgMaxArgMin_AlongDims()
    {
        var x = Tensor.FromNested(new double[,] { { 3, -1, 7, 7 }, { 9, 9, -4, 2 } });
        Assert.Equal([2, 0], x.ArgMax(1).ToArray<int>());
        Assert.Equal([1, 2], x.ArgMin(1).ToArray<int>());
        Assert.Equal([1, 1, 0, 0], x.ArgMax(0).ToArray<int>());
        Assert.Equal([0, 0, 1, 1], x.ArgMin(0).ToArray<int>());
        var k = x.ArgMax(1, keepDim: true);
        Expect.Shape(k, 2, 1);
        Assert.Equal(4.0, x.ArgMax().Item()); // flat row-major index of the first 9
        Assert.Equal(6.0, x.ArgMin().Item());
        Assert.Equal([2, 0], x.T.ArgMax(0).ToArray<int>());
    }

    [Fact]
    public void ArgMax_LongRow_FindsFirstMaximumBeyondVectorWidth()
    {
        var v = new double[203];
        for (int i = 0; i < v.Length; i++) v[i] = -Math.Abs(i - 150) % 17;
        v[150] = 5;
        v[170] = 5;
        v[9] = -100;
        v[190] = -100;
        var x = Tensor.FromArray(v);
        Assert.Equal(150.0, x.ArgMax().Item());
        Assert.Equal(9.0, x.ArgMin().Item());
        var f = x.To(DType.Float32);
        Assert.Equal(150.0, f.ArgMax().Item());
        Assert.Equal(9.0, f.ArgMin().Item());
    }

    [Fact]
    public void LogSumExp_HandComputed()
    {
        var x = Expect.Vec(Math.Log(1), Math.Log(2), Math.Log(3));
        Assert.Equal(Math.Log(6), x.LogSumExp().Item(), 1e-15);
        var m = Tensor.FromNested(new double[,] { { 0, 0 }, { 1, 1 } });
        Expect.Close(m.LogSumExp(1), [Math.Log(2), 1 + Math.Log(2)], 1e-15);
        Expect.Close(m.LogSumExp(0), [Math.Log(1 + Math.E), Math.Log(1 + Math.E)], 1e-15);
        Expect.Shape(m.LogSumExp(1, keepDim: true), 2, 1);
        Expect.Shape(m.LogSumExp(), []);
    }

    [Fact]
    public void LogSumExp_HugeLogits_Float32_IsFiniteAndExact()
    {
        var x = Tensor.FromArray(new float[] { 1e4f, -1e4f, 0 });
        var l = x.LogSumExp();
        Assert.Equal(DType.Float32, l.DType);
        // log(e^1e4 + e^-1e4 + 1) = 1e4 + log(1 + e^-2e4 + e^-1e4) = 1e4 to all precision.
        Assert.Equal(1e4, l.Item());

        var neg = Tensor.FromArray(new float[] { -1e4f, -1e4f });
        Assert.Equal(-1e4 + Math.Log(2), neg.LogSumExp().Item(), 1e-3);
    }

    [Fact]
    public void LogSumExp_AllNegativeInfinityRow_IsNegativeInfinity()
    {
        double ninf = double.NegativeInfinity;
        var x = Tensor.FromNested(new double[,] { { ninf, ninf }, { 0, ninf } });
        var l = x.LogSumExp(1).ToArray<double>();
        Assert.Equal(double.NegativeInfinity, l[0]);
        Assert.Equal(0.0, l[1]);
        var p = Tensor.FromNested(new double[,] { { double.PositiveInfinity, 1 } }).LogSumExp(1).ToArray<double>();
        Assert.Equal(double.PositiveInfinity, p[0]);
    }

    [Fact]
    public void Softmax_HugeLogits_AreFiniteAndCorrect()
    {
        var x = Tensor.FromArray(new float[] { 1e4f, -1e4f, 0 });
        Assert.Equal(new float[] { 1, 0, 0 }, x.Softmax().ToArray<float>());
        Assert.Equal(new float[] { 0, -2e4f, -1e4f }, x.LogSoftmax().ToArray<float>());
    }

    [Fact]
    public void Softmax_SmallDifferencesOnTopOfHugeLogits_SurviveInFloat32()
    {
        // logits 1e4 and 1e4 + 1 (representable exactly in float32): softmax is [1/(1+e), e/(1+e)].
        var x = Tensor.FromArray(new float[] { 1e4f, 1e4f + 1 });
        var s = x.Softmax().ToArray<double>();
        Assert.Equal(1 / (1 + Math.E), s[0], 1e-6);
        Assert.Equal(Math.E / (1 + Math.E), s[1], 1e-6);
        var ls = x.LogSoftmax().ToArray<double>();
        Assert.Equal(-Math.Log(1 + Math.E), ls[0], 1e-6);
        Assert.Equal(1 - Math.Log(1 + Math.E), ls[1], 1e-6);
    }

    [Fact]
    public void Softmax_HandComputed_AlongEachDim()
    {
        var x = Tensor.FromNested(new double[,] { { 1, 2, 3 }, { 0, 0, 0 } });
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        Expect.Close(x.Softmax(), [Math.Exp(1) / z, Math.Exp(2) / z, Math.Exp(3) / z, 1.0 / 3, 1.0 / 3, 1.0 / 3], 1e-15);
        Expect.Close(x.LogSoftmax(1), [1 - Math.Log(z), 2 - Math.Log(z), 3 - Math.Log(z), -Math.Log(3), -Math.Log(3), -Math.Log(3)], 1e-14);
        // dim 0: column j holds (j + 1, 0): softmax = [e^(j+1), 1] / (e^(j+1) + 1).
        var s0 = x.Softmax(0).ToArray<double>();
        for (int j = 0; j < 3; j++)
        {
            double e = Math.Exp(j + 1);
            Assert.Equal(e / (e + 1), s0[j], 1e-15);
            Assert.Equal(1 / (e + 1), s0[3 + j], 1e-15);
        }
    }

    [Fact]
    public void Softmax_RowsSumToOne_OnTransposedInput()
    {
        var x = Tensor.Normal([6, 5], 0, 3, new Generator(53), DType.Float64).T; // [5, 6], non-contiguous
        var s = x.Softmax(1);
        Expect.Close(s.Sum(1), [1, 1, 1, 1, 1], 1e-14);
        var v = x.ToArray<double>();
        var sv = s.ToArray<double>();
        for (int r = 0; r < 5; r++)
        {
            double z = 0;
            for (int c = 0; c < 6; c++) z += Math.Exp(v[r * 6 + c]);
            for (int c = 0; c < 6; c++) Assert.Equal(Math.Exp(v[r * 6 + c]) / z, sv[r * 6 + c], 1e-14);
        }
    }

    [Fact]
    public void Sum_OverExpandedTensor_CountsRepeats()
    {
        var e = Expect.Vec(1, 2, 3).Expand(4, 3);
        Expect.Values(e.Sum(0), 4, 8, 12);
        Expect.Values(e.Sum(1), 6, 6, 6, 6);
        Assert.Equal(24.0, e.Sum().Item());
    }

    [Fact]
    public void RowReductions_LongRows_MatchLoops()
    {
        // 50 rows of 2003: rows longer than a vector, with a ragged tail, enough work to run in parallel.
        const int rows = 50, cols = 2003;
        var x = Tensor.Uniform([rows, cols], -5, 5, new Generator(55));
        var v = x.ToArray<float>();
        var sum = x.Sum(1).ToArray<float>();
        var max = x.Max(1).ToArray<float>();
        var min = x.Min(1).ToArray<float>();
        var arg = x.ArgMax(1).ToArray<int>();
        for (int r = 0; r < rows; r++)
        {
            double s = 0;
            float mx = float.MinValue, mn = float.MaxValue;
            int am = 0;
            for (int c = 0; c < cols; c++)
            {
                float f = v[r * cols + c];
                s += f;
                if (f > mx) { mx = f; am = c; }
                mn = Math.Min(mn, f);
            }
            Assert.Equal(s, sum[r], 1e-2);
            Assert.Equal(mx, max[r]);
            Assert.Equal(mn, min[r]);
            Assert.Equal(am, arg[r]);
        }
    }
}
