namespace SharpGrad.Tests.Tensors;

/// <summary>Small assertion helpers for the tensor-side tests (values, shapes, strides).</summary>
internal static class Expect
{
    /// <summary>A float64 vector holding exactly these values.</summary>
    public static Tensor Vec(params double[] values) => Tensor.FromArray(values);

    /// <summary>A float64 tensor holding 0, 1, ..., n − 1 in row-major order with the given shape.</summary>
    public static Tensor Iota(params int[] shape)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        var data = new double[n];
        for (int i = 0; i < n; i++) data[i] = i;
        return Tensor.FromArray(data, shape);
    }

    public static void Shape(Tensor t, params int[] expected) => Assert.Equal(expected, t.Shape.ToArray());

    public static void Strides(Tensor t, params int[] expected) => Assert.Equal(expected, t.Strides.ToArray());

    /// <summary>Exact element equality in row-major order (values read through ToArray&lt;double&gt;).</summary>
    public static void Values(Tensor t, params double[] expected) => Assert.Equal(expected, t.ToArray<double>());

    /// <summary>Element equality within an absolute-or-relative tolerance.</summary>
    public static void Close(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e))
            {
                Assert.True(double.IsNaN(a), $"element {i}: expected NaN, got {a}");
                continue;
            }
            if (double.IsInfinity(e))
            {
                Assert.True(e == a, $"element {i}: expected {e}, got {a}");
                continue;
            }
            double bound = tolerance * Math.Max(1, Math.Abs(e));
            Assert.True(Math.Abs(e - a) <= bound, $"element {i}: expected {e}, got {a} (difference {Math.Abs(e - a)}, allowed {bound})");
        }
    }

    public static void Close(Tensor t, double[] expected, double tolerance) => Close(expected, t.ToArray<double>(), tolerance);

    /// <summary>f applied to every element of <paramref name="source"/>: expected values computed by a plain scalar loop.</summary>
    public static double[] Map(double[] source, Func<double, double> f)
    {
        var r = new double[source.Length];
        for (int i = 0; i < r.Length; i++) r[i] = f(source[i]);
        return r;
    }
}
