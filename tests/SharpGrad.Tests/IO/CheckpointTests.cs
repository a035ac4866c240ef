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

    [Fact]
    public void SchedulerState_SurvivesACheckpoint_SoTheCosineScheduleContinuesAsIfUninterrupted()
    {
        // Cosine over 8 steps from 0.05: lr(t) = 0.025·(1 + cos(πt/8)), stepped after each optimiser step.
        static double Cosine(int t) => 0.025 * (1 + Math.Cos(Math.PI * t / 8));
        using var dir = new TempDirectory();
        var path = dir.File("ckpt.safetensors");

        var (reference, refOpt) = Fresh(1);
        var refSchedule = new CosineAnnealingLR(refOpt, tMax: 8);
        var refRng = new Generator(42);
        for (int t = 0; t < 8; t++)
        {
            Assert.Equal(Cosine(t), refOpt.LearningRate, 15);
            TrainSteps(reference, refOpt, refRng, 1);
            refSchedule.Step();
        }

        var (model, opt) = Fresh(1);
        var schedule = new CosineAnnealingLR(opt, tMax: 8);
        var rng = new Generator(42);
        for (int t = 0; t < 3; t++)
        {
            TrainSteps(model, opt, rng, 1);
            schedule.Step();
        }
        Checkpoint.Save(path, model, opt, epoch: 3, rng, scheduler: schedule);

        // A restarted process builds everything afresh, as the original did, then loads.
        var (resumed, resumedOpt) = Fresh(99);
        var resumedSchedule = new CosineAnnealingLR(resumedOpt, tMax: 8);
        var resumedRng = new Generator(0);
        Checkpoint.Load(path, resumed, resumedOpt, resumedRng, resumedSchedule);
        Assert.Equal(3, resumedSchedule.StepCount);
        for (int t = 3; t < 8; t++)
        {
            Assert.Equal(Cosine(t), resumedOpt.LearningRate, 15);
            TrainSteps(resumed, resumedOpt, resumedRng, 1);
            resumedSchedule.Step();
        }
        Assert.Equal(Cosine(8), resumedOpt.LearningRate, 15);
        foreach (var ((name, expected), (_, actual)) in reference.StateDict().Zip(resumed.StateDict()))
            Assert.True(expected.ToFloatArray().SequenceEqual(actual.ToFloatArray()), $"{name} differs after resuming");
    }

    [Fact]
    public void Load_WithASchedulerOfOtherSettings_OrFromACheckpointWithoutOne_NamesTheFileAndTheProblem()
    {
        using var dir = new TempDirectory();
        var path = dir.File("ckpt.safetensors");
        var (model, opt) = Fresh(1);
        Checkpoint.Save(path, model, opt, 2, null, scheduler: new CosineAnnealingLR(opt, tMax: 10));
        var (other, otherOpt) = Fresh(1);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, other, otherOpt, null, new CosineAnnealingLR(otherOpt, tMax: 15)));
        Assert.Contains(path, e.Message);
        Assert.Contains("t_max is 10 in the state dict but 15 in this scheduler", e.Message);

        Checkpoint.Save(path, model, opt, 2, null);
        e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, other, otherOpt, null, new CosineAnnealingLR(otherOpt, tMax: 10)));
        Assert.Contains(path, e.Message);
        Assert.Contains("no learning-rate scheduler state", e.Message);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("x")]
    [InlineData("99999999999")]
    public void Load_OfANegativeOrUnreadableEpoch_IsInvalidData(string epoch)
    {
        using var dir = new TempDirectory();
        var path = dir.File("ckpt.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["model.w"] = Tensor.Zeros(2) },
            new Dictionary<string, string> { ["format"] = "sharpgrad-checkpoint/1", ["epoch"] = epoch });
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, null, null, null));
        Assert.Contains(path, e.Message);
        Assert.Contains($"\"epoch\" is \"{epoch}\"", e.Message);
    }

    [Fact]
    public void Load_OfADamagedCheckpoint_AtManyByteOffsets_IsInvalidDataNamingTheFileOrLoads()
    {
        using var dir = new TempDirectory();
        var good = dir.File("good.safetensors");
        var (model, opt) = Fresh(1);
        var schedule = new CosineAnnealingLR(opt, tMax: 5);
        TrainSteps(model, opt, new Generator(3), 2);
        schedule.Step();
        Checkpoint.Save(good, model, opt, 1, new Generator(4), new Dictionary<string, string> { ["history"] = "1,0.5,0.25" }, schedule);
        var bytes = File.ReadAllBytes(good);
        var path = dir.File("damaged.safetensors");
        int failures = 0;

        void LoadDamaged(byte[] damaged, string how)
        {
            File.WriteAllBytes(path, damaged);
            var (m, o) = Fresh(7);
            try
            {
                Checkpoint.Load(path, m, o, new Generator(5), new CosineAnnealingLR(o, tMax: 5));
            }
            catch (InvalidDataException e)
            {
                Assert.True(e.Message.StartsWith(path, StringComparison.Ordinal), $"{how}: {e.Message}");
                failures++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{how}: {e.GetType().Name}: {e.Message}");
            }
        }

        // Every other offset, with masks that make invalid UTF-8, other ASCII and off-by-one numbers; a truncation every fifth.
        byte[] masks = [0xFF, 0x80, 0x01];
        int truncations = 0, attempts = 0;
        for (int offset = 0; offset < bytes.Length; offset++)
        {
            if (offset % 5 == 0)
            {
                LoadDamaged(bytes[..offset], $"truncated to {offset} bytes");
                truncations++;
            }
            if (offset % 2 == 0)
            {
                var flipped = (byte[])bytes.Clone();
                byte mask = masks[offset / 2 % masks.Length];
                flipped[offset] ^= mask;
                LoadDamaged(flipped, $"byte {offset} xor 0x{mask:X2}");
                attempts++;
            }
        }
        // Every truncation fails; flips of tensor data (weights, moments) load as other numbers.
        Assert.True(failures > truncations + attempts / 2, $"{failures} of {truncations + attempts} damaged files were refused");
    }
}
