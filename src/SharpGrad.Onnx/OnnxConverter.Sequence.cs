using SharpGrad.NN;

namespace SharpGrad.IO.Onnx;

// The sequence layers. Letters: N batch, T (L, S) sequence length, E embedding width, H hidden size, h heads,
// d = E/h the head width, G the gate blocks of a recurrent cell.
//
// Recurrent networks map to ONNX's RNN/GRU/LSTM ops, one node per layer, in the default time-major layout (ONNX
// Runtime implements no other), with transposes around them for batch-first models. PyTorch and ONNX stack the gate
// blocks in different orders — LSTM i,f,g,o against i,o,f,c; GRU r,z,n against z,r,h — so the weights are
// reordered here, and the GRU runs with linear_before_reset = 1, PyTorch's n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)).
// Attention is spelled out with MatMul, Reshape, Transpose, Softmax and LayerNormalization, reshapes copying the
// batch and length dimensions (0) so that both stay dynamic; a causal mask is an initializer of the traced length.
internal sealed partial class OnnxConverter
{
    private static bool IsSequenceLayer(Module m) => m is Embedding or Conv1d or SinusoidalPositionalEncoding or LearnedPositionalEmbedding
        or Recurrent or MultiheadAttention or TransformerEncoderLayer;

    private Value ConvertSequenceLayer(Module module, string path, Value x)
    {
        if (module is Embedding && x.Traced.DType != DType.Int32)
            throw Unsupported(module, path, "an Embedding reads token indices, so it must be the model's first layer (the exported input is then int64)");
        var y = module.Call(x.Traced);
        string hint = path.Length == 0 ? module.GetType().Name : path;
        string output = module switch
        {
            Embedding embedding => graph.Add("Gather", hint, [graph.AddFloats(hint + ".weight", Floats(embedding.Weight), Dims(embedding.Weight)), x.Name],
                OnnxAttribute.Of("axis", 0L)),
            Conv1d conv => EmitConv1d(conv, hint, x),
            SinusoidalPositionalEncoding table => EmitPositions(table.Table, hint, x),
            LearnedPositionalEmbedding table => EmitPositions(table.Weight, hint, x),
            Recurrent recurrent => EmitRecurrent(recurrent, hint, x.Name),
            MultiheadAttention attention => EmitSelfAttention(attention, hint, x.Name, x.Traced.Size(attention.BatchFirst ? 1 : 0), causal: false),
            TransformerEncoderLayer layer => EmitEncoderLayer(layer, hint, x),
            _ => throw Unsupported(module, path, $"supported layers are {Supported}"),
        };
        graph.Values.Add(new OnnxGraph.ValueInfo(output, Shape(y, x.BatchLeading)));
        return new Value(output, y, x.BatchLeading);
    }

    private string EmitConv1d(Conv1d conv, string hint, Value x)
    {
        var weight = conv.Weight;
        var inputs = new List<string> { x.Name, graph.AddFloats(hint + ".weight", Floats(weight), Dims(weight)) };
        if (conv.Bias is { } b) inputs.Add(graph.AddFloats(hint + ".bias", Floats(b), b.Shape[0]));
        return graph.Add("Conv", hint, inputs.ToArray(),
            // One-element lists: written as arrays so that they are INTS, not a single INT.
            OnnxAttribute.Of("kernel_shape", new long[] { weight.Shape[2] }),
            OnnxAttribute.Of("strides", new long[] { conv.Stride }),
            OnnxAttribute.Of("pads", conv.Padding, (long)conv.Padding),
            OnnxAttribute.Of("dilations", new long[] { conv.Dilation }),
            OnnxAttribute.Of("group", (long)conv.Groups));
    }

    /// <summary>x + table[:T], the rows of the traced length T (the length is fixed by the trace, the batch is not).</summary>
    private string EmitPositions(Tensor table, string hint, Value x)
    {
        int length = x.Traced.Size(-2), width = table.Shape[1];
        Tensor rows;
        using (Autograd.NoGrad()) rows = table.Narrow(0, 0, length);
        return graph.Add("Add", hint, [x.Name, graph.AddFloats(hint + ".positions", Floats(rows), length, width)]);
    }

    private string EmitRecurrent(Recurrent rnn, string hint, string input)
    {
        var state = rnn.StateDict();
        int hidden = rnn.HiddenSize;
        (string op, int[] order) = rnn.Kind switch
        {
            RecurrentKind.Lstm => ("LSTM", new[] { 0, 3, 1, 2 }),   // PyTorch i, f, g, o → ONNX i, o, f, c
            RecurrentKind.Gru => ("GRU", new[] { 1, 0, 2 }),        // PyTorch r, z, n → ONNX z, r, h
            _ => ("RNN", new[] { 0 }),
        };
        string x = rnn.BatchFirst ? graph.Add("Transpose", hint + ".time_major", [input], OnnxAttribute.Of("perm", 1L, 0, 2)) : input;
        for (int l = 0; l < rnn.NumLayers; l++)
        {
            string layer = $"{hint}.l{l}";
            var wih = state[$"weight_ih_l{l}"];
            var whh = state[$"weight_hh_l{l}"];
            int gh = wih.Shape[0], inputSize = wih.Shape[1];
            var inputs = new List<string>
            {
                x,
                graph.AddFloats(layer + ".W", Reorder(Floats(wih), order, hidden, inputSize), 1, gh, inputSize),
                graph.AddFloats(layer + ".R", Reorder(Floats(whh), order, hidden, hidden), 1, gh, hidden),
            };
            if (state.TryGetValue($"bias_ih_l{l}", out var bih))
            {
                var bhh = state[$"bias_hh_l{l}"];
                inputs.Add(graph.AddFloats(layer + ".B", [.. Reorder(Floats(bih), order, hidden, 1), .. Reorder(Floats(bhh), order, hidden, 1)], 1, 2L * gh));
            }
            var attributes = new List<OnnxAttribute> { OnnxAttribute.Of("hidden_size", (long)hidden) };
            if (rnn.Kind == RecurrentKind.Gru) attributes.Add(OnnxAttribute.Of("linear_before_reset", 1L));
            if (rnn.Kind == RecurrentKind.Rnn && rnn.Nonlinearity == RnnNonlinearity.Relu) attributes.Add(OnnxAttribute.Strings("activations", "Relu"));
            // Y is [T, directions, N, H]; the one direction is squeezed away.
            string y = graph.Add(op, layer + ".Y", inputs.ToArray(), [.. attributes]);
            x = graph.Add("Squeeze", layer, [y, graph.AddInt64s(layer + ".axes", 1)]);
        }
        return rnn.BatchFirst ? graph.Add("Transpose", hint, [x], OnnxAttribute.Of("perm", 1L, 0, 2)) : x;
    }

    /// <summary>The G gate blocks of H rows (each <paramref name="columns"/> wide) put in ONNX's order: block j is PyTorch's block order[j].</summary>
    private static float[] Reorder(float[] weights, int[] order, int hidden, int columns)
    {
        int block = hidden * columns;
        var result = new float[weights.Length];
        for (int j = 0; j < order.Length; j++)
            Array.Copy(weights, order[j] * block, result, j * block, block);
        return result;
    }

    /// <summary>
    /// Self-attention: the three projections, heads split as [N, h, L, d] (keys as [N, h, d, L]), scores scaled by
    /// 1/√d and masked when causal, Softmax over the keys, the heads merged and the output projection.
    /// </summary>
    private string EmitSelfAttention(MultiheadAttention attention, string hint, string input, int length, bool causal)
    {
        int e = attention.EmbedDim, heads = attention.NumHeads, d = e / heads;
        string x = attention.BatchFirst ? input : graph.Add("Transpose", hint + ".batch_first", [input], OnnxAttribute.Of("perm", 1L, 0, 2));
        Tensor[] w, b;
        using (Autograd.NoGrad())
        {
            w = attention.InProjWeight.Chunk(3, 0);
            b = attention.InProjBias?.Chunk(3, 0) ?? [];
        }
        string[] names = ["q", "k", "v"];
        var split = new string[3];
        for (int i = 0; i < 3; i++)
        {
            string projected = MatMulAdd($"{hint}.{names[i]}_proj", x, w[i], b.Length > 0 ? b[i] : null);
            string shaped = graph.Add("Reshape", $"{hint}.{names[i]}_heads", [projected, graph.AddInt64s($"{hint}.{names[i]}_shape", 0, 0, heads, d)]);
            // Keys go straight to [N, h, d, L], so the score product needs no further transpose.
            split[i] = graph.Add("Transpose", $"{hint}.{names[i]}", [shaped], i == 1 ? OnnxAttribute.Of("perm", 0L, 2, 3, 1) : OnnxAttribute.Of("perm", 0L, 2, 1, 3));
        }
        string scores = graph.Add("MatMul", hint + ".qk", [split[0], split[1]]);
        scores = graph.Add("Mul", hint + ".scores", [scores, graph.AddFloats(hint + ".scale", [(float)(1 / Math.Sqrt(d))])]);
        if (causal)
        {
            var mask = new float[length * length];
            for (int i = 0; i < length; i++)
                for (int j = i + 1; j < length; j++)
                    mask[i * length + j] = float.NegativeInfinity;
            scores = graph.Add("Add", hint + ".masked", [scores, graph.AddFloats(hint + ".causal_mask", mask, length, length)]);
        }
        string probabilities = graph.Add("Softmax", hint + ".weights", [scores], OnnxAttribute.Of("axis", -1L));
        string attended = graph.Add("MatMul", hint + ".attended", [probabilities, split[2]]);
        string merged = graph.Add("Transpose", hint + ".merge", [attended], OnnxAttribute.Of("perm", 0L, 2, 1, 3));
        merged = graph.Add("Reshape", hint + ".merged", [merged, graph.AddInt64s(hint + ".merged_shape", 0, 0, e)]);
        string output = MatMulAdd(hint + ".out_proj", merged, attention.OutProj.Weight, attention.OutProj.Bias);
        return attention.BatchFirst ? output : graph.Add("Transpose", hint, [output], OnnxAttribute.Of("perm", 1L, 0, 2));
    }

    /// <summary>Post-norm x = norm(x + f(x)) or pre-norm x = x + f(norm(x)), for the attention and the feed-forward block.</summary>
    private string EmitEncoderLayer(TransformerEncoderLayer layer, string hint, Value x)
    {
        int length = x.Traced.Size(layer.SelfAttention.BatchFirst ? 1 : 0);
        Value At(string name) => x with { Name = name };
        string Attention(string input) => EmitSelfAttention(layer.SelfAttention, hint + ".self_attn", input, length, layer.IsCausal);
        string FeedForward(string input)
        {
            string hidden = EmitLinear(layer.Linear1, hint + ".linear1", At(input));
            hidden = layer.Gelu ? EmitGelu(hint + ".gelu", At(hidden)) : graph.Add("Relu", hint + ".relu", [hidden]);
            return EmitLinear(layer.Linear2, hint + ".linear2", At(hidden));
        }
        string h = x.Name;
        if (layer.NormFirst)
        {
            h = graph.Add("Add", hint + ".residual1", [h, Attention(EmitLayerNorm(layer.Norm1, hint + ".norm1", At(h)))]);
            return graph.Add("Add", hint, [h, FeedForward(EmitLayerNorm(layer.Norm2, hint + ".norm2", At(h)))]);
        }
        h = EmitLayerNorm(layer.Norm1, hint + ".norm1", At(graph.Add("Add", hint + ".residual1", [h, Attention(h)])));
        return EmitLayerNorm(layer.Norm2, hint, At(graph.Add("Add", hint + ".residual2", [h, FeedForward(h)])));
    }

    /// <summary>x·Wᵀ (+ b) for W [out, in], as MatMul with the transposed weight stored.</summary>
    private string MatMulAdd(string hint, string input, Tensor weight, Tensor? bias)
    {
        var w = Floats(weight);
        int outF = weight.Shape[0], inF = weight.Shape[1];
        var wt = new float[w.Length];
        for (int o = 0; o < outF; o++)
            for (int i = 0; i < inF; i++)
                wt[i * outF + o] = w[o * inF + i];
        string product = graph.Add("MatMul", hint + ".matmul", [input, graph.AddFloats(hint + ".weight_t", wt, inF, outF)]);
        return bias is null ? product : graph.Add("Add", hint, [product, graph.AddFloats(hint + ".bias", Floats(bias), outF)]);
    }

    private static long[] Dims(Tensor t) => t.Shape.ToArray().Select(d => (long)d).ToArray();
}
