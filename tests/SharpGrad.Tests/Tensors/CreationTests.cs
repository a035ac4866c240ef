namespace SharpGrad.Tests.Tensors;

public class CreationTests
{
    [Fact]
    public void Zeros_DefaultsToFloat32_WithContiguousStrides()
    {
        var t = Tensor.Zeros(2, 3);
        Assert.Equal(DType.Float32, t.DType);
        Expect.Shape(t, 2, 3);
        Expect.Strides(t, 3, 1);
        Assert.Equal(6, t.Count);
        Assert.Equal(2, t.Rank);
        Assert.True(t.IsContiguous);
        Assert.True(t.IsLeaf);
        Assert.False(t.RequiresGrad);
        Assert.Equal(new float[6], t.ToArray<float>());
    }

    [Fact]
    public void Ones_Float64_AllOnes()
    {
        var t = Tensor.Ones([3, 1, 2], DType.Float64);
        Assert.Equal(DType.Float64, t.DType);
        Expect.Shape(t, 3, 1, 2);
        Expect.Strides(t, 2, 2, 1);
        Expect.Values(t, 1, 1, 1, 1, 1, 1);
    }

    [Fact]
    public void Full_Int32_TruncatesTheValue()
    {
        var t = Tensor.Full([2, 2], 7.9, DType.Int32);
        Assert.Equal(DType.Int32, t.DType);
        Assert.Equal([7, 7, 7, 7], t.ToArray<int>());
    }

    [Fact]
    public void Full_Float32_RoundsToNearestFloat()
    {
        var t = Tensor.Full([3], 0.1);
        Assert.Equal(new[] { 0.1f, 0.1f, 0.1f }, t.ToArray<float>());
        Assert.Equal((double)0.1f, t.ToArray<double>()[0]);
    }

    [Fact]
    public void LikeFunctions_KeepShapeAndDType()
    {
        var like = Tensor.Zeros([2, 3], DType.Float64);
        var z = Tensor.ZerosLike(like);
        var o = Tensor.OnesLike(like);
        var f = Tensor.FullLike(like, -2.5);
        foreach (var t in new[] { z, o, f })
        {
            Expect.Shape(t, 2, 3);
            Assert.Equal(DType.Float64, t.DType);
        }
        Expect.Values(z, 0, 0, 0, 0, 0, 0);
        Expect.Values(o, 1, 1, 1, 1, 1, 1);
        Expect.Values(f, -2.5, -2.5, -2.5, -2.5, -2.5, -2.5);
    }

    [Fact]
    public void Scalar_IsZeroDimensional()
    {
        var s = Tensor.Scalar(4.25, DType.Float64);
        Assert.Equal(0, s.Rank);
        Assert.Equal(1, s.Count);
        Assert.Empty(s.Shape.ToArray());
        Assert.Equal(4.25, s.Item());
    }

    [Fact]
    public void FromArray_Float_WithShape_RowMajor()
    {
        var t = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal(DType.Float32, t.DType);
        Expect.Shape(t, 2, 3);
        Expect.Strides(t, 3, 1);
        Assert.Equal(3.0, t[0, 2].Item());
        Assert.Equal(4.0, t[1, 0].Item());
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, t.ToArray<float>());
    }

    [Fact]
    public void FromArray_Double_WithoutShape_IsVector()
    {
        var t = Tensor.FromArray(new[] { 0.5, -1.5, 2.25, 1e-300 });
        Assert.Equal(DType.Float64, t.DType);
        Expect.Shape(t, 4);
        Expect.Values(t, 0.5, -1.5, 2.25, 1e-300);
    }

    [Fact]
    public void FromArray_Int_IsInt32()
    {
        var t = Tensor.FromArray(new[] { 3, -1, int.MaxValue, int.MinValue }, 2, 2);
        Assert.Equal(DType.Int32, t.DType);
        Expect.Shape(t, 2, 2);
        Assert.Equal([3, -1, int.MaxValue, int.MinValue], t.ToArray<int>());
    }

    [Fact]
    public void FromArray_CopiesTheInput()
    {
        var data = new[] { 1.0, 2.0, 3.0 };
        var t = Tensor.FromArray(data);
        data[0] = 100;
        Expect.Values(t, 1, 2, 3);
    }

    [Fact]
    public void FromArray_SizeMismatch_ThrowsNamingCountAndShape()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[] { 1, 2, 3, 4, 5 }, 2, 3));
        Assert.Contains("5 values", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("6 elements", e.Message);
    }

    [Fact]
    public void FromArray_NegativeSize_ThrowsNamingDimension()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, -3));
        Assert.Contains("[2, -3]", e.Message);
        Assert.Contains("dimension 1", e.Message);
    }

    [Fact]
    public void FromNested_Float2D_KeepsShapeAndFloat32()
    {
        var t = Tensor.FromNested(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal(DType.Float32, t.DType);
        Expect.Shape(t, 2, 3);
        Expect.Values(t, 1, 2, 3, 4, 5, 6);
    }

    [Fact]
    public void FromNested_Double3D_RowMajor()
    {
        var a = new double[2, 3, 2];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 2; k++)
                    a[i, j, k] = 100 * i + 10 * j + k;
        var t = Tensor.FromNested(a);
        Assert.Equal(DType.Float64, t.DType);
        Expect.Shape(t, 2, 3, 2);
        Expect.Values(t, 0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121);
    }

    [Fact]
    public void FromNested_JaggedDouble_KeepsNestingAsShape()
    {
        var t = Tensor.FromNested(new double[][] { [1, 2], [3, 4], [5, 6] });
        Assert.Equal(DType.Float64, t.DType);
        Expect.Shape(t, 3, 2);
        Expect.Values(t, 1, 2, 3, 4, 5, 6);
    }

    [Fact]
    public void FromNested_JaggedInt_IsInt32_AndDTypeOverrides()
    {
        var ints = new int[][] { [1, 2, 3], [4, 5, 6] };
        var t = Tensor.FromNested(ints);
        Assert.Equal(DType.Int32, t.DType);
        Assert.Equal([1, 2, 3, 4, 5, 6], t.ToArray<int>());

        var d = Tensor.FromNested(ints, DType.Float64);
        Assert.Equal(DType.Float64, d.DType);
        Expect.Shape(d, 2, 3);
        Expect.Values(d, 1, 2, 3, 4, 5, 6);
    }

    [Fact]
    public void FromNested_JaggedOfRectangular_CombinesShapes()
    {
        var t = Tensor.FromNested(new double[][,] { new double[,] { { 1, 2 } }, new double[,] { { 3, 4 } } });
        Expect.Shape(t, 2, 1, 2);
        Expect.Values(t, 1, 2, 3, 4);
    }

    [Fact]
    public void FromNested_Ragged_ThrowsNamingPositionAndLengths()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromNested(new double[][] { [1, 2, 3], [4, 5] }));
        Assert.Contains("ragged", e.Message);
        Assert.Contains("[1]", e.Message);
        Assert.Contains("length 2", e.Message);
        Assert.Contains("3 was expected", e.Message);
    }

    [Fact]
    public void FromNested_RaggedAtDepthTwo_NamesTheFullPath()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromNested(new double[][][]
        {
            [[1, 2], [3, 4]],
            [[5, 6], [7, 8, 9]],
        }));
        Assert.Contains("[1][1]", e.Message);
        Assert.Contains("length 3", e.Message);
        Assert.Contains("2 was expected", e.Message);
    }

    [Fact]
    public void FromNested_NullRow_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromNested(new double[][] { [1, 2], null! }));
        Assert.Contains("[1]", e.Message);
        Assert.Contains("null", e.Message);
    }

    [Fact]
    public void FromNested_UnsupportedElementType_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromNested(new long[] { 1, 2 }));
        Assert.Contains("Int64", e.Message);
    }

    [Fact]
    public void Arange_EndOnly_CountsFromZero()
    {
        var t = Tensor.Arange(5);
        Assert.Equal(DType.Float32, t.DType);
        Expect.Shape(t, 5);
        Expect.Values(t, 0, 1, 2, 3, 4);
    }

    [Fact]
    public void Arange_StartEndStep_ExcludesEnd()
    {
        Expect.Values(Tensor.Arange(2.0, 8.0, 2.0), 2, 4, 6);
        Expect.Values(Tensor.Arange(2.0, 9.0, 2.0), 2, 4, 6, 8);
        Expect.Values(Tensor.Arange(-3.0, 1.0), -3, -2, -1, 0);
    }

    [Fact]
    public void Arange_FractionalStep_ValuesAreStartPlusIStep()
    {
        var t = Tensor.Arange(1.0, 2.5, 0.5, DType.Float64);
        Expect.Values(t, 1.0, 1.5, 2.0);

        // (0.3 − 0) / 0.1 is 2.9999999999999996 in double, so there are three values, as in PyTorch.
        var tenths = Tensor.Arange(0.0, 0.3, 0.1, DType.Float64);
        Expect.Shape(tenths, 3);
        Expect.Values(tenths, 0.0, 0.1, 2 * 0.1);

        var quarters = Tensor.Arange(0.0, 1.0, 0.25);
        Expect.Values(quarters, 0, 0.25, 0.5, 0.75);
    }

    [Fact]
    public void Arange_NegativeStep_CountsDown()
    {
        Expect.Values(Tensor.Arange(5.0, 0.0, -2.0), 5, 3, 1);
    }

    [Fact]
    public void Arange_EmptyRange_HasZeroElements()
    {
        var same = Tensor.Arange(3.0, 3.0);
        Expect.Shape(same, 0);
        Assert.Equal(0, same.Count);
        var backwards = Tensor.Arange(5.0, 0.0);
        Expect.Shape(backwards, 0);
        Assert.Empty(backwards.ToArray<double>());
    }

    [Fact]
    public void Arange_IntDType()
    {
        var t = Tensor.Arange(0.0, 4.0, 1.0, DType.Int32);
        Assert.Equal(DType.Int32, t.DType);
        Assert.Equal([0, 1, 2, 3], t.ToArray<int>());
    }

    [Fact]
    public void Arange_ZeroStep_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Arange(0.0, 1.0, 0.0));
        Assert.Contains("step", e.Message);
    }

    [Fact]
    public void Linspace_EvenlySpaced_EndpointsExact()
    {
        Expect.Values(Tensor.Linspace(0, 1, 5, DType.Float64), 0, 0.25, 0.5, 0.75, 1);

        var t = Tensor.Linspace(-1, 0.3, 7, DType.Float64).ToArray<double>();
        Assert.Equal(7, t.Length);
        Assert.Equal(-1.0, t[0]);
        Assert.Equal(0.3, t[6]);
        for (int i = 1; i < 6; i++)
            Assert.Equal(-1 + i * 1.3 / 6, t[i], 1e-15);
    }

    [Fact]
    public void Linspace_Float32_LastIsEndExactly()
    {
        var t = Tensor.Linspace(0, 0.7, 8).ToArray<float>();
        Assert.Equal(0f, t[0]);
        Assert.Equal(0.7f, t[7]);
        Assert.Equal(0.1f, t[1], 1e-7f);
    }

    [Fact]
    public void Linspace_OneStep_ReturnsStart()
    {
        // PyTorch: torch.linspace(start=-10, end=10, steps=1) is tensor([-10.]).
        Expect.Values(Tensor.Linspace(-10, 10, 1, DType.Float64), -10);
    }

    [Fact]
    public void Linspace_ZeroSteps_IsEmpty_NegativeThrows()
    {
        Expect.Shape(Tensor.Linspace(0, 1, 0), 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Linspace(0, 1, -1));
    }

    [Fact]
    public void Eye_Square_IsIdentity()
    {
        var t = Tensor.Eye(3);
        Assert.Equal(DType.Float32, t.DType);
        Expect.Shape(t, 3, 3);
        Expect.Values(t,
            1, 0, 0,
            0, 1, 0,
            0, 0, 1);
    }

    [Fact]
    public void Eye_Wide_OnesOnLeadingDiagonal()
    {
        var t = Tensor.Eye(2, 4, DType.Float64);
        Expect.Shape(t, 2, 4);
        Expect.Values(t,
            1, 0, 0, 0,
            0, 1, 0, 0);
    }

    [Fact]
    public void Eye_Tall_OnesOnLeadingDiagonal()
    {
        var t = Tensor.Eye(4, 2, DType.Int32);
        Expect.Shape(t, 4, 2);
        Assert.Equal([1, 0, 0, 1, 0, 0, 0, 0], t.ToArray<int>());
    }

    [Fact]
    public void Uniform_SameSeed_SameValues_DifferentSeed_DifferentValues()
    {
        var a = Tensor.Uniform([4, 5], -1, 1, new Generator(123), DType.Float64).ToArray<double>();
        var b = Tensor.Uniform([4, 5], -1, 1, new Generator(123), DType.Float64).ToArray<double>();
        var c = Tensor.Uniform([4, 5], -1, 1, new Generator(124), DType.Float64).ToArray<double>();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Uniform_IsLowPlusWidthTimesNextDouble()
    {
        var t = Tensor.Uniform([3], 2, 5, new Generator(9), DType.Float64).ToArray<double>();
        var g = new Generator(9);
        for (int i = 0; i < 3; i++)
            Assert.Equal(2 + 3 * g.NextDouble(), t[i]);
    }

    [Fact]
    public void Uniform_100kSamples_InBoundsWithUniformMoments()
    {
        const int n = 100_000;
        var x = Tensor.Uniform([n], -2, 3, new Generator(2024), DType.Float64).ToArray<double>();
        double sum = 0, min = double.MaxValue, max = double.MinValue;
        foreach (var v in x) { sum += v; min = Math.Min(min, v); max = Math.Max(max, v); }
        double mean = sum / n, sq = 0;
        foreach (var v in x) sq += (v - mean) * (v - mean);
        double variance = sq / (n - 1);
        Assert.True(min >= -2, $"min {min}");
        Assert.True(max < 3, $"max {max}");
        Assert.True(min < -1.99 && max > 2.99, $"samples should reach both ends: [{min}, {max}]");
        // Uniform(a, b): mean (a + b)/2 = 0.5, variance (b − a)²/12 = 25/12. σ of the mean ≈ 0.0046.
        Assert.InRange(mean, 0.5 - 0.025, 0.5 + 0.025);
        Assert.InRange(variance, 25.0 / 12 - 0.05, 25.0 / 12 + 0.05);
    }

    [Fact]
    public void Uniform_Float32_StaysInBounds()
    {
        var x = Tensor.Uniform([50_000], 0, 1, new Generator(5)).ToArray<float>();
        foreach (var v in x) Assert.InRange(v, 0f, 1f);
        Assert.True(x.Max() < 1f);
    }

    [Fact]
    public void Normal_100kSamples_HaveRequestedMeanAndStd()
    {
        const int n = 100_000;
        var x = Tensor.Normal([n], 3, 2, new Generator(77), DType.Float64).ToArray<double>();
        double mean = x.Average();
        double sq = 0;
        foreach (var v in x) sq += (v - mean) * (v - mean);
        double std = Math.Sqrt(sq / (n - 1));
        // σ of the mean is 2/√n ≈ 0.0063; σ of the std ≈ 2/√(2n) ≈ 0.0045.
        Assert.InRange(mean, 3 - 0.03, 3 + 0.03);
        Assert.InRange(std, 2 - 0.025, 2 + 0.025);
        // About 68.27% within one σ.
        double within = x.Count(v => Math.Abs(v - 3) < 2) / (double)n;
        Assert.InRange(within, 0.6827 - 0.006, 0.6827 + 0.006);
    }

    [Fact]
    public void Normal_SameSeed_SameValues_AndMatchesGeneratorStream()
    {
        var a = Tensor.Normal([5], 1, 0.5, new Generator(31), DType.Float64).ToArray<double>();
        var b = Tensor.Normal([5], 1, 0.5, new Generator(31), DType.Float64).ToArray<double>();
        Assert.Equal(a, b);
        var g = new Generator(31);
        for (int i = 0; i < 5; i++)
            Assert.Equal(1 + 0.5 * g.NextNormal(), a[i]);
    }

    [Fact]
    public void Uniform_HighBelowLow_Throws_NormalNegativeStd_Throws()
    {
        var u = Assert.Throws<ArgumentException>(() => Tensor.Uniform([2], 1, 0));
        Assert.Contains("high", u.Message);
        var n = Assert.Throws<ArgumentException>(() => Tensor.Normal([2], 0, -1));
        Assert.Contains("-1", n.Message);
    }
}
