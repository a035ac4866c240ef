namespace SharpGrad.Cuda.Tests;

public class CachingAllocatorTests
{
    [Fact]
    public void BuffersDroppedWithoutDispose_ComeBackUsable()
    {
        var backend = DeviceBackends.For(TestDevice.Device);
        DropBuffers(backend);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        // The next allocations take the finalized blocks from the cache: their memory must still be there.
        for (int i = 0; i < 64; i++)
        {
            var data = new float[] { i, i + 1, i + 2 };
            using var buffer = backend.Allocate(DType.Float32, data.Length, zeroed: false);
            backend.Upload(data, 0, buffer, 0, data.Length);
            var back = new float[data.Length];
            backend.Download(buffer, 0, back, 0, back.Length);
            Assert.Equal(data, back);
        }
    }

    // Not inlined, so that no buffer stays reachable from the caller's frame.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void DropBuffers(IDeviceKernels backend)
    {
        for (int i = 0; i < 64; i++)
            backend.Allocate(DType.Float32, 3, zeroed: true);
    }
}
