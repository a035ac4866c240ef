using System.Runtime.Intrinsics.X86;
using SharpGrad.Kernels;

namespace SharpGrad.Tests.Kernels;

/// <summary>
/// The 512-bit and 256-bit GEMM paths, each forced with <see cref="VectorWidth.Force"/> (the 512-bit one runs in
/// software where AVX-512 is missing): each against the naive triple loop, and against each other bit for bit, since
/// both sum every element with the same fused multiply-adds in the same order.
/// </summary>
public class GemmWidthTests
{
    // Tails of the 6×32 and 6×16 tiles, several blocks of K (K > 256), and a layer-like 64×256×784.
    private static readonly (int M, int N, int K)[] Sizes =
    [
        (7, 33, 9), (6, 32, 300), (13, 47, 257), (64, 256, 784), (31, 17, 64), (12, 64, 40),
    ];

    private static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < data.Length; i++)
            data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }

    private delegate void Product(int m, int n, int k, ReadOnlySpan<float> a, int ars, int acs, ReadOnlySpan<float> b, int brs, int bcs,
        Span<float> c, int crs, int ccs, bool accumulate);

    private static float[] Run(int bits, Product product, int m, int n, int k, bool transposedB, bool accumulate)
    {
        var a = Random(m * k, 1);
        var b = Random(k * n, 2);
        var c = Random(m * n, 3);
        using (VectorWidth.Force(bits))
        {
            Assert.Equal(bits == 512, VectorWidth.Wide);
            if (transposedB)
                product(m, n, k, a, k, 1, b, 1, k, c, n, 1, accumulate);
            else
                product(m, n, k, a, k, 1, b, n, 1, c, n, 1, accumulate);
        }
        return c;
    }

    public static TheoryData<int, bool, bool, string> Cases()
    {
        var data = new TheoryData<int, bool, bool, string>();
        for (int i = 0; i < Sizes.Length; i++)
            foreach (bool transposed in new[] { false, true })
                foreach (string kind in new[] { "multiply", "blocked", "batchsum" })
                    data.Add(i, transposed, i % 2 == 0, kind);
        return data;
    }

    private static Product Of(string kind) => kind switch
    {
        "multiply" => Gemm.Multiply<float>,
        "blocked" => Gemm.MultiplyBlocked<float>,
        _ => Gemm.MultiplyBatchSum<float>,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BothWidths_MatchTheNaiveLoop_AndEachOther(int size, bool transposedB, bool accumulate, string kind)
    {
        var (m, n, k) = Sizes[size];
        var wide = Run(512, Of(kind), m, n, k, transposedB, accumulate);
        var narrow = Run(256, Of(kind), m, n, k, transposedB, accumulate);
        var naive = Run(256, Gemm.MultiplyNaive<float>, m, n, k, transposedB, accumulate);
        for (int i = 0; i < naive.Length; i++)
        {
            // Sums of k products of values in [-1, 1): float rounding grows with √k at most.
            Assert.True(Math.Abs(wide[i] - naive[i]) <= 1e-5f * k + 1e-5f, $"512-bit element {i}: {wide[i]} vs {naive[i]}");
            Assert.True(Math.Abs(narrow[i] - naive[i]) <= 1e-5f * k + 1e-5f, $"256-bit element {i}: {narrow[i]} vs {naive[i]}");
        }
        // Without FMA the 256-bit kernel rounds the product and the sum separately, the 512-bit one does not.
        if (Fma.IsSupported)
            Assert.Equal(narrow, wide);
    }

    [Fact]
    public void Force_IsPerThread_AndUndone()
    {
        bool before = VectorWidth.Wide;
        using (VectorWidth.Force(256))
        {
            Assert.False(VectorWidth.Wide);
            bool other = true;
            var thread = new Thread(() => other = VectorWidth.Wide);
            thread.Start();
            thread.Join();
            Assert.Equal(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, other);
            using (VectorWidth.Force(512))
                Assert.Equal(512, VectorWidth.Bits);
            Assert.False(VectorWidth.Wide);
        }
        Assert.Equal(before, VectorWidth.Wide);
        Assert.Throws<ArgumentOutOfRangeException>(() => VectorWidth.Force(128));
    }
}
