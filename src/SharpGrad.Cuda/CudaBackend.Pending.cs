using SharpGrad.Kernels;

namespace SharpGrad.Cuda;

// Members of the device interface whose kernels are not written yet.
internal sealed partial class CudaBackend
{
    public void Gemm(int batch, int m, int n, int k, DeviceBuffer a, int aOffset, int aBatchStride, int aRowStride, int aColStride, DeviceBuffer b, int bOffset, int bBatchStride, int bRowStride, int bColStride, DeviceBuffer c, int cOffset, int cBatchStride, int ldc, bool accumulate) => throw new NotImplementedException();
    public void Im2Col(Conv2dShape s, DeviceBuffer x, int xOffset, int image, DeviceBuffer columns, int columnsOffset) => throw new NotImplementedException();
    public void Col2Im(Conv2dShape s, DeviceBuffer columns, int columnsOffset, DeviceBuffer gx, int image) => throw new NotImplementedException();
    public void MaxPool2d(MaxPool2dShape s, DeviceBuffer x, int xOffset, DeviceBuffer y, DeviceBuffer argmax) => throw new NotImplementedException();
    public void ScatterArgmax(int planes, int inPlane, int outPlane, DeviceBuffer gy, int gyOffset, DeviceBuffer argmax, DeviceBuffer gx) => throw new NotImplementedException();
}
