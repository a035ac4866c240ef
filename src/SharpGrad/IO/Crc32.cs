namespace SharpGrad.IO;

/// <summary>
/// The CRC-32 of gzip and zlib (ISO 3309, reflected polynomial 0xEDB88320), byte by byte from
/// a 256-entry table. GZipStream checks a member's trailer only when the trailer is there, so
/// the IDX reader verifies it itself to tell a truncated download from a complete one.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>Continues <paramref name="crc"/> (the value for the bytes before; 0 to start) over <paramref name="bytes"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> bytes)
    {
        uint c = ~crc;
        foreach (byte b in bytes)
            c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
