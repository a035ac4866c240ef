using SharpGrad.Kernels;

namespace SharpGrad;

/// <summary>
/// How many threads SharpGrad's kernels may use, the counterpart of PyTorch's
/// <c>torch.set_num_threads</c>. Large kernels (GEMM, convolution, big elementwise loops) are cut
/// into at most this many chunks; small ones always run on the calling thread. Set it to 1 for
/// serial, reproducible timings, or to compare with another engine held to the same count.
/// </summary>
public static class Parallelism
{
    /// <summary>The most threads one kernel call may use; defaults to <see cref="Environment.ProcessorCount"/>.</summary>
    public static int MaxDegreeOfParallelism
    {
        get => Partitioner.MaxDegreeOfParallelism;
        set => Partitioner.MaxDegreeOfParallelism = value;
    }
}
