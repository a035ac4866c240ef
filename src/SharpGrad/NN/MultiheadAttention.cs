namespace SharpGrad.NN;

/// <summary>
/// Multi-head attention as PyTorch's <c>nn.MultiheadAttention</c>: the query, key and value
/// projections stacked in <c>in_proj_weight</c> [3E, E] and <c>in_proj_bias</c> [3E], heads of size
/// E/h attending with the fused <see cref="Functional.ScaledDotProductAttention"/>, and the output projection
/// <c>out_proj</c>; same names, shapes and initialisation (Xavier-uniform projections, zero biases),
/// so PyTorch weights load. Inputs are [L, N, E] ([N, L, E] with <c>batchFirst</c>). A key padding
/// mask [N, S] (nonzero = padding, ignored) and an additive attention mask [L, S], or a causal mask,
/// restrict what each query sees.
/// </summary>
public sealed class MultiheadAttention : Module
{
    /// <summary>Creates the layer.</summary>
    public MultiheadAttention(int embedDim, int numHeads, bool bias = true, bool batchFirst = false, Generator? generator = null, DType dtype = DType.Float32)
    {
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0)
            throw new ArgumentException($"MultiheadAttention: the embedding size ({embedDim}) must be a positive multiple of the number of heads ({numHeads}).");
        EmbedDim = embedDim;
        NumHeads = numHeads;
        BatchFirst = batchFirst;
        RegisterParameter("in_proj_weight", Init.XavierUniform(Tensor.Zeros([3 * embedDim, embedDim], dtype), generator: generator));
        if (bias) RegisterParameter("in_proj_bias", Tensor.Zeros([3 * embedDim], dtype));
        OutProj = RegisterModule("out_proj", new Linear(embedDim, embedDim, bias, generator, dtype));
        if (bias)
            using (Autograd.NoGrad()) OutProj.Bias!.Zero();
    }

    /// <summary>The embedding size E.</summary>
    public int EmbedDim { get; }

    /// <summary>The number of heads h.</summary>
    public int NumHeads { get; }

    /// <summary>True when inputs and outputs are [N, L, E].</summary>
    public bool BatchFirst { get; }

    /// <summary>The output projection.</summary>
    public Linear OutProj { get; }

    /// <summary>The stacked query, key and value projections, [3E, E].</summary>
    public Tensor InProjWeight => Parameter("in_proj_weight");

    /// <summary>The stacked projection biases, [3E], or null.</summary>
    public Tensor? InProjBias => OptionalParameter("in_proj_bias");

    /// <summary>Self-attention of <paramref name="input"/>.</summary>
    public override Tensor Forward(Tensor input) => Observed(input, Attend(input, input, input, needWeights: false).Output);

    /// <summary>
    /// Attends from <paramref name="query"/> [L, N, E] to <paramref name="key"/> and <paramref name="value"/>
    /// [S, N, E]; returns the output [L, N, E] and, with <paramref name="needWeights"/>, the attention weights
    /// averaged over the heads [N, L, S] (PyTorch's <c>need_weights</c>; without it they are not computed and null).
    /// The heads attend through the fused <see cref="Functional.ScaledDotProductAttention"/>.
    /// </summary>
    public (Tensor Output, Tensor? Weights) Attend(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask = null,
        Tensor? attentionMask = null, bool isCausal = false, bool needWeights = true)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        foreach (var (t, name) in new[] { (query, "query"), (key, "key"), (value, "value") })
            if (t.Rank != 3 || t.Size(-1) != EmbedDim)
                throw new ArgumentException($"MultiheadAttention: the {name} must be {(BatchFirst ? "[N, L, E]" : "[L, N, E]")} with E = {EmbedDim}, got shape {t.Shape}.");
        // Work batch-first: [N, L, E].
        var q = BatchFirst ? query : query.Transpose(0, 1);
        var k = BatchFirst ? key : key.Transpose(0, 1);
        var v = BatchFirst ? value : value.Transpose(0, 1);
        int n = q.Size(0), l = q.Size(1), s = k.Size(1), d = EmbedDim / NumHeads;
        if (k.Size(0) != n || v.Size(0) != n || v.Size(1) != s)
            throw new ArgumentException($"MultiheadAttention: query {query.Shape}, key {key.Shape} and value {value.Shape} do not agree in batch or length.");
        var w = InProjWeight.Chunk(3, 0);
        var b = InProjBias?.Chunk(3, 0);
        Tensor Heads(Tensor x, int i, int length) =>
            Functional.Linear(x, w[i], b?[i]).Reshape(n, length, NumHeads, d).Transpose(1, 2);   // [N, h, len, d]
        var qh = Heads(q, 0, l);
        var kh = Heads(k, 1, s);
        var vh = Heads(v, 2, s);

        // Both masks become one additive mask that broadcasts over the heads: [L, S], [N, 1, 1, S] or their sum.
        Tensor? mask = null;
        if (attentionMask is not null)
        {
            if (attentionMask.Rank != 2 || attentionMask.Size(0) != l || attentionMask.Size(1) != s)
                throw new ArgumentException($"MultiheadAttention: the attention mask must be [{l}, {s}], got shape {attentionMask.Shape}.");
            mask = attentionMask.To(qh.DType);
        }
        if (keyPaddingMask is not null)
        {
            if (keyPaddingMask.Rank != 2 || keyPaddingMask.Size(0) != n || keyPaddingMask.Size(1) != s)
                throw new ArgumentException($"MultiheadAttention: the key padding mask must be [{n}, {s}], got shape {keyPaddingMask.Shape}.");
            Tensor padding;
            using (Autograd.NoGrad())
            {
                var padded = keyPaddingMask.To(qh.DType).Ne(0).Reshape(n, 1, 1, s);
                padding = Tensor.Where(padded, Tensor.Scalar(double.NegativeInfinity, qh.DType), Tensor.Scalar(0.0, qh.DType));
            }
            mask = mask is null ? padding : padding.Add(mask);
        }
        var heads = Functional.ScaledDotProductAttention(qh, kh, vh, mask, isCausal);   // [N, h, L, d]
        var merged = heads.Transpose(1, 2).Reshape(n, l, EmbedDim);
        var output = OutProj.Call(merged);
        return (BatchFirst ? output : output.Transpose(0, 1), needWeights ? AverageWeights(qh, kh, mask, isCausal) : null);
    }

    // The fused op keeps its probabilities to itself; the weights a caller asks for are computed again, composed.
    private static Tensor AverageWeights(Tensor qh, Tensor kh, Tensor? mask, bool isCausal)
    {
        var scores = qh.MatMul(kh.Transpose(-1, -2)).Div(Math.Sqrt(qh.Size(-1)));
        if (isCausal) scores = scores.Add(Functional.CausalMask(qh.Size(-2), kh.Size(-2), scores.DType));
        if (mask is not null) scores = scores.Add(mask);
        return scores.Softmax(-1).Mean([1]);
    }
}
