using SharpGrad.Data;

namespace SharpGrad.IO;

/// <summary>
/// Loads MNIST-style digit images from a directory holding the four IDX files under their
/// standard names: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
/// and t10k-labels-idx1-ubyte, each optionally gzip-compressed with a ".gz" suffix (the
/// variants with a dot, "train-images.idx3-ubyte", found in some mirrors are accepted too).
/// This works both for the original 60 000/10 000 files and for the 8 000/2 000 digits bundled
/// under <c>data/</c>. Images become float32 [N, 1, H, W] (N, 1, 28, 28 for MNIST) with pixel
/// values p/255 in [0, 1], as torchvision's <c>ToTensor</c> gives them; labels become int32 [N].
/// </summary>
public static class Mnist
{
    /// <summary>The number of classes, the digits 0 to 9; every label is checked to be one of them.</summary>
    public const int Classes = 10;

    /// <summary>The mean pixel value of the MNIST training set (after scaling to [0, 1]), used by <c>normalize</c>.</summary>
    public const float Mean = 0.1307f;

    /// <summary>The standard deviation of the MNIST training set's pixels (after scaling to [0, 1]), used by <c>normalize</c>.</summary>
    public const float Std = 0.3081f;

    /// <summary>
    /// Loads the training and test sets from <paramref name="directory"/>. By default pixels are
    /// p/255 in [0, 1]; with <paramref name="normalize"/> they are (p/255 − <see cref="Mean"/>) /
    /// <see cref="Std"/>, the standardisation of PyTorch's MNIST example.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    /// <exception cref="FileNotFoundException">One of the four files is missing; the message says which and where it was looked for.</exception>
    /// <exception cref="InvalidDataException">A file is not valid IDX or a truncated gzip file, has the wrong type or rank, holds no images or a label outside 0 to 9, or the numbers of images and labels differ.</exception>
    public static (TensorDataset Train, TensorDataset Test) Load(string directory, bool normalize = false) =>
        (LoadSplit(directory, train: true, normalize), LoadSplit(directory, train: false, normalize));

    /// <summary>
    /// Loads one split: the training set ("train-*" files) when <paramref name="train"/> is set,
    /// otherwise the test set ("t10k-*" files). Pixels as in <see cref="Load"/>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    /// <exception cref="FileNotFoundException">The split's images or labels file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is not valid IDX or a truncated gzip file, has the wrong type or rank, holds no images or a label outside 0 to 9, or the numbers of images and labels differ.</exception>
    public static TensorDataset LoadSplit(string directory, bool train, bool normalize = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
            throw new DirectoryNotFoundException($"MNIST directory not found: '{full}' does not exist.");
        string prefix = train ? "train" : "t10k";
        string imagesPath = Find(full, prefix, "images", 3);
        string labelsPath = Find(full, prefix, "labels", 1);
        var images = ReadImages(imagesPath, normalize);
        if (images.Shape[0] == 0)
            throw new InvalidDataException($"{imagesPath}: the MNIST {(train ? "training" : "test")} set is empty (the file holds 0 images); a data set needs at least one.");
        var labels = ReadLabels(labelsPath);
        if (images.Shape[0] != labels.Shape[0])
            throw new InvalidDataException(
                $"MNIST {(train ? "training" : "test")} set: '{imagesPath}' holds {images.Shape[0]} images but '{labelsPath}' holds {labels.Shape[0]} labels.");
        return new TensorDataset(images, labels);
    }

    private static string Find(string directory, string prefix, string kind, int rank)
    {
        string standard = $"{prefix}-{kind}-idx{rank}-ubyte";
        string dotted = $"{prefix}-{kind}.idx{rank}-ubyte";
        string[] candidates = [standard, standard + ".gz", dotted, dotted + ".gz"];
        foreach (var name in candidates)
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path))
                return path;
        }
        throw new FileNotFoundException(
            $"MNIST file '{standard}' not found in '{directory}' (looked for {string.Join(", ", candidates)}).",
            Path.Combine(directory, standard));
    }

    private static Tensor ReadImages(string path, bool normalize)
    {
        var raw = Idx.ReadRaw(path);
        if (raw.Type != IdxType.UnsignedByte || raw.Shape.Length != 3)
            throw new InvalidDataException(
                $"{path}: expected MNIST images, IDX ubyte of shape [N, H, W]; found {Idx.Name(raw.Type)} of shape {ShapeMath.Format(raw.Shape)}.");
        // A 256-entry table turns each byte into its float in one lookup, the same value
        // torchvision computes with float32 arithmetic.
        Span<float> table = stackalloc float[256];
        for (int v = 0; v < 256; v++)
            table[v] = normalize ? (v / 255f - Mean) / Std : v / 255f;
        var pixels = new float[raw.Data.Length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = table[raw.Data[i]];
        int[] shape = [raw.Shape[0], 1, raw.Shape[1], raw.Shape[2]];
        return new Tensor(new Storage(pixels, DType.Float32), shape, ShapeMath.ContiguousStrides(shape), 0);
    }

    private static Tensor ReadLabels(string path)
    {
        var labels = Idx.Read(path);
        if (labels.DType != DType.Int32 || labels.Rank != 1)
            throw new InvalidDataException(
                $"{path}: expected MNIST labels, an IDX integer vector [N]; found {labels.DType.Name()} of shape {ShapeMath.Format(labels.ShapeArray)}.");
        // A label outside the classes would otherwise surface much later, as an index error deep in the loss.
        var values = labels.Data<int>();
        for (int i = 0; i < values.Length; i++)
            if ((uint)values[i] >= Classes)
                throw new InvalidDataException($"{path}: label {i} is {values[i]}, outside the {Classes} digit classes 0 to {Classes - 1}.");
        return labels;
    }
}
