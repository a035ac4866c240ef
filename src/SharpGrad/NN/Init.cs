namespace SharpGrad.NN;

/// <summary>
/// Weight initialisers, seeded through a <see cref="Generator"/> so that a model is the same
/// on every run. Fan-in and fan-out follow PyTorch: for a weight of shape [out, in, k...],
/// fan_in = in·Πk and fan_out = out·Πk. Each function fills the tensor in place (outside the
/// graph) and returns it.
/// </summary>
public static class Init
{
    /// <summary>Uniform on [low, high).</summary>
    public static Tensor Uniform(Tensor tensor, double low, double high, Generator? generator = null) =>
        Fill(tensor, Tensor.Uniform(tensor.Shape.ToArray(), low, high, generator, tensor.DType));

    /// <summary>Normal with the given mean and standard deviation.</summary>
    public static Tensor Normal(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null) =>
        Fill(tensor, Tensor.Normal(tensor.Shape.ToArray(), mean, std, generator, tensor.DType));

    /// <summary>
    /// He/Kaiming uniform: U(−b, b) with b = gain·√(3/fan), gain = √(2/(1 + a²)) for a leaky
    /// ReLU of negative slope <paramref name="a"/> (0 for ReLU). Uses fan_in unless <paramref name="fanOut"/>.
    /// </summary>
    public static Tensor KaimingUniform(Tensor tensor, double a = 0, bool fanOut = false, Generator? generator = null)
    {
        double bound = Math.Sqrt(2.0 / (1 + a * a)) * Math.Sqrt(3.0 / Fan(tensor, fanOut));
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>He/Kaiming normal: N(0, σ²) with σ = gain/√fan.</summary>
    public static Tensor KaimingNormal(Tensor tensor, double a = 0, bool fanOut = false, Generator? generator = null) =>
        Normal(tensor, 0, Math.Sqrt(2.0 / (1 + a * a)) / Math.Sqrt(Fan(tensor, fanOut)), generator);

    /// <summary>Glorot/Xavier uniform: U(−b, b) with b = gain·√(6/(fan_in + fan_out)).</summary>
    public static Tensor XavierUniform(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        double bound = gain * Math.Sqrt(6.0 / (Fan(tensor, false) + Fan(tensor, true)));
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>Glorot/Xavier normal: N(0, σ²) with σ = gain·√(2/(fan_in + fan_out)).</summary>
    public static Tensor XavierNormal(Tensor tensor, double gain = 1, Generator? generator = null) =>
        Normal(tensor, 0, gain * Math.Sqrt(2.0 / (Fan(tensor, false) + Fan(tensor, true))), generator);

    /// <summary>fan_in (or fan_out) of a weight of shape [out, in, k...].</summary>
    public static int Fan(Tensor tensor, bool fanOut)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank < 2)
            throw new ArgumentException($"Fan-in and fan-out need a weight of rank 2 or more, got shape {ShapeMath.Format(tensor.ShapeArray)}.");
        int receptive = 1;
        for (int i = 2; i < tensor.Rank; i++) receptive *= tensor.Size(i);
        return (fanOut ? tensor.Size(0) : tensor.Size(1)) * receptive;
    }

    private static Tensor Fill(Tensor tensor, Tensor values)
    {
        using (Autograd.NoGrad()) tensor.CopyFrom(values);
        return tensor;
    }
}
