using SharpGrad.Data;
using SharpGrad.IO;
using SharpGrad.NN;
using SharpGrad.Optim;
using SharpGrad.Training;

namespace SharpGrad.Tests.Training;

/// <summary>Short real training runs on the bundled digits: the loss must fall and accuracy pass a stated bar.</summary>
public class TrainerTests
{
    private static (TensorDataset Train, TensorDataset Test) Digits() => Mnist.Load(SharpGrad.Tests.IO.Repository.DataDirectory, normalize: true);

    [Fact]
    public void Mlp_OneEpochOnBundledDigits_LossFallsAndTestAccuracyExceeds90Percent()
    {
        var (train, test) = Digits();
        var model = MnistModels.Mlp(new Generator(1));
        var trainer = new Trainer(model, new Adam(model.Parameters(), 1e-3), classes: 10);
        var before = trainer.Evaluate(new DataLoader(test, 500));
        var losses = new List<double>();
        var (loss, accuracy, _) = trainer.TrainEpoch(new DataLoader(train, 32, shuffle: true, generator: new Generator(2)), p => losses.Add(p.Loss));
        var after = trainer.Evaluate(new DataLoader(test, 500));

        Assert.Equal(250, losses.Count); // 8 000 digits in batches of 32
        Assert.InRange(before.Loss, 2.0, 2.7);   // ≈ ln 10 for an untrained classifier
        Assert.True(after.Loss < 0.5 * before.Loss, $"test loss {before.Loss} → {after.Loss}");
        Assert.True(after.Accuracy > 0.90, $"test accuracy {after.Accuracy:P2}");
        Assert.True(accuracy > 0.8 && loss < 0.7, $"train accuracy {accuracy:P2}, loss {loss}");
        Assert.Equal(2000, after.Count);
    }

    [Fact]
    public void Cnn_200Steps_LearnsDigits_AndAugmentationKeepsItLearning()
    {
        var (train, test) = Digits();
        var model = MnistModels.Cnn(new Generator(3));
        var trainer = new Trainer(model, new Adam(model.Parameters(), 2e-3), classes: 10);
        var subset = new TensorDataset(train.Inputs.Narrow(0, 0, 6400), train.Targets.Narrow(0, 0, 6400));
        var g = new Generator(4);
        var (loss, _, _) = trainer.TrainEpoch(new DataLoader(subset, 32, shuffle: true, generator: g, transform: new RandomShift(2, g).Apply));
        var after = trainer.Evaluate(new DataLoader(test, 500));
        Assert.True(after.Accuracy > 0.90, $"test accuracy {after.Accuracy:P2} after 200 steps (train loss {loss})");
    }

    [Fact]
    public void Evaluation_ConfusionMatrix_CountsActualAgainstPredicted()
    {
        var confusion = new long[3, 3];
        confusion[0, 0] = 5;
        confusion[1, 2] = 2;
        confusion[2, 2] = 3;
        var e = new Evaluation(0.5, confusion);
        Assert.Equal(10, e.Count);
        Assert.Equal(0.8, e.Accuracy, 12);
        Assert.Equal(2, e[1, 2]);
    }

    [Fact]
    public void DivergenceDetector_NeedsPatienceBatchesAboveTheFactor_OrOneNonFiniteLoss()
    {
        // Reference max(2.0, ln 10 = 2.3026); threshold 10 × 2.3026 = 23.026.
        var d = new DivergenceDetector(factor: 10, patience: 3, classes: 10);
        Assert.Null(d.Observe(2.0));
        Assert.Equal(10 * Math.Log(10), d.Threshold, 12);
        Assert.Null(d.Observe(50));   // one spike
        Assert.Null(d.Observe(50));   // two
        Assert.Null(d.Observe(23.0)); // back under the threshold: the count starts again
        Assert.Null(d.Observe(24));
        Assert.Null(d.Observe(1e6));
        Assert.Contains("reaching 1E+29", d.Observe(1e29));
        Assert.Contains("NaN", new DivergenceDetector(100, 10, 10).Observe(double.NaN));
        Assert.Contains("Infinity", new DivergenceDetector(100, 10, 10).Observe(double.PositiveInfinity));

        // A run that starts high is measured against its own start, not ln C.
        var high = new DivergenceDetector(factor: 2, patience: 1, classes: 2);
        Assert.Null(high.Observe(5));
        Assert.Null(high.Observe(10));
        Assert.Contains("reaching 10.5", high.Observe(10.5));   // 10.5 > 2 × 5 for one batch
    }

    [Fact]
    public void TrainEpoch_WithAHugeLearningRate_StopsWithTrainingDiverged()
    {
        var (train, _) = Digits();
        var model = MnistModels.Mlp(new Generator(1));
        var trainer = new Trainer(model, new Adam(model.Parameters(), 1e6), classes: 10);
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.TrainEpoch(new DataLoader(train, 32, shuffle: true, generator: new Generator(2))));
        // The first batch sets the reference (≈ ln 10); the next ten exceed 100 times it.
        Assert.Equal(11 * 32, e.Samples);
        Assert.True(e.Loss > 100 * Math.Log(10), $"loss {e.Loss}");
        Assert.StartsWith("Training diverged after 352 samples of the epoch: the loss stayed above", e.Message);
        Assert.EndsWith("lower the learning rate.", e.Message);
    }

    [Fact]
    public void TrainEpoch_WithANonFiniteInput_StopsAtTheFirstBatch()
    {
        var inputs = Tensor.Full([8, 4], double.NaN);
        var targets = Tensor.FromArray(new int[8]);
        var model = new Sequential(new Linear(4, 3, generator: new Generator(1)));
        var trainer = new Trainer(model, new Sgd(model.Parameters(), 0.1), classes: 3);
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.TrainEpoch(new DataLoader(new TensorDataset(inputs, targets), 4)));
        Assert.Equal(4, e.Samples);
        Assert.True(double.IsNaN(e.Loss));
    }
}
