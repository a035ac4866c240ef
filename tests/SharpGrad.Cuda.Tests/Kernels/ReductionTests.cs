using System.Numerics;
using System.Numerics.Tensors;
using SharpGrad.Kernels;
using static SharpGrad.Cuda.Tests.Kernels.DeviceArrays;

namespace SharpGrad.Cuda.Tests.Kernels;

public class ReductionTests
{
    /// <summary>Values of x viewed as [outer, length, inner] from an offset, with a few NaN, ±0 and repeated values.</summary>
    private static T[] Data<T>(int offset, int outer, int length, int inner, int seed, bool specials) where T : INumberBase<T>
    {
        var rng = new Random(seed);
        var x = new T[offset + outer * length * inner];
        for (int i = 0; i < x.Length; i++)
            x[i] = T.CreateTruncating(Math.Round(rng.NextDouble() * 20 - 10, 1));
        if (specials && length > 0 && typeof(T) != typeof(int))
        {
            // Row 0, column 0: a NaN in the middle; the last column: zeros of both signs only.
            x[offset + (length / 2) * inner] = T.CreateTruncating(double.NaN);
            for (int k = 0; k < length; k++)
                x[offset + k * inner + inner - 1] = T.CreateTruncating(k % 3 == 1 ? 0.0 : -0.0);
        }
        return x;
    }

    /// <summary>The column (o, j) of the [outer, length, inner] view, for the CPU's row reductions.</summary>
    private static T[] Column<T>(T[] x, int offset, int length, int inner, int o, int j)
    {
        var col = new T[length];
        for (int k = 0; k < length; k++) col[k] = x[offset + (o * length + k) * inner + j];
        return col;
    }

    private static void CheckReduce<T>(int outer, int length, int inner, double rtol) where T : unmanaged, INumber<T>
    {
        const int offset = 3;
        var host = Data<T>(offset, outer, length, inner, 7, specials: true);
        using var x = Up(host);
        using var r = Empty(x.DType, Math.Max(1, outer * inner));
        foreach (var kind in new[] { ReduceKind.Sum, ReduceKind.Max, ReduceKind.Min })
        {
            if (length == 0 && kind != ReduceKind.Sum) continue;
            K.Reduce(kind, x, offset, outer, length, inner, r);
            var got = Down<T>(r);
            for (int o = 0; o < outer; o++)
                for (int j = 0; j < inner; j++)
                {
                    var col = Column(host, offset, length, inner, o, j);
                    T expected = kind switch
                    {
                        ReduceKind.Sum => new SumReduce<T>().Invoke(col),
                        ReduceKind.Max => new MaxReduce<T>().Invoke(col),
                        _ => new MinReduce<T>().Invoke(col),
                    };
                    double e = double.CreateTruncating(expected), g = double.CreateTruncating(got[o * inner + j]);
                    if (kind == ReduceKind.Sum)
                        Close(e, g, rtol, rtol * length * 10, $"{typeof(T).Name} {kind} [{outer},{length},{inner}] at ({o},{j})");
                    else
                        Identical([e], [g], $"{typeof(T).Name} {kind} [{outer},{length},{inner}] at ({o},{j})");
                }
        }
    }

    [Theory]
    [InlineData(3, 5, 4)]      // one thread per output
    [InlineData(4, 300, 1)]    // a group per contiguous row
    [InlineData(2, 100, 3)]    // a group per strided column (few outputs)
    [InlineData(2, 40000, 3)]  // long strided rows cut into chunks, partials combined by a second pass
    [InlineData(1, 1, 1)]
    [InlineData(2, 0, 3)]      // empty axis: sums are 0
    public void Reduce_MatchesTheCpuRowReductions(int outer, int length, int inner)
    {
        CheckReduce<float>(outer, length, inner, 1e-6);
        CheckReduce<double>(outer, length, inner, 1e-14);
        CheckReduce<int>(outer, length, inner, 0);
    }

    [Fact]
    public void Reduce_LongRow_SumsAccurately()
    {
        // 0.1 a hundred thousand times: a float32 running sum drifts by about 1e-3 relative; the device does not.
        int n = 100_000;
        using var x = Up(Enumerable.Repeat(0.1f, n).ToArray());
        using var r = Empty(DType.Float32, 1);
        K.Reduce(ReduceKind.Sum, x, 0, 1, n, 1, r);
        Close(n * (double)0.1f, Down<float>(r)[0], 1e-6, 0, "sum");
    }

    private static void CheckArg<T>(int outer, int length, int inner) where T : unmanaged, INumber<T>
    {
        const int offset = 2;
        var host = Data<T>(offset, outer, length, inner, 11, specials: true);
        using var x = Up(host);
        using var r = Empty(DType.Int32, outer * inner);
        foreach (bool max in new[] { true, false })
        {
            K.ArgReduce(max, x, offset, outer, length, inner, r);
            var got = Down<int>(r);
            for (int o = 0; o < outer; o++)
                for (int j = 0; j < inner; j++)
                {
                    var col = Column(host, offset, length, inner, o, j);
                    var expected = new int[1];
                    Reduction.ArgRows(col, 0, 1, length, expected, 0, max);
                    Assert.True(expected[0] == got[o * inner + j],
                        $"{typeof(T).Name} arg{(max ? "max" : "min")} [{outer},{length},{inner}] at ({o},{j}): expected {expected[0]}, got {got[o * inner + j]}");
                }
        }
    }

    [Theory]
    [InlineData(3, 7, 4)]
    [InlineData(3, 200, 1)]
    [InlineData(2, 90, 2)]
    [InlineData(2, 1, 1)]
    public void ArgReduce_MatchesTheCpu_FirstIndex_NaNFirst(int outer, int length, int inner)
    {
        CheckArg<float>(outer, length, inner);
        CheckArg<double>(outer, length, inner);
        CheckArg<int>(outer, length, inner);
    }

    private static double[] LogSoftmaxByHand(double[] row)
    {
        double m = row.Max();
        if (double.IsInfinity(m)) m = 0;
        double lse = Math.Log(row.Sum(v => Math.Exp(v - m)));
        return row.Select(v => v - m - lse).ToArray();
    }

    [Theory]
    [InlineData(4, 10)]
    [InlineData(3, 700)]
    public void LogSoftmaxRows_MatchesTheFormula_AtAnyScale(int rows, int length)
    {
        var rng = new Random(3);
        var host = new double[1 + rows * length];
        for (int i = 0; i < host.Length; i++) host[i] = rng.NextDouble() * 8 - 4;
        // Row 1 at a scale where exp overflows without the shift; row 2 all −∞ (NaN, as on the CPU).
        for (int k = 0; k < length; k++) host[1 + length + k] = 1e4 + k % 5;
        for (int k = 0; k < length; k++) host[1 + 2 * length + k] = double.NegativeInfinity;
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            Array data = dtype == DType.Float32 ? host.Select(v => (float)v).ToArray() : host;
            using var x = Up(data);
            using var r = Empty(dtype, rows * length);
            K.LogSoftmaxRows(x, 1, rows, length, r);
            var got = dtype == DType.Float32 ? AsDoubles(Down<float>(r)) : Down<double>(r);
            for (int i = 0; i < rows; i++)
            {
                var row = Enumerable.Range(0, length).Select(k => dtype == DType.Float32 ? (double)(float)host[1 + i * length + k] : host[1 + i * length + k]).ToArray();
                var expected = LogSoftmaxByHand(row);
                for (int k = 0; k < length; k++)
                    Close(expected[k], got[i * length + k], dtype == DType.Float32 ? 1e-6 : 1e-13, dtype == DType.Float32 ? 1e-6 : 1e-13, $"{dtype} row {i} [{k}]");
            }
        }
    }
}
