namespace SharpGrad.Distributed;

/// <summary>
/// A group of parameters whose gradients travel in one all-reduce. Buckets are formed once, from
/// the last parameter backwards (the order in which a backward pass usually produces gradients),
/// up to a size in bytes and never mixing element types; every rank forms the same buckets from
/// the same model, so their all-reduces match one for one.
/// </summary>
/// <param name="Index">The bucket's position; buckets are reduced in this order on every rank.</param>
/// <param name="DType">The element type of its parameters.</param>
/// <param name="Parameters">Indices into the model's parameter list, in bucket order.</param>
/// <param name="Offsets">Where each parameter's gradient starts in the bucket, in elements.</param>
/// <param name="Elements">The bucket's length in elements.</param>
public sealed record GradientBucket(int Index, DType DType, int[] Parameters, int[] Offsets, int Elements)
{
    /// <summary>The bucket's size in bytes.</summary>
    public long Bytes => (long)Elements * DType.ElementSize();

    /// <summary>
    /// Splits <paramref name="parameters"/> into buckets of at most <paramref name="capBytes"/> bytes
    /// (a single larger parameter gets a bucket of its own), in reverse parameter order.
    /// </summary>
    public static IReadOnlyList<GradientBucket> Plan(IReadOnlyList<Tensor> parameters, long capBytes)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (capBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(capBytes), capBytes, "The bucket size must be positive.");
        var buckets = new List<GradientBucket>();
        var members = new List<int>();
        var offsets = new List<int>();
        long elements = 0;
        DType dtype = default;
        void Close()
        {
            if (members.Count == 0) return;
            buckets.Add(new GradientBucket(buckets.Count, dtype, [.. members], [.. offsets], checked((int)elements)));
            members.Clear();
            offsets.Clear();
            elements = 0;
        }
        for (int i = parameters.Count - 1; i >= 0; i--)
        {
            var p = parameters[i];
            if (!p.DType.IsFloatingPoint())
                throw new ArgumentException($"Parameter {i} is {p.DType.Name()}; only floating-point gradients can be averaged.", nameof(parameters));
            long size = (long)p.Count * p.DType.ElementSize();
            if (members.Count > 0 && (p.DType != dtype || (elements * dtype.ElementSize()) + size > capBytes))
                Close();
            dtype = p.DType;
            members.Add(i);
            offsets.Add((int)elements);
            elements += p.Count;
        }
        Close();
        return buckets;
    }
}
