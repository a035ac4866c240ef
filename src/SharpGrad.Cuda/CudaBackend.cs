using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace SharpGrad.Cuda;

/// <summary>
/// The kernels of one GPU (<c>cuda:N</c>) or of the simulated GPU (<c>gpu-sim</c>, ILGPU's CPU accelerator), behind
/// the core library's device interface. One ILGPU context and accelerator per device; kernels are compiled on first
/// use and kept; memory comes from a <see cref="CachingAllocator"/>. The members are spread over partial files by
/// family: memory here, elementwise and reductions, linear algebra, convolution and pooling, losses, optimisers.
/// </summary>
internal sealed partial class CudaBackend : IDeviceKernels
{
    private readonly Context context;
    private readonly Accelerator accelerator;
    private readonly CachingAllocator allocator;

    private CudaBackend(Device device, Context context, Accelerator accelerator)
    {
        Device = device;
        this.context = context;
        this.accelerator = accelerator;
        allocator = new CachingAllocator(accelerator, device);
        InitializeMatrixProducts();
    }

    /// <summary>The backend of <paramref name="device"/>; found by the core library by name (see DeviceBackends).</summary>
    /// <exception cref="InvalidOperationException">No NVIDIA driver or no GPU of that ordinal; the message says which.</exception>
    public static IDeviceKernels Create(Device device)
    {
        if (device.Type == DeviceType.GpuSim)
        {
            var sim = Context.Create(builder => builder.CPU().EnableAlgorithms());
            return new CudaBackend(device, sim, sim.CreateCPUAccelerator(0));
        }
        if (device.Type != DeviceType.Cuda)
            throw new ArgumentException($"The CUDA backend does not run {device}.", nameof(device));
        Context cuda;
        try
        {
            cuda = Context.Create(builder => builder.Cuda().EnableAlgorithms());
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{device} is not available: the NVIDIA driver (libcuda) could not be loaded ({e.Message.TrimEnd('.')}). Install the NVIDIA driver, or use --device gpu-sim to run the GPU kernels on the CPU.");
        }
        var devices = cuda.GetCudaDevices();
        if (devices.Count == 0)
        {
            cuda.Dispose();
            throw new InvalidOperationException($"{device} is not available: no NVIDIA GPU was found (the driver library libcuda is missing or sees no device). Install the NVIDIA driver, or use --device gpu-sim to run the GPU kernels on the CPU.");
        }
        if (device.Index >= devices.Count)
        {
            cuda.Dispose();
            throw new InvalidOperationException($"{device} is not available: this machine has {devices.Count} NVIDIA GPU{(devices.Count == 1 ? "" : "s")} (cuda:0{(devices.Count > 1 ? $" to cuda:{devices.Count - 1}" : "")}).");
        }
        return new CudaBackend(device, cuda, devices[device.Index].CreateAccelerator(cuda));
    }

    /// <inheritdoc/>
    public Device Device { get; }

    /// <summary>The ILGPU accelerator the kernels run on.</summary>
    internal Accelerator Accelerator => accelerator;

    /// <summary>The allocator's counters: what the device holds for tensors and what it keeps cached.</summary>
    internal CachingAllocator Allocator => allocator;

    /// <summary>A human-readable name of the device, for the command line's banner.</summary>
    internal string Name => accelerator.Name;

    /// <inheritdoc/>
    public DeviceBuffer Allocate(DType dtype, int length, bool zeroed)
    {
        var buffer = allocator.Allocate(dtype, length);
        if (zeroed && length > 0)
            buffer.Raw.View.SubView(0, buffer.ByteLength).MemSetToZero(accelerator.DefaultStream);
        return buffer;
    }

    /// <inheritdoc/>
    public void Upload(Array source, int sourceOffset, DeviceBuffer destination, int destinationOffset, int count)
    {
        if (count == 0) return;
        var d = (CudaBuffer)destination;
        switch (source)
        {
            case float[] f: d.View<float>().SubView(destinationOffset, count).CopyFromCPU(accelerator.DefaultStream, f.AsSpan(sourceOffset, count)); break;
            case double[] f: d.View<double>().SubView(destinationOffset, count).CopyFromCPU(accelerator.DefaultStream, f.AsSpan(sourceOffset, count)); break;
            case int[] f: d.View<int>().SubView(destinationOffset, count).CopyFromCPU(accelerator.DefaultStream, f.AsSpan(sourceOffset, count)); break;
            default: throw new ArgumentException($"Cannot upload a {source.GetType().Name}.", nameof(source));
        }
    }

    /// <inheritdoc/>
    public void Download(DeviceBuffer source, int sourceOffset, Array destination, int destinationOffset, int count)
    {
        var s = (CudaBuffer)source;
        accelerator.DefaultStream.Synchronize();
        if (count == 0) return;
        switch (destination)
        {
            case float[] f: s.View<float>().SubView(sourceOffset, count).CopyToCPU(accelerator.DefaultStream, f.AsSpan(destinationOffset, count)); break;
            case double[] f: s.View<double>().SubView(sourceOffset, count).CopyToCPU(accelerator.DefaultStream, f.AsSpan(destinationOffset, count)); break;
            case int[] f: s.View<int>().SubView(sourceOffset, count).CopyToCPU(accelerator.DefaultStream, f.AsSpan(destinationOffset, count)); break;
            default: throw new ArgumentException($"Cannot download into a {destination.GetType().Name}.", nameof(destination));
        }
        accelerator.DefaultStream.Synchronize();
    }

    /// <inheritdoc/>
    public void Synchronize() => accelerator.Synchronize();
}
