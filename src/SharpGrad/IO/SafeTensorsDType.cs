using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SharpGrad.IO;

/// <summary>
/// A safetensors element type that SharpGrad reads: its header name, byte size, the tensor
/// dtype it is loaded into, and its position in the reference implementation's <c>Dtype</c>
/// enum (which orders types by alignment, and which the writer sorts by).
/// </summary>
internal sealed class SafeTensorsDType
{
    private static readonly SafeTensorsDType[] All =
    [
        new("BOOL", 1, 0, DType.Int32),
        new("U8", 1, 1, DType.Int32),
        new("I8", 1, 2, DType.Int32),
        new("I16", 2, 5, DType.Int32),
        new("U16", 2, 6, DType.Int32),
        new("F16", 2, 7, DType.Float32),
        new("BF16", 2, 8, DType.Float32),
        new("I32", 4, 9, DType.Int32),
        new("U32", 4, 10, DType.Int32),
        new("F32", 4, 11, DType.Float32),
        new("F64", 8, 12, DType.Float64),
        new("I64", 8, 13, DType.Int32),
        new("U64", 8, 14, DType.Int32),
    ];

    private SafeTensorsDType(string name, int size, int rank, DType target)
    {
        Name = name;
        Size = size;
        Rank = rank;
        Target = target;
    }

    public string Name { get; }

    public int Size { get; }

    public int Rank { get; }

    public DType Target { get; }

    public static string ReadableNames { get; } = string.Join(", ", All.Select(t => t.Name));

    public static SafeTensorsDType? Parse(string name) => Array.Find(All, t => t.Name == name);

    /// <summary>The type a SharpGrad tensor is written as.</summary>
    public static SafeTensorsDType Of(DType dtype) => Parse(dtype switch
    {
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        _ => "I32",
    })!;

    /// <summary>
    /// Converts little-endian elements into <paramref name="target"/> from <paramref name="start"/> on.
    /// Returns false, with the first offending element and its value, when an integer does not fit int32.
    /// </summary>
    public bool Decode(ReadOnlySpan<byte> bytes, Array target, int start, out int bad, out string badValue)
    {
        (bad, badValue) = (0, "");
        int n = bytes.Length / Size;
        switch (Name)
        {
            case "F32":
            {
                var dst = ((float[])target).AsSpan(start, n);
                if (BitConverter.IsLittleEndian) bytes.CopyTo(MemoryMarshal.AsBytes(dst));
                else for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                return true;
            }
            case "F64":
            {
                var dst = ((double[])target).AsSpan(start, n);
                if (BitConverter.IsLittleEndian) bytes.CopyTo(MemoryMarshal.AsBytes(dst));
                else for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                return true;
            }
            case "F16":
            {
                var dst = ((float[])target).AsSpan(start, n);
                for (int i = 0; i < n; i++) dst[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
                return true;
            }
            case "BF16":
            {
                // bfloat16 is the upper half of a float32, so widening is a shift, exact for every value.
                var dst = ((float[])target).AsSpan(start, n);
                for (int i = 0; i < n; i++) dst[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                return true;
            }
        }

        var ints = ((int[])target).AsSpan(start, n);
        for (int i = 0; i < n; i++)
        {
            var element = bytes.Slice(Size * i, Size);
            switch (Name)
            {
                case "BOOL": ints[i] = element[0] != 0 ? 1 : 0; break;
                case "U8": ints[i] = element[0]; break;
                case "I8": ints[i] = (sbyte)element[0]; break;
                case "I16": ints[i] = BinaryPrimitives.ReadInt16LittleEndian(element); break;
                case "U16": ints[i] = BinaryPrimitives.ReadUInt16LittleEndian(element); break;
                case "I32": ints[i] = BinaryPrimitives.ReadInt32LittleEndian(element); break;
                case "U32":
                {
                    uint v = BinaryPrimitives.ReadUInt32LittleEndian(element);
                    if (v > int.MaxValue) return Fail(i, v.ToString(), out bad, out badValue);
                    ints[i] = (int)v;
                    break;
                }
                case "I64":
                {
                    long v = BinaryPrimitives.ReadInt64LittleEndian(element);
                    if (v < int.MinValue || v > int.MaxValue) return Fail(i, v.ToString(), out bad, out badValue);
                    ints[i] = (int)v;
                    break;
                }
                default:
                {
                    ulong v = BinaryPrimitives.ReadUInt64LittleEndian(element);
                    if (v > int.MaxValue) return Fail(i, v.ToString(), out bad, out badValue);
                    ints[i] = (int)v;
                    break;
                }
            }
        }
        return true;
    }

    private static bool Fail(int index, string value, out int bad, out string badValue)
    {
        (bad, badValue) = (index, value);
        return false;
    }
}
