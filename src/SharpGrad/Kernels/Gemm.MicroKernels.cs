using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpGrad.Kernels;

// The register-tiled micro-kernels: C[mr×nr tile] (=|+=) Apanel · Bpanel on packed panels (see Gemm.cs).
internal static unsafe partial class Gemm
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MicroKernel<T>(int kc, T* a, T* b, int panelWidth, T* c, nint rsc, nint csc, int mr, int nr, bool overwrite)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A B panel 32 floats wide was packed for the 512-bit kernel; it runs in software where AVX-512 is missing
        // (tests force it there), and the 256-bit kernels below never see such a panel.
        if (typeof(T) == typeof(float) && panelWidth == 32)
            KernelF32Wide(kc, (float*)a, (float*)b, (float*)c, rsc, csc, mr, nr, overwrite);
        else if (!Vector256.IsHardwareAccelerated)
            KernelScalar(kc, a, b, panelWidth, c, rsc, csc, mr, nr, overwrite);
        else if (typeof(T) == typeof(float))
            KernelF32(kc, (float*)a, (float*)b, (float*)c, rsc, csc, mr, nr, overwrite);
        else
            KernelF64(kc, (double*)a, (double*)b, (double*)c, rsc, csc, mr, nr, overwrite);
    }

    // Fma.IsSupported folds at JIT time; without FMA (or off x86) the multiply and add are separate roundings.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Mad(Vector256<float> x, Vector256<float> y, Vector256<float> acc)
        => Fma.IsSupported ? Fma.MultiplyAdd(x, y, acc) : x * y + acc;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Mad(Vector256<double> x, Vector256<double> y, Vector256<double> acc)
        => Fma.IsSupported ? Fma.MultiplyAdd(x, y, acc) : x * y + acc;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update<T>(T* c, Vector256<T> lo, Vector256<T> hi, bool overwrite) where T : unmanaged
    {
        int w = Vector256<T>.Count;
        if (!overwrite)
        {
            lo += Vector256.Load(c);
            hi += Vector256.Load(c + w);
        }
        Vector256.Store(lo, c);
        Vector256.Store(hi, c + w);
    }

    private static void WriteTile<T>(T* tile, int ldt, T* c, nint rsc, nint csc, int mr, int nr, bool overwrite)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < mr; i++, tile += ldt, c += rsc)
        {
            for (int j = 0; j < nr; j++)
            {
                ref T cij = ref c[j * csc];
                cij = overwrite ? tile[j] : cij + tile[j];
            }
        }
    }

    /// <summary>The micro-kernel for hardware without 256-bit vectors: same packed layout, scalar arithmetic.</summary>
    private static void KernelScalar<T>(int kc, T* a, T* b, int nrFull, T* c, nint rsc, nint csc, int mr, int nr, bool overwrite)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int MaxTile = 6 * 32;
        int mrFull = Mr<T>();
        T* acc = stackalloc T[MaxTile];
        new Span<T>(acc, mrFull * nrFull).Clear();
        for (int p = 0; p < kc; p++, a += mrFull, b += nrFull)
        {
            for (int i = 0; i < mrFull; i++)
            {
                T ai = a[i];
                T* row = acc + i * nrFull;
                for (int j = 0; j < nrFull; j++)
                    row[j] += ai * b[j];
            }
        }
        WriteTile(acc, nrFull, c, rsc, csc, mr, nr, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelF32(int kc, float* a, float* b, float* c, nint rsc, nint csc, int mr, int nr, bool overwrite)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector256<float> b0, b1, ai;
        if (Sse.IsSupported && csc == 1)
        {
            // Start fetching the C tile now so the write-back after the k loop does not stall on it; a row of
            // the tile may straddle two cache lines, so touch its first and last element.
            for (int i = 0; i < mr; i++)
            {
                Sse.Prefetch0(c + i * rsc);
                Sse.Prefetch0(c + i * rsc + 15);
            }
        }
        int p = 0;
        // Unrolled so the loop overhead hides behind the 48 FMAs of each trip.
        for (; p <= kc - 4; p += 4)
        {
            b0 = Vector256.Load(b + 0);
            b1 = Vector256.Load(b + 8);
            ai = Vector256.Create(a[0]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector256.Create(a[1]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector256.Create(a[2]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector256.Create(a[3]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector256.Create(a[4]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector256.Create(a[5]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            b0 = Vector256.Load(b + 16);
            b1 = Vector256.Load(b + 24);
            ai = Vector256.Create(a[6]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector256.Create(a[7]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector256.Create(a[8]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector256.Create(a[9]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector256.Create(a[10]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector256.Create(a[11]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            b0 = Vector256.Load(b + 32);
            b1 = Vector256.Load(b + 40);
            ai = Vector256.Create(a[12]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector256.Create(a[13]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector256.Create(a[14]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector256.Create(a[15]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector256.Create(a[16]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector256.Create(a[17]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            b0 = Vector256.Load(b + 48);
            b1 = Vector256.Load(b + 56);
            ai = Vector256.Create(a[18]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector256.Create(a[19]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector256.Create(a[20]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector256.Create(a[21]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector256.Create(a[22]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector256.Create(a[23]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            a += 24;
            b += 64;
        }
        for (; p < kc; p++)
        {
            b0 = Vector256.Load(b + 0);
            b1 = Vector256.Load(b + 8);
            ai = Vector256.Create(a[0]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector256.Create(a[1]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector256.Create(a[2]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector256.Create(a[3]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector256.Create(a[4]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector256.Create(a[5]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            a += 6;
            b += 16;
        }

        if (mr == 6 && nr == 16 && csc == 1)
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
            // Edge tile or strided C: spill the whole tile, then write back only the valid part element by element.
            float* t = stackalloc float[96];
            c00.Store(t + 0); c01.Store(t + 8);
            c10.Store(t + 16); c11.Store(t + 24);
            c20.Store(t + 32); c21.Store(t + 40);
            c30.Store(t + 48); c31.Store(t + 56);
            c40.Store(t + 64); c41.Store(t + 72);
            c50.Store(t + 80); c51.Store(t + 88);
            WriteTile(t, 16, c, rsc, csc, mr, nr, overwrite);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelF64(int kc, double* a, double* b, double* c, nint rsc, nint csc, int mr, int nr, bool overwrite)
    {
        Vector256<double> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector256<double> b0, b1, ai;
        if (Sse.IsSupported && csc == 1)
        {
            // Start fetching the C tile now so the write-back after the k loop does not stall on it; a row of
            // the tile may straddle two cache lines, so touch its first and last element.
            for (int i = 0; i < mr; i++)
            {
                Sse.Prefetch0(c + i * rsc);
                Sse.Prefetch0(c + i * rsc + 7);
            }
        }
        int p = 0;
        // Unrolled so the loop overhead hides behind the 48 FMAs of each trip.
        for (; p <= kc - 4; p += 4)
        {
            b0 = Vector256.Load(b + 0);
            b1 = Vector256.Load(b + 4);
            ai = Vector256.Create(a[0]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector256.Create(a[1]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector256.Create(a[2]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector256.Create(a[3]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector256.Create(a[4]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector256.Create(a[5]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            b0 = Vector256.Load(b + 8);
            b1 = Vector256.Load(b + 12);
            ai = Vector256.Create(a[6]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector256.Create(a[7]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector256.Create(a[8]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector256.Create(a[9]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector256.Create(a[10]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector256.Create(a[11]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            b0 = Vector256.Load(b + 16);
            b1 = Vector256.Load(b + 20);
            ai = Vector256.Create(a[12]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector256.Create(a[13]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector256.Create(a[14]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector256.Create(a[15]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector256.Create(a[16]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector256.Create(a[17]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            b0 = Vector256.Load(b + 24);
            b1 = Vector256.Load(b + 28);
            ai = Vector256.Create(a[18]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector256.Create(a[19]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector256.Create(a[20]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector256.Create(a[21]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector256.Create(a[22]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector256.Create(a[23]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            a += 24;
            b += 32;
        }
        for (; p < kc; p++)
        {
            b0 = Vector256.Load(b + 0);
            b1 = Vector256.Load(b + 4);
            ai = Vector256.Create(a[0]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector256.Create(a[1]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector256.Create(a[2]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector256.Create(a[3]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector256.Create(a[4]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector256.Create(a[5]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            a += 6;
            b += 8;
        }

        if (mr == 6 && nr == 8 && csc == 1)
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
            // Edge tile or strided C: spill the whole tile, then write back only the valid part element by element.
            double* t = stackalloc double[48];
            c00.Store(t + 0); c01.Store(t + 4);
            c10.Store(t + 8); c11.Store(t + 12);
            c20.Store(t + 16); c21.Store(t + 20);
            c30.Store(t + 24); c31.Store(t + 28);
            c40.Store(t + 32); c41.Store(t + 36);
            c50.Store(t + 40); c51.Store(t + 44);
            WriteTile(t, 8, c, rsc, csc, mr, nr, overwrite);
        }
    }
}
