namespace SharpGrad.Cuda.Tests;

public class TransferTests
{
    private static readonly Device Gpu = TestDevice.Device;

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int32)]
    public void RoundTrip_KeepsEveryElement(DType dtype)
    {
        var x = Tensor.Arange(0, 24, dtype: dtype).Reshape(2, 3, 4);
        var onGpu = x.To(Gpu);
        Assert.Equal(Gpu, onGpu.Device);
        Assert.Equal(Device.Cpu, x.Device);
        var back = onGpu.To(Device.Cpu);
        Assert.Equal(Device.Cpu, back.Device);
        Assert.Equal([2, 3, 4], back.Shape.ToArray());
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (double)i), back.ToDoubleArray());
    }

    [Fact]
    public void RoundTrip_OfAView_CopiesItsElementsInRowMajorOrder()
    {
        var x = Tensor.Arange(0, 6).Reshape(2, 3).T; // [[0, 3], [1, 4], [2, 5]]
        Assert.Equal([0.0, 3, 1, 4, 2, 5], x.To(Gpu).To(Device.Cpu).ToDoubleArray());
    }
}
