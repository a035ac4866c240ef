using SharpGrad.NN;

namespace SharpGrad.Bench;

/// <summary>Synthetic, seeded inputs shared by the benchmarks (the same shapes as bench/torch_reference.py).</summary>
internal static class Workloads
{
    public const int Batch = 64;
    public const int Classes = 10;

    /// <summary>N(0, 1) floats from a fixed seed.</summary>
    public static float[] RandomFloats(int count, int seed)
    {
        var rng = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < data.Length; i++)
            data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }

    /// <summary>A batch of [64, 1, 28, 28] images.</summary>
    public static Tensor Images(int seed = 1) => Tensor.FromArray(RandomFloats(Batch * 28 * 28, seed), Batch, 1, 28, 28);

    /// <summary>64 int32 class labels in [0, 10).</summary>
    public static Tensor Labels(int seed = 2)
    {
        var rng = new Random(seed);
        var labels = new int[Batch];
        for (int i = 0; i < labels.Length; i++)
            labels[i] = rng.Next(Classes);
        return Tensor.FromArray(labels, Batch);
    }

    /// <summary>The model called <paramref name="name"/> from <see cref="MnistModels"/>, with seeded weights.</summary>
    public static Sequential Model(string name) => MnistModels.Create(name, new Generator(42));
}
