namespace SharpGrad.IO;

/// <summary>
/// The element type of an IDX file, stored in the third byte of its magic number. Multi-byte
/// types are big-endian in the file. The values are the codes of the format's definition.
/// </summary>
public enum IdxType : byte
{
    /// <summary>Unsigned 8-bit integer (code 0x08), the type of MNIST images and labels; read as int32.</summary>
    UnsignedByte = 0x08,
    /// <summary>Signed 8-bit integer (code 0x09); read as int32.</summary>
    SignedByte = 0x09,
    /// <summary>Signed 16-bit integer (code 0x0B); read as int32.</summary>
    Int16 = 0x0B,
    /// <summary>Signed 32-bit integer (code 0x0C); read as int32.</summary>
    Int32 = 0x0C,
    /// <summary>32-bit IEEE 754 float (code 0x0D); read as float32.</summary>
    Float32 = 0x0D,
    /// <summary>64-bit IEEE 754 float (code 0x0E); read as float64.</summary>
    Float64 = 0x0E,
}
