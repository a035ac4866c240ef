using SharpGrad.Kernels;
using SharpGrad.NN;
using SharpGrad.Optim;

namespace SharpGrad.Tests.Tensors;

/// <summary>
/// Inference reuses one packing of a layer's weight across calls, and any in-place change of the weight (an optimiser
/// step, CopyFrom, AddInPlace, a view of it) makes a fresh one: results always equal the unpacked product's.
/// </summary>
public class PackedWeightsTests
{
    private static Tensor Input(int rows, int features, int seed)
    {
        var rng = new Random(seed);
        var data = new float[rows * features];
        for (int i = 0; i < data.Length; i++)
            data[i] = (float)(rng.NextDouble() * 2 - 1);
        return Tensor.FromArray(data, rows, features);
    }

    /// <summary>x·Wᵀ + b in float64 loops, rounded to float: an oracle independent of the kernels.</summary>
    private static float[] Oracle(Tensor x, Tensor w, Tensor b)
    {
        float[] xs = x.ToFloatArray(), ws = w.ToFloatArray(), bs = b.ToFloatArray();
        int rows = x.Size(0), inF = x.Size(1), outF = w.Size(0);
        var y = new float[rows * outF];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outF; o++)
            {
                double s = bs[o];
                for (int i = 0; i < inF; i++)
                    s += (double)xs[r * inF + i] * ws[o * inF + i];
                y[r * outF + o] = (float)s;
            }
        return y;
    }

    private static float[] NoGradLinear(Linear layer, Tensor x)
    {
        using (SharpGrad.Autograd.NoGrad())
            return layer.Call(x).ToFloatArray();
    }

    private static void Close(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f, $"element {i}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void TheSamePackingIsReused_UntilTheWeightChanges()
    {
        var layer = new Linear(300, 40, generator: new Generator(7));
        var first = PackedWeights.TransposedFloat(layer.Weight);
        Assert.NotNull(first);
        Assert.Same(first, PackedWeights.TransposedFloat(layer.Weight));

        using (SharpGrad.Autograd.NoGrad())
            layer.Weight.MulInPlace(0.5);
        var second = PackedWeights.TransposedFloat(layer.Weight);
        Assert.NotSame(first, second);
        Assert.Same(second, PackedWeights.TransposedFloat(layer.Weight));

        // A packing is for one vector width: the other width packs again.
        using (VectorWidth.Force(VectorWidth.Wide ? 256 : 512))
            Assert.NotSame(second, PackedWeights.TransposedFloat(layer.Weight));
    }

    [Fact]
    public void NoGradOutput_FollowsEveryKindOfWeightUpdate()
    {
        var layer = new Linear(300, 40, generator: new Generator(3));
        var x = Input(17, 300, 4);
        Close(Oracle(x, layer.Weight, layer.Bias!), NoGradLinear(layer, x));

        // An optimiser step (bumps the version of the weight's storage).
        var loss = layer.Call(x).Pow(2).Mean();
        loss.Backward();
        new Sgd(layer.Parameters(), 0.5).Step();
        Close(Oracle(x, layer.Weight, layer.Bias!), NoGradLinear(layer, x));

        // CopyFrom into a view of a single row of the weight.
        using (SharpGrad.Autograd.NoGrad())
            layer.Weight.Narrow(0, 5, 1).CopyFrom(Tensor.Ones([1, 300]));
        var afterCopy = NoGradLinear(layer, x);
        Close(Oracle(x, layer.Weight, layer.Bias!), afterCopy);
        float rowSum = x.ToFloatArray().AsSpan(0, 300).ToArray().Sum() + layer.Bias!.ToFloatArray()[5];
        Assert.Equal(rowSum, afterCopy[5], 1e-3f);

        // The bias is read on every call, never cached.
        using (SharpGrad.Autograd.NoGrad())
            layer.Bias!.Fill(2);
        Close(Oracle(x, layer.Weight, layer.Bias!), NoGradLinear(layer, x));
    }

    [Fact]
    public void NoGradOutput_EqualsTheRecordedOutput_BitForBit()
    {
        var layer = new Linear(784, 256, generator: new Generator(9));
        var x = Input(64, 784, 10);
        var recorded = layer.Call(x);
        Assert.True(recorded.RequiresGrad);
        Assert.Equal(recorded.ToFloatArray(), NoGradLinear(layer, x));
        Assert.Equal(recorded.ToFloatArray(), NoGradLinear(layer, x));
    }

    [Fact]
    public void AFrozenWeight_IsPackedOnce_WhileTheInputStillGetsItsGradient()
    {
        var layer = new Linear(50, 30, generator: new Generator(5));
        layer.Weight.RequiresGrad = false;
        var x = Input(12, 50, 6).RequireGrad();
        var y = layer.Call(x);
        var packing = PackedWeights.TransposedFloat(layer.Weight);
        Assert.Same(packing, PackedWeights.TransposedFloat(layer.Weight));
        y.Sum().Backward();
        // ∂Σy/∂x[r, i] = Σ_o W[o, i].
        var w = layer.Weight.ToFloatArray();
        var grad = x.Grad!.ToFloatArray();
        for (int i = 0; i < 50; i++)
        {
            float column = 0;
            for (int o = 0; o < 30; o++)
                column += w[o * 50 + i];
            Assert.Equal(column, grad[i], 1e-4f);
            Assert.Equal(column, grad[11 * 50 + i], 1e-4f);
        }
    }

    [Fact]
    public void Sequential_LinearThenRelu_IsFusedInInference_WithTheSameValues()
    {
        var model = MnistModels.Mlp(new Generator(42));
        model.Eval();
        var images = Tensor.FromArray(Input(64, 784, 11).ToFloatArray(), 64, 1, 28, 28);
        var recorded = model.Call(images).ToFloatArray();
        float[] inferred;
        using (SharpGrad.Autograd.NoGrad())
            inferred = model.Call(images).ToFloatArray();
        Assert.Equal(recorded, inferred);

        // A hook on the ReLU still sees it run, with the ReLU's own output: observed layers are not fused.
        Tensor? seen = null;
        var relu = ((Sequential)model).Layers[2];
        using var hook = relu.RegisterForwardHook((_, _, output) => seen = output);
        using (SharpGrad.Autograd.NoGrad())
            Assert.Equal(recorded, model.Call(images).ToFloatArray());
        Assert.NotNull(seen);
        Assert.True(seen!.ToFloatArray().All(v => v >= 0));
    }
}
