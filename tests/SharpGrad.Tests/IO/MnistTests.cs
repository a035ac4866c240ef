using System.IO.Compression;
using System.Security.Cryptography;
using SharpGrad.Data;
using SharpGrad.IO;

namespace SharpGrad.Tests.IO;

public class MnistTests
{
    // The stratified split documented in data/README.md: per class, the package's first
    // 80 % (largest-remainder rounding to 8000 in total) train, the rest test.
    private static readonly int[] TrainPerClass = [801, 902, 793, 826, 784, 690, 811, 856, 755, 782];
    private static readonly int[] TestPerClass = [200, 225, 198, 206, 196, 173, 203, 214, 189, 196];

    private static int[] CountPerClass(TensorDataset set)
    {
        var counts = new int[10];
        foreach (int label in set.Targets.ToArray<int>())
        {
            Assert.InRange(label, 0, 9);
            counts[label]++;
        }
        return counts;
    }

    [Fact]
    public void Bundled_LoadsTheDocumentedSplit()
    {
        var (train, test) = Mnist.Load(Repository.DataDirectory);

        Assert.Equal(8000, train.Count);
        Assert.Equal(2000, test.Count);
        Assert.Equal([8000, 1, 28, 28], train.Inputs.Shape.ToArray());
        Assert.Equal([2000, 1, 28, 28], test.Inputs.Shape.ToArray());
        Assert.Equal([8000], train.Targets.Shape.ToArray());
        Assert.Equal([2000], test.Targets.Shape.ToArray());
        Assert.Equal(DType.Float32, train.Inputs.DType);
        Assert.Equal(DType.Int32, train.Targets.DType);
        Assert.Equal(TrainPerClass, CountPerClass(train));
        Assert.Equal(TestPerClass, CountPerClass(test));
    }

    [Fact]
    public void Bundled_PixelsAreWholeBytesScaledToTheUnitInterval()
    {
        var (train, test) = Mnist.Load(Repository.DataDirectory);
        foreach (var set in new[] { train, test })
        {
            var pixels = set.Inputs.ToArray<float>();
            Assert.Equal(0f, pixels.Min());
            Assert.Equal(1f, pixels.Max());
            foreach (float p in pixels)
            {
                float level = p * 255f;
                Assert.True(Math.Abs(level - MathF.Round(level)) < 1e-3f, $"pixel {p} is not a multiple of 1/255");
            }
            // Digits are mostly background: the MNIST mean intensity is about 0.13.
            double mean = pixels.Average(p => (double)p);
            Assert.InRange(mean, 0.10, 0.16);
        }
    }

    [Fact]
    public void Bundled_ClassesAreInterleavedNotGrouped()
    {
        var (train, _) = Mnist.Load(Repository.DataDirectory);
        var firstHundred = train.Targets.ToArray<int>().Take(100).Distinct().Count();
        Assert.Equal(10, firstHundred);
    }

    [Theory]
    [InlineData("train-images-idx3-ubyte.gz", "270116b05ae6a0fc9d864ce8dfb791a201fb658e489708fb73e1d9e5cc7f094b")]
    [InlineData("train-labels-idx1-ubyte.gz", "c3d1972fb4260206f7c4a35da911f577067fe1bdf0149fa80c4be5d6db9070d6")]
    [InlineData("t10k-images-idx3-ubyte.gz", "435c181235e89600b030c11f6e68b2cc2cc58262ed90afdf7fd80d91e5e7256e")]
    [InlineData("t10k-labels-idx1-ubyte.gz", "d5ecfbca6fb2923bad0b12a70ff0da927c9dbcd179d3babd5993ab733944c6ea")]
    public void Bundled_DecompressedContentHasTheDocumentedSha256(string file, string sha256)
    {
        using var gz = new GZipStream(File.OpenRead(Path.Combine(Repository.DataDirectory, file)), CompressionMode.Decompress);
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(gz)));
    }

    [Fact]
    public void Bundled_TrainAndTestShareNoImage()
    {
        var (train, test) = Mnist.Load(Repository.DataDirectory);
        static IEnumerable<string> Images(TensorDataset set)
        {
            var px = set.Inputs.ToArray<float>();
            for (int i = 0; i < set.Count; i++)
                yield return Convert.ToHexString(px.AsSpan(784 * i, 784).ToArray().Select(p => (byte)MathF.Round(p * 255)).ToArray());
        }
        var trainImages = Images(train).ToHashSet();
        Assert.Equal(8000, trainImages.Count);
        Assert.DoesNotContain(Images(test), trainImages.Contains);
    }

    [Fact]
    public void Normalize_StandardisesWithTheMnistMeanAndStd()
    {
        var raw = Mnist.LoadSplit(Repository.DataDirectory, train: false);
        var normalized = Mnist.LoadSplit(Repository.DataDirectory, train: false, normalize: true);
        var expected = raw.Inputs.ToArray<float>().Select(p => (double)(p - 0.1307f) / 0.3081f).ToArray();
        var actual = normalized.Inputs.ToArray<float>().Select(p => (double)p).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5, $"pixel {i}: expected {expected[i]}, got {actual[i]}");
        Assert.Equal(raw.Targets.ToArray<int>(), normalized.Targets.ToArray<int>());
    }

    /// <summary>Writes a tiny MNIST-shaped directory: n images of 28×28 where image i has pixel j = (i + j) % 256.</summary>
    private static void WriteTiny(string dir, string prefix, int images, int labels, bool compress)
    {
        var pixels = new int[images * 28 * 28];
        for (int i = 0; i < images; i++)
            for (int j = 0; j < 784; j++)
                pixels[i * 784 + j] = (i + j) % 256;
        string gz = compress ? ".gz" : "";
        Idx.Write(Path.Combine(dir, $"{prefix}-images-idx3-ubyte{gz}"), Tensor.FromArray(pixels, images, 28, 28), IdxType.UnsignedByte, compress);
        Idx.Write(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte{gz}"), Tensor.FromArray(Enumerable.Range(0, labels).Select(i => i % 10).ToArray()), IdxType.UnsignedByte, compress);
    }

    [Fact]
    public void Load_PlainAndGzippedFiles_ScalesPixelsByOver255()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "train", 3, 3, compress: false);
        WriteTiny(dir.Path, "t10k", 2, 2, compress: true);
        var (train, test) = Mnist.Load(dir.Path);
        Assert.Equal([3, 1, 28, 28], train.Inputs.Shape.ToArray());
        Assert.Equal([2, 1, 28, 28], test.Inputs.Shape.ToArray());
        Assert.Equal([0, 1, 2], train.Targets.ToArray<int>());
        var px = train.Inputs.ToArray<float>();
        Assert.Equal(0f, px[0]);
        Assert.Equal(5f / 255f, px[5]);
        Assert.Equal(255f / 255f, px[255]);
        Assert.Equal(0f, px[256]);
        Assert.Equal(2f / 255f, px[784 + 1]); // image 1, pixel 1
    }

    [Fact]
    public void Load_MissingDirectory_ThrowsDirectoryNotFound()
    {
        using var dir = new TempDirectory();
        string missing = Path.Combine(dir.Path, "nope");
        var e = Assert.Throws<DirectoryNotFoundException>(() => Mnist.Load(missing));
        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public void Load_MissingFile_SaysWhichAndWhere()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "train", 2, 2, compress: true);
        var e = Assert.Throws<FileNotFoundException>(() => Mnist.Load(dir.Path));
        Assert.Contains("t10k-images-idx3-ubyte", e.Message);
        Assert.Contains(dir.Path, e.Message);
        Assert.Contains("t10k-images-idx3-ubyte.gz", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(Path.Combine(dir.Path, "t10k-images-idx3-ubyte"), e.FileName);

        // The training split alone loads.
        Assert.Equal(2, Mnist.LoadSplit(dir.Path, train: true).Count);
    }

    [Fact]
    public void Load_CountMismatch_ThrowsInvalidData()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "train", 3, 2, compress: false);
        WriteTiny(dir.Path, "t10k", 2, 2, compress: false);
        var e = Assert.Throws<InvalidDataException>(() => Mnist.Load(dir.Path));
        Assert.Contains("3 images", e.Message);
        Assert.Contains("2 labels", e.Message);
    }

    [Fact]
    public void Load_ImagesOfTheWrongTypeOrRank_ThrowInvalidData()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "t10k", 2, 2, compress: false);
        Idx.Write(dir.File("t10k-images-idx3-ubyte"), Tensor.Zeros(2, 784), IdxType.UnsignedByte);
        var e = Assert.Throws<InvalidDataException>(() => Mnist.LoadSplit(dir.Path, train: false));
        Assert.Contains("[2, 784]", e.Message);

        Idx.Write(dir.File("t10k-images-idx3-ubyte"), Tensor.Zeros(2, 28, 28), IdxType.Float32);
        Assert.Throws<InvalidDataException>(() => Mnist.LoadSplit(dir.Path, train: false));
    }

    [Fact]
    public void Load_LabelOutsideTheTenDigits_NamesTheFileAndTheLabelIndex()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "t10k", 4, 4, compress: true);
        string labels = dir.File("t10k-labels-idx1-ubyte.gz");
        Idx.Write(labels, Tensor.FromArray([3, 9, 200, 1]), IdxType.UnsignedByte, compress: true);
        var e = Assert.Throws<InvalidDataException>(() => Mnist.LoadSplit(dir.Path, train: false));
        Assert.Equal($"{labels}: label 2 is 200, outside the 10 digit classes 0 to 9.", e.Message);
    }

    [Fact]
    public void Load_EmptySet_SaysItIsEmpty()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "train", 0, 0, compress: false);
        var e = Assert.Throws<InvalidDataException>(() => Mnist.LoadSplit(dir.Path, train: true));
        Assert.Equal($"{dir.File("train-images-idx3-ubyte")}: the MNIST training set is empty (the file holds 0 images); a data set needs at least one.", e.Message);
    }

    [Fact]
    public void Load_TruncatedGzippedFile_IsAnError()
    {
        using var dir = new TempDirectory();
        WriteTiny(dir.Path, "t10k", 2, 2, compress: true);
        string images = dir.File("t10k-images-idx3-ubyte.gz");
        var bytes = File.ReadAllBytes(images);
        File.WriteAllBytes(images, bytes[..^8]);
        var e = Assert.Throws<InvalidDataException>(() => Mnist.LoadSplit(dir.Path, train: false));
        Assert.StartsWith(images + ":", e.Message);
        Assert.Contains("gzip trailer", e.Message);
    }
}
