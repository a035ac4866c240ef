using System.Buffers.Binary;

namespace SharpGrad.IO.Onnx;

/// <summary>
/// The graph being exported, before encoding: nodes in execution order, initializers (the
/// weights, as little-endian raw bytes), the intermediate values' shapes, and the graph's single
/// input and output. Shapes are long arrays in which <see cref="BatchDim"/> stands for the
/// symbolic batch dimension and <see cref="UnknownDim"/> for a size ONNX is not told.
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>A dimension written as dim_param "batch", so any batch size is accepted.</summary>
    public const long BatchDim = -1;

    /// <summary>A dimension written with neither a value nor a parameter.</summary>
    public const long UnknownDim = -2;

    /// <summary>ONNX TensorProto.DataType codes.</summary>
    public const int Float32 = 1, Int64 = 7;

    public sealed record Node(string OpType, string Name, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes);

    public sealed record Initializer(string Name, int DataType, long[] Dims, byte[] RawData);

    public sealed record ValueInfo(string Name, long[] Shape, int ElemType = Float32);

    private readonly HashSet<string> names = [];

    public List<Node> Nodes { get; } = [];

    public List<Initializer> Initializers { get; } = [];

    public List<ValueInfo> Values { get; } = [];

    public ValueInfo? Input { get; set; }

    public ValueInfo? Output { get; set; }

    /// <summary>A value name not used yet, derived from <paramref name="hint"/>; ONNX requires every value to have one producer.</summary>
    public string UniqueName(string hint)
    {
        string name = hint;
        for (int i = 1; !names.Add(name); i++) name = $"{hint}_{i}";
        return name;
    }

    /// <summary>Appends a node with one output named after <paramref name="hint"/> and returns that output's name.</summary>
    public string Add(string opType, string hint, string[] inputs, params OnnxAttribute[] attributes)
    {
        string output = UniqueName(hint);
        Nodes.Add(new Node(opType, UniqueName(hint + "/" + opType), inputs, [output], attributes));
        return output;
    }

    /// <summary>Adds a float32 initializer and returns its (possibly de-duplicated) name.</summary>
    public string AddFloats(string hint, float[] data, params long[] dims)
    {
        var bytes = new byte[data.Length * sizeof(float)];
        for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), data[i]);
        return AddInitializer(hint, Float32, dims, bytes);
    }

    /// <summary>Adds an int64 initializer (shapes and axes for Reshape and Slice) and returns its name.</summary>
    public string AddInt64s(string hint, params long[] data)
    {
        var bytes = new byte[data.Length * sizeof(long)];
        for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), data[i]);
        return AddInitializer(hint, Int64, [data.Length], bytes);
    }

    /// <summary>Renames a value everywhere it appears (used to give the last layer's output the graph's output name).</summary>
    public void Rename(string from, string to)
    {
        for (int i = 0; i < Nodes.Count; i++)
        {
            var node = Nodes[i];
            Nodes[i] = node with
            {
                Inputs = node.Inputs.Select(n => n == from ? to : n).ToArray(),
                Outputs = node.Outputs.Select(n => n == from ? to : n).ToArray(),
            };
        }
        Values.RemoveAll(v => v.Name == from);
        names.Add(to);
    }

    private string AddInitializer(string hint, int dataType, long[] dims, byte[] bytes)
    {
        string name = UniqueName(hint);
        Initializers.Add(new Initializer(name, dataType, dims, bytes));
        return name;
    }
}
