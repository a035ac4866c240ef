namespace SharpGrad.Cuda.Kernels;

/// <summary>
/// The arithmetic the matrix-product, convolution and pooling kernels need, as instance methods of a struct so
/// that one generic kernel body serves float32 and float64: ILGPU compiles a call on a struct type parameter
/// (<c>default(TOps).Mul(a, b)</c>) into the plain instruction, with no virtual call on the device.
/// </summary>
internal interface IRealOps<T> where T : unmanaged
{
    /// <summary>0.</summary>
    T Zero { get; }

    /// <summary>−∞, the identity of a maximum.</summary>
    T NegativeInfinity { get; }

    /// <summary>a + b.</summary>
    T Add(T a, T b);

    /// <summary>a·b + c.</summary>
    T MulAdd(T a, T b, T c);

    /// <summary>a &gt; b (false when either is NaN).</summary>
    bool Greater(T a, T b);

    /// <summary>Whether a is NaN.</summary>
    bool IsNaN(T a);
}

/// <summary>float32 arithmetic for the generic kernels.</summary>
internal readonly struct Float32Ops : IRealOps<float>
{
    public float Zero => 0f;
    public float NegativeInfinity => float.NegativeInfinity;
    public float Add(float a, float b) => a + b;
    // A separate multiply and add, not a fused one: the CPU kernels the results are compared with round twice too,
    // and the PTX compiler contracts it into an FMA where that is allowed anyway.
    public float MulAdd(float a, float b, float c) => a * b + c;
    public bool Greater(float a, float b) => a > b;
    public bool IsNaN(float a) => float.IsNaN(a);
}

/// <summary>float64 arithmetic for the generic kernels.</summary>
internal readonly struct Float64Ops : IRealOps<double>
{
    public double Zero => 0d;
    public double NegativeInfinity => double.NegativeInfinity;
    public double Add(double a, double b) => a + b;
    public double MulAdd(double a, double b, double c) => a * b + c;
    public bool Greater(double a, double b) => a > b;
    public bool IsNaN(double a) => double.IsNaN(a);
}
