namespace SharpGrad.Distributed.Tests;

/// <summary>Bucket plans worked out by hand: reverse parameter order, a byte cap, no mixed element types.</summary>
public sealed class GradientBucketTests
{
    [Fact]
    public void Plan_FillsBucketsBackwardsUpToTheCap()
    {
        // float32 sizes in bytes: p0 = 40, p1 = 24, p2 = 8, p3 = 100.
        Tensor[] ps = [Tensor.Zeros(10), Tensor.Zeros(2, 3), Tensor.Zeros(2), Tensor.Zeros(25)];
        var plan = GradientBucket.Plan(ps, capBytes: 64);
        // p3 alone exceeds the cap (bucket 0); p2 + p1 = 32 ≤ 64, + p0 = 72 > 64.
        Assert.Equal(3, plan.Count);
        Assert.Equal([3], plan[0].Parameters);
        Assert.Equal([2, 1], plan[1].Parameters);
        Assert.Equal([0, 2], plan[1].Offsets);
        Assert.Equal(8, plan[1].Elements);
        Assert.Equal([0], plan[2].Parameters);
        Assert.Equal(40, plan[2].Bytes);
    }

    [Fact]
    public void Plan_StartsANewBucketWhenTheElementTypeChanges()
    {
        Tensor[] ps = [Tensor.Zeros(2), Tensor.Zeros([2], DType.Float64), Tensor.Zeros(2)];
        var plan = GradientBucket.Plan(ps, capBytes: 1 << 20);
        Assert.Equal([[2], [1], [0]], plan.Select(b => b.Parameters));
        Assert.Equal([DType.Float32, DType.Float64, DType.Float32], plan.Select(b => b.DType));
    }

    [Fact]
    public void Plan_DefaultCapPutsTheCnnInOneBucket()
    {
        var model = NN.MnistModels.Cnn(new Generator(1));
        var plan = GradientBucket.Plan([.. model.Parameters()], DistributedDataParallel.DefaultBucketBytes);
        Assert.Single(plan);
        Assert.Equal(52_754 * 4, plan[0].Bytes);
    }
}
