using System.Reflection;
using Module = SharpGrad.NN.Module;
using SharpGrad.NN;

namespace SharpGrad.IO.Onnx;

/// <summary>
/// Exports a model to ONNX (opset 17, IR version 8), the format ONNX Runtime and most inference
/// stacks load. Supported: <see cref="Sequential"/> stacks (nested too) of <see cref="Linear"/>,
/// <see cref="Conv2d"/>, <see cref="MaxPool2d"/>, <see cref="AvgPool2d"/>,
/// <see cref="AdaptiveAvgPool2d"/> (when the input divides into equal bins),
/// <see cref="BatchNorm1d"/>/<see cref="BatchNorm2d"/> (as in eval mode, with the running
/// statistics), <see cref="LayerNorm"/>, <see cref="Flatten"/>, <see cref="Dropout"/> (the
/// identity), <see cref="ReLU"/>, <see cref="LeakyReLU"/>, <see cref="Sigmoid"/>,
/// <see cref="Tanh"/>, <see cref="GELU"/> (exact, via Erf) and <see cref="NN.Softmax"/>; and the sequence
/// layers <see cref="Embedding"/> (Gather, as the first layer: the graph input is then int64 token
/// indices), <see cref="Conv1d"/>, <see cref="SinusoidalPositionalEncoding"/> and
/// <see cref="LearnedPositionalEmbedding"/> (Add of the rows of the traced length), <see cref="RNN"/>,
/// <see cref="GRU"/> and <see cref="LSTM"/> (ONNX's RNN, GRU and LSTM ops, one per layer, gate blocks
/// reordered), and <see cref="MultiheadAttention"/> (self-attention), <see cref="TransformerEncoderLayer"/> and
/// <see cref="DecoderBlock"/> (MatMul, Softmax, LayerNormalization and reshapes; a causal block masks with
/// the traced length). The graph has one input (float32, or int64 for an Embedding) and one float32
/// output, named as asked, whose first dimension is the symbolic "batch", so any batch size runs; the weights are initializers (float32, even
/// for a float64 model). The model is traced once on a zero input of the given shape in eval
/// mode, which fixes every dimension except the batch.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The ONNX operator-set version the exported graph uses.</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version written in the model (8 is the IR that goes with opset 17).</summary>
    public const int IrVersion = 8;

    /// <summary>
    /// Writes <paramref name="model"/> as an ONNX file at <paramref name="path"/>, atomically (a
    /// failed export leaves any existing file untouched).
    /// </summary>
    /// <param name="model">The model; it is put back in its training mode afterwards.</param>
    /// <param name="inputShape">One input's shape including the batch dimension, e.g. [1, 1, 28, 28]; the batch size used here does not limit the exported model.</param>
    /// <param name="path">The .onnx file to write.</param>
    /// <param name="inputName">The graph input's name.</param>
    /// <param name="outputName">The graph output's name.</param>
    /// <exception cref="NotSupportedException">A layer cannot be expressed in ONNX; the message names its type and its path in the model (e.g. "Embedding at 'features.3'").</exception>
    /// <exception cref="ArgumentException">The input shape does not fit the model, or the names are empty or equal.</exception>
    /// <exception cref="DirectoryNotFoundException">The target directory does not exist.</exception>
    public static void Export(Module model, int[] inputShape, string path, string inputName = "input", string outputName = "output")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = ToBytes(model, inputShape, inputName, outputName);
        AtomicFile.Write(path, stream => stream.Write(bytes), "OnnxExporter.Export");
    }

    /// <summary>The serialized ONNX ModelProto that <see cref="Export"/> writes, for callers that keep it in memory.</summary>
    /// <inheritdoc cref="Export" path="/param[@name='model' or @name='inputShape' or @name='inputName' or @name='outputName']"/>
    /// <inheritdoc cref="Export" path="/exception"/>
    public static byte[] ToBytes(Module model, int[] inputShape, string inputName = "input", string outputName = "output")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentException.ThrowIfNullOrEmpty(inputName);
        ArgumentException.ThrowIfNullOrEmpty(outputName);
        if (inputName == outputName)
            throw new ArgumentException($"The ONNX input and output need different names, both are \"{inputName}\".", nameof(outputName));
        if (inputShape.Length == 0 || inputShape.Any(d => d <= 0))
            throw new ArgumentException($"The input shape must list positive sizes, batch first, got [{string.Join(", ", inputShape)}].", nameof(inputShape));

        var graph = new OnnxGraph();
        graph.UniqueName(inputName);
        graph.UniqueName(outputName);
        bool wasTraining = model.Training;
        OnnxConverter.Value result;
        try
        {
            model.Eval();
            var dtype = model.Parameters().FirstOrDefault()?.DType ?? DType.Float32;
            using (Autograd.NoGrad())
            {
                var input = new OnnxConverter.Value(inputName, Tensor.Zeros(inputShape, ReadsTokens(model) ? DType.Int32 : dtype), BatchLeading: true);
                result = new OnnxConverter(graph).Convert(model, "", input);
            }
        }
        finally
        {
            model.Train(wasTraining);
        }

        graph.Input = new OnnxGraph.ValueInfo(inputName, OnnxConverter.Shape(Tensor.Zeros(inputShape), batchLeading: true),
            ReadsTokens(model) ? OnnxGraph.Int64 : OnnxGraph.Float32);
        // The last layer's output becomes the graph output; a model that computes nothing (only dropout) gets an Identity.
        if (result.Name == inputName)
            graph.Nodes.Add(new OnnxGraph.Node("Identity", graph.UniqueName("Identity"), [inputName], [outputName], []));
        else
            graph.Rename(result.Name, outputName);
        graph.Output = new OnnxGraph.ValueInfo(outputName, OnnxConverter.Shape(result.Traced, result.BatchLeading));

        string version = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        return OnnxModelWriter.Encode(graph, model.GetType().Name, IrVersion, Opset, version);
    }

    // A model whose first layer is an Embedding takes token indices, not features.
    private static bool ReadsTokens(Module model)
    {
        while (model is Sequential sequential && sequential.NamedChildren().Count > 0)
            model = sequential.NamedChildren()[0].Value;
        return model is Embedding;
    }
}
