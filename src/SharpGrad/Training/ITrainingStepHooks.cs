namespace SharpGrad.Training;

/// <summary>
/// What a <see cref="Trainer"/> lets other code do around each optimisation step without writing
/// its own loop: open a scope around the forward pass, and act on the gradients between the
/// backward pass and the optimiser step. Data-parallel training uses it to broadcast buffers and
/// shard random draws (<see cref="BeginStep"/>) and to average gradients over processes
/// (<see cref="AfterBackward"/>).
/// </summary>
public interface ITrainingStepHooks
{
    /// <summary>Called before the forward pass of a batch of <paramref name="rows"/> samples; the result is disposed after the forward pass.</summary>
    IDisposable BeginStep(int rows);

    /// <summary>Called after the backward pass, before the optimiser step.</summary>
    void AfterBackward();
}
