using System.Collections.Concurrent;
using System.Reflection;

namespace SharpGrad;

/// <summary>
/// The one place that finds the kernels of a non-CPU device. The core library has no native dependency, so GPU
/// kernels come from the SharpGrad.Cuda assembly, found by name the first time a device is asked for: an
/// application that references the package gets <c>cuda</c> and <c>gpu-sim</c>, one that does not gets a
/// clear error saying which package to add.
/// </summary>
internal static class DeviceBackends
{
    private const string CudaAssembly = "SharpGrad.Cuda", FactoryType = "SharpGrad.Cuda.CudaBackend", FactoryMethod = "Create";
    private static readonly ConcurrentDictionary<Device, Lazy<IDeviceKernels>> backends = new();

    /// <summary>The kernels of <paramref name="device"/>, created on first use.</summary>
    /// <exception cref="InvalidOperationException">The device cannot be used here; the message says why and what to install.</exception>
    public static IDeviceKernels For(Device device)
    {
        if (device.IsCpu)
            throw new InvalidOperationException("The CPU has no device backend; its kernels are the core library's.");
        return backends.GetOrAdd(device, d => new Lazy<IDeviceKernels>(() => Create(d))).Value;
    }

    private static IDeviceKernels Create(Device device)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(CudaAssembly));
        }
        catch (FileNotFoundException)
        {
            throw new InvalidOperationException(
                $"Device {device} needs the {CudaAssembly} package, which this application does not reference; add it (dotnet add package {CudaAssembly}).");
        }
        var factory = assembly.GetType(FactoryType)?.GetMethod(FactoryMethod, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [typeof(Device)])
            ?? throw new InvalidOperationException($"{CudaAssembly} has no {FactoryType}.{FactoryMethod}(Device); its version does not match SharpGrad's.");
        try
        {
            return (IDeviceKernels)factory.Invoke(null, [device])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            // The backend's own message (no NVIDIA driver, no such GPU) is the one to show.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }
}
