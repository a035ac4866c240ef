namespace SharpGrad.Cuda.Kernels;

/// <summary>
/// The elements one thread handles when a kernel is launched with fewer threads than elements: thread t of n takes
/// the t-th of n nearly equal contiguous runs. On a GPU kernels get a thread per element (runs of one); on gpu-sim
/// a few hundred threads each take a run, since ILGPU's CPU accelerator spends far more on simulating a thread than
/// the thread's work, and contiguous runs keep each OS thread's memory accesses together.
/// </summary>
internal static class ThreadRange
{
    /// <summary>[start, end) of thread <paramref name="thread"/> of <paramref name="threads"/> over <paramref name="total"/> elements.</summary>
    public static void Of(int thread, int threads, int total, out int start, out int end)
    {
        long per = ((long)total + threads - 1) / threads;
        long first = thread * per;
        start = (int)(first < total ? first : total);
        long last = first + per;
        end = (int)(last < total ? last : total);
    }
}
