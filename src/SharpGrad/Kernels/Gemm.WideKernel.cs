using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SharpGrad.Kernels;

// The 512-bit float micro-kernel: a 6×32 tile of C in twelve Vector512<float> registers (AVX-512 has 32, so the
// tile, two B vectors and a broadcast fit with room to spare). It reads the same packed A panels as the 256-bit
// kernel and B panels packed 32 wide, and sums every element of C with the same fused multiply-adds in the same
// order of k, so its results equal the 256-bit kernel's bit for bit.
internal static unsafe partial class Gemm
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Mad(Vector512<float> x, Vector512<float> y, Vector512<float> acc)
        => Vector512.FusedMultiplyAdd(x, y, acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update(float* c, Vector512<float> lo, Vector512<float> hi, bool overwrite)
    {
        if (!overwrite)
        {
            lo += Vector512.Load(c);
            hi += Vector512.Load(c + 16);
        }
        Vector512.Store(lo, c);
        Vector512.Store(hi, c + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelF32Wide(int kc, float* a, float* b, float* c, nint rsc, nint csc, int mr, int nr, bool overwrite)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> b0, b1, ai;
        int p = 0;
        // Unrolled so the loop overhead hides behind the 48 FMAs of each trip.
        for (; p <= kc - 4; p += 4)
        {
            b0 = Vector512.Load(b + 0);
            b1 = Vector512.Load(b + 16);
            ai = Vector512.Create(a[0]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector512.Create(a[1]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector512.Create(a[2]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector512.Create(a[3]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector512.Create(a[4]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector512.Create(a[5]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            b0 = Vector512.Load(b + 32);
            b1 = Vector512.Load(b + 48);
            ai = Vector512.Create(a[6]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector512.Create(a[7]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector512.Create(a[8]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector512.Create(a[9]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector512.Create(a[10]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector512.Create(a[11]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            b0 = Vector512.Load(b + 64);
            b1 = Vector512.Load(b + 80);
            ai = Vector512.Create(a[12]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector512.Create(a[13]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector512.Create(a[14]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector512.Create(a[15]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector512.Create(a[16]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector512.Create(a[17]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            b0 = Vector512.Load(b + 96);
            b1 = Vector512.Load(b + 112);
            ai = Vector512.Create(a[18]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector512.Create(a[19]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector512.Create(a[20]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector512.Create(a[21]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector512.Create(a[22]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector512.Create(a[23]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            a += 24;
            b += 128;
        }
        for (; p < kc; p++)
        {
            b0 = Vector512.Load(b + 0);
            b1 = Vector512.Load(b + 16);
            ai = Vector512.Create(a[0]); c00 = Mad(ai, b0, c00); c01 = Mad(ai, b1, c01);
            ai = Vector512.Create(a[1]); c10 = Mad(ai, b0, c10); c11 = Mad(ai, b1, c11);
            ai = Vector512.Create(a[2]); c20 = Mad(ai, b0, c20); c21 = Mad(ai, b1, c21);
            ai = Vector512.Create(a[3]); c30 = Mad(ai, b0, c30); c31 = Mad(ai, b1, c31);
            ai = Vector512.Create(a[4]); c40 = Mad(ai, b0, c40); c41 = Mad(ai, b1, c41);
            ai = Vector512.Create(a[5]); c50 = Mad(ai, b0, c50); c51 = Mad(ai, b1, c51);
            a += 6;
            b += 32;
        }

        if (mr == 6 && nr == 32 && csc == 1)
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
            float* t = stackalloc float[192];
            c00.Store(t + 0); c01.Store(t + 16);
            c10.Store(t + 32); c11.Store(t + 48);
            c20.Store(t + 64); c21.Store(t + 80);
            c30.Store(t + 96); c31.Store(t + 112);
            c40.Store(t + 128); c41.Store(t + 144);
            c50.Store(t + 160); c51.Store(t + 176);
            WriteTile(t, 32, c, rsc, csc, mr, nr, overwrite);
        }
    }
}
