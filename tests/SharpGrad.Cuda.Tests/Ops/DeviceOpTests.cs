using SharpGrad.NN;

namespace SharpGrad.Cuda.Tests.Ops;

/// <summary>
/// Every op the models use, forward and backward, on the device against the CPU backend: values agree, and the
/// gradient of the round trip CPU → device → op → CPU passes the finite-difference check in float64, so each device
/// kernel and each backward rule that runs on the device is checked against numbers it did not produce.
/// </summary>
public class DeviceOpTests
{
    private static readonly Device Gpu = TestDevice.Device;
    private readonly Generator generator = new(7);

    private Tensor R(params int[] shape) => Tensor.Normal(shape, generator: generator, dtype: DType.Float64).RequireGrad();

    private static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var expected = f(inputs);
        var actual = f([.. inputs.Select(x => x.To(Gpu))]);
        Assert.Equal(Gpu, actual.Device);
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        var e = expected.ToDoubleArray();
        var a = actual.ToDoubleArray();
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-10 + 1e-10 * Math.Abs(e[i]), $"element {i}: cpu {e[i]}, {Gpu} {a[i]}");
        GradCheck.Assert(xs => f([.. xs.Select(x => x.To(Gpu))]).To(Device.Cpu), inputs);
    }

    internal static void Close(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    public static TheoryData<string> Binary => ["add", "sub", "mul", "div", "pow", "maximum", "minimum"];

    [Theory]
    [MemberData(nameof(Binary))]
    public void BinaryOps_BroadcastAndStrided(string op)
    {
        Func<Tensor, Tensor, Tensor> f = op switch
        {
            "add" => (a, b) => a + b,
            "sub" => (a, b) => a - b,
            "mul" => (a, b) => a * b,
            "div" => (a, b) => a / (b.Abs() + 0.5),
            "pow" => (a, b) => (a.Abs() + 0.5).Pow(b),
            "maximum" => Tensor.Maximum,
            _ => Tensor.Minimum,
        };
        Check(x => f(x[0], x[1]), R(3, 4), R(4));               // broadcast a row
        Check(x => f(x[0], x[1]), R(2, 3, 1), R(3, 5));         // broadcast both ways
        Check(x => f(x[0].T, x[1]), R(4, 3), R(3, 4));          // a transposed view
    }

    public static TheoryData<string> Unary => ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "leaky", "gelu", "softplus", "sin", "cos", "abs", "clamp", "cube", "erf", "neg"];

    [Theory]
    [MemberData(nameof(Unary))]
    public void UnaryOps(string op)
    {
        Func<Tensor, Tensor> f = op switch
        {
            "exp" => x => x.Exp(),
            "log" => x => (x.Abs() + 0.1).Log(),
            "sqrt" => x => (x.Abs() + 0.1).Sqrt(),
            "tanh" => x => x.Tanh(),
            "sigmoid" => x => x.Sigmoid(),
            "relu" => x => x.Relu(),
            "leaky" => x => x.LeakyRelu(0.1),
            "gelu" => x => x.Gelu(),
            "softplus" => x => x.Softplus(),
            "sin" => x => x.Sin(),
            "cos" => x => x.Cos(),
            "abs" => x => x.Abs(),
            "clamp" => x => x.Clamp(-0.5, 0.5),
            "cube" => x => x.Pow(3.0),
            "erf" => x => x.Erf(),
            _ => x => -x,
        };
        Check(x => f(x[0]), R(3, 5));
        Check(x => f(x[0].T), R(4, 3));
    }

    [Fact]
    public void Reductions()
    {
        Check(x => x[0].Sum(), R(3, 4));
        Check(x => x[0].Sum(1), R(3, 4));
        Check(x => x[0].Mean([0, 2], keepDim: true), R(2, 3, 4));
        Check(x => x[0].Max(1), R(3, 5));
        Check(x => x[0].T.Sum(0), R(4, 3));
        Check(x => x[0].LogSoftmax(1), R(4, 6));
        Check(x => x[0].Softmax(-1), R(2, 3, 5));
    }

    [Fact]
    public void MatrixProducts()
    {
        Check(x => x[0].MatMul(x[1]), R(3, 4), R(4, 5));
        Check(x => x[0].T.MatMul(x[1].T), R(4, 3), R(5, 4));
        Check(x => x[0].MatMul(x[1]), R(2, 3, 4), R(4, 5));
        Check(x => x[0].MatMul(x[1]), R(4), R(4, 2));
        Check(x => x[0].MatMul(x[1]), R(2, 3, 4, 5), R(2, 3, 5, 2));     // batches a constant stride apart: one launch
        Check(x => x[0].MatMul(x[1]), R(2, 3, 4, 5), R(3, 5, 2));        // a broadcast batch: one launch per matrix
        Check(x => Functional.Linear(x[0], x[1], x[2]), R(5, 4), R(3, 4), R(3));
    }

    [Fact]
    public void Convolution()
    {
        Check(x => Functional.Conv2d(x[0], x[1], x[2], stride: [2], padding: [1]), R(2, 3, 7, 7), R(4, 3, 3, 3), R(4));
        Check(x => Functional.Conv2d(x[0], x[1], null, padding: [2], dilation: [2], groups: 2), R(1, 4, 6, 5), R(4, 2, 3, 3));
        Check(x => Functional.Conv2d(x[0], x[1], x[2]), R(2, 1, 6, 6), R(3, 1, 5, 5), R(3));
    }

    [Fact]
    public void MaxPooling()
    {
        Check(x => Functional.MaxPool2d(x[0], [2]), R(2, 3, 6, 6));
        Check(x => Functional.MaxPool2d(x[0], [3], stride: [2], padding: [1]), R(1, 2, 7, 5));
    }

    [Fact]
    public void AveragePooling()
    {
        Check(x => Functional.AvgPool2d(x[0], [2]), R(2, 3, 6, 4));
        Check(x => Functional.AvgPool2d(x[0], [3], stride: [2], padding: [1], countIncludePad: false, ceilMode: true), R(1, 2, 7, 5));
        Check(x => Functional.AdaptiveAvgPool2d(x[0], [3, 2]), R(2, 2, 7, 5));
        Check(x => Functional.AdaptiveAvgPool2d(x[0], [1]), R(3, 4, 4));
    }

    [Fact]
    public void CrossEntropy_MeanSumAndIgnoredTargets()
    {
        var target = Tensor.FromArray([0, 3, 1, 2, 1], 5);
        Check(x => Functional.CrossEntropy(x[0], target), R(5, 4));
        Check(x => Functional.CrossEntropy(x[0], target, reduction: Reduction.Sum), R(5, 4));
        Check(x => Functional.CrossEntropy(x[0], Tensor.FromArray([0, -100, 1, 2, -100], 5)), R(5, 4));
        // The general path: class weights, label smoothing, per-sample losses, extra dimensions, NLL of log-probabilities.
        var weight = Tensor.FromArray([0.5, 1.0, 2.0, 1.5], 4);
        Check(x => Functional.CrossEntropy(x[0], target, weight: weight.To(x[0].Device), labelSmoothing: 0.1), R(5, 4));
        Check(x => Functional.CrossEntropy(x[0], target, reduction: Reduction.None), R(5, 4));
        Check(x => Functional.CrossEntropy(x[0], Tensor.FromArray([0, 3, 1, 2, 1, 0], 2, 3)), R(2, 4, 3));
        Check(x => Functional.NllLoss(x[0].LogSoftmax(1), target), R(5, 4));
    }

    [Fact]
    public void RegressionAndBinaryLosses()
    {
        Check(x => Functional.MseLoss(x[0], x[1]), R(4, 3), R(4, 3));
        Check(x => Functional.L1Loss(x[0], x[1]), R(4, 3), R(4, 3));
        Check(x => Functional.SmoothL1Loss(x[0], x[1]), R(4, 3), R(4, 3));
        var labels = Tensor.FromArray([1.0, 0, 0, 1, 1, 0], 2, 3);
        Check(x => Functional.BinaryCrossEntropy(x[0].Sigmoid(), labels.To(x[0].Device)), R(2, 3));
        Check(x => Functional.BinaryCrossEntropyWithLogits(x[0], labels.To(x[0].Device)), R(2, 3));
    }

    [Fact]
    public void BatchNorm_TrainingMatchesTheCpuAndUpdatesTheRunningStatistics()
    {
        Check(x => Functional.BatchNorm(x[0], null, null, x[1], x[2], training: true), R(4, 3, 2, 2), R(3), R(3));
        var input = R(6, 3);
        var (cpuMean, cpuVar) = (Tensor.Zeros([3], DType.Float64), Tensor.Ones([3], DType.Float64));
        var (gpuMean, gpuVar) = (cpuMean.To(Gpu), cpuVar.To(Gpu));
        Functional.BatchNorm(input, cpuMean, cpuVar, null, null, training: true);
        Functional.BatchNorm(input.To(Gpu), gpuMean, gpuVar, null, null, training: true);
        Close(cpuMean.ToDoubleArray(), gpuMean.ToDoubleArray(), 1e-12);
        Close(cpuVar.ToDoubleArray(), gpuVar.ToDoubleArray(), 1e-12);
    }

    [Fact]
    public void WhereCastAndCopies()
    {
        var cond = Tensor.FromArray([1.0, 0, 1, 0], 4);
        Check(x => Tensor.Where(cond.To(x[0].Device), x[0], x[1]), R(3, 4), R(4));
        Check(x => x[0].T.Contiguous().Reshape(6).Clone(), R(3, 2));
        // Casts: values through float32 and int32 as on the CPU; the gradient is converted back (finite differences
        // through float32 rounding would not be exact enough to check it).
        var y = R(3, 2).Mul(3);
        Close(y.To(DType.Float32).ToDoubleArray(), y.To(Gpu).To(DType.Float32).ToDoubleArray(), 0);
        Close(y.To(DType.Int32).ToDoubleArray(), y.To(Gpu).To(DType.Int32).ToDoubleArray(), 0);
        var leaf = R(3, 2);
        leaf.To(Gpu).To(DType.Float32).Sum().Backward();
        Close([1, 1, 1, 1, 1, 1], leaf.Grad!.ToDoubleArray(), 0);
    }

    [Fact]
    public void ToDevice_IsRecorded_AndItsGradientComesBack()
    {
        var x = R(2, 3);
        var y = x.To(Gpu);
        Assert.Equal(OpCode.ToDevice, y.GradFn!.Op);
        y.Mul(y).Sum().Backward();
        Assert.Equal(Device.Cpu, x.Grad!.Device);
        Close([.. x.ToDoubleArray().Select(v => 2 * v)], x.Grad.ToDoubleArray(), 1e-12);
    }

    [Fact]
    public void MixingDevices_IsAnErrorNamingBoth_ExceptForCpuScalars()
    {
        var x = R(2, 3).To(Gpu);
        var e = Assert.Throws<InvalidOperationException>(() => x.Add(Tensor.Ones(2, 3)));
        Assert.Contains(Gpu.ToString(), e.Message);
        Assert.Contains("cpu", e.Message);
        Assert.Equal(Gpu, x.Mul(Tensor.Scalar(2, DType.Float64)).Device);
        Assert.Equal(Gpu, (x * 3).Device);
    }

    [Fact]
    public void DeviceTensors_PrintAndReadBack()
    {
        var x = Tensor.FromArray([1.5, -2.0], 2).To(Gpu);
        Assert.Equal(-2.0, x[1].Item());
        Assert.Contains("1.5", x.ToString());
        Assert.Equal(Gpu, Tensor.ZerosLike(x).Device);
        Assert.Equal([1.0, 1.0], Tensor.OnesLike(x).ToDoubleArray());
    }

    [Fact]
    public void JoiningAndIndexing()
    {
        Check(x => Tensor.Cat([x[0], x[1]], 1), R(2, 3), R(2, 2));
        Check(x => Tensor.Stack([x[0], x[1].T], 0), R(2, 3), R(3, 2));
        var index = Tensor.FromArray([2, 0, 2], 3);
        Check(x => x[0].IndexSelect(0, index), R(3, 4));
        Check(x => x[0].IndexSelect(1, index), R(2, 3, 2));
        Check(x => x[0].IndexSelect(2, Tensor.FromArray([-1, 0], 2)), R(2, 2, 3));
        Check(x => x[0].Narrow(1, 1, 2).Mul(2), R(3, 4));
        Check(x => x[0].Pad([1, 2], 0.5), R(3, 4));
        Check(x => x[0][1..], R(3, 4));
        Check(x => x[0].Gather(1, Tensor.FromArray([0, 2, 2, 1, 1, 0], 3, 2)), R(3, 4));
        Check(x => x[0].Gather(0, Tensor.FromArray([2, 0, 1, 1], 2, 2)), R(3, 4));
        var e = Assert.Throws<InvalidOperationException>(() => Tensor.Cat([R(2, 2).To(Gpu), R(2, 2)], 0));
        Assert.Contains(Gpu.ToString(), e.Message);
    }

    [Fact]
    public void LayerNormAndAttention_RunAsTheirCompositions()
    {
        Check(x => Functional.LayerNorm(x[0], [4], x[1], x[2]), R(3, 4), R(4), R(4));
        Check(x => Functional.ScaledDotProductAttention(x[0], x[1], x[2], isCausal: true), R(2, 3, 4), R(2, 3, 4), R(2, 3, 2));
    }

    [Fact]
    public void BadIndices_OnADevice_AreReportedAsOnTheCpu()
    {
        var x = R(2, 3).To(Gpu);
        var e = Assert.Throws<ArgumentException>(() => x.Gather(1, Tensor.FromArray([0, 3], 2, 1)));
        Assert.Contains("Gather: index 3 at position [1, 0] is out of range for dimension 1 of size 3.", e.Message);
    }
}
