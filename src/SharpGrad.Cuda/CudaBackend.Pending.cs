using SharpGrad.Kernels;

namespace SharpGrad.Cuda;

// Members of the device interface whose kernels are not written yet.
internal sealed partial class CudaBackend
{
    public void Copy(DeviceBuffer source, int sourceOffset, int[] sourceStrides, DeviceBuffer destination, int destinationOffset, int[] destinationStrides, int[] shape) => throw new NotImplementedException();
    public void Fill(DeviceBuffer destination, int offset, int count, double value) => throw new NotImplementedException();
    public void Binary(ElementwiseOp op, int[] shape, DeviceBuffer a, int aOffset, int[] aStrides, DeviceBuffer b, int bOffset, int[] bStrides, DeviceBuffer result) => throw new NotImplementedException();
    public void Unary(ElementwiseOp op, double p0, double p1, DeviceBuffer x, int xOffset, DeviceBuffer result, int count) => throw new NotImplementedException();
    public void Where(int[] shape, DeviceBuffer cond, int condOffset, int[] condStrides, DeviceBuffer a, int aOffset, int[] aStrides, DeviceBuffer b, int bOffset, int[] bStrides, DeviceBuffer result) => throw new NotImplementedException();
    public void Reduce(ReduceKind kind, DeviceBuffer x, int xOffset, int outer, int length, int inner, DeviceBuffer result) => throw new NotImplementedException();
    public void ArgReduce(bool max, DeviceBuffer x, int xOffset, int outer, int length, int inner, DeviceBuffer result) => throw new NotImplementedException();
    public void LogSoftmaxRows(DeviceBuffer x, int xOffset, int rows, int length, DeviceBuffer result) => throw new NotImplementedException();
    public void CrossEntropy(DeviceBuffer x, int xOffset, int n, int c, DeviceBuffer target, int targetOffset, DeviceBuffer losses, DeviceBuffer? gradient, double scale) => throw new NotImplementedException();
    public void Adam(DeviceBuffer p, int pOffset, DeviceBuffer g, int gOffset, DeviceBuffer m, DeviceBuffer v, DeviceBuffer? vMax, int length, double beta1, double beta2, double weightDecay, double decay, double stepSize, double epsHat) => throw new NotImplementedException();
    public void Sgd(DeviceBuffer p, int pOffset, DeviceBuffer g, int gOffset, DeviceBuffer? buffer, int length, double learningRate, double weightDecay, double momentum, double dampening, bool nesterov) => throw new NotImplementedException();
}
