namespace SharpGrad;

/// <summary>
/// A seedable pseudo-random generator (xoshiro256**) that produces the same stream on every
/// machine and .NET version, so that initialisation, dropout and shuffling are reproducible
/// from a seed. Its full state can be read and restored, which is what a checkpoint needs to
/// resume training exactly. <see cref="Default"/> is used when no generator is passed.
/// </summary>
public sealed class Generator
{
    private ulong s0, s1, s2, s3;
    private double? spareNormal;

    /// <summary>Creates a generator seeded with <paramref name="seed"/>.</summary>
    public Generator(ulong seed = 0x5EED) => ManualSeed(seed);

    /// <summary>The generator used by creation functions and layers when none is given.</summary>
    public static Generator Default { get; } = new(0x5EED);

    /// <summary>Resets the stream to the one determined by <paramref name="seed"/>.</summary>
    public void ManualSeed(ulong seed)
    {
        // SplitMix64 spreads any seed, including 0, over the four state words.
        ulong x = seed;
        s0 = SplitMix(ref x);
        s1 = SplitMix(ref x);
        s2 = SplitMix(ref x);
        s3 = SplitMix(ref x);
        spareNormal = null;
    }

    /// <summary>The complete state, for checkpoints.</summary>
    public ulong[] GetState()
    {
        ulong spareBits = spareNormal is double d ? (ulong)BitConverter.DoubleToInt64Bits(d) : 0;
        return [s0, s1, s2, s3, spareNormal.HasValue ? 1UL : 0UL, spareBits];
    }

    /// <summary>Restores a state produced by <see cref="GetState"/>.</summary>
    public void SetState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 6)
            throw new ArgumentException($"A generator state has 6 words; got {state.Length}.", nameof(state));
        if ((state[0] | state[1] | state[2] | state[3]) == 0)
            throw new ArgumentException("A generator state of all zeros is invalid.", nameof(state));
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3]);
        spareNormal = state[4] != 0 ? BitConverter.Int64BitsToDouble((long)state[5]) : null;
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = RotateLeft(s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "The upper bound must be positive.");
        ulong bound = (ulong)maxExclusive;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextUInt64();
            if (r >= threshold)
                return (int)(r % bound);
        }
    }

    /// <summary>A standard normal sample (Box–Muller; the second value of each pair is kept).</summary>
    public double NextNormal()
    {
        if (spareNormal is double spare)
        {
            spareNormal = null;
            return spare;
        }
        double u1;
        do { u1 = NextDouble(); } while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        double angle = 2.0 * Math.PI * u2;
        spareNormal = radius * Math.Sin(angle);
        return radius * Math.Cos(angle);
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
