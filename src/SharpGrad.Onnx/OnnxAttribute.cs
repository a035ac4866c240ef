namespace SharpGrad.IO.Onnx;

/// <summary>
/// One attribute of an ONNX node: a name and exactly one value, an integer, a float, a list of
/// integers or a string. The <see cref="Type"/> codes are ONNX's AttributeProto.AttributeType
/// (FLOAT = 1, INT = 2, STRING = 3, INTS = 7), which a reader needs to know which field is set.
/// </summary>
internal sealed record OnnxAttribute(string Name, int Type, long Int = 0, float Float = 0, long[]? Ints = null, string? Text = null)
{
    public const int FloatType = 1, IntType = 2, StringType = 3, IntsType = 7;

    public static OnnxAttribute Of(string name, long value) => new(name, IntType, Int: value);

    public static OnnxAttribute Of(string name, float value) => new(name, FloatType, Float: value);

    public static OnnxAttribute Of(string name, params long[] values) => new(name, IntsType, Ints: values);

    public static OnnxAttribute Of(string name, string value) => new(name, StringType, Text: value);
}
