namespace SharpGrad.IO.Onnx;

/// <summary>
/// One attribute of an ONNX node: a name and exactly one value, an integer, a float, a list of
/// integers, a string or a list of strings. The <see cref="Type"/> codes are ONNX's AttributeProto.AttributeType
/// (FLOAT = 1, INT = 2, STRING = 3, INTS = 7, STRINGS = 8), which a reader needs to know which field is set.
/// </summary>
internal sealed record OnnxAttribute(string Name, int Type, long Int = 0, float Float = 0, long[]? Ints = null, string? Text = null, string[]? Texts = null)
{
    public const int FloatType = 1, IntType = 2, StringType = 3, IntsType = 7, StringsType = 8;

    public static OnnxAttribute Strings(string name, params string[] values) => new(name, StringsType, Texts: values);

    public static OnnxAttribute Of(string name, long value) => new(name, IntType, Int: value);

    public static OnnxAttribute Of(string name, float value) => new(name, FloatType, Float: value);

    public static OnnxAttribute Of(string name, params long[] values) => new(name, IntsType, Ints: values);

    public static OnnxAttribute Of(string name, string value) => new(name, StringType, Text: value);
}
