namespace SharpGrad.NN;

/// <summary>
/// A transformer encoder layer as PyTorch's <c>nn.TransformerEncoderLayer</c>: self-attention and a
/// two-layer feed-forward network, each with a residual connection, layer normalisation and dropout;
/// post-norm (x = norm(x + f(x)), PyTorch's default) or pre-norm (x = x + f(norm(x)), <c>normFirst</c>),
/// ReLU or GELU between the two linear layers. Children are named as PyTorch names them
/// (<c>self_attn</c>, <c>linear1</c>, <c>linear2</c>, <c>norm1</c>, <c>norm2</c>), so its weights load.
/// Inputs are [S, N, E] ([N, S, E] with <c>batchFirst</c>).
/// </summary>
public class TransformerEncoderLayer : Module
{
    private readonly Generator? generator;

    /// <summary>Creates the layer.</summary>
    public TransformerEncoderLayer(int dModel, int numHeads, int dimFeedforward = 2048, double dropout = 0.1, bool gelu = false,
        bool batchFirst = false, bool normFirst = false, Generator? generator = null, DType dtype = DType.Float32)
    {
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), $"Dropout must be in [0, 1), got {dropout}.");
        Dropout = dropout;
        Gelu = gelu;
        NormFirst = normFirst;
        this.generator = generator;
        SelfAttention = RegisterModule("self_attn", new MultiheadAttention(dModel, numHeads, batchFirst: batchFirst, generator: generator, dtype: dtype));
        Linear1 = RegisterModule("linear1", new Linear(dModel, dimFeedforward, generator: generator, dtype: dtype));
        Linear2 = RegisterModule("linear2", new Linear(dimFeedforward, dModel, generator: generator, dtype: dtype));
        Norm1 = RegisterModule("norm1", new LayerNorm([dModel], dtype: dtype));
        Norm2 = RegisterModule("norm2", new LayerNorm([dModel], dtype: dtype));
    }

    /// <summary>The self-attention block.</summary>
    public MultiheadAttention SelfAttention { get; }

    /// <summary>The first feed-forward layer, E → dimFeedforward.</summary>
    public Linear Linear1 { get; }

    /// <summary>The second feed-forward layer, dimFeedforward → E.</summary>
    public Linear Linear2 { get; }

    /// <summary>The normalisation of the attention block.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>The normalisation of the feed-forward block.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>The dropout probability (training mode only).</summary>
    public double Dropout { get; }

    /// <summary>True for GELU between the feed-forward layers, false for ReLU.</summary>
    public bool Gelu { get; }

    /// <summary>True for pre-norm residual blocks.</summary>
    public bool NormFirst { get; }

    /// <summary>The layer applied with no masks (a causal layer masks itself).</summary>
    public override Tensor Forward(Tensor input) => Observed(input, Encode(input));

    /// <summary>The layer with an optional additive attention mask [S, S], key padding mask [N, S] and causal masking.</summary>
    public Tensor Encode(Tensor input, Tensor? attentionMask = null, Tensor? keyPaddingMask = null, bool isCausal = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        isCausal |= IsCausal;
        Tensor Attention(Tensor x) => Drop(SelfAttention.Attend(x, x, x, keyPaddingMask, attentionMask, isCausal, needWeights: false).Output);
        Tensor FeedForward(Tensor x)
        {
            var hidden = Linear1.Call(x);
            return Drop(Linear2.Call(Drop(Gelu ? hidden.Gelu() : hidden.Relu())));
        }
        var h = input;
        if (NormFirst)
        {
            h = h.Add(Attention(Norm1.Call(h)));
            return h.Add(FeedForward(Norm2.Call(h)));
        }
        h = Norm1.Call(h.Add(Attention(h)));
        return Norm2.Call(h.Add(FeedForward(h)));
    }

    /// <summary>Whether every application masks future positions (a decoder-only block).</summary>
    public virtual bool IsCausal => false;

    private Tensor Drop(Tensor x) => Functional.Dropout(x, Dropout, Training, generator);
}

/// <summary>
/// A decoder-only (GPT-style) transformer block: pre-norm causal self-attention and a GELU
/// feed-forward network, each with a residual connection, so position t sees positions ≤ t only.
/// Parameters are named as in <see cref="TransformerEncoderLayer"/>.
/// </summary>
public sealed class DecoderBlock(int dModel, int numHeads, int dimFeedforward, double dropout = 0, bool batchFirst = true,
    Generator? generator = null, DType dtype = DType.Float32)
    : TransformerEncoderLayer(dModel, numHeads, dimFeedforward, dropout, gelu: true, batchFirst, normFirst: true, generator, dtype)
{
    /// <inheritdoc/>
    public override bool IsCausal => true;
}
