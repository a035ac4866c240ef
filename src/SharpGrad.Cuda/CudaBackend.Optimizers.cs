using ILGPU;
using ILGPU.Runtime;
using SharpGrad.Cuda.Kernels;

namespace SharpGrad.Cuda;

// Fused Adam and SGD parameter updates: the kernels of Kernels/OptimizerUpdates.cs.
internal sealed partial class CudaBackend
{
    /// <inheritdoc/>
    public void Adam(DeviceBuffer p, int pOffset, DeviceBuffer g, int gOffset, DeviceBuffer m, DeviceBuffer v, DeviceBuffer? vMax, int length,
        double beta1, double beta2, double weightDecay, double decay, double stepSize, double epsHat)
    {
        if (length == 0) return;
        switch (p.DType)
        {
            case DType.Float32:
                // The CPU converts every scalar to float before the loop and forms 1 − β in float; so does this.
                float b1 = (float)beta1, b2 = (float)beta2;
                AdamOf<float, Float32Math>(p, pOffset, g, gOffset, m, v, vMax, length, new AdamCoefficients
                {
                    Beta1 = b1, Beta2 = b2, OneMinusBeta1 = 1f - b1, OneMinusBeta2 = 1f - b2, WeightDecay = (float)weightDecay,
                    Decay = (float)decay, StepSize = (float)stepSize, EpsHat = (float)epsHat,
                });
                break;
            case DType.Float64:
                AdamOf<double, Float64Math>(p, pOffset, g, gOffset, m, v, vMax, length, new AdamCoefficients
                {
                    Beta1 = beta1, Beta2 = beta2, OneMinusBeta1 = 1 - beta1, OneMinusBeta2 = 1 - beta2, WeightDecay = weightDecay,
                    Decay = decay, StepSize = stepSize, EpsHat = epsHat,
                });
                break;
            default: throw UnsupportedDType("Adam", p.DType);
        }
    }

    private void AdamOf<T, TMath>(DeviceBuffer p, int pOffset, DeviceBuffer g, int gOffset, DeviceBuffer m, DeviceBuffer v, DeviceBuffer? vMax, int length, AdamCoefficients c)
        where T : unmanaged where TMath : struct, IElementMath<T> =>
        CachedKernel("adam", typeof(T), typeof(T), static a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, int, ArrayView<T>, int, ArrayView<T>, ArrayView<T>, int, ArrayView<T>, AdamCoefficients>(
            OptimizerUpdates.Adam<T, TMath>))(length, ViewOf<T>(p), pOffset, ViewOf<T>(g), gOffset, ViewOf<T>(m), ViewOf<T>(v), vMax is null ? 0 : 1, ViewOf<T>(vMax ?? v), c);

    /// <inheritdoc/>
    public void Sgd(DeviceBuffer p, int pOffset, DeviceBuffer g, int gOffset, DeviceBuffer? buffer, int length,
        double learningRate, double weightDecay, double momentum, double dampening, bool nesterov)
    {
        if (length == 0) return;
        switch (p.DType)
        {
            case DType.Float32:
                SgdOf<float, Float32Math>(p, pOffset, g, gOffset, buffer, length, new SgdCoefficients
                {
                    LearningRate = (float)learningRate, WeightDecay = (float)weightDecay, Momentum = (float)momentum,
                    OneMinusDampening = (float)(1 - dampening), Nesterov = nesterov ? 1 : 0,
                });
                break;
            case DType.Float64:
                SgdOf<double, Float64Math>(p, pOffset, g, gOffset, buffer, length, new SgdCoefficients
                {
                    LearningRate = learningRate, WeightDecay = weightDecay, Momentum = momentum, OneMinusDampening = 1 - dampening, Nesterov = nesterov ? 1 : 0,
                });
                break;
            default: throw UnsupportedDType("Sgd", p.DType);
        }
    }

    private void SgdOf<T, TMath>(DeviceBuffer p, int pOffset, DeviceBuffer g, int gOffset, DeviceBuffer? buffer, int length, SgdCoefficients c)
        where T : unmanaged where TMath : struct, IElementMath<T> =>
        CachedKernel("sgd", typeof(T), typeof(T), static a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, int, ArrayView<T>, int, int, ArrayView<T>, SgdCoefficients>(
            OptimizerUpdates.Sgd<T, TMath>))(length, ViewOf<T>(p), pOffset, ViewOf<T>(g), gOffset, buffer is null ? 0 : 1, ViewOf<T>(buffer ?? p), c);
}
