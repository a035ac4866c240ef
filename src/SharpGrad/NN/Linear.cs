namespace SharpGrad.NN;

/// <summary>
/// A fully connected layer, y = x·Wᵀ + b, with W of shape [out, in]. Initialised as PyTorch
/// does: W and b uniform on ±1/√in (Kaiming uniform with a = √5), from a seedable generator.
/// </summary>
public sealed class Linear : Module
{
    /// <summary>Creates the layer.</summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? generator = null, DType dtype = DType.Float32)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(inFeatures), $"Linear needs positive sizes, got {inFeatures} → {outFeatures}.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        double bound = 1 / Math.Sqrt(inFeatures);
        RegisterParameter("weight", Init.KaimingUniform(Tensor.Zeros([outFeatures, inFeatures], dtype), Math.Sqrt(5), generator: generator));
        if (bias)
            RegisterParameter("bias", Init.Uniform(Tensor.Zeros([outFeatures], dtype), -bound, bound, generator));
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight, [out, in].</summary>
    public Tensor Weight => Parameter("weight");

    /// <summary>The bias, [out], or null.</summary>
    public Tensor? Bias => OptionalParameter("bias");

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Observed(input, Functional.Linear(input, Weight, Bias));
}
