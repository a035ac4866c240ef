using SharpGrad.NN;

namespace SharpGrad.Distributed.Tests;

/// <summary>
/// What data-parallel equality rests on, checked in one process: for the reference models the gradient of a
/// batch of 32 is, bit for bit, what two ranks of 16 produce — each rank's gradient of its half, summed in
/// float32 by the all-reduce and halved — and four ranks of 16 reproduce a batch of 64 the same way when
/// their sums pair up as a tree. The batch sums do not depend on the thread count either.
/// </summary>
public sealed class PremiseTests
{
    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void AverageOfHalfBatchGradients_IsTheWholeBatchGradient_BitForBit(string name)
    {
        var (x, y) = Batch(32);
        var whole = Gradients(name, x, y);
        var first = Gradients(name, x[0..16], y[0..16]);
        var second = Gradients(name, x[16..32], y[16..32]);
        for (int p = 0; p < whole.Length; p++)
            for (int i = 0; i < whole[p].Length; i++)
                Assert.Equal(whole[p][i], (first[p][i] + second[p][i]) * 0.5f);
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void QuarterBatchesAddedAsATree_AreTheWholeBatchGradient_BitForBit(string name)
    {
        var (x, y) = Batch(64);
        var whole = Gradients(name, x, y);
        var q = Enumerable.Range(0, 4).Select(r => Gradients(name, x[(16 * r)..(16 * r + 16)], y[(16 * r)..(16 * r + 16)])).ToArray();
        for (int p = 0; p < whole.Length; p++)
            for (int i = 0; i < whole[p].Length; i++)
                Assert.Equal(whole[p][i], ((q[0][p][i] + q[1][p][i]) + (q[2][p][i] + q[3][p][i])) * 0.25f);
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void Gradients_DoNotDependOnTheThreadCount(string name)
    {
        var (x, y) = Batch(48);
        int saved = Parallelism.MaxDegreeOfParallelism;
        try
        {
            Parallelism.MaxDegreeOfParallelism = 1;
            var serial = Gradients(name, x, y);
            foreach (int threads in new[] { 2, 3 })
            {
                Parallelism.MaxDegreeOfParallelism = threads;
                var parallel = Gradients(name, x, y);
                for (int p = 0; p < serial.Length; p++)
                    Assert.Equal(serial[p], parallel[p]);
            }
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = saved;
        }
    }

    private static (Tensor X, Tensor Y) Batch(int n) =>
        (Tensor.Uniform([n, 1, 28, 28], generator: new Generator(4)),
         Tensor.FromArray(Enumerable.Range(0, n).Select(i => i * 7 % 10).ToArray(), n));

    private static float[][] Gradients(string name, Tensor x, Tensor y)
    {
        var model = MnistModels.Create(name, new Generator(3));
        Functional.CrossEntropy(model.Call(x), y).Backward();
        return [.. model.Parameters().Select(p => p.Grad!.ToArray<float>())];
    }
}
