namespace SharpGrad.NN;

/// <summary>Batch normalisation of [N, C] or [N, C, L] inputs (see <see cref="BatchNorm"/>).</summary>
public sealed class BatchNorm1d(int numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = true, DType dtype = DType.Float32)
    : BatchNorm(numFeatures, eps, momentum, affine, dtype)
{
    /// <inheritdoc/>
    protected override int[] AcceptedRanks => [2, 3];
}
