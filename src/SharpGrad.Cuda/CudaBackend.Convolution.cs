using ILGPU;
using ILGPU.Runtime;
using SharpGrad.Cuda.Kernels;
using SharpGrad.Kernels;

namespace SharpGrad.Cuda;

// Convolution's unfolding (im2col, col2im) and max pooling with the scatter of its gradient.
internal sealed partial class CudaBackend
{
    /// <summary>The most threads that share one plane of <see cref="ScatterArgmax"/>: a warp.</summary>
    private const int MaxScatterLanes = 32;

    private Action<Index1D, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, UnfoldArgs, int, int>? im2ColFloat32;
    private Action<Index1D, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<double, Stride1D.Dense>, UnfoldArgs, int, int>? im2ColFloat64;
    private Action<Index1D, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, UnfoldArgs, int, int>? col2ImFloat32;
    private Action<Index1D, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<double, Stride1D.Dense>, UnfoldArgs, int, int>? col2ImFloat64;
    private Action<Index1D, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<int, Stride1D.Dense>, PoolArgs, int, int>? maxPoolFloat32;
    private Action<Index1D, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<int, Stride1D.Dense>, PoolArgs, int, int>? maxPoolFloat64;
    private Action<Index1D, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<int, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, int, int, int, int>? scatterFloat32;
    private Action<Index1D, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<int, Stride1D.Dense>, ArrayView1D<double, Stride1D.Dense>, int, int, int, int>? scatterFloat64;

    /// <summary>The most threads a loop-per-thread kernel is launched with on gpu-sim.</summary>
    private const int SimulatedThreads = 256;

    /// <summary>Whether the kernels run on ILGPU's CPU accelerator (gpu-sim).</summary>
    private bool IsSimulated => accelerator.AcceleratorType == AcceleratorType.CPU;

    /// <summary>
    /// How many threads to launch for <paramref name="total"/> elements with a kernel whose threads each take a run
    /// of them (<see cref="ThreadRange"/>): one per element on a GPU; on gpu-sim at most <see cref="SimulatedThreads"/>,
    /// since ILGPU's CPU accelerator spends microseconds simulating each thread, far more than a thread's work
    /// (an im2col of 147k elements takes 0.3 to 0.8 s with a thread each, 5 ms with 256).
    /// </summary>
    internal int LaunchThreads(long total) => (int)(IsSimulated ? Math.Min(total, SimulatedThreads) : total);

    private static UnfoldArgs Unfold(Conv2dShape s, int xBase) => new()
    {
        C = s.C, H = s.H, W = s.W, KH = s.KH, KW = s.KW, SH = s.SH, SW = s.SW, PH = s.PH, PW = s.PW,
        DH = s.DH, DW = s.DW, OH = s.OH, OW = s.OW, XBase = xBase,
    };

    /// <summary>The dtype two buffers share, float32 or float64; otherwise an error naming the operation.</summary>
    private DType RealDType(string operation, CudaBuffer first, CudaBuffer second)
    {
        if (first.DType != second.DType || first.DType is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"{operation} on {Device}: the buffers must be float32 or float64 and of one dtype ({first.DType}, {second.DType}).");
        return first.DType;
    }

    /// <inheritdoc/>
    public void Im2Col(Conv2dShape s, DeviceBuffer x, int xOffset, DeviceBuffer columns)
    {
        var bx = (CudaBuffer)x;
        var bc = (CudaBuffer)columns;
        var dtype = RealDType("Im2Col", bx, bc);
        long count = (long)s.N * s.C * s.KH * s.KW * s.OH * s.OW;
        if (count == 0)
            return;
        if (count > bc.Length)
            throw new ArgumentException($"Im2Col on {Device}: the columns buffer holds {bc.Length} elements, {count} needed.", nameof(columns));
        var args = Unfold(s, xOffset);
        if (dtype == DType.Float64)
        {
            im2ColFloat64 ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<double, Stride1D.Dense>, UnfoldArgs, int, int>(
                Kernels.Convolution.Im2Col<double>);
            im2ColFloat64(LaunchThreads(count), bx.View<double>(), bc.View<double>(), args, (int)count, LaunchThreads(count));
        }
        else
        {
            im2ColFloat32 ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, UnfoldArgs, int, int>(
                Kernels.Convolution.Im2Col<float>);
            im2ColFloat32(LaunchThreads(count), bx.View<float>(), bc.View<float>(), args, (int)count, LaunchThreads(count));
        }
    }

    /// <inheritdoc/>
    public void Col2Im(Conv2dShape s, DeviceBuffer columns, DeviceBuffer gx)
    {
        var bc = (CudaBuffer)columns;
        var bg = (CudaBuffer)gx;
        var dtype = RealDType("Col2Im", bc, bg);
        int pixels = s.N * s.C * s.H * s.W;
        if (pixels == 0)
            return;
        var args = Unfold(s, 0);
        if (dtype == DType.Float64)
        {
            col2ImFloat64 ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<double, Stride1D.Dense>, UnfoldArgs, int, int>(
                Kernels.Convolution.Col2Im<double, Float64Math>);
            col2ImFloat64(LaunchThreads(pixels), bc.View<double>(), bg.View<double>(), args, pixels, LaunchThreads(pixels));
        }
        else
        {
            col2ImFloat32 ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, UnfoldArgs, int, int>(
                Kernels.Convolution.Col2Im<float, Float32Math>);
            col2ImFloat32(LaunchThreads(pixels), bc.View<float>(), bg.View<float>(), args, pixels, LaunchThreads(pixels));
        }
    }

    /// <inheritdoc/>
    public void MaxPool2d(MaxPool2dShape s, DeviceBuffer x, int xOffset, DeviceBuffer y, DeviceBuffer argmax)
    {
        var bx = (CudaBuffer)x;
        var by = (CudaBuffer)y;
        var ba = (CudaBuffer)argmax;
        var dtype = RealDType("MaxPool2d", bx, by);
        if (ba.DType != DType.Int32)
            throw new ArgumentException($"MaxPool2d on {Device}: argmax must be int32, not {ba.DType}.", nameof(argmax));
        long count = (long)s.Planes * s.OH * s.OW;
        if (count <= 0)
            return;
        var args = new PoolArgs
        {
            H = s.H, W = s.W, KH = s.KH, KW = s.KW, SH = s.SH, SW = s.SW, PH = s.PH, PW = s.PW,
            DH = s.DH, DW = s.DW, OH = s.OH, OW = s.OW, XOffset = xOffset,
        };
        if (dtype == DType.Float64)
        {
            maxPoolFloat64 ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<int, Stride1D.Dense>, PoolArgs, int, int>(
                Kernels.Pooling.MaxPool2d<double, Float64Math>);
            maxPoolFloat64(LaunchThreads(count), bx.View<double>(), by.View<double>(), ba.View<int>(), args, (int)count, LaunchThreads(count));
        }
        else
        {
            maxPoolFloat32 ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<int, Stride1D.Dense>, PoolArgs, int, int>(
                Kernels.Pooling.MaxPool2d<float, Float32Math>);
            maxPoolFloat32(LaunchThreads(count), bx.View<float>(), by.View<float>(), ba.View<int>(), args, (int)count, LaunchThreads(count));
        }
    }

    /// <inheritdoc/>
    public void ScatterArgmax(int planes, int inPlane, int outPlane, DeviceBuffer gy, int gyOffset, DeviceBuffer argmax, DeviceBuffer gx)
    {
        var by = (CudaBuffer)gy;
        var bg = (CudaBuffer)gx;
        var ba = (CudaBuffer)argmax;
        var dtype = RealDType("ScatterArgmax", by, bg);
        if (ba.DType != DType.Int32)
            throw new ArgumentException($"ScatterArgmax on {Device}: argmax must be int32, not {ba.DType}.", nameof(argmax));
        if (planes <= 0 || inPlane <= 0 || outPlane <= 0)
            return;
        // Enough threads to fill the device while each still scans a whole plane of outputs; one per plane on
        // gpu-sim, where simulated threads are the cost.
        int lanes = IsSimulated ? 1 : Math.Min(Math.Min(MaxScatterLanes, inPlane), Math.Max(1, 65536 / planes));
        long threads = (long)planes * lanes;
        if (dtype == DType.Float64)
        {
            scatterFloat64 ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView1D<double, Stride1D.Dense>, ArrayView1D<int, Stride1D.Dense>, ArrayView1D<double, Stride1D.Dense>, int, int, int, int>(
                Kernels.Pooling.ScatterArgmax<double, Float64Math>);
            scatterFloat64((int)threads, by.View<double>(), ba.View<int>(), bg.View<double>(), inPlane, outPlane, gyOffset, lanes);
        }
        else
        {
            scatterFloat32 ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView1D<float, Stride1D.Dense>, ArrayView1D<int, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, int, int, int, int>(
                Kernels.Pooling.ScatterArgmax<float, Float32Math>);
            scatterFloat32((int)threads, by.View<float>(), ba.View<int>(), bg.View<float>(), inPlane, outPlane, gyOffset, lanes);
        }
    }
}
