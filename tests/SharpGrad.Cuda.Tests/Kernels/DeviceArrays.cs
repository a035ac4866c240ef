namespace SharpGrad.Cuda.Tests.Kernels;

/// <summary>Moves test arrays to and from the test device through the backend contract, and compares results.</summary>
internal static class DeviceArrays
{
    public static IDeviceKernels K => DeviceBackends.For(TestDevice.Device);

    public static DeviceBuffer Up(Array values)
    {
        var dtype = values switch { float[] => DType.Float32, double[] => DType.Float64, int[] => DType.Int32, _ => throw new ArgumentException("element type") };
        var buffer = K.Allocate(dtype, values.Length, zeroed: false);
        K.Upload(values, 0, buffer, 0, values.Length);
        return buffer;
    }

    public static DeviceBuffer Empty(DType dtype, int length) => K.Allocate(dtype, length, zeroed: true);

    public static T[] Down<T>(DeviceBuffer buffer)
    {
        var result = new T[buffer.Length];
        K.Download(buffer, 0, result, 0, result.Length);
        return result;
    }

    /// <summary>Equal within rtol·|expected| + atol; NaN matches NaN and infinities match exactly.</summary>
    public static void Close(double expected, double actual, double rtol, double atol, string what)
    {
        if (double.IsNaN(expected) || double.IsInfinity(expected))
        {
            Assert.True(expected.Equals(actual), $"{what}: expected {expected}, got {actual}");
            return;
        }
        Assert.True(Math.Abs(expected - actual) <= rtol * Math.Abs(expected) + atol, $"{what}: expected {expected:R}, got {actual:R}");
    }

    public static void AllClose<T>(T[] expected, T[] actual, double rtol, double atol, string what) where T : System.Numerics.INumberBase<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Close(double.CreateTruncating(expected[i]), double.CreateTruncating(actual[i]), rtol, atol, $"{what} [{i}]");
    }

    /// <summary>Bit-for-bit equality (so that −0 and +0 differ and NaN equals NaN).</summary>
    public static void Identical(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(expected[i].Equals(actual[i]) && double.IsNegative(expected[i]) == double.IsNegative(actual[i]),
                $"{what} [{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }

    public static double[] AsDoubles<T>(T[] values) where T : System.Numerics.INumberBase<T> =>
        Array.ConvertAll(values, v => double.CreateTruncating(v));
}
