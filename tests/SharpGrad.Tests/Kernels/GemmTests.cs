using System.Numerics;
using SharpGrad.Kernels;

namespace SharpGrad.Tests.Kernels;

/// <summary>
/// Gemm.Multiply (and the always-packed Gemm.MultiplyBlocked) against the naive triple loop, over tail sizes,
/// operand layouts (row-major, transposed, padded views at an offset, broadcast), accumulate and k = 0.
/// </summary>
public class GemmTests
{
    internal delegate void GemmFn<T>(int m, int n, int k,
        ReadOnlySpan<T> a, int aRowStride, int aColStride,
        ReadOnlySpan<T> b, int bRowStride, int bColStride,
        Span<T> c, int cRowStride, int cColStride, bool accumulate);

    internal enum Layout
    {
        RowMajor,
        ColMajor,        // a transposed row-major matrix
        PaddedRowMajor,  // a view inside a wider row-major matrix (row stride > width), starting at an offset
        PaddedColMajor,  // the same for column-major
        BroadcastRows,   // row stride 0: every row is the same vector
        BroadcastCols,   // column stride 0: every column is the same vector
    }

    internal readonly record struct View(int Rows, int Cols, int RowStride, int ColStride, int Offset)
    {
        public int BufferLength => Rows == 0 || Cols == 0 ? Offset + 1 : Offset + (Rows - 1) * RowStride + (Cols - 1) * ColStride + 3;

        public static View Of(Layout layout, int rows, int cols) => layout switch
        {
            Layout.RowMajor => new(rows, cols, cols, 1, 0),
            Layout.ColMajor => new(rows, cols, 1, rows, 0),
            Layout.PaddedRowMajor => new(rows, cols, cols + 3, 1, 2),
            Layout.PaddedColMajor => new(rows, cols, 1, rows + 5, 3),
            Layout.BroadcastRows => new(rows, cols, 0, 1, 1),
            Layout.BroadcastCols => new(rows, cols, 1, 0, 1),
            _ => throw new ArgumentOutOfRangeException(nameof(layout)),
        };
    }

    private static readonly int[] TailSizes = [1, 2, 5, 6, 7, 15, 16, 17, 33];

    // Shapes for the layout tests: tails of the 6×16 / 6×8 tiles, matrix-vector shapes, and sizes large enough
    // that Multiply takes its packed path rather than the small-problem loop.
    private static readonly (int M, int N, int K)[] LayoutSizes =
    [
        (1, 1, 1), (5, 7, 6), (6, 16, 17), (7, 17, 33), (15, 33, 16), (33, 15, 7), (17, 6, 100),
        (1, 40, 130), (40, 1, 130), (1, 1, 5000), (64, 48, 70), (130, 70, 300), (20, 300, 200),
    ];

    private static readonly GemmFn<float> MultiplyF = Gemm.Multiply<float>;
    private static readonly GemmFn<double> MultiplyD = Gemm.Multiply<double>;
    private static readonly GemmFn<float> BlockedF = Gemm.MultiplyBlocked<float>;
    private static readonly GemmFn<double> BlockedD = Gemm.MultiplyBlocked<double>;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MultiplyBlocked_AllTailSizes_MatchesNaive(bool accumulate)
    {
        foreach (int m in TailSizes)
            foreach (int n in TailSizes)
                foreach (int k in TailSizes)
                {
                    Check(BlockedF, m, n, k, Layout.RowMajor, Layout.RowMajor, Layout.RowMajor, accumulate);
                    Check(BlockedD, m, n, k, Layout.RowMajor, Layout.RowMajor, Layout.RowMajor, accumulate);
                }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Multiply_AllTailSizes_MatchesNaive(bool accumulate)
    {
        foreach (int m in TailSizes)
            foreach (int n in TailSizes)
                foreach (int k in TailSizes)
                {
                    Check(MultiplyF, m, n, k, Layout.RowMajor, Layout.RowMajor, Layout.RowMajor, accumulate);
                    Check(MultiplyD, m, n, k, Layout.RowMajor, Layout.RowMajor, Layout.RowMajor, accumulate);
                }
    }

    [Fact]
    public void Multiply_RowMajor_MatchesNaive() => CheckLayouts(Layout.RowMajor, Layout.RowMajor, Layout.RowMajor);

    [Fact]
    public void Multiply_TransposedA_MatchesNaive() => CheckLayouts(Layout.ColMajor, Layout.RowMajor, Layout.RowMajor);

    [Fact]
    public void Multiply_TransposedB_MatchesNaive() => CheckLayouts(Layout.RowMajor, Layout.ColMajor, Layout.RowMajor);

    [Fact]
    public void Multiply_BothTransposed_MatchesNaive() => CheckLayouts(Layout.ColMajor, Layout.ColMajor, Layout.RowMajor);

    [Fact]
    public void Multiply_ColumnMajorC_MatchesNaive() => CheckLayouts(Layout.RowMajor, Layout.RowMajor, Layout.ColMajor);

    [Fact]
    public void Multiply_PaddedViews_MatchesNaiveAndLeavesPaddingUntouched()
    {
        CheckLayouts(Layout.PaddedRowMajor, Layout.PaddedRowMajor, Layout.PaddedRowMajor);
        CheckLayouts(Layout.PaddedColMajor, Layout.PaddedRowMajor, Layout.PaddedColMajor);
        CheckLayouts(Layout.PaddedRowMajor, Layout.PaddedColMajor, Layout.PaddedRowMajor);
    }

    [Fact]
    public void Multiply_BroadcastA_MatchesNaive()
    {
        CheckLayouts(Layout.BroadcastRows, Layout.RowMajor, Layout.RowMajor);
        CheckLayouts(Layout.BroadcastCols, Layout.ColMajor, Layout.RowMajor);
    }

    [Fact]
    public void Multiply_BroadcastB_MatchesNaive()
    {
        CheckLayouts(Layout.RowMajor, Layout.BroadcastCols, Layout.RowMajor);
        CheckLayouts(Layout.ColMajor, Layout.BroadcastRows, Layout.PaddedRowMajor);
    }

    [Fact]
    public void Multiply_SeveralNcBlocks_MatchesNaive()
    {
        // n beyond NC (4080) runs the outermost loop more than once.
        Check(MultiplyF, 13, 4200, 20, Layout.RowMajor, Layout.RowMajor, Layout.RowMajor, accumulate: false);
        Check(MultiplyD, 13, 4200, 20, Layout.RowMajor, Layout.ColMajor, Layout.RowMajor, accumulate: true);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Multiply_KZero_ZeroesOrKeepsC(bool accumulate)
    {
        CheckKZero(MultiplyF, accumulate);
        CheckKZero(MultiplyD, accumulate);
        CheckKZero(BlockedF, accumulate);
        CheckKZero(BlockedD, accumulate);
        CheckKZero<float>(Gemm.MultiplyNaive, accumulate);
    }

    [Fact]
    public void Multiply_EmptyMOrN_DoesNothing()
    {
        var c = new float[] { 7 };
        Gemm.Multiply<float>(0, 5, 3, new float[15], 3, 1, new float[15], 5, 1, c, 5, 1, false);
        Gemm.Multiply<float>(5, 0, 3, new float[15], 3, 1, new float[15], 5, 1, c, 5, 1, false);
        Assert.Equal(7f, c[0]);
    }

    [Fact]
    public void Multiply_UnsupportedType_Throws()
    {
        Assert.Throws<NotSupportedException>(() =>
            Gemm.Multiply<Half>(1, 1, 1, new Half[1], 1, 1, new Half[1], 1, 1, new Half[1], 1, 1, false));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("b")]
    [InlineData("c")]
    public void Multiply_SpanTooShort_ThrowsNamingOperand(string operand)
    {
        const int m = 4, n = 5, k = 3;
        var a = new float[operand == "a" ? m * k - 1 : m * k];
        var b = new float[operand == "b" ? k * n - 1 : k * n];
        var c = new float[operand == "c" ? m * n - 1 : m * n];
        var ex = Assert.ThrowsAny<ArgumentException>(() => Gemm.Multiply<float>(m, n, k, a, k, 1, b, n, 1, c, n, 1, false));
        Assert.Equal(operand, ex.ParamName);
        Assert.Contains($"Operand {operand} ", ex.Message);
        int need = operand switch { "a" => m * k, "b" => k * n, _ => m * n };
        Assert.Contains($"at least {need} elements", ex.Message);
        Assert.Contains($"has {need - 1}", ex.Message);
    }

    [Fact]
    public void Multiply_PaddedStrideNeedsMoreThanRowsTimesCols_ThrowsForShortSpan()
    {
        // A 3×4 view with row stride 10 needs 2·10 + 3 + 1 = 24 elements, not 12.
        var ex = Assert.ThrowsAny<ArgumentException>(() =>
            Gemm.Multiply<double>(3, 2, 4, new double[23], 10, 1, new double[8], 2, 1, new double[6], 2, 1, false));
        Assert.Equal("a", ex.ParamName);
        Assert.Contains("24", ex.Message);
    }

    [Fact]
    public void Multiply_NegativeArguments_Throw()
    {
        var x = new float[16];
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply<float>(-1, 2, 2, x, 2, 1, x, 2, 1, new float[4], 2, 1, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply<float>(2, -1, 2, x, 2, 1, x, 2, 1, new float[4], 2, 1, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply<float>(2, 2, -1, x, 2, 1, x, 2, 1, new float[4], 2, 1, false));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply<float>(2, 2, 2, x, 2, 1, x, -2, 1, new float[4], 2, 1, false));
        Assert.Equal("bRowStride", ex.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.MultiplyNaive<float>(2, 2, 2, x, 2, -1, x, 2, 1, new float[4], 2, 1, false));
    }

    [Fact]
    public void Multiply_OverlappingOrBroadcastC_Throws()
    {
        var a = new float[16];
        var b = new float[16];
        var ex = Assert.ThrowsAny<ArgumentException>(() => Gemm.Multiply<float>(2, 2, 2, a, 2, 1, b, 2, 1, new float[4], 0, 1, false));
        Assert.Equal("c", ex.ParamName);
        ex = Assert.ThrowsAny<ArgumentException>(() => Gemm.Multiply<float>(2, 3, 2, a, 2, 1, b, 3, 1, new float[8], 2, 1, false));
        Assert.Equal("c", ex.ParamName);
        var shared = new float[32];
        ex = Assert.ThrowsAny<ArgumentException>(() =>
            Gemm.Multiply<float>(2, 2, 2, shared, 2, 1, b, 2, 1, shared.AsSpan(2), 2, 1, false));
        Assert.Equal("c", ex.ParamName);
        Assert.Contains("operand a", ex.Message);
    }

    // -----------------------------------------------------------------------------------------------------------

    private static void CheckLayouts(Layout la, Layout lb, Layout lc)
    {
        foreach ((int m, int n, int k) in LayoutSizes)
        {
            foreach (bool accumulate in new[] { false, true })
            {
                Check(MultiplyF, m, n, k, la, lb, lc, accumulate);
                Check(MultiplyD, m, n, k, la, lb, lc, accumulate);
                Check(BlockedF, m, n, k, la, lb, lc, accumulate);
            }
            Check(BlockedD, m, n, k, la, lb, lc, accumulate: true);
        }
    }

    private static void CheckKZero<T>(GemmFn<T> fn, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = new T[12];
        for (int i = 0; i < c.Length; i++)
            c[i] = T.CreateTruncating(i + 1);
        fn(3, 4, 0, ReadOnlySpan<T>.Empty, 0, 1, ReadOnlySpan<T>.Empty, 4, 1, c, 4, 1, accumulate);
        for (int i = 0; i < c.Length; i++)
            Assert.Equal(accumulate ? T.CreateTruncating(i + 1) : T.Zero, c[i]);
    }

    internal static T[] Fill<T>(Random rnd, View v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var data = new T[v.BufferLength];
        for (int i = 0; i < data.Length; i++)
            data[i] = T.CreateTruncating(rnd.NextDouble() * 2 - 1);
        return data;
    }

    /// <summary>Runs <paramref name="fn"/> and the naive oracle on identical data and compares C element by element.</summary>
    internal static void Check<T>(GemmFn<T> fn, int m, int n, int k, Layout la, Layout lb, Layout lc, bool accumulate, int seed = 12345)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rnd = new Random(seed + 31 * m + 37 * n + 41 * k);
        View va = View.Of(la, m, k), vb = View.Of(lb, k, n), vc = View.Of(lc, m, n);
        T[] a = Fill<T>(rnd, va), b = Fill<T>(rnd, vb), c0 = Fill<T>(rnd, vc);
        T[] expected = (T[])c0.Clone(), actual = (T[])c0.Clone();

        Gemm.MultiplyNaive<T>(m, n, k, a.AsSpan(va.Offset), va.RowStride, va.ColStride,
            b.AsSpan(vb.Offset), vb.RowStride, vb.ColStride, expected.AsSpan(vc.Offset), vc.RowStride, vc.ColStride, accumulate);
        fn(m, n, k, a.AsSpan(va.Offset), va.RowStride, va.ColStride,
            b.AsSpan(vb.Offset), vb.RowStride, vb.ColStride, actual.AsSpan(vc.Offset), vc.RowStride, vc.ColStride, accumulate);
        Compare(m, n, k, a, va, b, vb, c0, expected, actual, vc, accumulate, $"{typeof(T).Name} {m}×{n}×{k} A:{la} B:{lb} C:{lc} accumulate:{accumulate}");
    }

    /// <summary>
    /// Both results are sums of the same k products in different orders, so each may be off by about k·ε·Σ|a||b|
    /// (plus |c| when accumulating); anything in C's buffer outside the view must be untouched.
    /// </summary>
    internal static void Compare<T>(int m, int n, int k, T[] a, View va, T[] b, View vb, T[] c0, T[] expected, T[] actual, View vc,
        bool accumulate, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double eps = double.CreateTruncating(MachineEpsilon<T>());
        var inView = new bool[actual.Length];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                int ci = vc.Offset + i * vc.RowStride + j * vc.ColStride;
                inView[ci] = true;
                double scale = accumulate ? Math.Abs(double.CreateTruncating(c0[ci])) : 0;
                for (int p = 0; p < k; p++)
                    scale += Math.Abs(double.CreateTruncating(a[va.Offset + i * va.RowStride + p * va.ColStride])
                        * double.CreateTruncating(b[vb.Offset + p * vb.RowStride + j * vb.ColStride]));
                double e = double.CreateTruncating(expected[ci]), x = double.CreateTruncating(actual[ci]);
                double tol = 2 * (k + 2) * eps * scale + 1e-30;
                if (!(Math.Abs(e - x) <= tol))
                    Assert.Fail($"{what}: C[{i},{j}] = {x}, naive gives {e} (difference {Math.Abs(e - x)}, tolerance {tol}).");
            }
        }
        for (int i = 0; i < actual.Length; i++)
            if (!inView[i] && !actual[i].Equals(c0[i]))
                Assert.Fail($"{what}: element {i} of C's buffer lies outside the view but was changed.");
    }

    private static T MachineEpsilon<T>() where T : unmanaged, IFloatingPointIeee754<T>
        => T.BitIncrement(T.One) - T.One;
}

/// <summary>Gemm tests that set Partitioner.MaxDegreeOfParallelism, which is process-wide.</summary>
[Collection(PartitionerSettingsCollection.Name)]
public class GemmParallelTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Multiply_LargerThanCacheBlocks_SerialAndParallelMatchNaive(bool accumulate)
    {
        // 300×520×280: several MC row blocks, two KC blocks, and enough work for the parallel split.
        RunSerialAndParallel<float>(300, 520, 280, GemmTests.Layout.RowMajor, GemmTests.Layout.RowMajor, accumulate);
        RunSerialAndParallel<double>(300, 520, 280, GemmTests.Layout.ColMajor, GemmTests.Layout.PaddedRowMajor, accumulate);
    }

    [Fact]
    public void Multiply_FewRowsManyColumns_SerialAndParallelMatchNaive()
    {
        // Too few rows to split by rows: the jr loop is split across cores instead.
        RunSerialAndParallel<float>(7, 900, 200, GemmTests.Layout.RowMajor, GemmTests.Layout.ColMajor, accumulate: false);
        RunSerialAndParallel<double>(3, 700, 150, GemmTests.Layout.PaddedRowMajor, GemmTests.Layout.RowMajor, accumulate: true);
    }

    [Fact]
    public void Multiply_MatrixVector_SerialAndParallelMatchNaive()
    {
        RunSerialAndParallel<float>(2000, 1, 300, GemmTests.Layout.RowMajor, GemmTests.Layout.RowMajor, accumulate: true);
        RunSerialAndParallel<float>(2000, 1, 300, GemmTests.Layout.ColMajor, GemmTests.Layout.PaddedRowMajor, accumulate: false);
        RunSerialAndParallel<double>(1, 1500, 300, GemmTests.Layout.RowMajor, GemmTests.Layout.ColMajor, accumulate: false);
    }

    private static void RunSerialAndParallel<T>(int m, int n, int k, GemmTests.Layout la, GemmTests.Layout lb, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rnd = new Random(777 + m + n + k);
        var va = GemmTests.View.Of(la, m, k);
        var vb = GemmTests.View.Of(lb, k, n);
        var vc = GemmTests.View.Of(GemmTests.Layout.RowMajor, m, n);
        T[] a = GemmTests.Fill<T>(rnd, va), b = GemmTests.Fill<T>(rnd, vb), c0 = GemmTests.Fill<T>(rnd, vc);
        T[] expected = (T[])c0.Clone();
        Gemm.MultiplyNaive<T>(m, n, k, a.AsSpan(va.Offset), va.RowStride, va.ColStride,
            b.AsSpan(vb.Offset), vb.RowStride, vb.ColStride, expected, vc.RowStride, vc.ColStride, accumulate);

        int saved = Partitioner.MaxDegreeOfParallelism;
        try
        {
            foreach (int dop in new[] { 1, Math.Max(2, Environment.ProcessorCount) })
            {
                Partitioner.MaxDegreeOfParallelism = dop;
                T[] actual = (T[])c0.Clone();
                Gemm.Multiply<T>(m, n, k, a.AsSpan(va.Offset), va.RowStride, va.ColStride,
                    b.AsSpan(vb.Offset), vb.RowStride, vb.ColStride, actual, vc.RowStride, vc.ColStride, accumulate);
                GemmTests.Compare(m, n, k, a, va, b, vb, c0, expected, actual, vc, accumulate,
                    $"{typeof(T).Name} {m}×{n}×{k} A:{la} B:{lb} accumulate:{accumulate} MaxDegreeOfParallelism:{dop}");
            }
        }
        finally
        {
            Partitioner.MaxDegreeOfParallelism = saved;
        }
    }
}
