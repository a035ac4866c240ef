using SharpGrad.IO;
using SharpGrad.NN;
using SharpGrad.Optim;

namespace SharpGrad.Tests.IO;

/// <summary>Checkpoints restore model, optimiser and random state so that training continues exactly.</summary>
public class CheckpointTests
{
    private static (Sequential Model, Adam Optimizer) Fresh(ulong seed)
    {
        var model = new Sequential(new Linear(3, 4, generator: new Generator(seed)), new Tanh(), new Linear(4, 2, generator: new Generator(seed + 1)));
        return (model, new Adam(model.Parameters(), 0.05));
    }

    private static void TrainSteps(Sequential model, Optimizer optimizer, Generator rng, int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            var x = Tensor.Normal([8, 3], generator: rng);
            var loss = model.Forward(x).Pow(2).Mean();
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
        }
    }

    [Fact]
    public void SaveThenLoad_ContinuesBitIdentically()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "ckpt.safetensors");

        var (reference, refOpt) = Fresh(1);
        var refRng = new Generator(42);
        TrainSteps(reference, refOpt, refRng, 6);

        var (model, opt) = Fresh(1);
        var rng = new Generator(42);
        TrainSteps(model, opt, rng, 3);
        Checkpoint.Save(path, model, opt, epoch: 3, rng, new Dictionary<string, string> { ["note"] = "half way" });

        var (resumed, resumedOpt) = Fresh(99);
        var resumedRng = new Generator(0);
        var (epoch, meta) = Checkpoint.Load(path, resumed, resumedOpt, resumedRng);
        Assert.Equal(3, epoch);
        Assert.Equal("half way", meta["note"]);
        TrainSteps(resumed, resumedOpt, resumedRng, 3);

        foreach (var ((name, expected), (_, actual)) in reference.StateDict().Zip(resumed.StateDict()))
            Assert.True(expected.ToFloatArray().SequenceEqual(actual.ToFloatArray()), $"{name} differs after resuming");
    }

    [Fact]
    public void Load_OfPlainSafetensorsFile_IsNotACheckpoint()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "weights.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = Tensor.Zeros(2) });
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, null, null, null));
        Assert.Contains("not a SharpGrad checkpoint", e.Message);
    }

    [Fact]
    public void Load_IntoDifferentArchitecture_NamesTheFileAndMismatch()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "ckpt.safetensors");
        var (model, opt) = Fresh(1);
        Checkpoint.Save(path, model, opt, 1, new Generator(1));
        var other = new Sequential(new Linear(3, 5));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, other, null, null));
        Assert.Contains(path, e.Message);
        Assert.Contains("0.weight has shape [4, 3] in the state dict but [5, 3] in the model", e.Message);
    }
}
