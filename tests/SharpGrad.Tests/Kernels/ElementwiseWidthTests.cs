using SharpGrad.Kernels;

namespace SharpGrad.Tests.Kernels;

/// <summary>
/// Binary elementwise ops at both forced vector widths, over a length that uses the 512-bit loop, the 256-bit loop
/// and the scalar tail, with both operands full and with a broadcast scalar on either side: the widths agree bit for
/// bit and match the scalar function applied here.
/// </summary>
public class ElementwiseWidthTests
{
    private const int Length = 16 * 3 + 8 + 3;

    private static readonly (string Name, Func<Tensor, Tensor, Tensor> Op, Func<float, float, float> Scalar)[] Ops =
    [
        ("add", (a, b) => a.Add(b), (x, y) => x + y),
        ("sub", (a, b) => a.Sub(b), (x, y) => x - y),
        ("mul", (a, b) => a.Mul(b), (x, y) => x * y),
        ("div", (a, b) => a.Div(b), (x, y) => x / y),
        ("max", Tensor.Maximum, MathF.Max),
        ("pow", (a, b) => a.Abs().Pow(b), (x, y) => MathF.Pow(MathF.Abs(x), y)),
        ("gt", (a, b) => a.Gt(b).To(DType.Float32), (x, y) => x > y ? 1 : 0),
    ];

    public static TheoryData<int, string> Cases()
    {
        var data = new TheoryData<int, string>();
        for (int i = 0; i < Ops.Length; i++)
            foreach (var shape in new[] { "full", "scalarLeft", "scalarRight" })
                data.Add(i, shape);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BothWidths_AgreeAndMatchTheScalarFunction(int op, string shape)
    {
        var (_, apply, scalar) = Ops[op];
        float[] xs = Enumerable.Range(0, Length).Select(i => (float)Math.Sin(i) * 3).ToArray();
        float[] ys = Enumerable.Range(0, Length).Select(i => (float)Math.Cos(i * 0.7) + 1.5f).ToArray();
        var x = shape == "scalarLeft" ? Tensor.Scalar(xs[3], DType.Float32) : Tensor.FromArray(xs);
        var y = shape == "scalarRight" ? Tensor.Scalar(ys[5], DType.Float32) : Tensor.FromArray(ys);

        float[] Run(int bits)
        {
            using (VectorWidth.Force(bits))
                return apply(x, y).ToFloatArray();
        }
        var wide = Run(512);
        Assert.Equal(Run(256), wide);
        Assert.Equal(Length, wide.Length);
        for (int i = 0; i < Length; i++)
        {
            float a = shape == "scalarLeft" ? xs[3] : xs[i], b = shape == "scalarRight" ? ys[5] : ys[i];
            Assert.Equal(scalar(a, b), wide[i], 1e-5f);
        }
    }
}
