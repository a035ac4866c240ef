using SharpGrad.Data;
using SharpGrad.IO;
using SharpGrad.NN;
using SharpGrad.Optim;

namespace SharpGrad.Tests;

/// <summary>The README's hand-written training loop, run as written, allocates what the README says it does.</summary>
public class ReadmeTrainingLoopTests
{
    private const int WarmUpSteps = 10, MeasuredSteps = 20;

    /// <summary>Bytes allocated on this thread per step of the README's loop, after warm-up; also returns the mean loss as a sanity check.</summary>
    private static (long BytesPerStep, double Loss) ReadmeLoop(Sequential model, bool scopeInsideTheBody)
    {
        var (train, _) = Mnist.Load(IO.Repository.DataDirectory, normalize: true);
        var loader = new DataLoader(train, 32, shuffle: true, generator: new Generator(2));
        var optimizer = new Adam(model.Parameters(), 1e-3);
        double total = 0;
        int step = 0;
        long before = 0;
        if (!scopeInsideTheBody)
        {
            // As the README writes it.
            foreach (var (x, y) in loader.InMemoryScopes())
            {
                var loss = Functional.CrossEntropy(model.Call(x), y);
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
                total += loss.Item();
                if (++step == WarmUpSteps) before = GC.GetAllocatedBytesForCurrentThread();
                if (step == WarmUpSteps + MeasuredSteps) break;
            }
        }
        else
        {
            // The form the README showed before: the batch is drawn outside the scope.
            foreach (var (x, y) in loader)
            {
                using var scope = MemoryScope.Begin();
                var loss = Functional.CrossEntropy(model.Call(x), y);
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
                total += loss.Item();
                if (++step == WarmUpSteps) before = GC.GetAllocatedBytesForCurrentThread();
                if (step == WarmUpSteps + MeasuredSteps) break;
            }
        }
        return ((GC.GetAllocatedBytesForCurrentThread() - before) / MeasuredSteps, total / step);
    }

    [Theory]
    [InlineData("mlp", 48 * 1024)]
    [InlineData("cnn", 96 * 1024)]
    public void ReadmeLoop_AllocatesTensOfKilobytesPerStep_NotTheBatch(string name, long bound)
    {
        // The README says about 20 KB (MLP) and 55 KB (CNN) per step with multi-threaded kernels, whose
        // task bookkeeping counts on this thread too; the bound leaves room for more cores. A batch of
        // 32 digits alone is 100 KB of pixels, which drawing it outside the scope allocates every step.
        var (bytes, loss) = ReadmeLoop(MnistModels.Create(name, new Generator(1)), scopeInsideTheBody: false);
        var (unscopedBatch, _) = ReadmeLoop(MnistModels.Create(name, new Generator(1)), scopeInsideTheBody: true);
        Assert.InRange(loss, 0.1, 2.5);
        Assert.True(bytes < bound, $"{name}: {bytes} B per step in the README's loop ({unscopedBatch} B with the batch drawn outside the scope)");
        // Half the batch's pixels as the margin: thread-pool bookkeeping on this thread varies by a few KB per step.
        Assert.True(unscopedBatch > bytes + 32 * 784 * 4 / 2, $"{name}: {unscopedBatch} B per step with the batch drawn outside the scope, {bytes} B inside");
    }
}
