using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace SharpGrad.Cuda.Kernels;

/// <summary>
/// How a reduction accumulates elements of <typeparamref name="T"/>: float32 in double (more than the contract's
/// pairwise float32), float64 in double, int32 in int (wrapping, as the CPU's sum does).
/// </summary>
internal interface IAccumulator<T, TAcc> where T : unmanaged where TAcc : unmanaged
{
    TAcc Load(T x);
    T Store(TAcc a);
    TAcc Identity(int kind);

    /// <summary>Sum, Max or Min (<see cref="ReduceKind"/> by number); Max and Min let NaN win.</summary>
    TAcc Combine(int kind, TAcc a, TAcc b);
}

/// <summary>float32 elements accumulated in double.</summary>
internal readonly struct Float32Accumulator : IAccumulator<float, double>
{
    public double Load(float x) => x;
    public float Store(double a) => (float)a;
    public double Identity(int kind) => Reductions.FloatIdentity(kind);
    public double Combine(int kind, double a, double b) => Reductions.FloatCombine(kind, a, b);
}

/// <summary>float64 elements accumulated in double.</summary>
internal readonly struct Float64Accumulator : IAccumulator<double, double>
{
    public double Load(double x) => x;
    public double Store(double a) => a;
    public double Identity(int kind) => Reductions.FloatIdentity(kind);
    public double Combine(int kind, double a, double b) => Reductions.FloatCombine(kind, a, b);
}

/// <summary>int32 elements accumulated in int: sums wrap on overflow, as the CPU's do.</summary>
internal readonly struct Int32Accumulator : IAccumulator<int, int>
{
    public int Load(int x) => x;
    public int Store(int a) => a;
    public int Identity(int kind) => kind == (int)ReduceKind.Sum ? 0 : kind == (int)ReduceKind.Max ? int.MinValue : int.MaxValue;
    public int Combine(int kind, int a, int b) =>
        kind == (int)ReduceKind.Sum ? a + b : kind == (int)ReduceKind.Max ? (a > b ? a : b) : (a < b ? a : b);
}

/// <summary>
/// Reductions over the middle axis of contiguous data seen as [outer, length, inner], and log-softmax over rows.
/// Two forms of each: one thread per output looping over the axis (many outputs, reads coalesced across the
/// inner index), and one thread group per output that splits the axis across its threads and combines their
/// partial results in shared memory (few or long rows). A few very long rows, such as the full sum of a million
/// elements, are cut into chunks reduced by groups across the whole GPU, whose partial results a second pass combines.
/// </summary>
internal static class Reductions
{
    /// <summary>The largest thread group the grouped kernels use (their shared arrays have this many slots); a power of two.</summary>
    public const int MaxGroupSize = 256;

    public static double FloatIdentity(int kind) =>
        kind == (int)ReduceKind.Sum ? 0.0 : kind == (int)ReduceKind.Max ? double.NegativeInfinity : double.PositiveInfinity;

    public static double FloatCombine(int kind, double a, double b) =>
        kind == (int)ReduceKind.Sum ? a + b : kind == (int)ReduceKind.Max ? ScalarMath.Maximum(a, b) : ScalarMath.Minimum(a, b);

    public static void ReduceThreads<T, TAcc, TA>(Index1D o, SpecializedValue<int> kind, ArrayView<T> x, int xOffset, int length, int inner, ArrayView<T> result)
        where T : unmanaged where TAcc : unmanaged where TA : struct, IAccumulator<T, TAcc>
    {
        var acc = default(TA);
        int start = xOffset + o / inner * length * inner + o % inner;
        TAcc total = acc.Identity(kind.Value);
        for (int k = 0; k < length; k++)
            total = acc.Combine(kind.Value, total, acc.Load(x[start + k * inner]));
        result[o] = acc.Store(total);
    }

    public static void ReduceGroups<T, TAcc, TA>(SpecializedValue<int> kind, ArrayView<T> x, int xOffset, int length, int inner, ArrayView<T> result)
        where T : unmanaged where TAcc : unmanaged where TA : struct, IAccumulator<T, TAcc>
    {
        var acc = default(TA);
        var shared = SharedMemory.Allocate<TAcc>(MaxGroupSize);
        int o = Grid.IdxX, t = Group.IdxX, n = Group.DimX;
        int start = xOffset + o / inner * length * inner + o % inner;
        TAcc total = acc.Identity(kind.Value);
        for (int k = t; k < length; k += n)
            total = acc.Combine(kind.Value, total, acc.Load(x[start + k * inner]));
        shared[t] = total;
        Group.Barrier();
        for (int s = n / 2; s > 0; s /= 2)
        {
            if (t < s) shared[t] = acc.Combine(kind.Value, shared[t], shared[t + s]);
            Group.Barrier();
        }
        if (t == 0) result[o] = acc.Store(shared[0]);
    }

    /// <summary>
    /// The first pass over very long rows with few outputs: group g reduces chunk g % chunks of output g / chunks (the
    /// axis cut into <paramref name="chunks"/> equal ranges) into partials[g], so that the whole GPU shares one row.
    /// </summary>
    public static void ReduceChunks<T, TAcc, TA>(SpecializedValue<int> kind, ArrayView<T> x, int xOffset, int length, int inner, int chunks, ArrayView<TAcc> partials)
        where T : unmanaged where TAcc : unmanaged where TA : struct, IAccumulator<T, TAcc>
    {
        var acc = default(TA);
        var shared = SharedMemory.Allocate<TAcc>(MaxGroupSize);
        int g = Grid.IdxX, t = Group.IdxX, n = Group.DimX;
        int o = g / chunks, chunk = g % chunks;
        int chunkLength = (length + chunks - 1) / chunks;
        int from = chunk * chunkLength, to = XMath.Min(length, from + chunkLength);
        int start = xOffset + o / inner * length * inner + o % inner;
        TAcc total = acc.Identity(kind.Value);
        for (int k = from + t; k < to; k += n)
            total = acc.Combine(kind.Value, total, acc.Load(x[start + k * inner]));
        shared[t] = total;
        Group.Barrier();
        for (int s = n / 2; s > 0; s /= 2)
        {
            if (t < s) shared[t] = acc.Combine(kind.Value, shared[t], shared[t + s]);
            Group.Barrier();
        }
        if (t == 0) partials[g] = shared[0];
    }

    /// <summary>The second pass: result[o] = the combination of partials[o·chunks .. (o + 1)·chunks), one group per output.</summary>
    public static void ReducePartials<T, TAcc, TA>(SpecializedValue<int> kind, ArrayView<TAcc> partials, int chunks, ArrayView<T> result)
        where T : unmanaged where TAcc : unmanaged where TA : struct, IAccumulator<T, TAcc>
    {
        var acc = default(TA);
        var shared = SharedMemory.Allocate<TAcc>(MaxGroupSize);
        int o = Grid.IdxX, t = Group.IdxX, n = Group.DimX;
        TAcc total = acc.Identity(kind.Value);
        for (int k = t; k < chunks; k += n)
            total = acc.Combine(kind.Value, total, partials[o * chunks + k]);
        shared[t] = total;
        Group.Barrier();
        for (int s = n / 2; s > 0; s /= 2)
        {
            if (t < s) shared[t] = acc.Combine(kind.Value, shared[t], shared[t + s]);
            Group.Barrier();
        }
        if (t == 0) result[o] = acc.Store(shared[0]);
    }

    /// <summary>
    /// Whether (v, i) should replace the current pick (cv, ci): the first NaN wins, then the larger (or smaller)
    /// value with +0 above −0, then the lower index. Index −1 marks an empty pick.
    /// </summary>
    public static bool Better(bool max, double v, int i, double cv, int ci)
    {
        if (i < 0) return false;
        if (ci < 0) return true;
        bool vNaN = XMath.IsNaN(v), cNaN = XMath.IsNaN(cv);
        if (vNaN || cNaN) return vNaN && (!cNaN || i < ci);
        if (v == cv)
        {
            bool vNeg = ScalarMath.IsNegative(v), cNeg = ScalarMath.IsNegative(cv);
            if (vNeg != cNeg) return max ? cNeg : vNeg;
            return i < ci;
        }
        return max ? v > cv : v < cv;
    }

    public static void ArgThreads<T, TMath>(Index1D o, int max, ArrayView<T> x, int xOffset, int length, int inner, ArrayView<int> result)
        where T : unmanaged where TMath : struct, IElementMath<T>
    {
        var m = default(TMath);
        int start = xOffset + o / inner * length * inner + o % inner;
        double best = 0.0;
        int bestIndex = -1;
        for (int k = 0; k < length; k++)
        {
            double v = m.ToDouble(x[start + k * inner]);
            if (Better(max != 0, v, k, best, bestIndex)) { best = v; bestIndex = k; }
        }
        result[o] = bestIndex;
    }

    public static void ArgGroups<T, TMath>(int max, ArrayView<T> x, int xOffset, int length, int inner, ArrayView<int> result)
        where T : unmanaged where TMath : struct, IElementMath<T>
    {
        var m = default(TMath);
        var values = SharedMemory.Allocate<double>(MaxGroupSize);
        var indices = SharedMemory.Allocate<int>(MaxGroupSize);
        int o = Grid.IdxX, t = Group.IdxX, n = Group.DimX;
        int start = xOffset + o / inner * length * inner + o % inner;
        double best = 0.0;
        int bestIndex = -1;
        for (int k = t; k < length; k += n)
        {
            double v = m.ToDouble(x[start + k * inner]);
            if (Better(max != 0, v, k, best, bestIndex)) { best = v; bestIndex = k; }
        }
        values[t] = best;
        indices[t] = bestIndex;
        Group.Barrier();
        for (int s = n / 2; s > 0; s /= 2)
        {
            if (t < s && Better(max != 0, values[t + s], indices[t + s], values[t], indices[t]))
            {
                values[t] = values[t + s];
                indices[t] = indices[t + s];
            }
            Group.Barrier();
        }
        if (t == 0) result[o] = indices[0];
    }

    /// <summary>
    /// Combines each thread's <paramref name="value"/> across the group (sum, or max with NaN winning) and returns
    /// the result to every thread. Every thread of the group must call it.
    /// </summary>
    public static double GroupAllReduce(ArrayView<double> shared, double value, bool max)
    {
        int t = Group.IdxX, n = Group.DimX;
        shared[t] = value;
        Group.Barrier();
        for (int s = n / 2; s > 0; s /= 2)
        {
            if (t < s) shared[t] = max ? ScalarMath.Maximum(shared[t], shared[t + s]) : shared[t] + shared[t + s];
            Group.Barrier();
        }
        double result = shared[0];
        // The slots are reused by the next call; nobody may overwrite slot 0 before everyone has read it.
        Group.Barrier();
        return result;
    }

    /// <summary>
    /// One group per row: result = x − shift − log Σ exp(x − shift), with shift the row maximum, or 0 when the maximum is
    /// infinite (as the CPU's stable shift does, so that a row of −∞ gives NaN rather than a made-up value).
    /// </summary>
    public static void LogSoftmaxRows<T, TMath>(ArrayView<T> x, int xOffset, int length, ArrayView<T> result)
        where T : unmanaged where TMath : struct, IElementMath<T>
    {
        var m = default(TMath);
        var shared = SharedMemory.Allocate<double>(MaxGroupSize);
        int row = Grid.IdxX, t = Group.IdxX, n = Group.DimX;
        int start = xOffset + row * length, outStart = row * length;
        double localMax = double.NegativeInfinity;
        for (int k = t; k < length; k += n)
            localMax = ScalarMath.Maximum(localMax, m.ToDouble(x[start + k]));
        double rowMax = GroupAllReduce(shared, localMax, max: true);
        double shift = XMath.IsInfinity(rowMax) ? 0.0 : rowMax;
        double localSum = 0.0;
        for (int k = t; k < length; k += n)
            localSum += DeviceMath.Exp(m.ToDouble(x[start + k]) - shift);
        double logSum = DeviceMath.Log(GroupAllReduce(shared, localSum, max: false));
        for (int k = t; k < length; k += n)
            result[outStart + k] = m.FromDouble(m.ToDouble(x[start + k]) - shift - logSum);
    }
}
