using SharpGrad.Kernels;

namespace SharpGrad.Cuda;

// Members of the device interface whose kernels are not written yet.
internal sealed partial class CudaBackend
{
    public void Reduce(ReduceKind kind, DeviceBuffer x, int xOffset, int outer, int length, int inner, DeviceBuffer result) => throw new NotImplementedException();
    public void ArgReduce(bool max, DeviceBuffer x, int xOffset, int outer, int length, int inner, DeviceBuffer result) => throw new NotImplementedException();
    public void LogSoftmaxRows(DeviceBuffer x, int xOffset, int rows, int length, DeviceBuffer result) => throw new NotImplementedException();
    public void CrossEntropy(DeviceBuffer x, int xOffset, int n, int c, DeviceBuffer target, int targetOffset, DeviceBuffer losses, DeviceBuffer? gradient, double scale) => throw new NotImplementedException();
    public void Adam(DeviceBuffer p, int pOffset, DeviceBuffer g, int gOffset, DeviceBuffer m, DeviceBuffer v, DeviceBuffer? vMax, int length, double beta1, double beta2, double weightDecay, double decay, double stepSize, double epsHat) => throw new NotImplementedException();
    public void Sgd(DeviceBuffer p, int pOffset, DeviceBuffer g, int gOffset, DeviceBuffer? buffer, int length, double learningRate, double weightDecay, double momentum, double dampening, bool nesterov) => throw new NotImplementedException();
    public void Gemm(int batch, int m, int n, int k, DeviceBuffer a, int aOffset, int aBatchStride, int aRowStride, int aColStride, DeviceBuffer b, int bOffset, int bBatchStride, int bRowStride, int bColStride, DeviceBuffer c, int cOffset, int cBatchStride, int ldc, bool accumulate) => throw new NotImplementedException();
    public void Im2Col(Conv2dShape s, DeviceBuffer x, int xOffset, int image, DeviceBuffer columns) => throw new NotImplementedException();
    public void Col2Im(Conv2dShape s, DeviceBuffer columns, DeviceBuffer gx, int image) => throw new NotImplementedException();
    public void MaxPool2d(MaxPool2dShape s, DeviceBuffer x, int xOffset, DeviceBuffer y, DeviceBuffer argmax) => throw new NotImplementedException();
    public void ScatterArgmax(int planes, int inPlane, int outPlane, DeviceBuffer gy, int gyOffset, DeviceBuffer argmax, DeviceBuffer gx) => throw new NotImplementedException();
}
