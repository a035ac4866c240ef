namespace SharpGrad.Data;

/// <summary>
/// Data augmentation for images [N, C, H, W]: each image is translated by a random whole
/// number of pixels, at most <c>maxShift</c> in each direction, with zeros shifted in (what
/// torchvision's RandomCrop with padding does). Small translations are the classic way to stop
/// a digit classifier from memorising a few thousand training images. Each call draws new
/// offsets from the generator, so a seeded generator makes the augmentation reproducible; inside a
/// <see cref="SampleShard"/> the offsets are those the rows would get in the whole batch.
/// </summary>
public sealed class RandomShift
{
    private readonly int maxShift;
    private readonly Generator generator;

    /// <summary>Creates the transform.</summary>
    public RandomShift(int maxShift, Generator? generator = null)
    {
        if (maxShift < 0)
            throw new ArgumentOutOfRangeException(nameof(maxShift), maxShift, "RandomShift: the shift must not be negative.");
        this.maxShift = maxShift;
        this.generator = generator ?? Generator.Default;
    }

    /// <summary>Returns a shifted copy of <paramref name="images"/> (float32 or float64, [N, C, H, W]).</summary>
    public Tensor Apply(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Rank != 4)
            throw new ArgumentException($"RandomShift expects images [N, C, H, W], got shape {ShapeMath.Format(images.ShapeArray)}.");
        var src = Dispatch.Contiguous(images);
        var result = Tensor.Zeros(images.ShapeArray, images.DType);
        int n = images.Size(0);
        var shifts = new (int Dy, int Dx)[n];
        // Part of a larger batch (data-parallel training): draw every row's offsets, keep this part's.
        var shard = SampleShard.For(n, "RandomShift");
        int first = shard?.Offset ?? 0, total = shard?.Total ?? n;
        for (int i = 0; i < total; i++)
        {
            var shift = (generator.NextInt(2 * maxShift + 1) - maxShift, generator.NextInt(2 * maxShift + 1) - maxShift);
            if (i >= first && i < first + n) shifts[i - first] = shift;
        }
        switch (images.DType)
        {
            case DType.Float32: Shift(src.Data<float>(), src.Offset, result.Data<float>(), images.ShapeArray, shifts); break;
            case DType.Float64: Shift(src.Data<double>(), src.Offset, result.Data<double>(), images.ShapeArray, shifts); break;
            default: throw new NotSupportedException($"RandomShift needs floating-point images, got {images.DType.Name()}.");
        }
        return result;
    }

    private static void Shift<T>(T[] src, int offset, T[] dst, int[] shape, (int Dy, int Dx)[] shifts)
    {
        int c = shape[1], h = shape[2], w = shape[3];
        for (int i = 0; i < shifts.Length; i++)
        {
            var (dy, dx) = shifts[i];
            int width = w - Math.Abs(dx);
            if (width <= 0) continue;
            int srcX = Math.Max(0, -dx), dstX = Math.Max(0, dx);
            for (int ch = 0; ch < c; ch++)
            {
                int plane = (i * c + ch) * h * w;
                for (int y = Math.Max(0, dy); y < Math.Min(h, h + dy); y++)
                    Array.Copy(src, offset + plane + (y - dy) * w + srcX, dst, plane + y * w + dstX, width);
            }
        }
    }
}
