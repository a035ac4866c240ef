using SharpGrad.NN;

namespace SharpGrad.IO.Onnx;

/// <summary>
/// Turns a module tree into ONNX nodes while tracing it: each leaf layer is run on the traced
/// input (a zero batch, eval mode, no gradients), and the nodes it becomes are chosen from its
/// settings and from the shapes it actually saw, which is what AdaptiveAvgPool2d and Flatten need.
/// Shapes: N = batch (dynamic in the exported graph), C = channels, H, W = height, width.
/// </summary>
internal sealed partial class OnnxConverter(OnnxGraph graph)
{
    /// <summary>A value in the graph: its name, the tensor the trace produced for it, and whether dimension 0 is still the batch.</summary>
    public readonly record struct Value(string Name, Tensor Traced, bool BatchLeading);

    /// <summary>The layers <see cref="Convert"/> accepts, for the error message.</summary>
    public const string Supported = "Sequential, Linear, Conv1d, Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, BatchNorm1d, BatchNorm2d, LayerNorm, Flatten, Dropout, ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Softmax, "
        + "Embedding (as the first layer), SinusoidalPositionalEncoding, LearnedPositionalEmbedding, RNN, GRU, LSTM, MultiheadAttention, TransformerEncoderLayer, DecoderBlock";

    public Value Convert(Module module, string path, Value x)
    {
        if (module is Sequential sequential)
        {
            foreach (var (name, child) in sequential.NamedChildren())
                x = Convert(child, path.Length == 0 ? name : path + "." + name, x);
            return x;
        }
        if (IsSequenceLayer(module))
            return ConvertSequenceLayer(module, path, x);
        // Leaf layers only: a custom container's Forward may do anything, so it is refused rather than guessed.
        if (module.NamedChildren().Count > 0 || !IsSupported(module))
            throw Unsupported(module, path, $"supported layers are {Supported}");

        var y = module.Call(x.Traced);
        string hint = path.Length == 0 ? module.GetType().Name : path;
        string output = module switch
        {
            Linear linear => EmitLinear(linear, hint, x),
            Conv2d conv => EmitConv(conv, hint, x),
            MaxPool2d pool => EmitPool("MaxPool", hint, x, y, pool.KernelSize, pool.Stride, pool.Padding, pool.Dilation, pool.CeilMode,
                OnnxAttribute.Of("dilations", pool.Dilation, pool.Dilation)),
            AvgPool2d pool => EmitPool("AveragePool", hint, x, y, pool.KernelSize, pool.Stride, pool.Padding, 1, pool.CeilMode,
                OnnxAttribute.Of("count_include_pad", pool.CountIncludePad ? 1L : 0L)),
            AdaptiveAvgPool2d pool => EmitAdaptivePool(pool, path, hint, x),
            BatchNorm norm => EmitBatchNorm(norm, hint, x),
            LayerNorm norm => EmitLayerNorm(norm, hint, x),
            Flatten flatten => EmitFlatten(flatten, hint, x, y),
            Dropout => x.Name,
            ReLU => graph.Add("Relu", hint, [x.Name]),
            LeakyReLU leaky => graph.Add("LeakyRelu", hint, [x.Name], OnnxAttribute.Of("alpha", (float)leaky.NegativeSlope)),
            Sigmoid => graph.Add("Sigmoid", hint, [x.Name]),
            Tanh => graph.Add("Tanh", hint, [x.Name]),
            GELU => EmitGelu(hint, x),
            NN.Softmax softmax => graph.Add("Softmax", hint, [x.Name], OnnxAttribute.Of("axis", (long)softmax.Dim)),
            _ => throw Unsupported(module, path, $"supported layers are {Supported}"),
        };
        bool batchLeading = x.BatchLeading && !(module is Flatten f && Wrap(f.StartDim, x.Traced.Rank) == 0);
        if (output != x.Name) graph.Values.Add(new OnnxGraph.ValueInfo(output, Shape(y, batchLeading)));
        return new Value(output, y, batchLeading);
    }

    /// <summary>The ONNX shape of a traced tensor: dimension 0 symbolic when it is the batch.</summary>
    public static long[] Shape(Tensor t, bool batchLeading)
    {
        var shape = t.Shape.ToArray().Select(d => (long)d).ToArray();
        if (shape.Length > 0) shape[0] = batchLeading ? OnnxGraph.BatchDim : OnnxGraph.UnknownDim;
        return shape;
    }

    public static NotSupportedException Unsupported(Module module, string path, string why) =>
        new($"{module.GetType().Name} at '{(path.Length == 0 ? "(root)" : path)}' cannot be exported to ONNX: {why}.");

    private static bool IsSupported(Module m) => m is Linear or Conv2d or MaxPool2d or AvgPool2d or AdaptiveAvgPool2d or BatchNorm1d or BatchNorm2d
        or LayerNorm or Flatten or Dropout or ReLU or LeakyReLU or Sigmoid or Tanh or GELU or NN.Softmax;

    /// <summary>y = x·Wᵀ + b: Gemm (transB = 1) for [N, in]; MatMul with a pre-transposed W and Add for higher ranks, where Gemm is not defined.</summary>
    private string EmitLinear(Linear linear, string hint, Value x)
    {
        var weight = linear.Weight;
        long outF = weight.Shape[0], inF = weight.Shape[1];
        if (x.Traced.Rank == 2)
        {
            var inputs = new List<string> { x.Name, graph.AddFloats(hint + ".weight", Floats(weight), outF, inF) };
            if (linear.Bias is { } b) inputs.Add(graph.AddFloats(hint + ".bias", Floats(b), outF));
            return graph.Add("Gemm", hint, inputs.ToArray(), OnnxAttribute.Of("transB", 1L));
        }
        var w = Floats(weight);
        var wt = new float[w.Length];
        for (int o = 0; o < outF; o++)
            for (int i = 0; i < inF; i++)
                wt[i * outF + o] = w[o * inF + i];
        string product = graph.Add("MatMul", hint + ".matmul", [x.Name, graph.AddFloats(hint + ".weight_t", wt, inF, outF)]);
        return linear.Bias is { } bias ? graph.Add("Add", hint, [product, graph.AddFloats(hint + ".bias", Floats(bias), outF)]) : product;
    }

    /// <summary>Conv with ONNX pads [top, left, bottom, right]; "same" pads ⌊d(k − 1)/2⌋ before and the rest after, as PyTorch does.</summary>
    private string EmitConv(Conv2d conv, string hint, Value x)
    {
        var weight = conv.Weight;
        long kh = weight.Shape[2], kw = weight.Shape[3];
        long[] pads = conv.PaddingMode switch
        {
            "same" => SamePads(conv.Dilation[0] * (kh - 1), conv.Dilation[1] * (kw - 1)),
            "valid" => [0, 0, 0, 0],
            _ => [conv.Padding[0], conv.Padding[1], conv.Padding[0], conv.Padding[1]],
        };
        var inputs = new List<string> { x.Name, graph.AddFloats(hint + ".weight", Floats(weight), weight.Shape.ToArray().Select(d => (long)d).ToArray()) };
        if (conv.Bias is { } b) inputs.Add(graph.AddFloats(hint + ".bias", Floats(b), b.Shape[0]));
        return graph.Add("Conv", hint, inputs.ToArray(),
            OnnxAttribute.Of("kernel_shape", kh, kw),
            OnnxAttribute.Of("strides", conv.Stride[0], conv.Stride[1]),
            OnnxAttribute.Of("pads", pads),
            OnnxAttribute.Of("dilations", conv.Dilation[0], conv.Dilation[1]),
            OnnxAttribute.Of("group", (long)conv.Groups));

        static long[] SamePads(long totalH, long totalW) => [totalH / 2, totalW / 2, totalH - totalH / 2, totalW - totalW / 2];
    }

    /// <summary>
    /// MaxPool or AveragePool. With ceil mode, PyTorch drops a last window that would start in the
    /// right padding, while ONNX's output-size formula keeps it; where the two differ, a Slice cuts
    /// the output to the traced size (a no-op for a runtime that already drops it).
    /// </summary>
    private string EmitPool(string op, string hint, Value x, Tensor y, int k, int s, int p, int d, bool ceil, OnnxAttribute extra)
    {
        int h = x.Traced.Shape[2], w = x.Traced.Shape[3], oh = y.Shape[2], ow = y.Shape[3];
        bool slice = ceil && (OnnxCeilSize(h, k, s, p, d) != oh || OnnxCeilSize(w, k, s, p, d) != ow);
        string pooled = graph.Add(op, slice ? hint + ".pool" : hint, [x.Name],
            OnnxAttribute.Of("kernel_shape", k, k),
            OnnxAttribute.Of("strides", s, s),
            OnnxAttribute.Of("pads", p, p, p, p),
            OnnxAttribute.Of("ceil_mode", ceil ? 1L : 0L),
            extra);
        if (!slice) return pooled;
        return graph.Add("Slice", hint, [pooled, graph.AddInt64s(hint + ".starts", 0, 0), graph.AddInt64s(hint + ".ends", oh, ow), graph.AddInt64s(hint + ".axes", 2, 3)]);

        static long OnnxCeilSize(long size, long k, long s, long p, long d) => (size + 2 * p - d * (k - 1) - 1 + s - 1) / s + 1;
    }

    /// <summary>GlobalAveragePool for a 1×1 output; an ordinary AveragePool when the traced input size divides evenly into the bins.</summary>
    private string EmitAdaptivePool(AdaptiveAvgPool2d pool, string path, string hint, Value x)
    {
        int h = x.Traced.Shape[2], w = x.Traced.Shape[3];
        if (pool.OutputHeight == 1 && pool.OutputWidth == 1)
            return graph.Add("GlobalAveragePool", hint, [x.Name]);
        if (h % pool.OutputHeight != 0 || w % pool.OutputWidth != 0)
            throw Unsupported(pool, path,
                $"its {pool.OutputHeight}×{pool.OutputWidth} output bins have unequal sizes for the {h}×{w} input, which ONNX pooling cannot express; use an input size divisible by the output size");
        long kh = h / pool.OutputHeight, kw = w / pool.OutputWidth;
        return graph.Add("AveragePool", hint, [x.Name], OnnxAttribute.Of("kernel_shape", kh, kw), OnnxAttribute.Of("strides", kh, kw));
    }

    /// <summary>
    /// Eval-mode batch norm, y = (x − mean)/√(var + ε)·γ + β per channel. [N, C, …] inputs map to
    /// BatchNormalization; for [N, C] the same affine map is folded into y = x·s + t with
    /// s = γ/√(var + ε) and t = β − mean·s (computed in double), which broadcasts over the last axis.
    /// </summary>
    private string EmitBatchNorm(BatchNorm norm, string hint, Value x)
    {
        var state = norm.StateDict();
        int c = norm.NumFeatures;
        var gamma = state.TryGetValue("weight", out var g) ? Doubles(g) : Enumerable.Repeat(1.0, c).ToArray();
        var beta = state.TryGetValue("bias", out var b) ? Doubles(b) : new double[c];
        var mean = Doubles(norm.RunningMean);
        var variance = Doubles(norm.RunningVar);
        if (x.Traced.Rank == 2)
        {
            var scale = new float[c];
            var shift = new float[c];
            for (int i = 0; i < c; i++)
            {
                double s = gamma[i] / Math.Sqrt(variance[i] + norm.Eps);
                scale[i] = (float)s;
                shift[i] = (float)(beta[i] - mean[i] * s);
            }
            string scaled = graph.Add("Mul", hint + ".scale", [x.Name, graph.AddFloats(hint + ".folded_scale", scale, c)]);
            return graph.Add("Add", hint, [scaled, graph.AddFloats(hint + ".folded_shift", shift, c)]);
        }
        return graph.Add("BatchNormalization", hint,
            [x.Name, graph.AddFloats(hint + ".weight", ToFloat(gamma), c), graph.AddFloats(hint + ".bias", ToFloat(beta), c),
             graph.AddFloats(hint + ".running_mean", ToFloat(mean), c), graph.AddFloats(hint + ".running_var", ToFloat(variance), c)],
            OnnxAttribute.Of("epsilon", (float)norm.Eps));
    }

    /// <summary>LayerNormalization (opset 17) over the last k axes; ONNX needs a scale, so a layer without one gets ones.</summary>
    private string EmitLayerNorm(LayerNorm norm, string hint, Value x)
    {
        var shape = norm.NormalizedShape.Select(d => (long)d).ToArray();
        int count = norm.NormalizedShape.Aggregate(1, (a, d) => a * d);
        var state = norm.StateDict();
        var inputs = new List<string>
        {
            x.Name,
            graph.AddFloats(hint + ".weight", state.TryGetValue("weight", out var w) ? Floats(w) : Enumerable.Repeat(1f, count).ToArray(), shape),
        };
        if (state.TryGetValue("bias", out var b)) inputs.Add(graph.AddFloats(hint + ".bias", Floats(b), shape));
        return graph.Add("LayerNormalization", hint, inputs.ToArray(),
            OnnxAttribute.Of("axis", (long)-shape.Length), OnnxAttribute.Of("epsilon", (float)norm.Eps));
    }

    /// <summary>
    /// ONNX Flatten always makes a matrix [d0·…·d(a−1), da·…], which equals PyTorch's flatten only for
    /// start 1 to the end; anything else is a Reshape to the traced shape, with dimension 0 copied
    /// (0) or, when the batch itself is merged, inferred (−1), so the batch stays dynamic.
    /// </summary>
    private string EmitFlatten(Flatten flatten, string hint, Value x, Tensor y)
    {
        int rank = x.Traced.Rank, start = Wrap(flatten.StartDim, rank), end = Wrap(flatten.EndDim, rank);
        if (start == 1 && end == rank - 1)
            return graph.Add("Flatten", hint, [x.Name], OnnxAttribute.Of("axis", 1L));
        var target = y.Shape.ToArray().Select(d => (long)d).ToArray();
        if (target.Length > 0) target[0] = start == 0 ? -1 : 0;
        return graph.Add("Reshape", hint, [x.Name, graph.AddInt64s(hint + ".shape", target)]);
    }

    /// <summary>Opset 17 has no Gelu, so the exact form 0.5·x·(1 + erf(x/√2)) is spelled out.</summary>
    private string EmitGelu(string hint, Value x)
    {
        string scaled = graph.Add("Div", hint + ".div", [x.Name, graph.AddFloats(hint + ".sqrt2", [(float)Math.Sqrt(2)])]);
        string erf = graph.Add("Erf", hint + ".erf", [scaled]);
        string onePlus = graph.Add("Add", hint + ".add", [erf, graph.AddFloats(hint + ".one", [1f])]);
        string times = graph.Add("Mul", hint + ".mul", [x.Name, onePlus]);
        return graph.Add("Mul", hint, [times, graph.AddFloats(hint + ".half", [0.5f])]);
    }

    private static int Wrap(int dim, int rank) => dim < 0 ? dim + rank : dim;

    private static float[] Floats(Tensor t)
    {
        using (Autograd.NoGrad())
            return t.DType == DType.Float32 ? t.ToFloatArray() : t.To(DType.Float32).ToFloatArray();
    }

    private static double[] Doubles(Tensor t)
    {
        using (Autograd.NoGrad())
            return t.DType == DType.Float64 ? t.ToDoubleArray() : t.To(DType.Float64).ToDoubleArray();
    }

    private static float[] ToFloat(double[] values) => values.Select(v => (float)v).ToArray();
}
