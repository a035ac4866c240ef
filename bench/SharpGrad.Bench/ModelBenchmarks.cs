using BenchmarkDotNet.Attributes;
using SharpGrad.Cli.Bench;
using SharpGrad.NN;
using SharpGrad.Optim;

namespace SharpGrad.Bench;

/// <summary>
/// One training step (<see cref="Workloads.TrainStep"/>: forward, softmax cross-entropy, zero grad, backward, SGD
/// 0.01) on a synthetic batch of 64 images 1×28×28, for the MLP 784-256-10 and the LeNet-like CNN of
/// <see cref="MnistModels"/>, as in <c>sharpgrad bench</c> and bench/torch_reference.py. The Allocated column is
/// the managed bytes per step (the target is almost none after warm-up).
/// </summary>
[MemoryDiagnoser]
public class TrainingStepBenchmarks
{
    private Sequential model = null!;
    private Sgd optimizer = null!;
    private Tensor images = null!, labels = null!;

    [Params("mlp", "cnn")]
    public string Model { get; set; } = "mlp";

    [GlobalSetup]
    public void Setup()
    {
        model = Workloads.Model(Model);
        model.Train();
        optimizer = Workloads.CreateSgd(model);
        images = Workloads.Images();
        labels = Workloads.Labels();
    }

    [Benchmark]
    public double TrainStep() => Workloads.TrainStep(model, optimizer, images, labels);
}

/// <summary>MLP 784-256-10 inference on a batch of 64 under <see cref="Autograd.NoGrad"/> (eval mode).</summary>
[MemoryDiagnoser]
public class InferenceBenchmarks
{
    private Sequential model = null!;
    private Tensor images = null!;
    private readonly float[] logits = new float[Workloads.Batch * Workloads.Classes];

    [GlobalSetup]
    public void Setup()
    {
        model = Workloads.Model("mlp");
        model.Eval();
        images = Workloads.Images();
    }

    [Benchmark]
    public float MlpInference()
    {
        Workloads.Infer(model, images, logits);
        return logits[0];
    }
}
