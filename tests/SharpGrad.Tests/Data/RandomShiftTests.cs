using SharpGrad.Data;

namespace SharpGrad.Tests.Data;

/// <summary>Random translations: every output is the input moved by whole pixels with zeros shifted in.</summary>
public class RandomShiftTests
{
    [Fact]
    public void Shift_MovesEachImageByAtMostMaxShift_FillingWithZeros()
    {
        // A single bright pixel at (2, 2) of a 5×5 image can only land within ±1 of where it was.
        var image = Tensor.Zeros(64, 1, 5, 5);
        image[.., 0, 2, 2] = Tensor.Scalar(1);
        var shifted = new RandomShift(1, new Generator(9)).Apply(image).ToFloatArray();
        var seen = new HashSet<(int, int)>();
        for (int n = 0; n < 64; n++)
        {
            var plane = shifted.AsSpan(n * 25, 25).ToArray();
            Assert.Equal(1f, plane.Sum());
            int at = Array.IndexOf(plane, 1f);
            (int y, int x) = (at / 5, at % 5);
            Assert.InRange(y, 1, 3);
            Assert.InRange(x, 1, 3);
            seen.Add((y, x));
        }
        Assert.Equal(9, seen.Count); // all nine offsets occur in 64 draws
    }

    [Fact]
    public void Shift_OfTwo_DropsPixelsThatLeaveTheImage()
    {
        var image = Tensor.Ones(200, 1, 3, 3);
        var sums = new RandomShift(2, new Generator(1)).Apply(image).Sum([1, 2, 3]).ToFloatArray();
        // With |dy|, |dx| ≤ 2 on a 3×3 image, (3 − |dy|)(3 − |dx|) ones survive.
        var possible = new HashSet<float>();
        for (int dy = 0; dy <= 2; dy++) for (int dx = 0; dx <= 2; dx++) possible.Add((3 - dy) * (3 - dx));
        Assert.All(sums, s => Assert.Contains(s, possible));
        Assert.Contains(1f, sums);
    }

    [Fact]
    public void Shift_SameSeed_SameResult()
    {
        var images = Tensor.Uniform([4, 2, 6, 6], 0, 1, new Generator(3));
        var a = new RandomShift(2, new Generator(5)).Apply(images).ToFloatArray();
        var b = new RandomShift(2, new Generator(5)).Apply(images).ToFloatArray();
        Assert.Equal(a, b);
        Assert.Equal(images.ToFloatArray(), new RandomShift(0).Apply(images).ToFloatArray());
    }

    [Fact]
    public void Shift_RejectsNonImages() =>
        Assert.Contains("[N, C, H, W]", Assert.Throws<ArgumentException>(() => new RandomShift(1).Apply(Tensor.Zeros(3, 4))).Message);
}
