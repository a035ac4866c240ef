namespace SharpGrad.IO.Onnx;

/// <summary>
/// Encodes an <see cref="OnnxGraph"/> as an ONNX ModelProto. The field numbers below are those of
/// the public ONNX schema (onnx.proto); each message is built bottom-up because protobuf writes a
/// sub-message's length before its bytes. Only the fields an exporter needs are written.
/// </summary>
internal static class OnnxModelWriter
{
    // ModelProto
    private const int ModelIrVersion = 1, ModelProducerName = 2, ModelProducerVersion = 3, ModelGraph = 7, ModelOpsetImport = 8;
    // OperatorSetIdProto
    private const int OpsetDomain = 1, OpsetVersion = 2;
    // GraphProto
    private const int GraphNode = 1, GraphName = 2, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12, GraphValueInfo = 13;
    // NodeProto
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5;
    // AttributeProto
    private const int AttrName = 1, AttrF = 2, AttrI = 3, AttrS = 4, AttrInts = 8, AttrStrings = 9, AttrType = 20;
    // TensorProto
    private const int TensorDims = 1, TensorDataType = 2, TensorName = 8, TensorRawData = 9;
    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension
    private const int ValueName = 1, ValueType = 2, TypeTensor = 1, TensorElemType = 1, TensorShape = 2, ShapeDim = 1, DimValue = 1, DimParam = 2;

    public static byte[] Encode(OnnxGraph graph, string graphName, long irVersion, long opset, string producerVersion)
    {
        var g = new ProtoWriter();
        foreach (var node in graph.Nodes) g.Message(GraphNode, EncodeNode(node));
        g.String(GraphName, graphName);
        foreach (var init in graph.Initializers) g.Message(GraphInitializer, EncodeTensor(init));
        g.Message(GraphInput, EncodeValue(graph.Input ?? throw new InvalidOperationException("The graph has no input.")));
        g.Message(GraphOutput, EncodeValue(graph.Output ?? throw new InvalidOperationException("The graph has no output.")));
        foreach (var value in graph.Values) g.Message(GraphValueInfo, EncodeValue(value));

        return new ProtoWriter()
            .Int64(ModelIrVersion, irVersion)
            .String(ModelProducerName, "SharpGrad")
            .String(ModelProducerVersion, producerVersion)
            .Message(ModelGraph, g)
            // The default (empty) domain is the standard ai.onnx operator set.
            .Message(ModelOpsetImport, new ProtoWriter().String(OpsetDomain, "").Int64(OpsetVersion, opset))
            .ToArray();
    }

    private static ProtoWriter EncodeNode(OnnxGraph.Node node)
    {
        var w = new ProtoWriter();
        foreach (var input in node.Inputs) w.String(NodeInput, input);
        foreach (var output in node.Outputs) w.String(NodeOutput, output);
        w.String(NodeName, node.Name).String(NodeOpType, node.OpType);
        foreach (var attribute in node.Attributes) w.Message(NodeAttribute, EncodeAttribute(attribute));
        return w;
    }

    private static ProtoWriter EncodeAttribute(OnnxAttribute a)
    {
        var w = new ProtoWriter().String(AttrName, a.Name);
        switch (a.Type)
        {
            case OnnxAttribute.FloatType: w.Float(AttrF, a.Float); break;
            case OnnxAttribute.IntType: w.Int64(AttrI, a.Int); break;
            case OnnxAttribute.StringType: w.Bytes(AttrS, System.Text.Encoding.UTF8.GetBytes(a.Text!)); break;
            case OnnxAttribute.IntsType: foreach (var v in a.Ints!) w.Int64(AttrInts, v); break;
            case OnnxAttribute.StringsType: foreach (var s in a.Texts!) w.Bytes(AttrStrings, System.Text.Encoding.UTF8.GetBytes(s)); break;
            default: throw new InvalidOperationException($"Unknown attribute type {a.Type}.");
        }
        return w.Int64(AttrType, a.Type);
    }

    private static ProtoWriter EncodeTensor(OnnxGraph.Initializer t)
    {
        var w = new ProtoWriter();
        foreach (var d in t.Dims) w.Int64(TensorDims, d);
        return w.Int64(TensorDataType, t.DataType).String(TensorName, t.Name).Bytes(TensorRawData, t.RawData);
    }

    private static ProtoWriter EncodeValue(OnnxGraph.ValueInfo value)
    {
        var shape = new ProtoWriter();
        foreach (var d in value.Shape)
        {
            var dim = new ProtoWriter();
            if (d == OnnxGraph.BatchDim) dim.String(DimParam, "batch");
            else if (d >= 0) dim.Int64(DimValue, d);
            shape.Message(ShapeDim, dim);
        }
        var tensorType = new ProtoWriter().Int64(TensorElemType, value.ElemType).Message(TensorShape, shape);
        return new ProtoWriter()
            .String(ValueName, value.Name)
            .Message(ValueType, new ProtoWriter().Message(TypeTensor, tensorType));
    }
}
