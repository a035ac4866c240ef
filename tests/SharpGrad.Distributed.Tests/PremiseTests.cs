using SharpGrad.NN;

namespace SharpGrad.Distributed.Tests;

/// <summary>
/// What data-parallel equality rests on, checked in one process: for the reference models the
/// mean of two half batches' gradients is the whole batch's gradient, up to float32 rounding.
/// </summary>
public sealed class PremiseTests
{
    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void AverageOfHalfBatchGradients_IsTheWholeBatchGradient(string name)
    {
        var model = MnistModels.Create(name, new Generator(3));
        var x = Tensor.Uniform([32, 1, 28, 28], generator: new Generator(4));
        var y = Tensor.FromArray(Enumerable.Range(0, 32).Select(i => i * 7 % 10).ToArray(), 32);
        var whole = Gradients(model, x, y);
        var first = Gradients(model, x[0..16], y[0..16]);
        var second = Gradients(model, x[16..32], y[16..32]);
        double worst = 0;
        for (int p = 0; p < whole.Length; p++)
            for (int i = 0; i < whole[p].Length; i++)
            {
                double average = (first[p][i] + second[p][i]) / 2;
                worst = Math.Max(worst, Math.Abs(average - whole[p][i]) / (1e-3 + Math.Abs(whole[p][i])));
            }
        Assert.True(worst < 1e-4, $"relative difference {worst}");
    }

    private static double[][] Gradients(Module model, Tensor x, Tensor y)
    {
        model.ZeroGrad();
        Functional.CrossEntropy(model.Call(x), y).Backward();
        return [.. model.Parameters().Select(p => p.Grad!.ToDoubleArray())];
    }
}
