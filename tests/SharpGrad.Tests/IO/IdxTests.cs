using System.IO.Compression;
using SharpGrad.IO;

namespace SharpGrad.Tests.IO;

public class IdxTests
{
    private static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(bytes);
        return buffer.ToArray();
    }

    // A ubyte [2, 3] matrix: magic 00 00 08 02, dims 2 and 3 big-endian, then six bytes.
    private static readonly byte[] UbyteMatrix =
    [
        0x00, 0x00, 0x08, 0x02,
        0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x03,
        1, 2, 3, 128, 250, 255,
    ];

    [Fact]
    public void Read_HandWrittenUbyte_GivesInt32WithTheFileShape()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("m.idx"), UbyteMatrix);
        var t = Idx.Read(dir.File("m.idx"));
        Assert.Equal(DType.Int32, t.DType);
        Assert.Equal([2, 3], t.Shape.ToArray());
        Assert.Equal([1, 2, 3, 128, 250, 255], t.ToArray<int>());
    }

    [Theory]
    [InlineData("m.idx.gz")]
    [InlineData("no-suffix")]
    public void Read_Gzipped_IsDetectedByMagicNotByName(string name)
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File(name), Gzip(UbyteMatrix));
        Assert.Equal([1, 2, 3, 128, 250, 255], Idx.Read(dir.File(name)).ToArray<int>());
        // and a plain file called .gz is read as plain
        File.WriteAllBytes(dir.File("plain.gz"), UbyteMatrix);
        Assert.Equal([1, 2, 3, 128, 250, 255], Idx.Read(dir.File("plain.gz")).ToArray<int>());
    }

    [Fact]
    public void Read_HandWrittenMultiByteTypes_AreBigEndian()
    {
        using var dir = new TempDirectory();

        File.WriteAllBytes(dir.File("sbyte"), [0, 0, 0x09, 1, 0, 0, 0, 3, 0xFF, 0x7F, 0x80]);
        Assert.Equal([-1, 127, -128], Idx.Read(dir.File("sbyte")).ToArray<int>());

        File.WriteAllBytes(dir.File("short"), [0, 0, 0x0B, 1, 0, 0, 0, 3, 0x01, 0x02, 0x80, 0x00, 0xFF, 0xFE]);
        Assert.Equal([258, -32768, -2], Idx.Read(dir.File("short")).ToArray<int>());

        File.WriteAllBytes(dir.File("int"), [0, 0, 0x0C, 1, 0, 0, 0, 2, 0x01, 0x02, 0x03, 0x04, 0xFF, 0xFF, 0xFF, 0xFE]);
        Assert.Equal([0x01020304, -2], Idx.Read(dir.File("int")).ToArray<int>());

        // 1.5f = 0x3FC00000, -2f = 0xC0000000
        File.WriteAllBytes(dir.File("float"), [0, 0, 0x0D, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x3F, 0xC0, 0, 0, 0xC0, 0, 0, 0]);
        var f = Idx.Read(dir.File("float"));
        Assert.Equal(DType.Float32, f.DType);
        Assert.Equal([1, 2], f.Shape.ToArray());
        Assert.Equal([1.5f, -2f], f.ToArray<float>());

        // 0.1 = 0x3FB999999999999A
        File.WriteAllBytes(dir.File("double"), [0, 0, 0x0E, 1, 0, 0, 0, 1, 0x3F, 0xB9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A]);
        var d = Idx.Read(dir.File("double"));
        Assert.Equal(DType.Float64, d.DType);
        Assert.Equal([0.1], d.ToArray<double>());
    }

    [Fact]
    public void Write_ProducesTheFormatsBytes()
    {
        using var dir = new TempDirectory();
        Idx.Write(dir.File("m"), Tensor.FromArray([1, 2, 3, 128, 250, 255], 2, 3), IdxType.UnsignedByte);
        Assert.Equal(UbyteMatrix, File.ReadAllBytes(dir.File("m")));

        Idx.Write(dir.File("s"), Tensor.FromArray([258, -32768, -2]), IdxType.Int16);
        Assert.Equal(new byte[] { 0, 0, 0x0B, 1, 0, 0, 0, 3, 0x01, 0x02, 0x80, 0x00, 0xFF, 0xFE }, File.ReadAllBytes(dir.File("s")));

        Idx.Write(dir.File("g"), Tensor.FromArray([1, 2, 3, 128, 250, 255], 2, 3), IdxType.UnsignedByte, compress: true);
        var gz = File.ReadAllBytes(dir.File("g"));
        Assert.Equal((byte)0x1F, gz[0]);
        Assert.Equal((byte)0x8B, gz[1]);
        using var inflated = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        inflated.CopyTo(plain);
        Assert.Equal(UbyteMatrix, plain.ToArray());
    }

    public static TheoryData<IdxType, bool> AllTypes()
    {
        var data = new TheoryData<IdxType, bool>();
        foreach (var type in Enum.GetValues<IdxType>())
        {
            data.Add(type, false);
            data.Add(type, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void RoundTrip_EveryType_PlainAndGzipped(IdxType type, bool compress)
    {
        using var dir = new TempDirectory();
        var (min, max) = type switch
        {
            IdxType.UnsignedByte => (0, 255),
            IdxType.SignedByte => (-128, 127),
            IdxType.Int16 => (-32768, 32767),
            _ => (int.MinValue, int.MaxValue),
        };
        var g = new Generator(17);
        int[] shape = [2, 3, 4];
        var ints = new int[24];
        for (int i = 0; i < ints.Length; i++) ints[i] = (int)(min + (long)(g.NextDouble() * ((long)max - min + 1)));
        ints[0] = min;
        ints[1] = max;
        var floats = Enumerable.Range(0, 24).Select(i => (float)(g.NextNormal() * 1e3)).ToArray();
        var doubles = Enumerable.Range(0, 24).Select(i => g.NextNormal() * 1e-3).ToArray();
        var tensor = type switch
        {
            IdxType.Float32 => Tensor.FromArray(floats, shape),
            IdxType.Float64 => Tensor.FromArray(doubles, shape),
            _ => Tensor.FromArray(ints, shape),
        };

        Idx.Write(dir.File("t"), tensor, type, compress);
        var back = Idx.Read(dir.File("t"));

        Assert.Equal(shape, back.Shape.ToArray());
        switch (type)
        {
            case IdxType.Float32:
                Assert.Equal(DType.Float32, back.DType);
                Assert.Equal(floats, back.ToArray<float>());
                break;
            case IdxType.Float64:
                Assert.Equal(DType.Float64, back.DType);
                Assert.Equal(doubles, back.ToArray<double>());
                break;
            default:
                Assert.Equal(DType.Int32, back.DType);
                Assert.Equal(ints, back.ToArray<int>());
                break;
        }
        Assert.Equal(["t"], dir.FileNames());
    }

    [Fact]
    public void RoundTrip_NonContiguousAndFloatHoldingWholeNumbers()
    {
        using var dir = new TempDirectory();
        var t = Tensor.FromArray([0.0, 1, 2, 3, 4, 5], 2, 3).T; // [[0, 3], [1, 4], [2, 5]]
        Idx.Write(dir.File("t"), t, IdxType.UnsignedByte);
        var back = Idx.Read(dir.File("t"));
        Assert.Equal([3, 2], back.Shape.ToArray());
        Assert.Equal([0, 3, 1, 4, 2, 5], back.ToArray<int>());
    }

    [Theory]
    [InlineData(IdxType.UnsignedByte, 256.0)]
    [InlineData(IdxType.UnsignedByte, -1.0)]
    [InlineData(IdxType.SignedByte, 128.0)]
    [InlineData(IdxType.Int16, -32769.0)]
    [InlineData(IdxType.Int32, 0.5)]
    [InlineData(IdxType.UnsignedByte, double.NaN)]
    public void Write_ValueTheTypeCannotHold_ThrowsAndWritesNothing(IdxType type, double bad)
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<ArgumentException>(() => Idx.Write(dir.File("t"), Tensor.FromArray([1.0, bad]), type));
        Assert.Contains("element 1", e.Message);
        Assert.Empty(dir.FileNames());
    }

    [Fact]
    public void Write_Int32TensorOutOfRange_Throws()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<ArgumentException>(() => Idx.Write(dir.File("t"), Tensor.FromArray([5, 300]), IdxType.UnsignedByte));
        Assert.Contains("300", e.Message);
        Assert.Empty(dir.FileNames());
    }

    [Fact]
    public void Write_OverwritesAtomically_AndMissingDirectoryThrows()
    {
        using var dir = new TempDirectory();
        Idx.Write(dir.File("t"), Tensor.FromArray([1, 2]), IdxType.UnsignedByte);
        Idx.Write(dir.File("t"), Tensor.FromArray([7, 8, 9]), IdxType.UnsignedByte);
        Assert.Equal([7, 8, 9], Idx.Read(dir.File("t")).ToArray<int>());
        Assert.Equal(["t"], dir.FileNames());

        string missing = Path.Combine(dir.Path, "no-such-dir", "t");
        Assert.Throws<DirectoryNotFoundException>(() => Idx.Write(missing, Tensor.FromArray([1]), IdxType.UnsignedByte));
        Assert.Equal(["t"], dir.FileNames());
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFound()
    {
        using var dir = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => Idx.Read(dir.File("absent")));
    }

    public static TheoryData<string, byte[], string[]> Malformed() => new()
    {
        { "bad magic", [0x01, 0x00, 0x08, 0x01, 0, 0, 0, 1, 5], ["byte offset 0", "00 00", "not an IDX file"] },
        { "unknown type", [0, 0, 0x0A, 1, 0, 0, 0, 1, 5], ["byte offset 2", "type code", "0A"] },
        { "short magic", [0, 0], ["byte offset 2", "magic number"] },
        { "truncated dims", [0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0], ["byte offset 10", "3 big-endian int32 dimension sizes"] },
        { "negative dim", [0, 0, 0x08, 2, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF], ["byte offset 8", "dimension 1"] },
        { "truncated data", [0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4], ["byte offset 16", "truncated", "needs 6 bytes", "[2, 3]"] },
        { "truncated int data", [0, 0, 0x0C, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0], ["byte offset 14", "truncated", "needs 8 bytes"] },
        { "trailing data", [0, 0, 0x08, 1, 0, 0, 0, 2, 7, 8, 9, 10], ["byte offset 10", "2 more bytes", "do not match"] },
        { "huge dims", [0, 0, 0x08, 2, 0, 1, 0, 0, 0, 1, 0, 0, 1], ["byte offset 8", "more elements than a tensor can hold"] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Read_MalformedPlain_ThrowsInvalidDataNamingFileOffsetAndExpectation(string what, byte[] bytes, string[] fragments)
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.idx");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.StartsWith(path + ":", e.Message);
        foreach (var fragment in fragments)
            Assert.True(e.Message.Contains(fragment, StringComparison.Ordinal), $"{what}: expected \"{fragment}\" in: {e.Message}");
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Read_MalformedGzipped_ThrowsInvalidData(string what, byte[] bytes, string[] fragments)
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.idx.gz");
        File.WriteAllBytes(path, Gzip(bytes));
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.StartsWith(path + ":", e.Message);
        // The offsets count decompressed bytes, so they are the same as for the plain file.
        Assert.True(e.Message.Contains(fragments[0], StringComparison.Ordinal), $"{what}: expected \"{fragments[0]}\" in: {e.Message}");
    }

    [Fact]
    public void Read_CorruptGzipStream_ThrowsInvalidDataNamingTheFile()
    {
        using var dir = new TempDirectory();
        var gz = Gzip(UbyteMatrix);
        for (int i = 10; i < gz.Length - 8; i++) gz[i] ^= 0x5A; // scramble the deflate body, keep the gzip magic
        string path = dir.File("corrupt");
        File.WriteAllBytes(path, gz);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData(8)] // the whole trailer, as when a download stops just before the end
    [InlineData(4)] // the length, half the trailer
    [InlineData(1)]
    public void Read_GzipMissingTheEndOfItsTrailer_IsAnErrorNotASilentLoad(int cut)
    {
        using var dir = new TempDirectory();
        var gz = Gzip(UbyteMatrix);
        string path = dir.File("m.idx.gz");
        File.WriteAllBytes(path, gz[..^cut]);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.StartsWith($"{path}: invalid IDX data at byte offset {gz.Length - cut - 8}: ", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Read_GzipTrailer_IsTheCrc32AndLengthOfTheDecompressedBytes()
    {
        // CRC-32 of "123456789" is CBF43926 (the standard check value); Gzip writes it little-endian before the length.
        Assert.Equal(0xCBF43926u, Crc32.Append(0, "123456789"u8));
        var gz = Gzip(UbyteMatrix);
        Assert.Equal(Crc32.Append(0, UbyteMatrix), BitConverter.ToUInt32(gz, gz.Length - 8));
        Assert.Equal((uint)UbyteMatrix.Length, BitConverter.ToUInt32(gz, gz.Length - 4));
    }

    [Fact]
    public void RoundTrip_ZeroSizedAndScalar()
    {
        using var dir = new TempDirectory();
        Idx.Write(dir.File("empty"), Tensor.Zeros([0, 28], DType.Int32), IdxType.UnsignedByte);
        var empty = Idx.Read(dir.File("empty"));
        Assert.Equal([0, 28], empty.Shape.ToArray());

        Idx.Write(dir.File("scalar"), Tensor.Scalar(2.5, DType.Float64), IdxType.Float64);
        Assert.Equal(new byte[] { 0, 0, 0x0E, 0, 0x40, 0x04, 0, 0, 0, 0, 0, 0 }, File.ReadAllBytes(dir.File("scalar")));
        var scalar = Idx.Read(dir.File("scalar"));
        Assert.Equal(0, scalar.Rank);
        Assert.Equal(2.5, scalar.Item());
    }
}
