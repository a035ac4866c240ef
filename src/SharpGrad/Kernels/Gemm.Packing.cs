using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpGrad.Kernels;

// Packing: copies blocks of A and B into the exact order the micro-kernels read them (see Gemm.cs).
internal static unsafe partial class Gemm
{
    /// <summary>
    /// Packs an mcb×kc block of A into MR-row micro-panels: panel r holds, for each p, the MR values
    /// A[r·MR + 0..MR, p] contiguously — the order the micro-kernel broadcasts them. Missing rows are zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA<T>(T* src, nint rs, nint cs, int mcb, int kc, T* dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int mr = Mr<T>();
        for (int r0 = 0; r0 < mcb; r0 += mr, dst += (nint)mr * kc)
        {
            int rows = Math.Min(mr, mcb - r0);
            T* s = src + r0 * rs;
            if (rows == mr && mr == 6)
            {
                // Full panel (MR is 6 for both types): six independent read streams, each row of a row-major A
                // read sequentially.
                T* s0 = s, s1 = s + rs, s2 = s + 2 * rs, s3 = s + 3 * rs, s4 = s + 4 * rs, s5 = s + 5 * rs;
                T* d = dst;
                for (nint p = 0, o = 0; p < kc; p++, o += cs, d += 6)
                {
                    d[0] = s0[o]; d[1] = s1[o]; d[2] = s2[o];
                    d[3] = s3[o]; d[4] = s4[o]; d[5] = s5[o];
                }
            }
            else
            {
                T* d = dst;
                for (nint p = 0; p < kc; p++, d += mr)
                {
                    T* sp = s + p * cs;
                    int i = 0;
                    for (; i < rows; i++)
                        d[i] = sp[i * rs];
                    for (; i < mr; i++)
                        d[i] = T.Zero;
                }
            }
        }
    }

    /// <summary>
    /// Packs a KC×NR panel (NR = 16 or 32) of a column-major B (column j at <paramref name="src"/> + j·<paramref name="cs"/>,
    /// its rows contiguous) into NR-wide panel rows: each 8×8 block is loaded as 8 column vectors and transposed with
    /// unpack / shuffle / lane-permute steps into 8 row vectors.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackTransposedPanelF32(float* src, nint cs, int kc, int nr, float* dst)
    {
        int p = 0;
        for (; p <= kc - 8; p += 8)
        {
            for (int half = 0; half < nr; half += 8)
            {
                float* s0 = src + half * cs + p;
                var r0 = Avx.LoadVector256(s0);
                var r1 = Avx.LoadVector256(s0 + cs);
                var r2 = Avx.LoadVector256(s0 + 2 * cs);
                var r3 = Avx.LoadVector256(s0 + 3 * cs);
                var r4 = Avx.LoadVector256(s0 + 4 * cs);
                var r5 = Avx.LoadVector256(s0 + 5 * cs);
                var r6 = Avx.LoadVector256(s0 + 6 * cs);
                var r7 = Avx.LoadVector256(s0 + 7 * cs);
                var t0 = Avx.UnpackLow(r0, r1);
                var t1 = Avx.UnpackHigh(r0, r1);
                var t2 = Avx.UnpackLow(r2, r3);
                var t3 = Avx.UnpackHigh(r2, r3);
                var t4 = Avx.UnpackLow(r4, r5);
                var t5 = Avx.UnpackHigh(r4, r5);
                var t6 = Avx.UnpackLow(r6, r7);
                var t7 = Avx.UnpackHigh(r6, r7);
                var u0 = Avx.Shuffle(t0, t2, 0x44);
                var u1 = Avx.Shuffle(t0, t2, 0xEE);
                var u2 = Avx.Shuffle(t1, t3, 0x44);
                var u3 = Avx.Shuffle(t1, t3, 0xEE);
                var u4 = Avx.Shuffle(t4, t6, 0x44);
                var u5 = Avx.Shuffle(t4, t6, 0xEE);
                var u6 = Avx.Shuffle(t5, t7, 0x44);
                var u7 = Avx.Shuffle(t5, t7, 0xEE);
                float* d = dst + p * nr + half;
                Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
                Avx.Store(d + nr, Avx.Permute2x128(u1, u5, 0x20));
                Avx.Store(d + 2 * nr, Avx.Permute2x128(u2, u6, 0x20));
                Avx.Store(d + 3 * nr, Avx.Permute2x128(u3, u7, 0x20));
                Avx.Store(d + 4 * nr, Avx.Permute2x128(u0, u4, 0x31));
                Avx.Store(d + 5 * nr, Avx.Permute2x128(u1, u5, 0x31));
                Avx.Store(d + 6 * nr, Avx.Permute2x128(u2, u6, 0x31));
                Avx.Store(d + 7 * nr, Avx.Permute2x128(u3, u7, 0x31));
            }
        }
        for (; p < kc; p++)
            for (int j = 0; j < nr; j++)
                dst[p * nr + j] = src[j * cs + p];
    }

    /// <summary>
    /// Packs one kc×cols slice of B into an NR-column micro-panel: for each p, the NR values B[p, j0..j0+NR]
    /// contiguously — the order the micro-kernel loads them as vectors. Missing columns are zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBPanel<T>(T* src, nint rs, nint cs, int kc, int cols, int nr, T* dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (cols == nr && cs == 1 && nr == 2 * Vector512<T>.Count)
        {
            // Row-major B on the 512-bit path: each row of the panel is two 512-bit vectors.
            for (nint p = 0; p < kc; p++, src += rs, dst += nr)
            {
                Vector512.Store(Vector512.Load(src), dst);
                Vector512.Store(Vector512.Load(src + Vector512<T>.Count), dst + Vector512<T>.Count);
            }
        }
        else if (cols == nr && cs == 1 && Vector256.IsHardwareAccelerated)
        {
            // Row-major B: each row of the panel is NR contiguous values, i.e. two vectors.
            int w = Vector256<T>.Count;
            for (nint p = 0; p < kc; p++, src += rs, dst += nr)
                for (int j = 0; j < nr; j += w)
                    Vector256.Store(Vector256.Load(src + j), dst + j);
        }
        else if (rs == 1 && cols == nr && typeof(T) == typeof(float) && Avx.IsSupported)
        {
            // Column-major (transposed) B, the weight of every Linear layer: 8×8 blocks transposed in registers,
            // reading 8 columns and writing 8 panel rows at a time instead of one scalar at a time.
            PackTransposedPanelF32((float*)src, cs, kc, nr, (float*)dst);
        }
        else if (rs == 1)
        {
            // Column-major (transposed) B: read each column sequentially, scatter it down the panel.
            for (int j = 0; j < cols; j++)
            {
                T* sj = src + j * cs;
                T* d = dst + j;
                for (int p = 0; p < kc; p++, d += nr)
                    *d = sj[p];
            }
            for (int j = cols; j < nr; j++)
            {
                T* d = dst + j;
                for (int p = 0; p < kc; p++, d += nr)
                    *d = T.Zero;
            }
        }
        else
        {
            for (nint p = 0; p < kc; p++, src += rs, dst += nr)
            {
                int j = 0;
                for (; j < cols; j++)
                    dst[j] = src[j * cs];
                for (; j < nr; j++)
                    dst[j] = T.Zero;
            }
        }
    }
}
