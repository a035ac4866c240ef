namespace SharpGrad.NN;

/// <summary>Layer normalisation over the last dimensions (<c>normalizedShape</c>), with an optional learned scale and shift.</summary>
public sealed class LayerNorm : Module
{
    private readonly int[] normalizedShape;

    /// <summary>Creates the layer.</summary>
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, DType dtype = DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        this.normalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        if (elementwiseAffine)
        {
            RegisterParameter("weight", Tensor.Ones(normalizedShape, dtype));
            RegisterParameter("bias", Tensor.Zeros(normalizedShape, dtype));
        }
    }

    /// <summary>The trailing dimensions normalised over.</summary>
    public IReadOnlyList<int> NormalizedShape => normalizedShape;

    /// <summary>The constant added to the variance.</summary>
    public double Eps { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) =>
        Observed(input, Functional.LayerNorm(input, normalizedShape, OptionalParameter("weight"), OptionalParameter("bias"), Eps));
}
