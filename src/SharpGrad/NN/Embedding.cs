namespace SharpGrad.NN;

/// <summary>A lookup table of <c>numEmbeddings</c> vectors of size <c>dim</c>, indexed by int32 tensors; initialised N(0, 1) as in PyTorch.</summary>
public sealed class Embedding : Module
{
    /// <summary>Creates the table.</summary>
    public Embedding(int numEmbeddings, int embeddingDim, Generator? generator = null, DType dtype = DType.Float32)
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(numEmbeddings), $"Embedding needs positive sizes, got {numEmbeddings}×{embeddingDim}.");
        RegisterParameter("weight", Tensor.Normal([numEmbeddings, embeddingDim], 0, 1, generator, dtype));
    }

    /// <summary>The table, [numEmbeddings, dim].</summary>
    public Tensor Weight => Parameter("weight");

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Observed(input, Functional.Embedding(input, Weight));
}
