using SharpGrad.Cuda;

namespace SharpGrad.Cli.Bench;

/// <summary>The GPU backend's settings and choices as the benchmark reports and switches them.</summary>
internal static class CudaInfo
{
    /// <summary>The device's name and what computes its matrix products.</summary>
    public static string Describe(Device device)
    {
        var kernels = DeviceBackends.For(device);
        string name = kernels is CudaBackend backend ? backend.Name : device.ToString();
        return $"{name}, matrix products by {CudaSettings.GemmBackend}";
    }

    /// <summary>Sets <see cref="CudaSettings.AllowTf32"/> until the returned scope is disposed.</summary>
    public static IDisposable AllowTf32(bool allow)
    {
        bool previous = CudaSettings.AllowTf32;
        CudaSettings.AllowTf32 = allow;
        return new Restore(() => CudaSettings.AllowTf32 = previous);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
