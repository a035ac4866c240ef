using System.Numerics;
using SharpGrad.Kernels;

namespace SharpGrad.Tests.Kernels;

/// <summary>
/// The fast max-pooling kernels against the plain window loop (MaxPool2dNaive): the general loop, the 2×2 stride-2
/// loop and its float vector versions (rows of eight or more outputs, of four to seven, and shorter), on data full of
/// ties, NaNs and −∞, at odd sizes, with ceil-mode overhang, padding, dilation and inputs at an offset; and the
/// write-everything backward of exactly tiling 2×2 windows against the scatter into zeros. Tests that change the
/// partitioner's degree run in its collection.
/// </summary>
[Collection(PartitionerSettingsCollection.Name)]
public class PoolingKernelTests
{
    /// <summary>Planes, H, W, KH, KW, SH, SW, PH, PW, DH, DW, ceil mode (0/1).</summary>
    public static TheoryData<int[]> Shapes => new()
    {
        new[] { 5, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, 0 },   // LeNet pool1: rows of 14 outputs (8 + overlapping 8)
        new[] { 7, 10, 10, 2, 2, 2, 2, 0, 0, 1, 1, 0 },   // LeNet pool2: rows of 5 (4 + overlapping 4)
        new[] { 3, 6, 6, 2, 2, 2, 2, 0, 0, 1, 1, 0 },     // rows of 3: scalar
        new[] { 3, 9, 17, 2, 2, 2, 2, 0, 0, 1, 1, 0 },    // odd sizes: last row and column unread
        new[] { 2, 5, 19, 2, 2, 2, 2, 0, 0, 1, 1, 1 },    // ceil mode: the last window hangs over the edge
        new[] { 4, 16, 32, 2, 2, 2, 2, 0, 0, 1, 1, 0 },   // rows of exactly 16
        new[] { 3, 9, 9, 3, 3, 2, 2, 1, 1, 1, 1, 0 },     // 3×3 stride 2 with padding
        new[] { 2, 8, 9, 2, 3, 1, 2, 1, 1, 2, 1, 1 },     // dilation, stride 1, padding, ceil mode
        new[] { 2, 7, 7, 2, 2, 2, 2, 1, 1, 1, 1, 0 },     // 2×2 with padding: not the pair loop
    };

    private static MaxPool2dShape ShapeOf(int[] a)
    {
        bool ceil = a[11] == 1;
        int oh = Pooling.OutputSize(a[1], a[3], a[5], a[7], a[9], ceil), ow = Pooling.OutputSize(a[2], a[4], a[6], a[8], a[10], ceil);
        return new MaxPool2dShape(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], oh, ow);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MaxPool2d_Float32_MatchesNaive(int[] args) => CheckMax<float>(ShapeOf(args));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MaxPool2d_Float64_MatchesNaive(int[] args) => CheckMax<double>(ShapeOf(args));

    [Theory]
    [InlineData(5, 14, 14)]
    [InlineData(7, 5, 5)]
    [InlineData(3, 3, 3)]
    [InlineData(4, 2, 9)]
    [InlineData(1, 1, 1)]
    public void ScatterArgmaxPairs_MatchesScatter(int planes, int oh, int ow)
    {
        CheckPairs<float>(planes, oh, ow);
        CheckPairs<double>(planes, oh, ow);
    }

    private static void CheckMax<T>(MaxPool2dShape s) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(s.Planes * 100 + s.H * 10 + s.W);
        int inLength = s.Planes * s.H * s.W, outLength = s.Planes * s.OH * s.OW;
        var x = TieRich<T>(rng, inLength + 3);
        var expected = new T[outLength];
        var expectedAt = new int[outLength];
        Pooling.MaxPool2dNaive(s, x, 3, expected, expectedAt);
        int saved = Partitioner.MaxDegreeOfParallelism;
        try
        {
            foreach (int degree in new[] { 1, 4 })
            {
                Partitioner.MaxDegreeOfParallelism = degree;
                var y = new T[outLength];
                var at = new int[outLength];
                Pooling.MaxPool2d(s, x, 3, y, at);
                Assert.Equal(expectedAt, at);
                for (int i = 0; i < outLength; i++)
                    Assert.True(y[i].Equals(expected[i]), $"output {i}: expected {expected[i]}, got {y[i]}");
            }
        }
        finally
        {
            Partitioner.MaxDegreeOfParallelism = saved;
        }
    }

    private static void CheckPairs<T>(int planes, int oh, int ow) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = new MaxPool2dShape(planes, 2 * oh, 2 * ow, 2, 2, 2, 2, 0, 0, 1, 1, oh, ow);
        var rng = new Random(planes * 100 + oh * 10 + ow);
        int inLength = planes * s.H * s.W, outLength = planes * oh * ow;
        var x = TieRich<T>(rng, inLength);
        var y = new T[outLength];
        var at = new int[outLength];
        Pooling.MaxPool2d(s, x, 0, y, at);
        var gy = TieRich<T>(rng, outLength + 2);
        var expected = new T[inLength];
        Pooling.ScatterArgmax(planes, s.H * s.W, outLength / planes, gy, 2, at, expected);
        int saved = Partitioner.MaxDegreeOfParallelism;
        try
        {
            foreach (int degree in new[] { 1, 4 })
            {
                Partitioner.MaxDegreeOfParallelism = degree;
                var gx = new T[inLength];
                Array.Fill(gx, T.CreateChecked(777));
                Pooling.ScatterArgmaxPairs(planes, oh, ow, gy, 2, at, gx);
                for (int i = 0; i < inLength; i++)
                    Assert.True(gx[i].Equals(expected[i]), $"element {i}: expected {expected[i]}, got {gx[i]}");
            }
        }
        finally
        {
            Partitioner.MaxDegreeOfParallelism = saved;
        }
    }

    /// <summary>Values from a set of five (so windows tie often), with NaNs and −∞ mixed in.</summary>
    private static T[] TieRich<T>(Random rng, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = new T[length];
        for (int i = 0; i < length; i++)
        {
            int r = rng.Next(20);
            a[i] = r switch
            {
                0 => T.NaN,
                1 => T.NegativeInfinity,
                _ => T.CreateChecked(r % 5 - 2),
            };
        }
        return a;
    }
}
