using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SharpGrad.IO;

/// <summary>
/// Reads and writes Hugging Face's safetensors format, the portable way to exchange weights
/// with PyTorch, JAX and the Rust <c>safetensors</c> crate. A file is: an 8-byte little-endian
/// unsigned header length N; N bytes of UTF-8 JSON mapping each tensor name to
/// <c>{"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}</c> (plus an optional
/// <c>"__metadata__"</c> map of strings), padded with spaces to a multiple of 8 bytes; then
/// the tensors' raw little-endian row-major bytes, back to back, where the offsets count from
/// the first byte after the header. Reading validates as strictly as the reference
/// implementation: no gaps, overlaps or trailing bytes, sizes consistent with dtype × shape.
/// </summary>
public static class SafeTensors
{
    /// <summary>The reference implementation's limit, which guards against a corrupt length field allocating gigabytes.</summary>
    private const ulong MaxHeaderLength = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private static readonly UTF8Encoding StrictEncoding = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Bytes converted per chunk, so that converting a large tensor never needs a second full-size buffer.</summary>
    private const int ChunkBytes = 1 << 20;

    /// <summary>
    /// Writes <paramref name="tensors"/> and optional <paramref name="metadata"/> to
    /// <paramref name="path"/>: float32 as "F32", float64 as "F64", int32 as "I32". As the
    /// reference writer does, the data is ordered by dtype, widest first, then by name (ordinal
    /// UTF-8), so that every tensor starts at an offset aligned to its element size. The file
    /// is written under a temporary name in the same directory and then renamed over
    /// <paramref name="path"/>, so an interrupted or failed save never leaves a damaged file.
    /// </summary>
    /// <exception cref="ArgumentException">A null tensor or metadata value, a tensor named "__metadata__", or a name that is not valid UTF-16.</exception>
    /// <exception cref="DirectoryNotFoundException">The target directory does not exist.</exception>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);

        var entries = new List<(string Name, byte[] Utf8, Tensor Tensor, SafeTensorsDType DType)>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(tensors));
            if (name == MetadataKey)
                throw new ArgumentException($"SafeTensors.Save: \"{MetadataKey}\" is reserved for the metadata and cannot name a tensor.", nameof(tensors));
            if (tensor is null)
                throw new ArgumentException($"SafeTensors.Save: tensor '{name}' is null.", nameof(tensors));
            entries.Add((name, StrictUtf8(name, $"tensor name '{name}'", nameof(tensors)), tensor, SafeTensorsDType.Of(tensor.DType)));
        }
        entries.Sort((a, b) =>
        {
            int byType = b.DType.Rank.CompareTo(a.DType.Rank);
            return byType != 0 ? byType : a.Utf8.AsSpan().SequenceCompareTo(b.Utf8);
        });

        var header = WriteHeader(entries.Select(e => (e.Name, e.Tensor, e.DType)), metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var entry in entries) WriteData(stream, entry.Tensor);
        }, "SafeTensors.Save");
    }

    /// <summary>
    /// Reads the safetensors file at <paramref name="path"/>. F32, F16 and BF16 become float32
    /// tensors, F64 float64, and the integer and boolean dtypes (I8, I16, I32, I64, U8, U16,
    /// U32, U64, BOOL) int32, with a check that every value fits.
    /// </summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is malformed (header length beyond the file or the limit, JSON not well formed,
    /// missing or mistyped fields, offsets outside the buffer, overlapping, leaving gaps or
    /// disagreeing with dtype × shape), has a dtype SharpGrad cannot read, or holds an integer
    /// that does not fit int32. The message names the file, the byte offset where the problem lies
    /// (for a header entry, where its name starts), the tensor and the problem.
    /// </exception>
    public static SafeTensorsContent Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long fileLength = file.Length;
        if (fileLength < 8)
            throw Invalid(path, 0, $"the file is {fileLength} bytes long, too short for the 8-byte header length");
        Span<byte> lengthField = stackalloc byte[8];
        file.ReadExactly(lengthField);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthField);
        if (headerLength > MaxHeaderLength)
            throw Invalid(path, 0, $"the header length is {headerLength}, above the limit of {MaxHeaderLength} bytes");
        if (headerLength > (ulong)(fileLength - 8))
            throw Invalid(path, 0, $"the header length is {headerLength}, but only {fileLength - 8} bytes follow it in the file");
        var header = new byte[headerLength];
        file.ReadExactly(header);
        if (header.Length == 0 || header[0] != (byte)'{')
            throw Invalid(path, 8, $"expected the JSON header to start with '{{', found {(header.Length == 0 ? "an empty header" : $"byte 0x{header[0]:X2}")}");

        int invalidUtf8 = InvalidUtf8Index(header);
        if (invalidUtf8 >= 0)
            throw Invalid(path, 8 + invalidUtf8, $"the JSON header holds byte 0x{header[invalidUtf8]:X2}, which is not valid UTF-8 there");

        var (entries, metadata) = ParseHeader(path, header);
        long dataStart = 8 + (long)headerLength;
        ulong dataLength = (ulong)(fileLength - dataStart);
        Validate(path, entries, dataStart, dataLength);

        var tensors = new OrderedDictionary<string, Tensor>(entries.Count);
        foreach (var entry in entries)
        {
            file.Position = dataStart + (long)entry.Begin;
            tensors.Add(entry.Name, ReadTensor(path, file, entry, dataStart));
        }
        return new SafeTensorsContent(tensors, metadata);
    }

    private static byte[] WriteHeader(IEnumerable<(string Name, Tensor Tensor, SafeTensorsDType DType)> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping keeps names such as "a+b" or non-ASCII text readable in the header;
        // it still escapes quotes, backslashes and control characters, so the JSON is valid.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is not null)
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    if (value is null)
                        throw new ArgumentException($"SafeTensors.Save: metadata entry '{key}' is null; metadata values must be strings.", nameof(metadata));
                    StrictUtf8(key, $"metadata key '{key}'", nameof(metadata));
                    StrictUtf8(value, $"metadata entry '{key}'", nameof(metadata));
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            ulong offset = 0;
            foreach (var (name, tensor, dtype) in entries)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype.Name);
                json.WriteStartArray("shape");
                foreach (int size in tensor.Shape) json.WriteNumberValue(size);
                json.WriteEndArray();
                ulong end = offset + (ulong)tensor.Count * (ulong)dtype.Size;
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }
        int padding = (8 - buffer.WrittenCount % 8) % 8;
        buffer.GetSpan(padding)[..padding].Fill((byte)' ');
        buffer.Advance(padding);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The UTF-8 bytes of <paramref name="text"/>, refusing lone surrogates: the JSON writer would
    /// escape them as "\uD800", which strict readers such as the reference implementation reject.
    /// </summary>
    private static byte[] StrictUtf8(string text, string what, string parameter)
    {
        try
        {
            return StrictEncoding.GetBytes(text);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException($"SafeTensors.Save: {what} is not valid Unicode (it holds an unpaired surrogate).", parameter);
        }
    }

    private static void WriteData(Stream stream, Tensor tensor)
    {
        switch (tensor.DType)
        {
            case DType.Float32: WriteLittleEndian<float, int>(stream, tensor.ToArray<float>()); break;
            case DType.Float64: WriteLittleEndian<double, long>(stream, tensor.ToArray<double>()); break;
            default: WriteLittleEndian<int, int>(stream, tensor.ToArray<int>()); break;
        }
    }

    /// <summary>Writes the elements as little-endian bytes; <typeparamref name="TBits"/> is the same-sized integer used to swap bytes on big-endian machines.</summary>
    private static void WriteLittleEndian<T, TBits>(Stream stream, T[] values) where T : unmanaged where TBits : unmanaged
    {
        if (!BitConverter.IsLittleEndian)
        {
            var swapped = MemoryMarshal.Cast<T, TBits>(values.AsSpan());
            if (typeof(TBits) == typeof(int)) BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<TBits, int>(swapped), MemoryMarshal.Cast<TBits, int>(swapped));
            else BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<TBits, long>(swapped), MemoryMarshal.Cast<TBits, long>(swapped));
        }
        int size = Marshal.SizeOf<T>();
        int perChunk = ChunkBytes / size;
        for (int start = 0; start < values.Length; start += perChunk)
        {
            int count = Math.Min(perChunk, values.Length - start);
            stream.Write(MemoryMarshal.AsBytes(values.AsSpan(start, count)));
        }
    }

    private static (List<Entry> Entries, IReadOnlyDictionary<string, string> Metadata) ParseHeader(string path, byte[] header)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw Invalid(path, 8 + ErrorIndex(header, e), $"the JSON header (bytes 8 to {8 + header.Length}) is not well formed: {e.Message.TrimEnd('.')}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Invalid(path, 8, $"the JSON header must be an object, found {root.ValueKind}");
            var (names, metadataNames) = PropertyPositions(header);
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            int index = 0;
            foreach (var property in root.EnumerateObject())
            {
                string name = property.Name;
                long at = 8 + names[index++];
                if (!seen.Add(name))
                    throw Invalid(path, at, $"the header names '{name}' twice");
                if (name == MetadataKey)
                    ReadMetadata(path, at, property.Value, metadata, metadataNames);
                else
                    entries.Add(ReadEntry(path, at, name, property.Value));
            }
            // The data is read, and checked for gaps and overlaps, in file order.
            entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            return (entries, metadata);
        }
    }

    /// <summary>
    /// Where each property name of the header object starts, and each name inside its
    /// "__metadata__" object, in document order (the order <see cref="JsonElement.EnumerateObject"/>
    /// gives), so errors found in the parsed document can name their byte offset.
    /// </summary>
    private static (List<int> Names, List<int> MetadataNames) PropertyPositions(byte[] header)
    {
        var names = new List<int>();
        var metadataNames = new List<int>();
        var reader = new Utf8JsonReader(header);
        bool inMetadata = false;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
                continue;
            if (reader.CurrentDepth == 1)
            {
                names.Add((int)reader.TokenStartIndex);
                inMetadata = reader.ValueTextEquals(MetadataKey);
            }
            else if (reader.CurrentDepth == 2 && inMetadata)
            {
                metadataNames.Add((int)reader.TokenStartIndex);
            }
        }
        return (names, metadataNames);
    }

    /// <summary>The index of the first byte that is not part of valid UTF-8, or −1.</summary>
    private static int InvalidUtf8Index(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
            return -1;
        for (int i = 0; i < bytes.Length;)
        {
            if (Rune.DecodeFromUtf8(bytes[i..], out _, out int consumed) != OperationStatus.Done)
                return i;
            i += consumed;
        }
        return -1;
    }

    /// <summary>The header index a JSON error refers to, from its line number and byte position in that line.</summary>
    private static long ErrorIndex(byte[] header, JsonException e)
    {
        long line = e.LineNumber ?? 0, index = 0;
        for (; line > 0 && index < header.Length; index++)
            if (header[index] == (byte)'\n')
                line--;
        return Math.Min(header.Length, index + (e.BytePositionInLine ?? 0));
    }

    private static void ReadMetadata(string path, long at, JsonElement value, Dictionary<string, string> metadata, List<int> names)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return;
        if (value.ValueKind != JsonValueKind.Object)
            throw Invalid(path, at, $"\"{MetadataKey}\" must be an object of strings, found {value.ValueKind}");
        int index = 0;
        foreach (var item in value.EnumerateObject())
        {
            long itemAt = 8 + names[index++];
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Invalid(path, itemAt, $"metadata entry '{item.Name}' must be a string, found {item.Value.ValueKind}");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw Invalid(path, itemAt, $"metadata entry '{item.Name}' appears twice");
        }
    }

    private static Entry ReadEntry(string path, long at, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Invalid(path, at, $"tensor '{name}': expected an object with dtype, shape and data_offsets, found {value.ValueKind}");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Invalid(path, at, $"tensor '{name}': \"dtype\" is missing or not a string");
        string dtypeName = dtypeElement.GetString()!;
        var dtype = SafeTensorsDType.Parse(dtypeName)
            ?? throw Invalid(path, at, $"tensor '{name}' has dtype \"{dtypeName}\", which SharpGrad cannot read (readable: {SafeTensorsDType.ReadableNames})");
        var shape = UnsignedArray(path, at, name, value, "shape");
        var offsets = UnsignedArray(path, at, name, value, "data_offsets");
        if (offsets.Length != 2)
            throw Invalid(path, at, $"tensor '{name}': \"data_offsets\" must hold two numbers [begin, end], found {offsets.Length}");
        return new Entry(name, dtype, shape, offsets[0], offsets[1], at);
    }

    private static ulong[] UnsignedArray(string path, long at, string name, JsonElement value, string field)
    {
        if (!value.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw Invalid(path, at, $"tensor '{name}': \"{field}\" is missing or not an array");
        var result = new ulong[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetUInt64(out result[i]))
                throw Invalid(path, at, $"tensor '{name}': \"{field}\"[{i}] must be a non-negative integer, found {item.GetRawText()}");
            i++;
        }
        return result;
    }

    /// <summary>Checks that the tensors, in offset order, tile the data buffer exactly and that each one's size is dtype × shape.</summary>
    private static void Validate(string path, List<Entry> entries, long dataStart, ulong dataLength)
    {
        ulong expected = 0;
        Entry? previous = null;
        foreach (var e in entries)
        {
            if (e.End < e.Begin)
                throw Invalid(path, e.HeaderOffset, $"tensor '{e.Name}': data_offsets [{e.Begin}, {e.End}] end before they begin");
            if (e.Begin < expected)
                throw Invalid(path, e.HeaderOffset, $"tensor '{e.Name}': data_offsets [{e.Begin}, {e.End}] overlap those of tensor '{previous!.Name}' [{previous.Begin}, {previous.End}]");
            if (e.Begin > expected)
                throw Invalid(path, e.HeaderOffset, previous is null
                    ? $"tensor '{e.Name}', the first in the data buffer, starts at offset {e.Begin} instead of 0"
                    : $"tensor '{e.Name}' starts at data offset {e.Begin} but tensor '{previous.Name}' ends at {expected}, leaving a gap of {e.Begin - expected} bytes");
            ulong elements = 1;
            foreach (ulong size in e.Shape)
            {
                if (size > int.MaxValue || (elements = elements * size) > (ulong)Array.MaxLength)
                    throw Invalid(path, e.HeaderOffset, $"tensor '{e.Name}': shape [{string.Join(", ", e.Shape)}] has more elements than a tensor can hold ({Array.MaxLength})");
            }
            ulong bytes = elements * (ulong)e.DType.Size;
            if (e.End - e.Begin != bytes)
                throw Invalid(path, e.HeaderOffset,
                    $"tensor '{e.Name}': dtype {e.DType.Name} and shape [{string.Join(", ", e.Shape)}] need {bytes} bytes, but data_offsets [{e.Begin}, {e.End}] span {e.End - e.Begin}");
            expected = e.End;
            previous = e;
        }
        if (expected != dataLength)
            throw Invalid(path, dataStart + (long)Math.Min(expected, dataLength), expected > dataLength
                ? $"the file is truncated: the tensors need {expected} bytes of data after the header, but the file holds {dataLength}"
                : $"the file holds {dataLength} bytes of data after the header, but the tensors account for only {expected}; {dataLength - expected} bytes are unaccounted for");
    }

    private static Tensor ReadTensor(string path, FileStream file, Entry entry, long dataStart)
    {
        var shape = new int[entry.Shape.Length];
        for (int i = 0; i < shape.Length; i++) shape[i] = (int)entry.Shape[i];
        int count = ShapeMath.Count(shape);
        var dtype = entry.DType;
        Array data = dtype.Target switch
        {
            DType.Float32 => new float[count],
            DType.Float64 => new double[count],
            _ => new int[count],
        };
        int perChunk = ChunkBytes / dtype.Size;
        var chunk = new byte[Math.Min((long)perChunk, count) * dtype.Size];
        for (int start = 0; start < count; start += perChunk)
        {
            int n = Math.Min(perChunk, count - start);
            var bytes = chunk.AsSpan(0, n * dtype.Size);
            file.ReadExactly(bytes);
            if (!dtype.Decode(bytes, data, start, out int bad, out string badValue))
                throw Invalid(path, dataStart + (long)entry.Begin + (long)(start + bad) * dtype.Size, $"tensor '{entry.Name}' ({dtype.Name}): element {start + bad} is {badValue}, outside the int32 range it is loaded into");
        }
        return new Tensor(new Storage(data, dtype.Target), shape, ShapeMath.ContiguousStrides(shape), 0);
    }

    private static InvalidDataException Invalid(string path, long offset, string problem) =>
        new($"{path}: invalid safetensors file at byte offset {offset}: {problem}.");

    /// <summary>A tensor's header entry; <see cref="HeaderOffset"/> is where its name starts in the file, for error messages.</summary>
    private sealed record Entry(string Name, SafeTensorsDType DType, ulong[] Shape, ulong Begin, ulong End, long HeaderOffset);
}
