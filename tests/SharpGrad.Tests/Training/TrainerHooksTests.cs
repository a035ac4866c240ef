using SharpGrad.Data;
using SharpGrad.NN;
using SharpGrad.Optim;
using SharpGrad.Training;

namespace SharpGrad.Tests.Training;

/// <summary>
/// The step hooks see each batch's size before its forward pass and the finished gradients
/// between the backward pass and the optimiser step, and what they do to the gradients is what
/// the optimiser applies (the point of data-parallel averaging).
/// </summary>
public class TrainerHooksTests
{
    [Fact]
    public void Hooks_RunAroundEveryStep_AndTheOptimiserUsesTheGradientsTheyLeave()
    {
        // y = w·x with w = 0, one sample per batch (x = 1, class targets ignored by the check below):
        // the hook doubles every gradient, so SGD with lr 1 moves w by −2·∂L/∂w instead of −∂L/∂w.
        var model = new Sequential(new Linear(1, 2, bias: false));
        using (SharpGrad.Autograd.NoGrad()) model.Parameters().First().Zero();
        var data = new TensorDataset(Tensor.Ones(3, 1), Tensor.FromArray([0, 0, 0], 3));
        var hooks = new RecordingHooks(model);
        var trainer = new Trainer(model, new Sgd(model.Parameters(), 1.0), classes: 2, hooks: hooks);
        trainer.TrainEpoch(new DataLoader(data, 2));
        Assert.Equal(["begin 2", "forward", "after", "begin 1", "forward", "after"], hooks.Log);
        // Step 1: logits 0, 0 → softmax ½, ½; ∂L/∂w = [[−½], [½]] (class 0 target), doubled: w = [[1], [−1]].
        Assert.Equal([1f, -1f], hooks.WeightAfterFirstStep!);
    }

    private sealed class RecordingHooks : ITrainingStepHooks
    {
        private readonly Module model;

        public RecordingHooks(Module model)
        {
            this.model = model;
            model.RegisterForwardHook((_, _, _) => { if (model.Training) Log.Add("forward"); });
        }

        public List<string> Log { get; } = [];

        public float[]? WeightAfterFirstStep { get; private set; }

        public IDisposable BeginStep(int rows)
        {
            Log.Add($"begin {rows}");
            if (Log.Count > 1) WeightAfterFirstStep ??= model.Parameters().First().ToFloatArray();
            return new Nothing();
        }

        public void AfterBackward()
        {
            Log.Add("after");
            using (SharpGrad.Autograd.NoGrad())
                foreach (var p in model.Parameters()) p.Grad!.MulInPlace(2);
        }

        private sealed class Nothing : IDisposable
        {
            public void Dispose() { }
        }
    }
}
