using System.Numerics;
using SharpGrad.Kernels;
using static SharpGrad.Cuda.Tests.Kernels.DeviceArrays;

namespace SharpGrad.Cuda.Tests.Kernels;

public class ElementwiseTests
{
    private static readonly double[] Specials = [0.0, -0.0, 1, -1, 2.5, -2.5, 3, -3, 0.5, 1e-3, -7.25, 40, double.NaN, double.PositiveInfinity, double.NegativeInfinity];

    [Fact]
    public void Copy_TransposedSourceWithOffset_IntoContiguousDestinationWithOffset()
    {
        // Source: a [3, 4] row-major matrix at offset 5, read transposed as [4, 3] (strides 1, 4).
        var src = Enumerable.Range(0, 17).Select(i => (float)i).ToArray();
        using var s = Up(src);
        using var d = Empty(DType.Float32, 14);
        K.Copy(s, 5, [1, 4], d, 2, [3, 1], [4, 3]);
        var got = Down<float>(d);
        var expected = new float[14];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 3; j++)
                expected[2 + i * 3 + j] = src[5 + i + j * 4];
        Assert.Equal(expected, got);
    }

    [Fact]
    public void Copy_BroadcastSourceAndStridedDestination()
    {
        // A row of 3 broadcast over 4 rows (stride 0), written into the transposed view of a [3, 4] destination.
        using var s = Up(new double[] { 10, 20, 30 });
        using var d = Empty(DType.Float64, 12);
        K.Copy(s, 0, [0, 1], d, 0, [1, 4], [4, 3]);
        var got = Down<double>(d);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 3; j++)
                Assert.Equal(10.0 * (j + 1), got[i + j * 4]);
    }

    [Fact]
    public void Copy_EmptyShapeWritesNothing_ScalarShapeCopiesOneElement()
    {
        using var s = Up(new int[] { 7, 8 });
        using var d = Up(new int[] { -1, -1 });
        K.Copy(s, 0, [1, 1], d, 0, [1, 1], [0, 2]);
        Assert.Equal([-1, -1], Down<int>(d));
        K.Copy(s, 1, [], d, 1, [], []);
        Assert.Equal([-1, 8], Down<int>(d));
    }

    [Fact]
    public void Copy_MergesDimensionsThatContinueEachOther_AndRejectsNineThatDoNot()
    {
        // Eight dimensions of 2 with every source stride doubled merge into one strided row.
        int[] shape = Enumerable.Repeat(2, 8).ToArray(), dst = new int[8], src = new int[8];
        for (int k = 7, s = 1; k >= 0; k--, s *= 2) { dst[k] = s; src[k] = 2 * s; }
        var values = Enumerable.Range(0, 512).Select(i => (float)i).ToArray();
        using var sb = Up(values);
        using var db = Empty(DType.Float32, 256);
        K.Copy(sb, 0, src, db, 0, dst, shape);
        Assert.Equal(Enumerable.Range(0, 256).Select(i => (float)(2 * i)), Down<float>(db));
        // Source strides 3^k over sizes 2 never continue each other: nine dimensions remain.
        int[] nine = Enumerable.Repeat(2, 9).ToArray(), spread = new int[9], packed = new int[9];
        for (int k = 8, s = 1, t = 1; k >= 0; k--, s *= 2, t *= 3) { packed[k] = s; spread[k] = t; }
        Assert.Throws<ArgumentException>(() => K.Copy(sb, 0, spread, db, 0, packed, nine));
    }

    public static TheoryData<DType, DType> Conversions() => new()
    {
        { DType.Float32, DType.Float64 }, { DType.Float32, DType.Int32 }, { DType.Float64, DType.Float32 },
        { DType.Float64, DType.Int32 }, { DType.Int32, DType.Float32 }, { DType.Int32, DType.Float64 },
        { DType.Float32, DType.Float32 }, { DType.Int32, DType.Int32 },
    };

    [Theory]
    [MemberData(nameof(Conversions))]
    public void Copy_ConvertsAsTheCpu(DType from, DType to)
    {
        double[] values = [2.7, -2.7, 0.5, -0.5, 3, 1e10, -1e10, 16777217, 2147483647, -2147483648, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e-40];
        Array source = from switch
        {
            DType.Float32 => values.Select(v => (float)v).ToArray(),
            DType.Float64 => values,
            _ => values.Where(v => !double.IsNaN(v) && Math.Abs(v) < 3e9).Select(v => (int)v).ToArray(),
        };
        int n = source.Length;
        Array expected = to switch { DType.Float32 => new float[n], DType.Float64 => new double[n], _ => new int[n] };
        CpuConvert(source, expected);
        using var s = Up(source);
        using var d = Empty(to, n);
        K.Copy(s, 0, [1], d, 0, [1], [n]);
        Array got = to switch { DType.Float32 => Down<float>(d), DType.Float64 => Down<double>(d), _ => Down<int>(d) };
        Assert.Equal(expected, got);
    }

    private static void CpuConvert(Array source, Array destination)
    {
        switch (source, destination)
        {
            case (float[] s, double[] d): SharpGrad.Kernels.Elementwise.Convert<float, double>(s, d); break;
            case (float[] s, int[] d): SharpGrad.Kernels.Elementwise.Convert<float, int>(s, d); break;
            case (float[] s, float[] d): s.CopyTo(d, 0); break;
            case (double[] s, float[] d): SharpGrad.Kernels.Elementwise.Convert<double, float>(s, d); break;
            case (double[] s, int[] d): SharpGrad.Kernels.Elementwise.Convert<double, int>(s, d); break;
            case (int[] s, float[] d): SharpGrad.Kernels.Elementwise.Convert<int, float>(s, d); break;
            case (int[] s, double[] d): SharpGrad.Kernels.Elementwise.Convert<int, double>(s, d); break;
            case (int[] s, int[] d): s.CopyTo(d, 0); break;
            default: throw new ArgumentException("pair");
        }
    }

    [Fact]
    public void Fill_SetsTheRangeOnly()
    {
        using var f = Up(new float[] { 1, 2, 3, 4 });
        K.Fill(f, 1, 2, 0.1);
        Assert.Equal([1f, 0.1f, 0.1f, 4f], Down<float>(f));
        using var d = Up(new double[] { 1, 2, 3 });
        K.Fill(d, 0, 3, -0.25);
        Assert.Equal([-0.25, -0.25, -0.25], Down<double>(d));
        using var i = Up(new int[] { 1, 2, 3 });
        K.Fill(i, 2, 1, -7.9);
        K.Fill(i, 0, 0, 5);
        Assert.Equal([1, 2, -7], Down<int>(i));
        // Zero (a memset) and negative zero (a kernel: its bits are not all zero).
        K.Fill(d, 1, 1, 0.0);
        K.Fill(d, 2, 1, -0.0);
        Identical([-0.25, 0.0, -0.0], Down<double>(d), "zeros");
        K.Fill(i, 1, 2, 0);
        Assert.Equal([1, 0, 0], Down<int>(i));
    }

    private static readonly ElementwiseOp[] BinaryOps =
        [ElementwiseOp.Add, ElementwiseOp.Sub, ElementwiseOp.Mul, ElementwiseOp.Div, ElementwiseOp.Pow, ElementwiseOp.Maximum, ElementwiseOp.Minimum,
         ElementwiseOp.Eq, ElementwiseOp.Ne, ElementwiseOp.Lt, ElementwiseOp.Le, ElementwiseOp.Gt, ElementwiseOp.Ge];

    private static T CpuBinary<T>(ElementwiseOp op, T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => op switch
    {
        ElementwiseOp.Div => new DivOp<T>().Invoke(a, b),
        ElementwiseOp.Pow => new PowOp<T>().Invoke(a, b),
        _ => CpuNumberBinary(op, a, b),
    };

    private static T CpuNumberBinary<T>(ElementwiseOp op, T a, T b) where T : unmanaged, INumber<T> => op switch
    {
        ElementwiseOp.Add => new AddOp<T>().Invoke(a, b),
        ElementwiseOp.Sub => new SubOp<T>().Invoke(a, b),
        ElementwiseOp.Mul => new MulOp<T>().Invoke(a, b),
        ElementwiseOp.Maximum => new MaxOp<T>().Invoke(a, b),
        ElementwiseOp.Minimum => new MinOp<T>().Invoke(a, b),
        ElementwiseOp.Eq => new EqOp<T>().Invoke(a, b),
        ElementwiseOp.Ne => new NeOp<T>().Invoke(a, b),
        ElementwiseOp.Lt => new LtOp<T>().Invoke(a, b),
        ElementwiseOp.Le => new LeOp<T>().Invoke(a, b),
        ElementwiseOp.Gt => new GtOp<T>().Invoke(a, b),
        ElementwiseOp.Ge => new GeOp<T>().Invoke(a, b),
        _ => throw new ArgumentException(op.ToString()),
    };

    /// <summary>
    /// Every pair of special values: a is [n] read as a column through a transposed view (strides 0 across the
    /// columns), b is a row broadcast down (stride 0 across the rows), with offsets.
    /// </summary>
    private static void CheckBinary<T>(Func<ElementwiseOp, T, T, T> cpu, ElementwiseOp[] ops, double rtol) where T : unmanaged, INumberBase<T>
    {
        int n = Specials.Length;
        var values = Specials.Select(v => T.CreateSaturating(v)).ToArray();
        var aHost = new T[n + 3];
        values.CopyTo(aHost, 3);
        var bHost = new T[n + 1];
        values.CopyTo(bHost, 1);
        using var a = Up(aHost);
        using var b = Up(bHost);
        using var r = Empty(a.DType, n * n);
        foreach (var op in ops)
        {
            K.Binary(op, [n, n], a, 3, [1, 0], b, 1, [0, 1], r);
            var got = Down<T>(r);
            var expected = new T[n * n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    expected[i * n + j] = cpu(op, values[i], values[j]);
            if (op == ElementwiseOp.Pow)
                AllClose(expected.Select(double.CreateTruncating).ToArray(), got.Select(double.CreateTruncating).ToArray(), rtol, 0, $"{typeof(T).Name} {op}");
            else
                Identical(AsDoubles(expected), AsDoubles(got), $"{typeof(T).Name} {op}");
        }
    }

    [Fact]
    public void Binary_Float32_EveryOpOnSpecialValues_MatchesTheCpuOps() => CheckBinary<float>(CpuBinary, BinaryOps, 1e-6);

    [Fact]
    public void Binary_Float64_EveryOpOnSpecialValues_MatchesTheCpuOps() => CheckBinary<double>(CpuBinary, BinaryOps, 1e-13);

    [Fact]
    public void Binary_Int32_ArithmeticAndComparisons_MatchTheCpuOps()
    {
        CheckBinary<int>(CpuNumberBinary, BinaryOps.Where(o => o is not (ElementwiseOp.Div or ElementwiseOp.Pow)).ToArray(), 0);
        using var a = Up(new int[] { int.MaxValue });
        using var r = Empty(DType.Int32, 1);
        K.Binary(ElementwiseOp.Add, [1], a, 0, [1], a, 0, [1], r);
        Assert.Equal([-2], Down<int>(r)); // wraps, as C# does
        Assert.Throws<ArgumentException>(() => K.Binary(ElementwiseOp.Div, [1], a, 0, [1], a, 0, [1], r));
    }

    [Fact]
    public void Binary_EmptyShape_WritesNothing()
    {
        using var a = Up(new float[] { 1 });
        using var r = Up(new float[] { 5 });
        K.Binary(ElementwiseOp.Add, [3, 0], a, 0, [0, 0], a, 0, [0, 0], r);
        Assert.Equal([5f], Down<float>(r));
    }

    private static readonly (ElementwiseOp Op, double P0, double P1)[] UnaryOps =
    [
        (ElementwiseOp.Neg, 0, 0), (ElementwiseOp.Exp, 0, 0), (ElementwiseOp.Log, 0, 0), (ElementwiseOp.Sqrt, 0, 0), (ElementwiseOp.Abs, 0, 0),
        (ElementwiseOp.Sin, 0, 0), (ElementwiseOp.Cos, 0, 0), (ElementwiseOp.Tanh, 0, 0), (ElementwiseOp.Sigmoid, 0, 0), (ElementwiseOp.Relu, 0, 0),
        (ElementwiseOp.Sign, 0, 0), (ElementwiseOp.Floor, 0, 0), (ElementwiseOp.Softplus, 0, 0), (ElementwiseOp.Erf, 0, 0), (ElementwiseOp.Gelu, 0, 0),
        (ElementwiseOp.LeakyRelu, 0.01, 0), (ElementwiseOp.Clamp, -1.5, 2.25), (ElementwiseOp.PowScalar, 2, 0), (ElementwiseOp.PowScalar, 0.5, 0),
        (ElementwiseOp.PowScalar, 1, 0), (ElementwiseOp.PowScalar, 3, 0), (ElementwiseOp.PowScalar, -1.5, 0),
    ];

    private static void CpuUnary<T>(ElementwiseOp op, double p0, double p1, T[] x, T[] y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T c0 = T.CreateTruncating(p0), c1 = T.CreateTruncating(p1);
        switch (op)
        {
            case ElementwiseOp.Neg: new NegOp<T>().Invoke(x, y); break;
            case ElementwiseOp.Exp: new ExpOp<T>().Invoke(x, y); break;
            case ElementwiseOp.Log: new LogOp<T>().Invoke(x, y); break;
            case ElementwiseOp.Sqrt: new SqrtOp<T>().Invoke(x, y); break;
            case ElementwiseOp.Abs: new AbsOp<T>().Invoke(x, y); break;
            case ElementwiseOp.Sin: new SinOp<T>().Invoke(x, y); break;
            case ElementwiseOp.Cos: new CosOp<T>().Invoke(x, y); break;
            case ElementwiseOp.Tanh: new TanhOp<T>().Invoke(x, y); break;
            case ElementwiseOp.Sigmoid: new SigmoidOp<T>().Invoke(x, y); break;
            case ElementwiseOp.Relu: new ReluOp<T>().Invoke(x, y); break;
            case ElementwiseOp.Sign: new SignOp<T>().Invoke(x, y); break;
            case ElementwiseOp.Floor: new FloorOp<T>().Invoke(x, y); break;
            case ElementwiseOp.Softplus: new SoftplusOp<T>().Invoke(x, y); break;
            case ElementwiseOp.Erf: new ErfOp<T>().Invoke(x, y); break;
            case ElementwiseOp.Gelu: new GeluOp<T>().Invoke(x, y); break;
            case ElementwiseOp.LeakyRelu: new LeakyReluOp<T>(c0).Invoke(x, y); break;
            case ElementwiseOp.Clamp: new ClampOp<T>(c0, c1).Invoke(x, y); break;
            case ElementwiseOp.PowScalar: new PowScalarOp<T>(c0).Invoke(x, y); break;
            default: throw new ArgumentException(op.ToString());
        }
    }

    private static void CheckUnary<T>(double rtol, double atol, double erfAtol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Special values, then a sweep over [−8, 8] long enough for the CPU's vector loops; read from offset 2.
        var xs = Specials.Concat(Enumerable.Range(0, 81).Select(i => -8 + 0.2 * i + 1e-3)).Select(T.CreateTruncating).ToArray();
        var host = new T[xs.Length + 2];
        xs.CopyTo(host, 2);
        using var x = Up(host);
        using var r = Empty(x.DType, xs.Length);
        foreach (var (op, p0, p1) in UnaryOps)
        {
            K.Unary(op, p0, p1, x, 2, r, xs.Length);
            var got = Down<T>(r);
            var expected = new T[xs.Length];
            CpuUnary(op, p0, p1, xs, expected);
            // The CPU's erf is a float-precision approximation for float32, and its vectorised tanh is accurate to a few
            // units of 1e-8 absolute around 0 (it gives −6e-8 for tanh(0)), and its float softplus forms 1 + e^−|x| in
            // float (5e-8 absolute off at x = −7.25); the device computes all of them in double.
            bool approximated = op is ElementwiseOp.Erf or ElementwiseOp.Gelu or ElementwiseOp.Tanh or ElementwiseOp.Softplus;
            for (int i = 0; i < xs.Length; i++)
            {
                double e = double.CreateTruncating(expected[i]), g = double.CreateTruncating(got[i]);
                Close(e, g, rtol, approximated ? erfAtol : atol, $"{typeof(T).Name} {op}({p0}) at {xs[i]}");
                if (e == 0 && !approximated && op is not (ElementwiseOp.Sin or ElementwiseOp.Log))
                    Assert.True(double.IsNegative(e) == double.IsNegative(g), $"{typeof(T).Name} {op} sign of zero at {xs[i]}");
            }
        }
    }

    [Fact]
    public void Unary_Float32_EveryOp_MatchesTheCpuOps() => CheckUnary<float>(2e-6, 1e-30, 1e-6);

    [Fact]
    public void Unary_Float64_EveryOp_MatchesTheCpuOps() => CheckUnary<double>(1e-12, 1e-300, 1e-14);

    [Fact]
    public void Unary_RejectsIntegerTensorsAndBinaryOps()
    {
        using var i = Up(new int[] { 1 });
        Assert.Throws<ArgumentException>(() => K.Unary(ElementwiseOp.Exp, 0, 0, i, 0, i, 1));
        using var f = Up(new float[] { 1 });
        Assert.Throws<ArgumentException>(() => K.Unary(ElementwiseOp.Add, 0, 0, f, 0, f, 1));
    }

    [Fact]
    public void Where_BroadcastConditionOfAnyDType_PicksPerElement()
    {
        // cond [3] broadcast over rows; a [2, 3] read transposed from a [3, 2] block at offset 1; b a broadcast scalar.
        using var condF = Up(new float[] { 1, 0, float.NaN });
        using var condI = Up(new int[] { 0, 5, -1 });
        using var a = Up(new double[] { -1, 10, 11, 12, 13, 14, 15 });
        using var b = Up(new double[] { 99 });
        using var r = Empty(DType.Float64, 6);
        K.Where([2, 3], condF, 0, [0, 1], a, 1, [1, 2], b, 0, [0, 0], r);
        Assert.Equal([10.0, 99, 14, 11, 99, 15], Down<double>(r));
        K.Where([2, 3], condI, 0, [0, 1], a, 1, [1, 2], b, 0, [0, 0], r);
        Assert.Equal([99.0, 12, 14, 99, 13, 15], Down<double>(r));
    }
}
