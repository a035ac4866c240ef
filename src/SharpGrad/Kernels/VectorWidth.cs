using System.Runtime.Intrinsics;

namespace SharpGrad.Kernels;

/// <summary>
/// Which vector width the kernels that have two paths use: 512-bit (<see cref="Vector512{T}"/>, AVX-512) where the
/// hardware runs it natively, 256-bit (<see cref="Vector256{T}"/>, AVX2) otherwise. Both paths give the same results
/// (each element sees the same operations in the same order), so the choice is about speed only. A kernel reads
/// <see cref="Wide"/> once at its entry and passes the choice down, so one call never mixes widths.
/// <para>
/// Tests force a width with <see cref="Force"/>: for the calling thread only (tests run in parallel), and it also
/// reaches the worker threads of the calls made under it because the choice travels with the call. Forcing 512-bit on
/// hardware without AVX-512 is allowed: .NET runs <see cref="Vector512{T}"/> in software there, slowly but exactly,
/// which is how the wide path is tested on such machines. <c>DOTNET_EnableAVX512=0</c> in the environment turns
/// AVX-512 off for the whole process, so the run-time choice falls back to 256-bit.
/// </para>
/// </summary>
internal static class VectorWidth
{
    [ThreadStatic]
    private static int forcedBits;

    /// <summary>True when the kernels called on this thread take their 512-bit paths.</summary>
    public static bool Wide => forcedBits == 0 ? Vector512.IsHardwareAccelerated : forcedBits == 512;

    /// <summary>The width, in bits, that <see cref="Wide"/> stands for.</summary>
    public static int Bits => Wide ? 512 : 256;

    /// <summary>
    /// Makes the kernels called on this thread use <paramref name="bits"/> (256 or 512) until the result is disposed,
    /// whatever the hardware prefers.
    /// </summary>
    public static Scope Force(int bits)
    {
        if (bits is not (256 or 512))
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "The vector width is 256 or 512 bits.");
        int previous = forcedBits;
        forcedBits = bits;
        return new Scope(previous);
    }

    /// <summary>Puts back the width that was in force before <see cref="Force"/>.</summary>
    public readonly struct Scope(int previous) : IDisposable
    {
        /// <inheritdoc/>
        public void Dispose() => forcedBits = previous;
    }
}
