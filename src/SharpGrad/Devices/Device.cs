using System.Globalization;

namespace SharpGrad;

/// <summary>The kind of processor a <see cref="Device"/> names.</summary>
public enum DeviceType
{
    /// <summary>Managed arrays in main memory, computed by the SIMD kernels of the core library.</summary>
    Cpu,

    /// <summary>An NVIDIA GPU through the SharpGrad.Cuda package (ILGPU kernels, cuBLAS for matrix products).</summary>
    Cuda,

    /// <summary>The GPU kernels of SharpGrad.Cuda run by ILGPU's CPU accelerator: for tests and debugging without a GPU.</summary>
    GpuSim,
}

/// <summary>
/// Where a tensor's elements live and where the kernels that compute with them run, as PyTorch's
/// <c>torch.device</c>: <see cref="Cpu"/>, <see cref="Cuda(int)"/> or <see cref="GpuSim"/>. Tensors move between
/// devices with <see cref="Tensor.To(Device)"/> and modules with <c>Module.To(Device)</c>; an op whose operands
/// live on different devices is an error that names both. Written and parsed as <c>cpu</c>, <c>cuda</c>,
/// <c>cuda:1</c> and <c>gpu-sim</c>.
/// </summary>
public readonly record struct Device(DeviceType Type, int Index = 0)
{
    /// <summary>Main memory and the CPU kernels.</summary>
    public static Device Cpu => new(DeviceType.Cpu);

    /// <summary>The simulated GPU: the GPU kernels on ILGPU's CPU accelerator.</summary>
    public static Device GpuSim => new(DeviceType.GpuSim);

    /// <summary>The CUDA GPU with the given ordinal.</summary>
    public static Device Cuda(int index = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new Device(DeviceType.Cuda, index);
    }

    /// <summary>True for the CPU.</summary>
    public bool IsCpu => Type == DeviceType.Cpu;

    /// <summary>
    /// Waits until every kernel queued on this device has finished, as <c>torch.cuda.synchronize()</c>: GPU work runs
    /// asynchronously, so timing it needs this (reading a value back, such as <c>loss.Item()</c>, waits too). Nothing to
    /// wait for on the CPU.
    /// </summary>
    public void Synchronize()
    {
        if (!IsCpu)
            DeviceBackends.For(this).Synchronize();
    }

    /// <summary>Reads <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>gpu-sim</c> (case-insensitive).</summary>
    /// <exception cref="FormatException">Anything else, with the accepted spellings in the message.</exception>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim().ToLowerInvariant();
        if (s == "cpu") return Cpu;
        if (s is "gpu-sim" or "gpusim") return GpuSim;
        if (s == "cuda") return Cuda(0);
        if (s.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(s.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            return Cuda(index);
        throw new FormatException($"Unknown device \"{text}\"; use cpu, cuda, cuda:N (N = 0, 1, ...) or gpu-sim.");
    }

    /// <inheritdoc/>
    public override string ToString() => Type switch
    {
        DeviceType.Cpu => "cpu",
        DeviceType.GpuSim => "gpu-sim",
        _ => "cuda:" + Index.ToString(CultureInfo.InvariantCulture),
    };
}
