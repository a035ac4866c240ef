using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SharpGrad.Kernels;

// Micro-kernels that read A in place instead of from a packed panel: for a row-major A (unit column stride, the
// input of every Linear layer) the six rows of a tile are six sequential streams the hardware prefetches well, so
// packing A, a scalar copy of every element for each block of K, is pure overhead. They compute each element of C
// with the same fused multiply-adds in the same order of k as the packed kernels, so the results are the same bit
// for bit. C is row-major (unit column stride).
internal static unsafe partial class Gemm
{
    /// <summary>
    /// Whether a float A with strides (<paramref name="ars"/>, <paramref name="acs"/>) is read in place by the direct-A
    /// kernels for a B panel <paramref name="panelWidth"/> wide: A must be row-major, and its rows not a multiple of
    /// 1 KiB apart — such rows fall into few sets of the L1 cache, and packing them is faster (measured at 512² and
    /// 1024², 10–40 %) — unless B is a single panel (<paramref name="panels"/> = 1): A is then read once, and a packed
    /// copy would be read once too (a 64×256 A times a 256×10 B took 9.8 µs packed, 4.7 µs in place).
    /// </summary>
    private static bool ReadsAInPlace(nint ars, nint acs, int panelWidth, bool wide16, int panels) =>
        acs == 1 && (ars % 256 != 0 || panels == 1) && (panelWidth == 32 || wide16 || Vector256.IsHardwareAccelerated);

    /// <summary>Rows of C per tile of the 512-bit direct-A kernel (the 256-bit one has 16 registers and keeps MR = 6).</summary>
    private const int WideDirectRows = 8;

    /// <summary>
    /// A row-major-A micro-kernel for a B panel <paramref name="panelWidth"/> wide: 32 is the 512-bit kernel, tiles of
    /// up to <see cref="WideDirectRows"/> rows; 16 the 256-bit one, tiles of up to 6 rows, or with
    /// <paramref name="wide"/> a 512-bit one with tiles of up to <see cref="WideDirectRows"/> rows.
    /// </summary>
    /// <remarks>
    /// The 512-bit kernels also apply a pre-packed product's epilogue as they store the tile (see
    /// <see cref="FusesEpilogue"/>): with <paramref name="bias"/> (the tile's first column of it) C starts from the bias
    /// instead of from zero or its own values, and with <paramref name="relu"/> each stored element is max(c, 0).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MicroKernelDirectA(int kc, float* a, nint lda, float* b, int panelWidth, float* c, nint rsc, int mr, int nr, bool overwrite,
        bool wide = false, float* bias = null, bool relu = false)
    {
        if (panelWidth == 32)
            KernelF32WideDirectA(kc, a, lda, b, c, rsc, mr, nr, overwrite, bias, relu);
        else if (wide)
            KernelF32Wide16DirectA(kc, a, lda, b, c, rsc, mr, nr, overwrite, bias, relu);
        else
            KernelF32DirectA(kc, a, lda, b, c, rsc, mr, nr, overwrite);
    }

    /// <summary>Whether <see cref="MicroKernelDirectA"/> applies the bias and ReLU itself for this panel width.</summary>
    private static bool FusesEpilogue(int panelWidth, bool wide) => panelWidth == 32 || wide;

    /// <summary>
    /// Stores 16 columns of a tile row: C = bias + v (C was the bias, plus the block's sums: the same addition), or
    /// C + v, or v; then max(·, 0) with <paramref name="relu"/>, the ReLU op's own IEEE maximum (NaN stays NaN).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreOne(float* c, Vector512<float> v, bool overwrite, float* bias, bool relu)
    {
        if (bias != null)
            v = Vector512.Load(bias) + v;
        else if (!overwrite)
            v += Vector512.Load(c);
        if (relu)
            v = Vector512.Max(v, Vector512<float>.Zero);
        Vector512.Store(v, c);
    }

    /// <summary><see cref="StoreOne"/> for a tile narrower or shorter than the kernel's, from its spilled copy.</summary>
    private static void WriteTileEpilogue(float* tile, int ldt, float* c, nint rsc, int mr, int nr, bool overwrite, float* bias, bool relu)
    {
        for (int i = 0; i < mr; i++, tile += ldt, c += rsc)
        {
            for (int j = 0; j < nr; j++)
            {
                float v = bias != null ? bias[j] + tile[j] : overwrite ? tile[j] : c[j] + tile[j];
                c[j] = relu ? MathF.Max(v, 0f) : v;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelF32WideDirectA(int kc, float* a, nint lda, float* b, float* c, nint rsc, int mr, int nr, bool overwrite,
        float* bias, bool relu)
    {
        // Eight rows (WideDirectRows): sixteen accumulators, two B vectors and a broadcast still leave AVX-512's 32
        // registers spare, and each broadcast feeds two FMAs. Rows past the tile's valid ones read row 0 again (their
        // sums are computed and dropped), so no pointer leaves A.
        float* a0 = a, a1 = mr > 1 ? a + 1 * lda : a, a2 = mr > 2 ? a + 2 * lda : a, a3 = mr > 3 ? a + 3 * lda : a, a4 = mr > 4 ? a + 4 * lda : a, a5 = mr > 5 ? a + 5 * lda : a, a6 = mr > 6 ? a + 6 * lda : a, a7 = mr > 7 ? a + 7 * lda : a;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        Vector512<float> b0, b1, ai;
        int p = 0;
        for (; p <= kc - 4; p += 4)
        {
            b0 = Vector512.Load(b + 0);
            b1 = Vector512.Load(b + 16);
            ai = Vector512.Create(a0[p + 0]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector512.Create(a1[p + 0]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector512.Create(a2[p + 0]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector512.Create(a3[p + 0]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector512.Create(a4[p + 0]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector512.Create(a5[p + 0]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            ai = Vector512.Create(a6[p + 0]); c60 = Mad(ai, b0, c60); c61 = Mad(ai, b1, c61);
            ai = Vector512.Create(a7[p + 0]); c70 = Mad(ai, b0, c70); c71 = Mad(ai, b1, c71);
            b0 = Vector512.Load(b + 32);
            b1 = Vector512.Load(b + 48);
            ai = Vector512.Create(a0[p + 1]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector512.Create(a1[p + 1]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector512.Create(a2[p + 1]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector512.Create(a3[p + 1]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector512.Create(a4[p + 1]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector512.Create(a5[p + 1]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            ai = Vector512.Create(a6[p + 1]); c60 = Mad(ai, b0, c60); c61 = Mad(ai, b1, c61);
            ai = Vector512.Create(a7[p + 1]); c70 = Mad(ai, b0, c70); c71 = Mad(ai, b1, c71);
            b0 = Vector512.Load(b + 64);
            b1 = Vector512.Load(b + 80);
            ai = Vector512.Create(a0[p + 2]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector512.Create(a1[p + 2]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector512.Create(a2[p + 2]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector512.Create(a3[p + 2]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector512.Create(a4[p + 2]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector512.Create(a5[p + 2]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            ai = Vector512.Create(a6[p + 2]); c60 = Mad(ai, b0, c60); c61 = Mad(ai, b1, c61);
            ai = Vector512.Create(a7[p + 2]); c70 = Mad(ai, b0, c70); c71 = Mad(ai, b1, c71);
            b0 = Vector512.Load(b + 96);
            b1 = Vector512.Load(b + 112);
            ai = Vector512.Create(a0[p + 3]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector512.Create(a1[p + 3]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector512.Create(a2[p + 3]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector512.Create(a3[p + 3]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector512.Create(a4[p + 3]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector512.Create(a5[p + 3]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            ai = Vector512.Create(a6[p + 3]); c60 = Mad(ai, b0, c60); c61 = Mad(ai, b1, c61);
            ai = Vector512.Create(a7[p + 3]); c70 = Mad(ai, b0, c70); c71 = Mad(ai, b1, c71);
            b += 128;
        }
        for (; p < kc; p++)
        {
            b0 = Vector512.Load(b + 0);
            b1 = Vector512.Load(b + 16);
            ai = Vector512.Create(a0[p + 0]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector512.Create(a1[p + 0]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector512.Create(a2[p + 0]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector512.Create(a3[p + 0]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector512.Create(a4[p + 0]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector512.Create(a5[p + 0]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            ai = Vector512.Create(a6[p + 0]); c60 = Mad(ai, b0, c60); c61 = Mad(ai, b1, c61);
            ai = Vector512.Create(a7[p + 0]); c70 = Mad(ai, b0, c70); c71 = Mad(ai, b1, c71);
            b += 32;
        }

        if (mr == 8 && nr == 32)
        {
            float* bias16 = bias == null ? null : bias + 16;
            StoreOne(c + 0 * rsc, c00, overwrite, bias, relu); StoreOne(c + 0 * rsc + 16, c01, overwrite, bias16, relu);
            StoreOne(c + 1 * rsc, c10, overwrite, bias, relu); StoreOne(c + 1 * rsc + 16, c11, overwrite, bias16, relu);
            StoreOne(c + 2 * rsc, c20, overwrite, bias, relu); StoreOne(c + 2 * rsc + 16, c21, overwrite, bias16, relu);
            StoreOne(c + 3 * rsc, c30, overwrite, bias, relu); StoreOne(c + 3 * rsc + 16, c31, overwrite, bias16, relu);
            StoreOne(c + 4 * rsc, c40, overwrite, bias, relu); StoreOne(c + 4 * rsc + 16, c41, overwrite, bias16, relu);
            StoreOne(c + 5 * rsc, c50, overwrite, bias, relu); StoreOne(c + 5 * rsc + 16, c51, overwrite, bias16, relu);
            StoreOne(c + 6 * rsc, c60, overwrite, bias, relu); StoreOne(c + 6 * rsc + 16, c61, overwrite, bias16, relu);
            StoreOne(c + 7 * rsc, c70, overwrite, bias, relu); StoreOne(c + 7 * rsc + 16, c71, overwrite, bias16, relu);
        }
        else
        {
            float* t = stackalloc float[256];
            c00.Store(t + 0); c01.Store(t + 16);
            c10.Store(t + 32); c11.Store(t + 48);
            c20.Store(t + 64); c21.Store(t + 80);
            c30.Store(t + 96); c31.Store(t + 112);
            c40.Store(t + 128); c41.Store(t + 144);
            c50.Store(t + 160); c51.Store(t + 176);
            c60.Store(t + 192); c61.Store(t + 208);
            c70.Store(t + 224); c71.Store(t + 240);
            WriteTileEpilogue(t, 32, c, rsc, mr, nr, overwrite, bias, relu);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelF32DirectA(int kc, float* a, nint lda, float* b, float* c, nint rsc, int mr, int nr, bool overwrite)
    {
        // Rows past the tile's valid ones read row 0 again (their sums are computed and dropped), so no pointer
        // leaves A.
        float* a0 = a, a1 = mr > 1 ? a + lda : a, a2 = mr > 2 ? a + 2 * lda : a, a3 = mr > 3 ? a + 3 * lda : a, a4 = mr > 4 ? a + 4 * lda : a, a5 = mr > 5 ? a + 5 * lda : a;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector256<float> b0, b1, ai;
        int p = 0;
        for (; p <= kc - 4; p += 4)
        {
            b0 = Vector256.Load(b + 0);
            b1 = Vector256.Load(b + 8);
            ai = Vector256.Create(a0[p + 0]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector256.Create(a1[p + 0]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector256.Create(a2[p + 0]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector256.Create(a3[p + 0]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector256.Create(a4[p + 0]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector256.Create(a5[p + 0]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            b0 = Vector256.Load(b + 16);
            b1 = Vector256.Load(b + 24);
            ai = Vector256.Create(a0[p + 1]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector256.Create(a1[p + 1]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector256.Create(a2[p + 1]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector256.Create(a3[p + 1]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector256.Create(a4[p + 1]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector256.Create(a5[p + 1]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            b0 = Vector256.Load(b + 32);
            b1 = Vector256.Load(b + 40);
            ai = Vector256.Create(a0[p + 2]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector256.Create(a1[p + 2]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector256.Create(a2[p + 2]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector256.Create(a3[p + 2]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector256.Create(a4[p + 2]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector256.Create(a5[p + 2]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            b0 = Vector256.Load(b + 48);
            b1 = Vector256.Load(b + 56);
            ai = Vector256.Create(a0[p + 3]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector256.Create(a1[p + 3]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector256.Create(a2[p + 3]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector256.Create(a3[p + 3]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector256.Create(a4[p + 3]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector256.Create(a5[p + 3]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            b += 64;
        }
        for (; p < kc; p++)
        {
            b0 = Vector256.Load(b + 0);
            b1 = Vector256.Load(b + 8);
            ai = Vector256.Create(a0[p + 0]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector256.Create(a1[p + 0]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector256.Create(a2[p + 0]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector256.Create(a3[p + 0]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector256.Create(a4[p + 0]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector256.Create(a5[p + 0]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            b += 16;
        }

        if (mr == 6 && nr == 16)
        {
            Update(c + 0 * rsc, c00, c01, overwrite);
            Update(c + 1 * rsc, c10, c11, overwrite);
            Update(c + 2 * rsc, c20, c21, overwrite);
            Update(c + 3 * rsc, c30, c31, overwrite);
            Update(c + 4 * rsc, c40, c41, overwrite);
            Update(c + 5 * rsc, c50, c51, overwrite);
        }
        else
        {
            float* t = stackalloc float[96];
            c00.Store(t + 0); c01.Store(t + 8);
            c10.Store(t + 16); c11.Store(t + 24);
            c20.Store(t + 32); c21.Store(t + 40);
            c30.Store(t + 48); c31.Store(t + 56);
            c40.Store(t + 64); c41.Store(t + 72);
            c50.Store(t + 80); c51.Store(t + 88);
            WriteTile(t, 16, c, rsc, 1, mr, nr, overwrite);
        }
    }

    /// <summary>
    /// The 512-bit direct-A kernel for a 16-wide B panel (a product with at most 16 columns, the last layer of a
    /// classifier): 8 rows of one Vector512 each, so a narrow product does not pay for a 32-wide tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelF32Wide16DirectA(int kc, float* a, nint lda, float* b, float* c, nint rsc, int mr, int nr, bool overwrite,
        float* bias, bool relu)
    {
        float* a0 = a, a1 = mr > 1 ? a + 1 * lda : a, a2 = mr > 2 ? a + 2 * lda : a, a3 = mr > 3 ? a + 3 * lda : a, a4 = mr > 4 ? a + 4 * lda : a, a5 = mr > 5 ? a + 5 * lda : a, a6 = mr > 6 ? a + 6 * lda : a, a7 = mr > 7 ? a + 7 * lda : a;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<float> b0;
        int p = 0;
        for (; p <= kc - 4; p += 4)
        {
            b0 = Vector512.Load(b + 0);
            c0 = Mad(Vector512.Create(a0[p + 0]), b0, c0);
            c1 = Mad(Vector512.Create(a1[p + 0]), b0, c1);
            c2 = Mad(Vector512.Create(a2[p + 0]), b0, c2);
            c3 = Mad(Vector512.Create(a3[p + 0]), b0, c3);
            c4 = Mad(Vector512.Create(a4[p + 0]), b0, c4);
            c5 = Mad(Vector512.Create(a5[p + 0]), b0, c5);
            c6 = Mad(Vector512.Create(a6[p + 0]), b0, c6);
            c7 = Mad(Vector512.Create(a7[p + 0]), b0, c7);
            b0 = Vector512.Load(b + 16);
            c0 = Mad(Vector512.Create(a0[p + 1]), b0, c0);
            c1 = Mad(Vector512.Create(a1[p + 1]), b0, c1);
            c2 = Mad(Vector512.Create(a2[p + 1]), b0, c2);
            c3 = Mad(Vector512.Create(a3[p + 1]), b0, c3);
            c4 = Mad(Vector512.Create(a4[p + 1]), b0, c4);
            c5 = Mad(Vector512.Create(a5[p + 1]), b0, c5);
            c6 = Mad(Vector512.Create(a6[p + 1]), b0, c6);
            c7 = Mad(Vector512.Create(a7[p + 1]), b0, c7);
            b0 = Vector512.Load(b + 32);
            c0 = Mad(Vector512.Create(a0[p + 2]), b0, c0);
            c1 = Mad(Vector512.Create(a1[p + 2]), b0, c1);
            c2 = Mad(Vector512.Create(a2[p + 2]), b0, c2);
            c3 = Mad(Vector512.Create(a3[p + 2]), b0, c3);
            c4 = Mad(Vector512.Create(a4[p + 2]), b0, c4);
            c5 = Mad(Vector512.Create(a5[p + 2]), b0, c5);
            c6 = Mad(Vector512.Create(a6[p + 2]), b0, c6);
            c7 = Mad(Vector512.Create(a7[p + 2]), b0, c7);
            b0 = Vector512.Load(b + 48);
            c0 = Mad(Vector512.Create(a0[p + 3]), b0, c0);
            c1 = Mad(Vector512.Create(a1[p + 3]), b0, c1);
            c2 = Mad(Vector512.Create(a2[p + 3]), b0, c2);
            c3 = Mad(Vector512.Create(a3[p + 3]), b0, c3);
            c4 = Mad(Vector512.Create(a4[p + 3]), b0, c4);
            c5 = Mad(Vector512.Create(a5[p + 3]), b0, c5);
            c6 = Mad(Vector512.Create(a6[p + 3]), b0, c6);
            c7 = Mad(Vector512.Create(a7[p + 3]), b0, c7);
            b += 64;
        }
        for (; p < kc; p++)
        {
            b0 = Vector512.Load(b + 0);
            c0 = Mad(Vector512.Create(a0[p + 0]), b0, c0);
            c1 = Mad(Vector512.Create(a1[p + 0]), b0, c1);
            c2 = Mad(Vector512.Create(a2[p + 0]), b0, c2);
            c3 = Mad(Vector512.Create(a3[p + 0]), b0, c3);
            c4 = Mad(Vector512.Create(a4[p + 0]), b0, c4);
            c5 = Mad(Vector512.Create(a5[p + 0]), b0, c5);
            c6 = Mad(Vector512.Create(a6[p + 0]), b0, c6);
            c7 = Mad(Vector512.Create(a7[p + 0]), b0, c7);
            b += 16;
        }

        if (mr == 8 && nr == 16)
        {
            StoreOne(c + 0 * rsc, c0, overwrite, bias, relu);
            StoreOne(c + 1 * rsc, c1, overwrite, bias, relu);
            StoreOne(c + 2 * rsc, c2, overwrite, bias, relu);
            StoreOne(c + 3 * rsc, c3, overwrite, bias, relu);
            StoreOne(c + 4 * rsc, c4, overwrite, bias, relu);
            StoreOne(c + 5 * rsc, c5, overwrite, bias, relu);
            StoreOne(c + 6 * rsc, c6, overwrite, bias, relu);
            StoreOne(c + 7 * rsc, c7, overwrite, bias, relu);
        }
        else
        {
            float* t = stackalloc float[128];
            c0.Store(t + 0);
            c1.Store(t + 16);
            c2.Store(t + 32);
            c3.Store(t + 48);
            c4.Store(t + 64);
            c5.Store(t + 80);
            c6.Store(t + 96);
            c7.Store(t + 112);
            WriteTileEpilogue(t, 16, c, rsc, mr, nr, overwrite, bias, relu);
        }
    }
}
