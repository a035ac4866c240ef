namespace SharpGrad.Cuda.Tests.Kernels;

/// <summary>Moves host arrays to and from the test device through the backend contract, and makes test data.</summary>
internal static class KernelTestBuffers
{
    public static IDeviceKernels Backend => DeviceBackends.For(TestDevice.Device);

    public static DeviceBuffer Upload(Array data)
    {
        var dtype = data switch
        {
            float[] => DType.Float32,
            double[] => DType.Float64,
            int[] => DType.Int32,
            _ => throw new ArgumentException(data.GetType().Name),
        };
        var buffer = Backend.Allocate(dtype, data.Length, zeroed: false);
        Backend.Upload(data, 0, buffer, 0, data.Length);
        return buffer;
    }

    public static T[] Download<T>(DeviceBuffer buffer)
    {
        var result = new T[buffer.Length];
        Backend.Download(buffer, 0, result, 0, result.Length);
        return result;
    }

    /// <summary>Values in [-1, 1) from a fixed seed, as float32 or float64.</summary>
    public static T[] Random<T>(int length, int seed)
    {
        var random = new Random(seed);
        var values = new double[length];
        for (int i = 0; i < length; i++)
            values[i] = random.NextDouble() * 2 - 1;
        return Convert<T>(values);
    }

    public static T[] Convert<T>(double[] values) =>
        typeof(T) == typeof(float) ? (T[])(object)values.Select(v => (float)v).ToArray()
        : typeof(T) == typeof(double) ? (T[])(object)values.ToArray()
        : throw new ArgumentException(typeof(T).Name);

    public static double[] AsDoubles<T>(T[] values) => values switch
    {
        float[] f => f.Select(v => (double)v).ToArray(),
        double[] d => d,
        _ => throw new ArgumentException(typeof(T).Name),
    };
}
