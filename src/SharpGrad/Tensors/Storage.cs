namespace SharpGrad;

/// <summary>
/// The flat array behind one or more tensors. Views (reshape, transpose, slices, expand)
/// share a storage and differ only in shape, strides and offset. The version counter is
/// bumped by every in-place write so that autograd can tell when a value it saved for the
/// backward pass has been overwritten.
/// </summary>
internal sealed class Storage
{
    public Storage(Array data, DType dtype)
    {
        Data = data;
        DType = dtype;
    }

    public Array Data { get; }

    public DType DType { get; }

    public int Length => Data.Length;

    public int Version { get; private set; }

    public void BumpVersion() => Version++;

    public T[] As<T>() => (T[])Data;

    public static Storage Allocate(DType dtype, int length) => dtype switch
    {
        DType.Float32 => new Storage(new float[length], dtype),
        DType.Float64 => new Storage(new double[length], dtype),
        _ => new Storage(new int[length], dtype),
    };
}
