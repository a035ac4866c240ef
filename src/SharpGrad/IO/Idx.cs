using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace SharpGrad.IO;

/// <summary>
/// Reads and writes the IDX format of the MNIST database (LeCun et al.): a magic number
/// <c>00 00 TT RR</c> (TT the <see cref="IdxType"/> code, RR the number of dimensions), then RR
/// big-endian int32 sizes, then the elements in row-major order, big-endian. Files may be
/// gzip-compressed; that is recognised from the gzip magic bytes 1F 8B, not from the file name.
/// Integer types are read into int32 tensors, float into float32 and double into float64.
/// </summary>
public static class Idx
{
    private const int MaxRank = byte.MaxValue;

    /// <summary>Reads the tensor in the IDX file at <paramref name="path"/>, plain or gzip-compressed, with the file's shape.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not valid IDX (bad magic number, unknown type code, truncated data, or data
    /// longer than the dimensions say), or a gzip file is truncated or damaged (its trailer's
    /// CRC-32 and length are checked); the message names the file, the byte offset and what was
    /// expected there.
    /// </exception>
    public static Tensor Read(string path)
    {
        var raw = ReadRaw(path);
        int n = ShapeMath.Count(raw.Shape);
        ReadOnlySpan<byte> bytes = raw.Data;
        Array data;
        DType dtype;
        switch (raw.Type)
        {
            case IdxType.UnsignedByte:
            {
                var values = new int[n];
                for (int i = 0; i < n; i++) values[i] = bytes[i];
                (data, dtype) = (values, DType.Int32);
                break;
            }
            case IdxType.SignedByte:
            {
                var values = new int[n];
                for (int i = 0; i < n; i++) values[i] = (sbyte)bytes[i];
                (data, dtype) = (values, DType.Int32);
                break;
            }
            case IdxType.Int16:
            {
                var values = new int[n];
                for (int i = 0; i < n; i++) values[i] = BinaryPrimitives.ReadInt16BigEndian(bytes.Slice(2 * i, 2));
                (data, dtype) = (values, DType.Int32);
                break;
            }
            case IdxType.Int32:
            {
                var values = new int[n];
                bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
                if (BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(values, values);
                (data, dtype) = (values, DType.Int32);
                break;
            }
            case IdxType.Float32:
            {
                var values = new float[n];
                var bits = MemoryMarshal.Cast<float, int>(values.AsSpan());
                bytes.CopyTo(MemoryMarshal.AsBytes(bits));
                if (BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(bits, bits);
                (data, dtype) = (values, DType.Float32);
                break;
            }
            default:
            {
                var values = new double[n];
                var bits = MemoryMarshal.Cast<double, long>(values.AsSpan());
                bytes.CopyTo(MemoryMarshal.AsBytes(bits));
                if (BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(bits, bits);
                (data, dtype) = (values, DType.Float64);
                break;
            }
        }
        return new Tensor(new Storage(data, dtype), raw.Shape, ShapeMath.ContiguousStrides(raw.Shape), 0);
    }

    /// <summary>
    /// Writes <paramref name="tensor"/> to <paramref name="path"/> as IDX elements of
    /// <paramref name="type"/>, gzip-compressed when <paramref name="compress"/> is set. The file
    /// is written under a temporary name and renamed into place, so an interrupted write leaves
    /// any previous file intact. For the integer types every element must be a whole number in
    /// the type's range (floating-point tensors are accepted when they hold such values); for
    /// float the elements are rounded to float32.
    /// </summary>
    /// <exception cref="ArgumentException">A value that the type cannot hold, an unknown type, or a tensor of rank above 255.</exception>
    /// <exception cref="DirectoryNotFoundException">The target directory does not exist.</exception>
    public static void Write(string path, Tensor tensor, IdxType type, bool compress = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensor);
        if (!Enum.IsDefined(type))
            throw new ArgumentException($"Idx.Write: 0x{(byte)type:X2} is not an IDX type code.", nameof(type));
        if (tensor.Rank > MaxRank)
            throw new ArgumentException($"Idx.Write: IDX stores at most {MaxRank} dimensions; the tensor has {tensor.Rank}.", nameof(tensor));

        // Encode before touching the disk, so that a value the type cannot hold fails with no file written.
        var header = new byte[4 + 4 * tensor.Rank];
        header[2] = (byte)type;
        header[3] = (byte)tensor.Rank;
        for (int d = 0; d < tensor.Rank; d++)
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), tensor.Shape[d]);
        var body = Encode(tensor, type);

        AtomicFile.Write(path, stream =>
        {
            if (compress)
            {
                using var gzip = new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true);
                gzip.Write(header);
                gzip.Write(body);
            }
            else
            {
                stream.Write(header);
                stream.Write(body);
            }
        }, "Idx.Write");
    }

    /// <summary>The raw big-endian elements with their type and shape, for readers (MNIST) that convert bytes directly.</summary>
    internal static IdxData ReadRaw(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> probe = stackalloc byte[2];
        int probed = file.ReadAtLeast(probe, 2, throwOnEndOfStream: false);
        bool gzip = probed == 2 && probe[0] == 0x1F && probe[1] == 0x8B;
        file.Position = 0;
        if (!gzip)
            return Parse(file, path, file.Length, "file");
        IdxData result;
        using (var inflated = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true))
            result = Parse(inflated, path, null, "decompressed data");
        CheckGzipTrailer(file, path, result);
        return result;
    }

    /// <summary>
    /// GZipStream stops quietly where a truncated file ends, trailer or not, so the last 8 bytes
    /// are checked here: the CRC-32 and the length (mod 2³²) of the decompressed bytes, as RFC 1952
    /// stores them. Files of several concatenated gzip members are not supported by this check.
    /// </summary>
    private static void CheckGzipTrailer(FileStream file, string path, IdxData data)
    {
        var header = new byte[4 + 4 * data.Shape.Length];
        header[2] = (byte)data.Type;
        header[3] = (byte)data.Shape.Length;
        for (int d = 0; d < data.Shape.Length; d++)
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), data.Shape[d]);
        uint crc = Crc32.Append(Crc32.Append(0, header), data.Data);
        uint size = unchecked((uint)(header.Length + (long)data.Data.Length));
        long length = file.Length;
        Span<byte> trailer = stackalloc byte[8];
        if (length >= 18)
        {
            file.Position = length - 8;
            file.ReadExactly(trailer);
        }
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer), storedSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        if (length < 18 || storedCrc != crc || storedSize != size)
            throw Invalid(path, Math.Max(0, length - 8),
                $"the gzip trailer does not match the decompressed data (it stores CRC-32 {storedCrc:X8} and length {storedSize}; the data has {crc:X8} and {size}): the file is truncated or damaged");
    }

    /// <summary>Parses one IDX stream; <paramref name="length"/> is known for plain files, so truncation is caught before allocating.</summary>
    private static IdxData Parse(Stream stream, string path, long? length, string what)
    {
        long offset = 0;
        Span<byte> magic = stackalloc byte[4];
        ReadExactly(stream, magic, ref offset, path, what, "the 4-byte magic number 00 00 <type> <rank>");
        if (magic[0] != 0 || magic[1] != 0)
            throw Invalid(path, 0, $"expected the magic number to start with 00 00, found {magic[0]:X2} {magic[1]:X2} {magic[2]:X2} {magic[3]:X2}; this is not an IDX file");
        var type = (IdxType)magic[2];
        if (!Enum.IsDefined(type))
            throw Invalid(path, 2, $"expected a type code (08 ubyte, 09 sbyte, 0B short, 0C int, 0D float, 0E double), found {magic[2]:X2}");
        int rank = magic[3];

        var dimBytes = new byte[4 * rank];
        ReadExactly(stream, dimBytes, ref offset, path, what, $"{rank} big-endian int32 dimension sizes");
        var shape = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++)
        {
            int size = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * d));
            if (size < 0)
                throw Invalid(path, 4 + 4 * d, $"expected a non-negative size for dimension {d}, found {(uint)size} (0x{(uint)size:X8})");
            shape[d] = size;
            count *= size;
            if (count > Array.MaxLength)
                throw Invalid(path, 4 + 4 * d, $"the sizes {FormatSizes(dimBytes, d + 1)} describe more elements than a tensor can hold ({Array.MaxLength})");
        }
        int elementSize = ElementSize(type);
        long byteCount = count * elementSize;
        if (byteCount > Array.MaxLength)
            throw Invalid(path, 4, $"the shape {ShapeMath.Format(shape)} of {Name(type)} describes {byteCount} bytes of data, more than can be loaded at once");
        long headerLength = offset;
        if (length is long total && total - headerLength < byteCount)
            throw Invalid(path, total,
                $"the file is truncated: shape {ShapeMath.Format(shape)} of {Name(type)} needs {byteCount} bytes of data from offset {headerLength} (a file of {headerLength + byteCount} bytes), but the file ends at {total}");

        var data = ReadData(stream, byteCount, ref offset, path, what, shape, type, headerLength);
        long extra = 0;
        Span<byte> scratch = stackalloc byte[4096];
        for (int got; (got = ReadSome(stream, scratch, path, offset + extra)) > 0;) extra += got;
        if (extra > 0)
            throw Invalid(path, offset,
                $"expected the end of the {what} after {byteCount} bytes of data for shape {ShapeMath.Format(shape)} of {Name(type)}, but {extra} more bytes follow; the dimensions do not match the data length");
        return new IdxData(type, shape, data);
    }

    /// <summary>
    /// Reads the data block. Compressed streams have no known length, so the buffer grows as
    /// data arrives instead of trusting the header's sizes with one large allocation.
    /// </summary>
    private static byte[] ReadData(Stream stream, long byteCount, ref long offset, string path, string what, int[] shape, IdxType type, long headerLength)
    {
        int total = (int)byteCount;
        var buffer = new byte[Math.Min(total, 1 << 20)];
        int filled = 0;
        while (filled < total)
        {
            if (filled == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(total, 2L * buffer.Length));
            int got = ReadSome(stream, buffer.AsSpan(filled), path, headerLength + filled);
            if (got == 0)
                throw Invalid(path, headerLength + filled,
                    $"the {what} is truncated: shape {ShapeMath.Format(shape)} of {Name(type)} needs {byteCount} bytes of data from offset {headerLength}, but it ends after {filled}");
            filled += got;
        }
        offset += total;
        return buffer;
    }

    private static void ReadExactly(Stream stream, Span<byte> target, ref long offset, string path, string what, string expected)
    {
        int got = 0;
        for (int step; got < target.Length && (step = ReadSome(stream, target[got..], path, offset + got)) > 0;) got += step;
        if (got < target.Length)
            throw Invalid(path, offset + got, $"the {what} ends early: expected {expected} ({target.Length} bytes from offset {offset})");
        offset += got;
    }

    /// <summary>One read, turning a gzip decoder's complaint into a message that names the file and the position.</summary>
    private static int ReadSome(Stream stream, Span<byte> target, string path, long offset)
    {
        try
        {
            return stream.Read(target);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: the gzip stream is corrupt (after {offset} bytes of decompressed data): {e.Message}", e);
        }
    }

    private static byte[] Encode(Tensor tensor, IdxType type)
    {
        int n = tensor.Count;
        switch (type)
        {
            case IdxType.Float32:
            {
                var values = tensor.ToArray<float>();
                var body = new byte[4 * n];
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleBigEndian(body.AsSpan(4 * i), values[i]);
                return body;
            }
            case IdxType.Float64:
            {
                var values = tensor.ToArray<double>();
                var body = new byte[8 * n];
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteDoubleBigEndian(body.AsSpan(8 * i), values[i]);
                return body;
            }
        }

        var (min, max) = type switch
        {
            IdxType.UnsignedByte => (byte.MinValue, byte.MaxValue),
            IdxType.SignedByte => (sbyte.MinValue, sbyte.MaxValue),
            IdxType.Int16 => (short.MinValue, short.MaxValue),
            _ => (int.MinValue, (long)int.MaxValue),
        };
        var ints = WholeNumbers(tensor, min, max, type);
        int size = ElementSize(type);
        var bytes = new byte[size * n];
        for (int i = 0; i < n; i++)
        {
            switch (size)
            {
                case 1: bytes[i] = (byte)ints[i]; break;
                case 2: BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(2 * i), (short)ints[i]); break;
                default: BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 * i), ints[i]); break;
            }
        }
        return bytes;
    }

    private static int[] WholeNumbers(Tensor tensor, long min, long max, IdxType type)
    {
        if (tensor.DType == DType.Int32)
        {
            var ints = tensor.ToArray<int>();
            for (int i = 0; i < ints.Length; i++)
                if (ints[i] < min || ints[i] > max)
                    throw new ArgumentException($"Idx.Write: element {i} is {ints[i]}, outside the range of IDX {Name(type)} ({min} to {max}).", nameof(tensor));
            return ints;
        }
        var values = tensor.ToArray<double>();
        var result = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            if (!(v >= min && v <= max) || v != Math.Floor(v))
                throw new ArgumentException(
                    $"Idx.Write: element {i} is {v}, which IDX {Name(type)} cannot hold exactly (whole numbers from {min} to {max}); round or scale the tensor first.", nameof(tensor));
            result[i] = (int)v;
        }
        return result;
    }

    private static string FormatSizes(byte[] dimBytes, int count)
    {
        var sizes = new int[count];
        for (int d = 0; d < count; d++) sizes[d] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * d));
        return ShapeMath.Format(sizes);
    }

    private static InvalidDataException Invalid(string path, long offset, string problem) =>
        new($"{path}: invalid IDX data at byte offset {offset}: {problem}.");

    internal static int ElementSize(IdxType type) => type switch
    {
        IdxType.UnsignedByte or IdxType.SignedByte => 1,
        IdxType.Int16 => 2,
        IdxType.Int32 or IdxType.Float32 => 4,
        _ => 8,
    };

    internal static string Name(IdxType type) => type switch
    {
        IdxType.UnsignedByte => "ubyte",
        IdxType.SignedByte => "sbyte",
        IdxType.Int16 => "short",
        IdxType.Int32 => "int",
        IdxType.Float32 => "float",
        _ => "double",
    };
}

/// <summary>An IDX file's element type, shape and raw big-endian element bytes.</summary>
internal readonly record struct IdxData(IdxType Type, int[] Shape, byte[] Data);
