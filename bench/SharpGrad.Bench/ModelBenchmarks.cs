using BenchmarkDotNet.Attributes;
using SharpGrad.NN;
using SharpGrad.Optim;

namespace SharpGrad.Bench;

/// <summary>
/// One training step (forward, softmax cross-entropy, zero grad, backward, Adam 1e-3) on a synthetic batch of
/// 64 images 1×28×28, for the MLP 784-256-10 and the LeNet-like CNN of <see cref="MnistModels"/>. The
/// Allocated column is the managed bytes per step (the target is almost none after warm-up).
/// </summary>
[MemoryDiagnoser]
public class TrainingStepBenchmarks
{
    private Sequential model = null!;
    private Adam optimizer = null!;
    private Tensor images = null!, labels = null!;

    [Params("mlp", "cnn")]
    public string Model { get; set; } = "mlp";

    [GlobalSetup]
    public void Setup()
    {
        model = Workloads.Model(Model);
        model.Train();
        optimizer = new Adam(model.Parameters(), 1e-3);
        images = Workloads.Images();
        labels = Workloads.Labels();
    }

    [Benchmark]
    public Tensor TrainStep()
    {
        var logits = model.Call(images);
        var loss = Functional.CrossEntropy(logits, labels);
        optimizer.ZeroGrad();
        loss.Backward();
        optimizer.Step();
        return loss;
    }
}

/// <summary>MLP 784-256-10 inference on a batch of 64 under <see cref="Autograd.NoGrad"/> (eval mode).</summary>
[MemoryDiagnoser]
public class InferenceBenchmarks
{
    private Sequential model = null!;
    private Tensor images = null!;

    [GlobalSetup]
    public void Setup()
    {
        model = Workloads.Model("mlp");
        model.Eval();
        images = Workloads.Images();
    }

    [Benchmark]
    public Tensor MlpInference()
    {
        using (Autograd.NoGrad())
            return model.Call(images);
    }
}
