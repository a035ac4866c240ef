using SharpGrad.NN;
using SharpGrad.Optim;

namespace SharpGrad.Cuda.Tests.Training;

/// <summary>
/// Short training runs on the device against the same runs on the CPU: the same initial weights (created on the CPU
/// from a seed and moved), the same batches, so the losses must agree step by step to float32 rounding and fall; and
/// a training loop in memory scopes stops taking memory from the device after its first steps.
/// </summary>
public class DeviceTrainingTests
{
    private static readonly Device Gpu = TestDevice.Device;

    private static (Tensor X, Tensor Y) Data(int n, int[] shape, int classes, ulong seed)
    {
        var g = new Generator(seed);
        var x = Tensor.Normal([n, .. shape], generator: g);
        // Labels that depend on the inputs, so there is something to learn.
        var y = x.Reshape(n, -1).Narrow(1, 0, classes).ArgMax(1);
        return (x, y);
    }

    private static double[] Train(Func<Module> create, Func<IEnumerable<Tensor>, Optimizer> optimizer, Device device, Tensor x, Tensor y, int steps, int batch)
    {
        var model = create().To(device);
        var opt = optimizer(model.Parameters());
        var losses = new double[steps];
        for (int s = 0; s < steps; s++)
        {
            int first = s * batch % x.Size(0);
            using var scope = MemoryScope.Begin();
            var inputs = x.Narrow(0, first, batch).To(device);
            var loss = Functional.CrossEntropy(model.Call(inputs), y.Narrow(0, first, batch));
            opt.ZeroGrad();
            loss.Backward();
            opt.Step();
            losses[s] = loss.Item();
        }
        return losses;
    }

    private static void SameRun(double[] cpu, double[] gpu)
    {
        for (int s = 0; s < cpu.Length; s++)
            Assert.True(Math.Abs(cpu[s] - gpu[s]) <= 2e-4 * (1 + Math.Abs(cpu[s])), $"step {s}: cpu loss {cpu[s]}, {Gpu} loss {gpu[s]}");
        Assert.True(gpu[^1] < 0.7 * gpu[0], $"the loss did not fall: {gpu[0]} → {gpu[^1]}");
    }

    [Fact]
    public void Mlp_WithAdam_FollowsTheCpuRun()
    {
        var (x, y) = Data(256, [20], 4, 1);
        Module Create() => new Sequential(new Linear(20, 32, generator: new Generator(3)), new ReLU(), new Linear(32, 4, generator: new Generator(4)));
        Optimizer Adam(IEnumerable<Tensor> p) => new Adam(p, learningRate: 0.01);
        SameRun(Train(Create, Adam, Device.Cpu, x, y, 40, 32), Train(Create, Adam, Gpu, x, y, 40, 32));
    }

    [Fact]
    public void Cnn_WithSgdMomentum_FollowsTheCpuRun()
    {
        var (x, y) = Data(64, [1, 8, 8], 3, 2);
        Module Create() => new Sequential(
            new Conv2d(1, 4, 3, padding: 1, generator: new Generator(5)), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(64, 3, generator: new Generator(6)));
        Optimizer Sgd(IEnumerable<Tensor> p) => new Sgd(p, learningRate: 0.05, momentum: 0.9);
        SameRun(Train(Create, Sgd, Device.Cpu, x, y, 25, 16), Train(Create, Sgd, Gpu, x, y, 25, 16));
    }

    [Theory]
    [InlineData("adamw")]
    [InlineData("rmsprop")]
    [InlineData("amsgrad")]
    [InlineData("nesterov")]
    public void EveryOptimizer_FollowsTheCpuRun(string name)
    {
        var (x, y) = Data(128, [12], 3, 4);
        Module Create() => new Sequential(new Linear(12, 16, generator: new Generator(7)), new Tanh(), new Linear(16, 3, generator: new Generator(8)));
        Optimizer Make(IEnumerable<Tensor> p) => name switch
        {
            "adamw" => new AdamW(p, learningRate: 0.02),
            "rmsprop" => new RmsProp(p, learningRate: 0.005, momentum: 0.5),
            "amsgrad" => new Adam(p, learningRate: 0.02, amsgrad: true),
            _ => new Sgd(p, learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3),
        };
        SameRun(Train(Create, Make, Device.Cpu, x, y, 30, 32), Train(Create, Make, Gpu, x, y, 30, 32));
    }

    [Fact]
    public void Dropout_DrawsTheCpuMask()
    {
        var x = Tensor.Ones([4, 50]);
        var cpu = Functional.Dropout(x, 0.3, training: true, generator: new Generator(9));
        var gpu = Functional.Dropout(x.To(Gpu), 0.3, training: true, generator: new Generator(9));
        Assert.Equal(Gpu, gpu.Device);
        Assert.Equal(cpu.ToFloatArray(), gpu.ToFloatArray());
    }

    [Fact]
    public void TrainingSteps_StopAllocatingDeviceMemoryAfterWarmUp()
    {
        var (x, y) = Data(64, [20], 4, 3);
        var model = new Sequential(new Linear(20, 16, generator: new Generator(1)), new ReLU(), new Linear(16, 4, generator: new Generator(2))).To(Gpu);
        var opt = new Adam(model.Parameters(), learningRate: 0.01);
        var allocator = ((CudaBackend)DeviceBackends.For(Gpu)).Allocator;
        long afterWarmUp = 0, reserved = 0;
        for (int s = 0; s < 60; s++)
        {
            using (MemoryScope.Begin())
            {
                var loss = Functional.CrossEntropy(model.Call(x.Narrow(0, s % 4 * 16, 16).To(Gpu)), y.Narrow(0, s % 4 * 16, 16));
                opt.ZeroGrad();
                loss.Backward();
                opt.Step();
                loss.Item();
            }
            if (s == 9)
                (afterWarmUp, reserved) = (allocator.DeviceAllocations, allocator.ReservedBytes);
        }
        Assert.Equal(afterWarmUp, allocator.DeviceAllocations);
        Assert.Equal(reserved, allocator.ReservedBytes);
    }
}
