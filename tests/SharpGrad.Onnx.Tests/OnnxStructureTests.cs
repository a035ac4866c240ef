using Google.Protobuf;
using SharpGrad.IO.Onnx;
using SharpGrad.NN;

namespace SharpGrad.Onnx.Tests;

/// <summary>
/// Reads the exported bytes back with Google.Protobuf's <see cref="CodedInputStream"/> and the
/// ONNX schema's field numbers, independently of the writer, to check the parts a consumer relies
/// on: IR version, opset, the named input and output and their symbolic batch dimension.
/// </summary>
public sealed class OnnxStructureTests
{
    /// <summary>A decoded field: varints in <c>Number</c>, length-delimited fields in <c>Bytes</c>.</summary>
    private sealed record Field(int Number, long Number64, byte[]? Bytes);

    private static List<Field> Parse(byte[] message)
    {
        var fields = new List<Field>();
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int number = WireFormat.GetTagFieldNumber(tag);
            switch (WireFormat.GetTagWireType(tag))
            {
                case WireFormat.WireType.Varint: fields.Add(new(number, input.ReadInt64(), null)); break;
                case WireFormat.WireType.LengthDelimited: fields.Add(new(number, 0, input.ReadBytes().ToByteArray())); break;
                case WireFormat.WireType.Fixed32: fields.Add(new(number, input.ReadFixed32(), null)); break;
                default: input.SkipLastField(); break;
            }
        }
        return fields;
    }

    private static byte[] One(List<Field> fields, int number) => Assert.Single(fields, f => f.Number == number).Bytes!;

    private static string Text(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes);

    /// <summary>ValueInfoProto → (name, dims) where a dim is its value or its parameter name.</summary>
    private static (string Name, List<string> Dims) ValueInfo(byte[] bytes)
    {
        var value = Parse(bytes);
        var tensorType = Parse(One(Parse(One(value, 2)), 1));
        Assert.Equal(1, Assert.Single(tensorType, f => f.Number == 1).Number64); // elem_type FLOAT
        var dims = Parse(One(tensorType, 2)).Where(f => f.Number == 1).Select(d =>
        {
            var dim = Parse(d.Bytes!);
            var field = Assert.Single(dim);
            return field.Number == 2 ? Text(field.Bytes!) : field.Number64.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }).ToList();
        return (Text(One(value, 1)), dims);
    }

    [Fact]
    public void Cnn_HasOpset17_IrVersion8_NamedInputAndOutput_WithDynamicBatch()
    {
        var bytes = OnnxExporter.ToBytes(MnistModels.Cnn(new Generator(1)), [3, 1, 28, 28], "pixels", "logits");
        var model = Parse(bytes);
        Assert.Equal(8, Assert.Single(model, f => f.Number == 1).Number64);
        Assert.Equal("SharpGrad", Text(One(model, 2)));
        var opset = Parse(One(model, 8));
        Assert.Equal(17, Assert.Single(opset, f => f.Number == 2).Number64);
        Assert.DoesNotContain(opset, f => f.Number == 1 && f.Bytes!.Length > 0);

        var graph = Parse(One(model, 7));
        var (inName, inDims) = ValueInfo(One(graph, 11));
        Assert.Equal("pixels", inName);
        Assert.Equal(["batch", "1", "28", "28"], inDims);
        var (outName, outDims) = ValueInfo(One(graph, 12));
        Assert.Equal("logits", outName);
        Assert.Equal(["batch", "10"], outDims);

        var ops = graph.Where(f => f.Number == 1).Select(f => Text(One(Parse(f.Bytes!), 4))).ToList();
        Assert.Equal(["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm"], ops);
        // Weights are initializers: 4 weights + 4 biases, named after the state dict.
        var initializers = graph.Where(f => f.Number == 5).Select(f => Text(One(Parse(f.Bytes!), 8))).ToList();
        Assert.Equal(["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias"], initializers);
    }

    [Fact]
    public void Initializer_IsLittleEndianFloat32RawData()
    {
        var linear = new Linear(2, 3, generator: new Generator(2));
        var graph = Parse(One(Parse(OnnxExporter.ToBytes(linear, [1, 2])), 7));
        var weight = Parse(graph.First(f => f.Number == 5).Bytes!);
        Assert.Equal([3L, 2L], weight.Where(f => f.Number == 1).Select(f => f.Number64));
        Assert.Equal(1, Assert.Single(weight, f => f.Number == 2).Number64);
        var raw = One(weight, 9);
        var values = Enumerable.Range(0, 6).Select(i => System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(4 * i))).ToArray();
        Assert.Equal(linear.Weight.ToFloatArray(), values);
    }
}
