using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using SharpGrad.IO;
using SharpGrad.NN;

namespace SharpGrad.Tests.IO;

public class SafeTensorsTests
{
    /// <summary>A safetensors file assembled by hand: length field, header text (padded as given) and data bytes.</summary>
    private static byte[] FileBytes(string header, params byte[][] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new List<byte>();
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        bytes.AddRange(length);
        bytes.AddRange(json);
        foreach (var d in data) bytes.AddRange(d);
        return bytes.ToArray();
    }

    /// <summary>Rewrites the length field of <paramref name="file"/> to cover everything after it as header.</summary>
    private static byte[] Relength(byte[] file)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)(file.Length - 8));
        return file;
    }

    private static byte[] F32(params float[] values)
    {
        var b = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), values[i]);
        return b;
    }

    private static byte[] F64(params double[] values)
    {
        var b = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(8 * i), values[i]);
        return b;
    }

    private static byte[] I32(params int[] values)
    {
        var b = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4 * i), values[i]);
        return b;
    }

    private static byte[] I64(params long[] values)
    {
        var b = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(8 * i), values[i]);
        return b;
    }

    [Fact]
    public void RoundTrip_F32F64I32WithMetadata()
    {
        using var dir = new TempDirectory();
        var g = new Generator(3);
        var weight = Tensor.Normal([3, 4], generator: g);
        var bias = Tensor.Normal([4], generator: g, dtype: DType.Float64);
        var steps = Tensor.FromArray([7, -2, int.MaxValue, int.MinValue], 2, 2);
        var scalar = Tensor.Scalar(0.25, DType.Float64);
        var empty = Tensor.Zeros([0, 3], DType.Float32);
        var tensors = new Dictionary<string, Tensor> { ["layer.weight"] = weight, ["layer.bias"] = bias, ["steps"] = steps, ["scalar"] = scalar, ["empty"] = empty };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcødé \"quoted\" \\ <tag>" };

        SafeTensors.Save(dir.File("m.safetensors"), tensors, metadata);
        var loaded = SafeTensors.Load(dir.File("m.safetensors"));

        Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), loaded.Tensors.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, original) in tensors)
        {
            var back = loaded.Tensors[name];
            Assert.Equal(original.DType, back.DType);
            Assert.Equal(original.Shape.ToArray(), back.Shape.ToArray());
            Assert.Equal(original.ToArray<double>(), back.ToArray<double>());
        }
        Assert.Equal(metadata.OrderBy(kv => kv.Key), loaded.Metadata.OrderBy(kv => kv.Key));
        Assert.Equal(["m.safetensors"], dir.FileNames());
    }

    [Fact]
    public void Save_NonContiguousTensor_WritesItsLogicalOrder()
    {
        using var dir = new TempDirectory();
        var t = Tensor.FromArray([1f, 2, 3, 4, 5, 6], 2, 3).T; // [[1, 4], [2, 5], [3, 6]]
        SafeTensors.Save(dir.File("t"), new Dictionary<string, Tensor> { ["t"] = t });
        var back = SafeTensors.Load(dir.File("t")).Tensors["t"];
        Assert.Equal([3, 2], back.Shape.ToArray());
        Assert.Equal([1f, 4, 2, 5, 3, 6], back.ToArray<float>());
    }

    [Fact]
    public void Save_MatchesTheReferenceSerializerByteForByte()
    {
        // The expected files are those the reference Rust implementation's own tests expect for
        // the same input: a compact header, then spaces up to a multiple of 8 bytes.
        using var dir = new TempDirectory();
        var values = Tensor.FromArray([0f, 1, 2, 3, 4, 5], 1, 1, 2, 3);
        SafeTensors.Save(dir.File("a"), new Dictionary<string, Tensor> { ["attn0"] = values });
        Assert.Equal(
            FileBytes("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ", F32(0, 1, 2, 3, 4, 5)),
            File.ReadAllBytes(dir.File("a")));

        SafeTensors.Save(dir.File("b"), new Dictionary<string, Tensor> { ["attn.0"] = values.Reshape(1, 2, 3) });
        Assert.Equal(
            FileBytes("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}", F32(0, 1, 2, 3, 4, 5)),
            File.ReadAllBytes(dir.File("b")));

        SafeTensors.Save(dir.File("c"), new Dictionary<string, Tensor>());
        Assert.Equal(FileBytes("{}      "), File.ReadAllBytes(dir.File("c")));

        SafeTensors.Save(dir.File("d"), new Dictionary<string, Tensor>(), new Dictionary<string, string> { ["framework"] = "pt" });
        Assert.Equal(FileBytes("{\"__metadata__\":{\"framework\":\"pt\"}}     "), File.ReadAllBytes(dir.File("d")));
    }

    [Fact]
    public void Load_HandWrittenFile_ReadsValuesInFileOrder()
    {
        // JSON order differs from data order on purpose: "b" comes first in the data buffer.
        string header = "{\"a\": {\"dtype\": \"F64\", \"shape\": [], \"data_offsets\": [8, 16]}, " +
                        "\"__metadata__\": {\"k\": \"v\"}, " +
                        "\"b\": {\"dtype\": \"I32\", \"shape\": [2], \"data_offsets\": [0, 8]}, " +
                        "\"c\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [16, 32]}}";
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("h"), FileBytes(header, I32(7, -3), F64(2.5), F32(1.5f, -0.25f, 3e38f, float.Epsilon)));

        var loaded = SafeTensors.Load(dir.File("h"));

        Assert.Equal(["b", "a", "c"], loaded.Tensors.Keys);
        Assert.Equal(DType.Int32, loaded.Tensors["b"].DType);
        Assert.Equal([7, -3], loaded.Tensors["b"].ToArray<int>());
        Assert.Equal(0, loaded.Tensors["a"].Rank);
        Assert.Equal(2.5, loaded.Tensors["a"].Item());
        Assert.Equal([2, 2], loaded.Tensors["c"].Shape.ToArray());
        Assert.Equal([1.5f, -0.25f, 3e38f, float.Epsilon], loaded.Tensors["c"].ToArray<float>());
        Assert.Equal("v", loaded.Metadata["k"]);
    }

    [Fact]
    public void Load_HandWrittenOtherDtypes_ConvertToInt32OrFloat32()
    {
        byte[][] data =
        [
            I64(-5, 1L << 30),                     // I64  [0, 16)
            F32(0),                                // (padding tensor F32) [16, 20)
            [0x00, 0x3C, 0x00, 0xC0],              // F16 1.0, -2.0  [20, 24)
            [0x80, 0x3F, 0xC0, 0xBF],              // BF16 1.0, -1.5 [24, 28)
            [0xFF, 0xFF, 0x00, 0x80],              // I16 -1, -32768 [28, 32)
            [0xFF, 0xFF],                          // U16 65535      [32, 34)
            [0xFF, 0x80],                          // I8 -1, -128    [34, 36)
            [0xFF, 0x00],                          // U8 255, 0      [36, 38)
            [0x00, 0x01, 0x02],                    // BOOL           [38, 41)
            [0x00],                                // padding U8     [41, 42)
            [0xFF, 0xFF, 0xFF, 0x7F],              // U32 2^31 - 1   [42, 46)
            [0x05, 0, 0, 0, 0, 0, 0, 0],           // U64 5          [46, 54)
        ];
        string header = "{" +
            "\"i64\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}," +
            "\"f32\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]}," +
            "\"f16\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[20,24]}," +
            "\"bf16\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[24,28]}," +
            "\"i16\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[28,32]}," +
            "\"u16\":{\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[32,34]}," +
            "\"i8\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[34,36]}," +
            "\"u8\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[36,38]}," +
            "\"bool\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[38,41]}," +
            "\"pad\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[41,42]}," +
            "\"u32\":{\"dtype\":\"U32\",\"shape\":[1],\"data_offsets\":[42,46]}," +
            "\"u64\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[46,54]}}";
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("h"), FileBytes(header, data));

        var t = SafeTensors.Load(dir.File("h")).Tensors;

        Assert.Equal([-5, (1 << 30)], t["i64"].ToArray<int>());
        Assert.Equal(DType.Float32, t["f16"].DType);
        Assert.Equal([1f, -2f], t["f16"].ToArray<float>());
        Assert.Equal([1f, -1.5f], t["bf16"].ToArray<float>());
        Assert.Equal([-1, -32768], t["i16"].ToArray<int>());
        Assert.Equal([65535], t["u16"].ToArray<int>());
        Assert.Equal([-1, -128], t["i8"].ToArray<int>());
        Assert.Equal([255, 0], t["u8"].ToArray<int>());
        Assert.Equal([0, 1, 1], t["bool"].ToArray<int>());
        Assert.Equal([int.MaxValue], t["u32"].ToArray<int>());
        Assert.Equal([5], t["u64"].ToArray<int>());
    }

    [Fact]
    public void Save_OutputParsedByHand_FollowsTheFormat()
    {
        using var dir = new TempDirectory();
        var w = Tensor.FromArray([1.5f, -2f, 0.125f, 1e-7f], 2, 2);
        var d = Tensor.FromArray([Math.PI, -Math.E], 2);
        var n = Tensor.FromArray([3, -4, 5], 3);
        SafeTensors.Save(dir.File("s"), new Dictionary<string, Tensor> { ["w"] = w, ["z.int"] = n, ["b"] = w.Reshape(4), ["d"] = d },
            new Dictionary<string, string> { ["epoch"] = "3" });

        var bytes = File.ReadAllBytes(dir.File("s"));
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, headerLength % 8);
        var header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.EndsWith("}", header.TrimEnd(' '));
        Assert.InRange(header.Length - header.TrimEnd(' ').Length, 0, 7);
        using var json = JsonDocument.Parse(header);
        var root = json.RootElement;
        Assert.Equal("3", root.GetProperty("__metadata__").GetProperty("epoch").GetString());

        var buffer = bytes.AsSpan(8 + (int)headerLength);
        var entries = root.EnumerateObject().Where(p => p.Name != "__metadata__")
            .Select(p => (Name: p.Name, DType: p.Value.GetProperty("dtype").GetString()!,
                          Shape: p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                          Begin: p.Value.GetProperty("data_offsets")[0].GetInt32(),
                          End: p.Value.GetProperty("data_offsets")[1].GetInt32()))
            .OrderBy(e => e.Begin).ToList();

        // Widest dtype first, then by name, contiguous from 0 to the end of the file.
        Assert.Equal(["d", "b", "w", "z.int"], entries.Select(e => e.Name));
        Assert.Equal(["F64", "F32", "F32", "I32"], entries.Select(e => e.DType));
        int expectedBegin = 0;
        foreach (var e in entries)
        {
            Assert.Equal(expectedBegin, e.Begin);
            expectedBegin = e.End;
        }
        Assert.Equal(buffer.Length, expectedBegin);

        var wEntry = entries.Single(e => e.Name == "w");
        Assert.Equal([2, 2], wEntry.Shape);
        var wData = buffer[wEntry.Begin..wEntry.End].ToArray();
        Assert.Equal([1.5f, -2f, 0.125f, 1e-7f], Enumerable.Range(0, 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(wData.AsSpan(4 * i))).ToArray());
        var dEntry = entries.Single(e => e.Name == "d");
        Assert.Equal([2], dEntry.Shape);
        Assert.Equal(Math.PI, BinaryPrimitives.ReadDoubleLittleEndian(buffer[dEntry.Begin..]));
        Assert.Equal(-Math.E, BinaryPrimitives.ReadDoubleLittleEndian(buffer[(dEntry.Begin + 8)..]));
        var nEntry = entries.Single(e => e.Name == "z.int");
        Assert.Equal(-4, BinaryPrimitives.ReadInt32LittleEndian(buffer[(nEntry.Begin + 4)..]));
    }

    [Fact]
    public void StateDict_RoundTripsThroughAFile()
    {
        using var dir = new TempDirectory();
        var source = new Linear(4, 3, generator: new Generator(1));
        SafeTensors.Save(dir.File("linear.safetensors"), source.StateDict());
        var target = new Linear(4, 3, generator: new Generator(2));
        target.LoadStateDict(SafeTensors.Load(dir.File("linear.safetensors")).Tensors);
        foreach (var (name, value) in source.StateDict())
            Assert.Equal(value.ToArray<float>(), target.StateDict()[name].ToArray<float>());
    }

    public static TheoryData<string, byte[], long, string[]> Malformed()
    {
        const string Ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        var tooLong = FileBytes(Ok, F32(1, 2));
        BinaryPrimitives.WriteUInt64LittleEndian(tooLong, 1000);
        var overLimit = FileBytes(Ok, F32(1, 2));
        BinaryPrimitives.WriteUInt64LittleEndian(overLimit, 200_000_000);
        var full = FileBytes(Ok, F32(1, 2));
        return new TheoryData<string, byte[], long, string[]>
        {
            { "shorter than the length field", [1, 2, 3], 0, ["too short"] },
            { "truncated data", full[..^3], 67, ["truncated", "need 8 bytes", "holds 5"] },
            { "header length beyond the file", tooLong, 0, ["header length", "1000", "only"] },
            { "header length over the limit", overLimit, 0, ["header length", "200000000", "limit"] },
            { "trailing bytes", FileBytes(Ok, F32(1, 2), [9, 9]), 70, ["2 bytes are unaccounted"] },
            { "not JSON", FileBytes("{\"a\": [1, 2", F32(1, 2)), 19, ["not well formed"] },
            { "not starting with a brace", FileBytes("  {}", []), 8, ["start with '{'"] },
            { "unknown dtype", FileBytes("{\"a\":{\"dtype\":\"F128\",\"shape\":[2],\"data_offsets\":[0,8]}}", F32(1, 2)), 9, ["'a'", "F128"] },
            { "unsupported dtype", FileBytes("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", [1, 2]), 9, ["'a'", "F8_E4M3"] },
            {
                "overlapping offsets",
                FileBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", F32(1, 2, 3)), 62,
                ["'b'", "overlap", "'a'"]
            },
            {
                "gap between tensors",
                FileBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", F32(1, 2, 3)), 62,
                ["'b'", "gap of 4 bytes"]
            },
            { "first tensor not at 0", FileBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", F32(1, 2)), 9, ["'a'", "instead of 0"] },
            { "size disagrees with shape", FileBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", F32(1, 2)), 9, ["'a'", "need 12 bytes", "span 8"] },
            { "end before begin", FileBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", F32(1, 2)), 62, ["'b'", "end before they begin"] },
            { "missing shape", FileBytes("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", F32(1, 2)), 9, ["'a'", "\"shape\""] },
            { "negative dimension", FileBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", F32(1, 2)), 9, ["'a'", "non-negative integer"] },
            { "three offsets", FileBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", F32(1, 2)), 9, ["'a'", "two numbers"] },
            { "duplicate name", FileBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", F32(1, 2)), 62, ["'a'", "twice"] },
            { "metadata not strings", FileBytes("{\"__metadata__\":{\"n\":3}}", []), 25, ["'n'", "must be a string"] },
            { "int64 out of int32 range", FileBytes("{\"a\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", I64(1, 1L << 40)), 71, ["'a'", "element 1", "1099511627776"] },
            { "invalid UTF-8 in a name", Relength([.. FileBytes("{\"a"), 0xFF, .. Encoding.UTF8.GetBytes("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}")]), 11, ["0xFF", "not valid UTF-8"] },
            { "truncated UTF-8 sequence in metadata", Relength([.. FileBytes("{\"__metadata__\":{\"k\":\"v"), 0xC3, .. "\"}}"u8]), 31, ["0xC3", "not valid UTF-8"] },
            { "JSON error on a later line", FileBytes("{\n  \"a\": x}", []), 17, ["not well formed"] },
            { "tensor entry not an object", FileBytes("{\"a\":[1,2]}", []), 9, ["'a'", "expected an object"] },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Load_MalformedFile_ThrowsInvalidDataNamingTheProblemAndItsByteOffset(string what, byte[] bytes, long offset, string[] fragments)
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.safetensors");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.StartsWith($"{path}: invalid safetensors file at byte offset {offset}: ", e.Message);
        foreach (var fragment in fragments)
            Assert.True(e.Message.Contains(fragment, StringComparison.Ordinal), $"{what}: expected \"{fragment}\" in: {e.Message}");
    }

    [Fact]
    public void Save_ReservedName_ThrowsAndLeavesNoFile()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<ArgumentException>(() =>
            SafeTensors.Save(dir.File("x"), new Dictionary<string, Tensor> { ["w"] = Tensor.Ones(2), ["__metadata__"] = Tensor.Ones(1) }));
        Assert.Contains("__metadata__", e.Message);
        Assert.Empty(dir.FileNames());
    }

    [Fact]
    public void Save_FailureLeavesThePreviousFileIntact()
    {
        using var dir = new TempDirectory();
        string path = dir.File("m.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = Tensor.FromArray([1f, 2f]) });
        var before = File.ReadAllBytes(path);

        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path,
            new Dictionary<string, Tensor> { ["w"] = Tensor.FromArray([3f, 4f]) }, new Dictionary<string, string> { ["k"] = null! }));
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, new Dictionary<string, Tensor> { ["bad\uD800name"] = Tensor.Ones(1) }));
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = null! }));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["m.safetensors"], dir.FileNames());
    }

    [Fact]
    public void Save_MissingDirectory_ThrowsAndCreatesNothing()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "missing", "m.safetensors");
        Assert.Throws<DirectoryNotFoundException>(() => SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = Tensor.Ones(2) }));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "missing")));
        Assert.Empty(dir.FileNames());
    }

    [Fact]
    public void Save_OverwritesAnExistingFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("m.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = Tensor.FromArray([1f, 2f, 3f]) });
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["v"] = Tensor.FromArray([5.0]) });
        var loaded = SafeTensors.Load(path);
        Assert.Equal(["v"], loaded.Tensors.Keys);
        Assert.Equal([5.0], loaded.Tensors["v"].ToArray<double>());
        Assert.Empty(loaded.Metadata);
        Assert.Equal(["m.safetensors"], dir.FileNames());
    }

    [Fact]
    public void Load_LargeTensor_SpanningSeveralReadChunks()
    {
        using var dir = new TempDirectory();
        int n = 700_001; // > 1 MiB of float64 and not a multiple of the chunk
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = i * 0.5 - 3;
        SafeTensors.Save(dir.File("big"), new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(values), ["y"] = Tensor.FromArray(new float[n]) });
        var loaded = SafeTensors.Load(dir.File("big"));
        Assert.Equal(values, loaded.Tensors["x"].ToArray<double>());
        Assert.Equal(n, loaded.Tensors["y"].Count);
    }
}
