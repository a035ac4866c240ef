namespace SharpGrad;

public sealed partial class Tensor
{
    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape) => Zeros(shape, DType.Float32);

    /// <summary>A tensor of zeros with the given element type.</summary>
    public static Tensor Zeros(int[] shape, DType dtype)
    {
        ShapeMath.Validate(shape);
        return new Tensor((int[])shape.Clone(), dtype);
    }

    /// <summary>A tensor of zeros on <paramref name="device"/>.</summary>
    public static Tensor Zeros(int[] shape, DType dtype, Device device)
    {
        ShapeMath.Validate(shape);
        return ZerosOn((int[])shape.Clone(), dtype, device);
    }

    /// <summary>A tensor of ones on <paramref name="device"/>.</summary>
    public static Tensor Ones(int[] shape, DType dtype, Device device) => Full(shape, 1.0, dtype, device);

    /// <summary>A tensor with every element equal to <paramref name="value"/>, on <paramref name="device"/>.</summary>
    public static Tensor Full(int[] shape, double value, DType dtype, Device device)
    {
        var t = Zeros(shape, dtype, device);
        if (value != 0) t.FillRaw(value);
        return t;
    }

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(params int[] shape) => Full(shape, 1.0, DType.Float32);

    /// <summary>A tensor of ones with the given element type.</summary>
    public static Tensor Ones(int[] shape, DType dtype) => Full(shape, 1.0, dtype);

    /// <summary>A tensor with every element equal to <paramref name="value"/>.</summary>
    public static Tensor Full(int[] shape, double value, DType dtype = DType.Float32)
    {
        var t = Zeros(shape, dtype);
        t.FillRaw(value);
        return t;
    }

    /// <summary>Zeros with the shape, dtype and device of <paramref name="like"/>.</summary>
    public static Tensor ZerosLike(Tensor like) => Zeros(like.ShapeArray, like.DType, like.Device);

    /// <summary>Ones with the shape, dtype and device of <paramref name="like"/>.</summary>
    public static Tensor OnesLike(Tensor like) => Ones(like.ShapeArray, like.DType, like.Device);

    /// <summary>A tensor of <paramref name="value"/> with the shape, dtype and device of <paramref name="like"/>.</summary>
    public static Tensor FullLike(Tensor like, double value) => Full(like.ShapeArray, value, like.DType, like.Device);

    /// <summary>A 0-dimensional tensor holding one value.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32) => Full([], value, dtype);

    /// <summary>A float32 tensor over a copy of <paramref name="data"/>, viewed with <paramref name="shape"/> (a 1-D vector when omitted).</summary>
    public static Tensor FromArray(float[] data, params int[] shape) => FromFlat(data, shape, DType.Float32);

    /// <summary>A float64 tensor over a copy of <paramref name="data"/>, viewed with <paramref name="shape"/> (a 1-D vector when omitted).</summary>
    public static Tensor FromArray(double[] data, params int[] shape) => FromFlat(data, shape, DType.Float64);

    /// <summary>An int32 tensor over a copy of <paramref name="data"/>, viewed with <paramref name="shape"/> (a 1-D vector when omitted).</summary>
    public static Tensor FromArray(int[] data, params int[] shape) => FromFlat(data, shape, DType.Int32);

    /// <summary>
    /// A tensor from a rectangular array (<c>float[,]</c>, <c>double[,,]</c>, ...) or a jagged one
    /// (<c>double[][]</c>, ...), keeping its nesting as the shape. The element type follows the
    /// array's (float, double or int) unless <paramref name="dtype"/> is given.
    /// </summary>
    public static Tensor FromNested(Array nested, DType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(nested);
        var shape = new List<int>();
        var values = new List<double>();
        var elementType = NestedElementType(nested.GetType());
        Flatten(nested, 0, shape, values, "");
        var natural = elementType == typeof(float) ? DType.Float32 : elementType == typeof(double) ? DType.Float64 : DType.Int32;
        var result = FromArray(values.ToArray(), [.. shape]);
        return result.To(dtype ?? natural);
    }

    /// <summary>Values start, start + step, ... below end (PyTorch's arange).</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Float32)
    {
        if (step == 0 || double.IsNaN(step))
            throw new ArgumentException("Arange: step must be a nonzero number.", nameof(step));
        long n = (long)Math.Ceiling((end - start) / step);
        if (n < 0) n = 0;
        if (n > Array.MaxLength)
            throw new ArgumentException($"Arange({start}, {end}, {step}) would have {n} elements, more than a tensor can hold.");
        var data = new double[n];
        for (int i = 0; i < n; i++) data[i] = start + i * step;
        return FromArray(data).To(dtype);
    }

    /// <summary>Values 0, 1, ..., end − 1.</summary>
    public static Tensor Arange(double end) => Arange(0, end, 1);

    /// <summary><paramref name="steps"/> evenly spaced values from start to end inclusive.</summary>
    public static Tensor Linspace(double start, double end, int steps, DType dtype = DType.Float32)
    {
        if (steps < 0)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, "Linspace: the number of steps must not be negative.");
        var data = new double[steps];
        double step = steps > 1 ? (end - start) / (steps - 1) : 0;
        for (int i = 0; i < steps; i++) data[i] = i == steps - 1 && steps > 1 ? end : start + i * step;
        return FromArray(data).To(dtype);
    }

    /// <summary>An n×m matrix with ones on the diagonal (m = n when omitted).</summary>
    public static Tensor Eye(int n, int? m = null, DType dtype = DType.Float32)
    {
        int cols = m ?? n;
        var t = Zeros([n, cols], dtype);
        for (int i = 0; i < Math.Min(n, cols); i++) t.SetRaw(i * cols + i, 1.0);
        return t;
    }

    /// <summary>Uniform samples in [low, high).</summary>
    public static Tensor Uniform(int[] shape, double low = 0, double high = 1, Generator? generator = null, DType dtype = DType.Float32)
    {
        if (!(high >= low))
            throw new ArgumentException($"Uniform: high ({high}) must not be below low ({low}).");
        var rng = generator ?? Generator.Default;
        var data = new double[ShapeMath.Count(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = low + (high - low) * rng.NextDouble();
        return FromArray(data, shape).To(dtype);
    }

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(params int[] shape) => Uniform(shape);

    /// <summary>Normal samples with the given mean and standard deviation.</summary>
    public static Tensor Normal(int[] shape, double mean = 0, double std = 1, Generator? generator = null, DType dtype = DType.Float32)
    {
        if (!(std >= 0))
            throw new ArgumentException($"Normal: the standard deviation must be non-negative, got {std}.");
        var rng = generator ?? Generator.Default;
        var data = new double[ShapeMath.Count(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = mean + std * rng.NextNormal();
        return FromArray(data, shape).To(dtype);
    }

    /// <summary>Standard normal samples.</summary>
    public static Tensor Randn(params int[] shape) => Normal(shape);

    private static Tensor FromFlat<T>(T[] data, int[] shape, DType dtype) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        shape = shape.Length == 0 ? [data.Length] : (int[])shape.Clone();
        ShapeMath.Validate(shape);
        int n = ShapeMath.Count(shape);
        if (n != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} values cannot fill shape {ShapeMath.Format(shape)}, which has {n} elements.");
        return new Tensor(new Storage((T[])data.Clone(), dtype), shape, ShapeMath.ContiguousStrides(shape), 0);
    }

    private static Type NestedElementType(Type t)
    {
        while (t.IsArray) t = t.GetElementType()!;
        if (t != typeof(float) && t != typeof(double) && t != typeof(int))
            throw new ArgumentException($"FromNested: arrays of {t.Name} are not supported; use float, double or int.");
        return t;
    }

    private static void Flatten(Array array, int depth, List<int> shape, List<double> values, string path)
    {
        if (array.Rank > 1)
        {
            // A rectangular array enumerates in row-major order, so its shape is fixed at once.
            var dims = new int[array.Rank];
            for (int i = 0; i < array.Rank; i++) dims[i] = array.GetLength(i);
            CheckOrAdd(shape, depth, dims, path);
            foreach (var v in array) values.Add(System.Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture));
            return;
        }
        CheckOrAdd(shape, depth, [array.Length], path);
        for (int i = 0; i < array.Length; i++)
        {
            var item = array.GetValue(i);
            if (item is Array inner)
                Flatten(inner, depth + 1, shape, values, $"{path}[{i}]");
            else if (item is null)
                throw new ArgumentException($"FromNested: element {path}[{i}] is null.");
            else
            {
                if (depth + 1 < shape.Count)
                    throw new ArgumentException($"FromNested: element {path}[{i}] is a number where an array was expected (the nesting is ragged).");
                values.Add(System.Convert.ToDouble(item, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    private static void CheckOrAdd(List<int> shape, int depth, int[] dims, string path)
    {
        if (depth == shape.Count)
        {
            shape.AddRange(dims);
            return;
        }
        for (int i = 0; i < dims.Length; i++)
            if (depth + i >= shape.Count || shape[depth + i] != dims[i])
                throw new ArgumentException(
                    $"FromNested: the nested array is ragged: {(path.Length == 0 ? "the top level" : path)} has length {dims[i]} where {(depth + i < shape.Count ? shape[depth + i].ToString() : "a number")} was expected.");
    }

    /// <summary>Sets every element (no autograd, no version bump: only for tensors being created).</summary>
    private void FillRaw(double value)
    {
        if (!Device.IsCpu)
        {
            DeviceBackends.For(Device).Fill(Buffer, Offset, Count, value);
            return;
        }
        switch (DType)
        {
            case DType.Float32: Span<float>().Fill((float)value); break;
            case DType.Float64: Span<double>().Fill(value); break;
            default: Span<int>().Fill((int)value); break;
        }
    }

    private void SetRaw(int storageIndex, double value)
    {
        switch (DType)
        {
            case DType.Float32: Data<float>()[storageIndex] = (float)value; break;
            case DType.Float64: Data<double>()[storageIndex] = value; break;
            default: Data<int>()[storageIndex] = (int)value; break;
        }
    }
}
