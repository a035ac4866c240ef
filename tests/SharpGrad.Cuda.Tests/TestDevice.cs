// One device backend serves every test, and the allocator test counts its allocations, so tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace SharpGrad.Cuda.Tests;

/// <summary>
/// The device the tests run on: gpu-sim (the GPU kernels on ILGPU's CPU accelerator) unless the environment variable
/// SHARPGRAD_TEST_DEVICE names another, as the GPU check script does with <c>cuda</c>. Every test compares that
/// device's results with the CPU backend's on the same inputs.
/// </summary>
internal static class TestDevice
{
    public static Device Device { get; } =
        Environment.GetEnvironmentVariable("SHARPGRAD_TEST_DEVICE") is { Length: > 0 } name ? Device.Parse(name) : Device.GpuSim;
}
