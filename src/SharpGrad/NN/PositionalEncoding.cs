namespace SharpGrad.NN;

/// <summary>
/// Adds the fixed sinusoidal position signal of "Attention Is All You Need" to a sequence [N, T, E]
/// (or [T, E]): PE[t, 2i] = sin(t / 10000^(2i/E)), PE[t, 2i+1] = cos(t / 10000^(2i/E)). The table is a
/// buffer (saved, not trained), precomputed for up to <c>maxLength</c> positions.
/// </summary>
public sealed class SinusoidalPositionalEncoding : Module
{
    /// <summary>Creates the table for sequences of up to <paramref name="maxLength"/> positions.</summary>
    public SinusoidalPositionalEncoding(int embedDim, int maxLength = 512, DType dtype = DType.Float32)
    {
        if (embedDim <= 0 || maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(embedDim), $"Positional encoding needs positive sizes, got {embedDim} and {maxLength}.");
        var table = new double[maxLength * embedDim];
        for (int t = 0; t < maxLength; t++)
            for (int i = 0; i < embedDim; i++)
            {
                double angle = t / Math.Pow(10000, 2 * (i / 2) / (double)embedDim);
                table[t * embedDim + i] = i % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle);
            }
        RegisterBuffer("pe", Tensor.FromArray(table, [maxLength, embedDim]).To(dtype));
    }

    /// <summary>The table, [maxLength, E].</summary>
    public Tensor Table => Buffer("pe");

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Observed(input, input.Add(PositionalRows(Table, input, "SinusoidalPositionalEncoding")));

    internal static Tensor PositionalRows(Tensor table, Tensor input, string layer)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2 || input.Size(-1) != table.Size(1))
            throw new ArgumentException($"{layer}: the input must be [N, T, {table.Size(1)}] or [T, {table.Size(1)}], got shape {input.Shape}.", nameof(input));
        int length = input.Size(-2);
        if (length > table.Size(0))
            throw new ArgumentException($"{layer}: the sequence has {length} positions but the table holds {table.Size(0)}.", nameof(input));
        return table.Narrow(0, 0, length).To(input.DType);
    }
}

/// <summary>
/// A learned position embedding added to a sequence [N, T, E] (or [T, E]): one trained vector per
/// position, <c>weight</c> [maxLength, E], initialised N(0, 1) like <see cref="Embedding"/>.
/// </summary>
public sealed class LearnedPositionalEmbedding : Module
{
    /// <summary>Creates the table for up to <paramref name="maxLength"/> positions.</summary>
    public LearnedPositionalEmbedding(int maxLength, int embedDim, Generator? generator = null, DType dtype = DType.Float32)
    {
        if (embedDim <= 0 || maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(embedDim), $"Positional embedding needs positive sizes, got {maxLength} and {embedDim}.");
        RegisterParameter("weight", Tensor.Normal([maxLength, embedDim], 0, 1, generator, dtype));
    }

    /// <summary>The table, [maxLength, E].</summary>
    public Tensor Weight => Parameter("weight");

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Observed(input, input.Add(SinusoidalPositionalEncoding.PositionalRows(Weight, input, "LearnedPositionalEmbedding")));
}
