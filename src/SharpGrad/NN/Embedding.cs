namespace SharpGrad.NN;

/// <summary>A lookup table of <c>numEmbeddings</c> vectors of size <c>dim</c>, indexed by int32 tensors; initialised N(0, 1) as in PyTorch.</summary>
public sealed class Embedding : Module
{
    /// <summary>Creates the table.</summary>
    public Embedding(int numEmbeddings, int embeddingDim, Generator? generator = null, DType dtype = DType.Float32, int? paddingIndex = null)
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(numEmbeddings), $"Embedding needs positive sizes, got {numEmbeddings}×{embeddingDim}.");
        if (paddingIndex is { } pad && (pad < -numEmbeddings || pad >= numEmbeddings))
            throw new ArgumentOutOfRangeException(nameof(paddingIndex), $"Embedding: the padding index {pad} is outside the {numEmbeddings} rows.");
        PaddingIndex = paddingIndex < 0 ? paddingIndex + numEmbeddings : paddingIndex;
        var weight = Tensor.Normal([numEmbeddings, embeddingDim], 0, 1, generator, dtype);
        // As in PyTorch, the padding row starts at zero and never receives a gradient.
        if (PaddingIndex is { } row) weight[row].Zero();
        RegisterParameter("weight", weight);
    }

    /// <summary>The row that padding tokens use (zero at start, never trained), or null.</summary>
    public int? PaddingIndex { get; }

    /// <summary>The table, [numEmbeddings, dim].</summary>
    public Tensor Weight => Parameter("weight");

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Observed(input, Functional.Embedding(input, Weight, PaddingIndex));
}
