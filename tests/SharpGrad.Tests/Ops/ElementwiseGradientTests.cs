namespace SharpGrad.Tests.Ops;

/// <summary>Every elementwise op against central differences in float64, on contiguous and non-contiguous inputs.</summary>
public class ElementwiseGradientTests
{
    public static TheoryData<string> UnaryOps => new()
    {
        "Neg", "Exp", "Log", "Sqrt", "Abs", "Sin", "Cos", "Tanh", "Sigmoid", "Relu", "LeakyRelu", "Gelu",
        "Softplus", "Erf", "Clamp", "PowSquare", "PowCube", "PowHalf", "PowNegative", "Sign", "Clone", "Contiguous",
    };

    private static Tensor Apply(string op, Tensor x) => op switch
    {
        "Neg" => -x,
        "Exp" => x.Exp(),
        "Log" => x.Abs().Log(),
        "Sqrt" => x.Abs().Sqrt(),
        "Abs" => x.Abs(),
        "Sin" => x.Sin(),
        "Cos" => x.Cos(),
        "Tanh" => x.Tanh(),
        "Sigmoid" => x.Sigmoid(),
        "Relu" => x.Relu(),
        "LeakyRelu" => x.LeakyRelu(0.1),
        "Gelu" => x.Gelu(),
        "Softplus" => x.Softplus(),
        "Erf" => x.Erf(),
        "Clamp" => x.Clamp(-1.0, 1.0),
        "PowSquare" => x.Pow(2),
        "PowCube" => x.Pow(3),
        "PowHalf" => x.Abs().Pow(0.5),
        "PowNegative" => x.Abs().Pow(-1.5),
        "Sign" => x.Sign() * x,
        "Clone" => x.Clone() * x,
        "Contiguous" => x.Contiguous() * 2,
        _ => throw new ArgumentException(op),
    };

    // Inputs avoid the kinks (0 for abs/relu/sign, ±1 for clamp) where a central difference straddles two slopes.
    private static Tensor Input(string op, int[] shape, ulong seed)
    {
        var x = TestData.AwayFromZero(shape, seed, 0.2, 1.8);
        if (op != "Clamp") return x;
        using (SharpGrad.Autograd.NoGrad())
        {
            var v = x.ToArray<double>().Select(a => Math.Abs(Math.Abs(a) - 1) < 0.05 ? a * 0.8 : a).ToArray();
            return Tensor.FromArray(v, shape).RequireGrad();
        }
    }

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void Unary_Contiguous_MatchesFiniteDifferences(string op) =>
        TestData.AssertGradients(xs => Apply(op, xs[0]), Input(op, [3, 4], 11));

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void Unary_Transposed_MatchesFiniteDifferences(string op)
    {
        var x = Input(op, [4, 3], 12).Detach().T.RequireGrad();
        Assert.False(x.IsContiguous);
        TestData.AssertGradients(xs => Apply(op, xs[0]), x);
    }

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void Unary_SteppedSlice_MatchesFiniteDifferences(string op)
    {
        var x = Input(op, [3, 8], 13).Detach()[.., TensorIndex.Slice(1, null, 2)].RequireGrad();
        Assert.False(x.IsContiguous);
        TestData.AssertGradients(xs => Apply(op, xs[0]), x);
    }

    public static TheoryData<string, int[], int[]> BinaryCases()
    {
        var data = new TheoryData<string, int[], int[]>();
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Minimum" })
        {
            data.Add(op, [3, 4], [3, 4]);
            data.Add(op, [3, 4], [4]);
            data.Add(op, [2, 1, 3], [4, 1]);
            data.Add(op, [], [3]);
            data.Add(op, [2, 3], [1, 1]);
        }
        return data;
    }

    private static Tensor ApplyBinary(string op, Tensor a, Tensor b) => op switch
    {
        "Add" => a + b,
        "Sub" => a - b,
        "Mul" => a * b,
        "Div" => a / b,
        "Pow" => a.Abs().Pow(b),
        "Maximum" => Tensor.Maximum(a, b),
        "Minimum" => Tensor.Minimum(a, b),
        _ => throw new ArgumentException(op),
    };

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void Binary_Broadcast_MatchesFiniteDifferences(string op, int[] shapeA, int[] shapeB)
    {
        var a = TestData.AwayFromZero(shapeA, 21, 0.3, 1.5);
        var b = TestData.AwayFromZero(shapeB, 22, 0.4, 1.7);
        TestData.AssertGradients(xs => ApplyBinary(op, xs[0], xs[1]), a, b);
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("Sub")]
    [InlineData("Mul")]
    [InlineData("Div")]
    [InlineData("Pow")]
    [InlineData("Maximum")]
    [InlineData("Minimum")]
    public void Binary_NonContiguousOperands_MatchFiniteDifferences(string op)
    {
        var a = TestData.AwayFromZero([4, 3], 23, 0.3, 1.5).Detach().T.RequireGrad();
        var b = TestData.AwayFromZero([3, 8], 24, 0.4, 1.7).Detach()[.., TensorIndex.Slice(0, null, 2)].RequireGrad();
        TestData.AssertGradients(xs => ApplyBinary(op, xs[0], xs[1]), a, b);
    }

    [Fact]
    public void Where_Broadcast_RoutesGradientToPickedOperand()
    {
        var cond = Tensor.FromArray([1.0, 0.0, 1.0], 3);
        var a = TestData.Leaf([2, 3], 31);
        var b = TestData.Leaf([2, 1], 32);
        TestData.AssertGradients(xs => Tensor.Where(cond, xs[0], xs[1]), a, b);
    }

    [Fact]
    public void Maximum_Tie_SplitsGradientEqually()
    {
        var a = Tensor.FromArray([2.0, 5.0, 1.0]).RequireGrad();
        var b = Tensor.FromArray([2.0, 3.0, 4.0]).RequireGrad();
        Tensor.Maximum(a, b).Sum().Backward();
        Assert.Equal([0.5, 1, 0], a.Grad!.ToDoubleArray());
        Assert.Equal([0.5, 0, 1], b.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Relu_AtZero_HasZeroGradient()
    {
        var x = Tensor.FromArray([-1.0, 0.0, 2.0]).RequireGrad();
        x.Relu().Sum().Backward();
        Assert.Equal([0.0, 0, 1], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Clamp_AtBounds_PassesGradient()
    {
        var x = Tensor.FromArray([-2.0, -1.0, 0.5, 1.0, 3.0]).RequireGrad();
        x.Clamp(-1.0, 1.0).Sum().Backward();
        Assert.Equal([0.0, 1, 1, 1, 0], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Gelu_MatchesClosedForm()
    {
        // GELU(x) = x·Φ(x); Φ(1) = 0.841344746068543, Φ(−0.5) = 0.308537538725987.
        var y = Tensor.FromArray([1.0, -0.5]).Gelu().ToDoubleArray();
        Assert.Equal(0.841344746068543, y[0], 12);
        Assert.Equal(-0.5 * 0.308537538725987, y[1], 12);
    }

    [Fact]
    public void Softplus_LargeInputs_DoNotOverflow()
    {
        var y = Tensor.FromArray([1000.0, -1000.0, 0.0]).Softplus().ToDoubleArray();
        Assert.Equal(1000.0, y[0], 9);
        Assert.Equal(0.0, y[1], 12);
        Assert.Equal(Math.Log(2), y[2], 12);
    }
}
