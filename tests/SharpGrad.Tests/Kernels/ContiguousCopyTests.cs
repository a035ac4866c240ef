using SharpGrad.Kernels;

namespace SharpGrad.Tests.Kernels;

/// <summary>
/// Elementwise.CopyContiguous, the kernel behind copy_ and fill of contiguous tensors: split across threads in
/// chunks, it must still write every element once and nothing outside the destination range, at any thread count.
/// </summary>
[Collection(PartitionerSettingsCollection.Name)]
public class ContiguousCopyTests
{
    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 200_000)]      // several chunks per thread, the last one short
    [InlineData(3, 100_003)]
    [InlineData(4, 16_384 * 4)]   // whole chunks only
    public void CopyAndFill_WriteExactlyTheRange(int threads, int count)
    {
        int saved = Parallelism.MaxDegreeOfParallelism;
        try
        {
            Parallelism.MaxDegreeOfParallelism = threads;
            var src = Enumerable.Range(0, count + 3).Select(i => (float)i).ToArray();
            var dst = new float[count + 10];
            Array.Fill(dst, -1f);
            Elementwise.CopyContiguous(src, 3, count, dst, 7, count);
            for (int i = 0; i < dst.Length; i++)
                Assert.Equal(i >= 7 && i < 7 + count ? i - 4 : -1f, dst[i]);

            Array.Fill(dst, -1f);
            Elementwise.CopyContiguous(new[] { 0f, 2.5f }, 1, 1, dst, 5, count);
            for (int i = 0; i < dst.Length; i++)
                Assert.Equal(i >= 5 && i < 5 + count ? 2.5f : -1f, dst[i]);
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void TensorFillAndCopy_GoThroughIt()
    {
        var t = Tensor.Ones([300, 700], DType.Float64);
        t.Fill(-2);
        Assert.All(t.ToDoubleArray(), v => Assert.Equal(-2, v));
        var source = Tensor.FromArray(Enumerable.Range(0, 210_000).Select(i => (double)i).ToArray(), 300, 700);
        t.CopyFrom(source);
        Assert.Equal(source.ToDoubleArray(), t.ToDoubleArray());
    }
}
