using System.Runtime.InteropServices;

namespace SharpGrad.Cli.Bench;

/// <summary>
/// The OpenBLAS reference: <c>cblas_sgemm</c> from Debian's <c>libopenblas.so.0</c> (package
/// <c>libopenblas0-pthread</c>), loaded at run time with <see cref="NativeLibrary.TryLoad(string, out IntPtr)"/>
/// so that a machine without it only gets a one-line <see cref="Note"/>. Thread count is set through
/// <c>openblas_set_num_threads</c> when the library exports it (the <c>OPENBLAS_NUM_THREADS</c> environment
/// variable is read by the library at load time, before the benchmark could set it). Used by
/// <c>sharpgrad bench</c> and, compiled in as a linked file, by the BenchmarkDotNet project bench/SharpGrad.Bench.
/// </summary>
internal static unsafe class OpenBlas
{
    public const string InstallHint = "OpenBLAS not found: apt-get install libopenblas0-pthread";

    private const int RowMajor = 101, NoTrans = 111;

    private static readonly string[] Candidates =
    [
        "libopenblas.so.0",
        "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
        "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "libopenblas.so",
    ];

    private static readonly delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> sgemm;
    private static readonly delegate* unmanaged[Cdecl]<int, void> setNumThreads;
    private static readonly delegate* unmanaged[Cdecl]<int> getNumThreads;
    private static readonly delegate* unmanaged[Cdecl]<byte*> getConfig;

    static OpenBlas()
    {
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var handle))
                continue;
            if (NativeLibrary.TryGetExport(handle, "cblas_sgemm", out var f))
            {
                sgemm = (delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)f;
                if (NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out var t))
                    setNumThreads = (delegate* unmanaged[Cdecl]<int, void>)t;
                if (NativeLibrary.TryGetExport(handle, "openblas_get_num_threads", out var g))
                    getNumThreads = (delegate* unmanaged[Cdecl]<int>)g;
                if (NativeLibrary.TryGetExport(handle, "openblas_get_config", out var c))
                    getConfig = (delegate* unmanaged[Cdecl]<byte*>)c;
                LoadedFrom = name;
                return;
            }
            NativeLibrary.Free(handle);
        }
    }

    /// <summary>Whether <c>cblas_sgemm</c> was found.</summary>
    public static bool Available => sgemm != null;

    /// <summary>The name or path the library was loaded from, or null.</summary>
    public static string? LoadedFrom { get; }

    /// <summary>One line for the console: where OpenBLAS was found, or how to install it.</summary>
    public static string Note => Available ? $"OpenBLAS: {LoadedFrom}" : InstallHint;

    /// <summary>OpenBLAS's build description ("OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64"), or null when not exported.</summary>
    public static string? Config => getConfig == null ? null : Marshal.PtrToStringUTF8((IntPtr)getConfig())?.Trim();

    /// <summary>OpenBLAS's current thread count, or null when the library does not export the getter.</summary>
    public static int? Threads => getNumThreads == null ? null : getNumThreads();

    /// <summary>Sets OpenBLAS's thread count; returns false when the library does not export the setter.</summary>
    public static bool SetThreads(int threads)
    {
        if (setNumThreads == null)
            return false;
        setNumThreads(threads);
        return true;
    }

    /// <summary>Row-major C = A·B with A m×k, B k×n, C m×n, all contiguous.</summary>
    public static void Sgemm(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c)
    {
        if (!Available)
            throw new InvalidOperationException(InstallHint);
        if (a.Length < m * k || b.Length < k * n || c.Length < m * n)
            throw new ArgumentException("Sgemm: an operand is smaller than its shape.");
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
            sgemm(RowMajor, NoTrans, NoTrans, m, n, k, 1f, pa, k, pb, n, 0f, pc, n);
    }
}
