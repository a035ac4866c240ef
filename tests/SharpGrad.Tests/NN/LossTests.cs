using SharpGrad.NN;

namespace SharpGrad.Tests.NN;

/// <summary>Every loss against values worked out by hand, every reduction, and finite differences in float64.</summary>
public class LossTests
{
    private const double Tol = 1e-12;

    private static Tensor Vec(params double[] v) => Tensor.FromArray(v);

    private static Tensor Labels(params int[] v) => Tensor.FromArray(v);

    private static void Close(double expected, Tensor actual, double tol = Tol) =>
        Close([expected], actual, tol);

    private static void Close(double[] expected, Tensor actual, double tol = Tol)
    {
        var a = actual.ToArray<double>();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(expected[i] - a[i]) <= tol * Math.Max(1, Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]:R}, got {a[i]:R}");
    }

    // ---------- regression losses: input [1, 2, 3], target [1.5, 2, 1], differences −0.5, 0, 2 ----------

    private static readonly Tensor RegInput = Vec(1, 2, 3);
    private static readonly Tensor RegTarget = Vec(1.5, 2, 1);

    [Fact]
    public void MseLoss_AllReductions_MatchHandValues()
    {
        // squares 0.25, 0, 4
        Close([0.25, 0, 4], Functional.MseLoss(RegInput, RegTarget, Reduction.None));
        Close(4.25, Functional.MseLoss(RegInput, RegTarget, Reduction.Sum));
        Close(4.25 / 3, Functional.MseLoss(RegInput, RegTarget));
    }

    [Fact]
    public void L1Loss_AllReductions_MatchHandValues()
    {
        Close([0.5, 0, 2], Functional.L1Loss(RegInput, RegTarget, Reduction.None));
        Close(2.5, Functional.L1Loss(RegInput, RegTarget, Reduction.Sum));
        Close(2.5 / 3, Functional.L1Loss(RegInput, RegTarget));
    }

    [Fact]
    public void SmoothL1Loss_BetaOne_QuadraticInsideLinearOutside()
    {
        // |d| = 0.5 < 1: 0.5·0.25/1 = 0.125;  0 → 0;  |d| = 2 ≥ 1: 2 − 0.5 = 1.5
        Close([0.125, 0, 1.5], Functional.SmoothL1Loss(RegInput, RegTarget, 1.0, Reduction.None));
        Close(1.625, Functional.SmoothL1Loss(RegInput, RegTarget, 1.0, Reduction.Sum));
        Close(1.625 / 3, Functional.SmoothL1Loss(RegInput, RegTarget));
    }

    [Fact]
    public void SmoothL1Loss_BetaHalf_AndBetaZeroIsL1()
    {
        // β = 0.5: |d| = 0.5 is not < β, so 0.5 − 0.25 = 0.25;  0 → 0.5·0/0.5 = 0;  2 → 2 − 0.25 = 1.75
        Close([0.25, 0, 1.75], Functional.SmoothL1Loss(RegInput, RegTarget, 0.5, Reduction.None));
        Close([0.5, 0, 2], Functional.SmoothL1Loss(RegInput, RegTarget, 0, Reduction.None));
    }

    [Fact]
    public void RegressionLosses_Float32_MatchFloat64()
    {
        var x = RegInput.To(DType.Float32);
        var y = RegTarget.To(DType.Float32);
        Assert.Equal(DType.Float32, Functional.MseLoss(x, y).DType);
        Close(4.25 / 3, Functional.MseLoss(x, y), 1e-6);
        Close(2.5 / 3, Functional.L1Loss(x, y), 1e-6);
        Close(1.625 / 3, Functional.SmoothL1Loss(x, y), 1e-6);
    }

    [Fact]
    public void RegressionLosses_NonFiniteTargets_Propagate()
    {
        var target = Vec(1.5, double.NaN, double.PositiveInfinity);
        var none = Functional.MseLoss(RegInput, target, Reduction.None).ToArray<double>();
        Assert.Equal(0.25, none[0]);
        Assert.True(double.IsNaN(none[1]));
        Assert.True(double.IsPositiveInfinity(none[2]));
        Assert.True(double.IsNaN(Functional.L1Loss(RegInput, target).Item()));
    }

    [Fact]
    public void RegressionLosses_ShapeAndDTypeMismatch_Throw()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.MseLoss(RegInput, Vec(1, 2)));
        Assert.Contains("[2]", e.Message);
        Assert.Contains("[3]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.L1Loss(RegInput, Labels(1, 2, 3)));
        Assert.Contains("floating point", e.Message);
        Assert.Contains("int32", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.SmoothL1Loss(RegInput, RegTarget, beta: -1));
    }

    [Theory]
    [InlineData("Mse")]
    [InlineData("L1")]
    [InlineData("SmoothL1")]
    [InlineData("SmoothL1Beta0")]
    public void RegressionLosses_Gradients_MatchFiniteDifferences(string loss)
    {
        // Differences bounded away from 0 (L1's kink) and from ±β (SmoothL1's seam).
        var x = Vec(0.3, -1.2, 2.5, 0.9, -0.4, 1.7).Reshape(2, 3).RequireGrad();
        var y = Vec(0.1, 0.6, 0.2, -0.5, -1.0, 1.0).Reshape(2, 3).RequireGrad();
        foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
        {
            Tensor F(Tensor[] t) => loss switch
            {
                "Mse" => Functional.MseLoss(t[0], t[1], reduction),
                "L1" => Functional.L1Loss(t[0], t[1], reduction),
                "SmoothL1" => Functional.SmoothL1Loss(t[0], t[1], 1.0, reduction),
                _ => Functional.SmoothL1Loss(t[0], t[1], 0, reduction),
            };
            TestData.AssertGradients(F, x, y);
        }
    }

    // ---------- cross-entropy: row 0 = [1, 2, 3] with target 2, row 1 = [2, 0, −1] with target 0 ----------

    private static Tensor Logits() => Vec(1, 2, 3, 2, 0, -1).Reshape(2, 3);

    private static readonly double Lse0 = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3));
    private static readonly double Lse1 = Math.Log(Math.Exp(2) + Math.Exp(0) + Math.Exp(-1));
    private static readonly double Loss0 = Lse0 - 3; // −log softmax([1, 2, 3])₂
    private static readonly double Loss1 = Lse1 - 2; // −log softmax([2, 0, −1])₀

    [Fact]
    public void CrossEntropy_AllReductions_MatchHandValues()
    {
        var target = Labels(2, 0);
        Close([Loss0, Loss1], Functional.CrossEntropy(Logits(), target, reduction: Reduction.None));
        Close(Loss0 + Loss1, Functional.CrossEntropy(Logits(), target, reduction: Reduction.Sum));
        Close((Loss0 + Loss1) / 2, Functional.CrossEntropy(Logits(), target));
        // log(e¹ + e² + e³) − 3 ≈ 0.4076
        Assert.Equal(0.40760596444438, Loss0, 12);
    }

    [Theory]
    [InlineData(DType.Float64, Reduction.Mean)]
    [InlineData(DType.Float64, Reduction.Sum)]
    [InlineData(DType.Float32, Reduction.Mean)]
    public void CrossEntropy_FusedOp_MatchesLogSoftmaxThenNll_ValuesAndGradients(DType dtype, Reduction reduction)
    {
        // [N, C] logits without class weights or smoothing take the one-op path; NllLoss over LogSoftmax is the
        // general composition. Row 2 is ignored and row 3 holds logits of ±1e4.
        var data = new double[] { 0.5, -1, 2, 0.1, 3, -2, 1, 1, 0, 0.3, -0.7, 4, 1e4, -1e4, 0, 5, 2.5, 2.5, 2.5, 2.5 };
        var target = Labels(2, 0, -100, 1, 3);
        var a = Tensor.FromArray(data, 5, 4).To(dtype).RequireGrad();
        var b = Tensor.FromArray(data, 5, 4).To(dtype).RequireGrad();
        var fused = Functional.CrossEntropy(a, target, reduction: reduction);
        var composed = Functional.NllLoss(b.LogSoftmax(1), target, reduction: reduction);
        Assert.Equal("CrossEntropyBackward", fused.GradFn!.Name);
        double tol = dtype == DType.Float64 ? 1e-12 : 1e-5;
        Assert.Equal(composed.Item(), fused.Item(), tol);
        fused.Backward();
        composed.Backward();
        var ga = a.Grad!.ToDoubleArray();
        var gb = b.Grad!.ToDoubleArray();
        for (int i = 0; i < ga.Length; i++)
            Assert.Equal(gb[i], ga[i], tol);
        Assert.All(ga.AsSpan(8, 4).ToArray(), g => Assert.Equal(0.0, g)); // the ignored row
    }

    [Fact]
    public void CrossEntropy_FusedOp_FirstAndSecondDerivatives_MatchFiniteDifferences()
    {
        var x = TestData.Leaf([4, 3], 21);
        var target = Labels(2, -100, 0, 1);
        TestData.AssertGradients(t => Functional.CrossEntropy(t[0], target), x);
        TestData.AssertGradients(t => Functional.CrossEntropy(t[0], target, reduction: Reduction.Sum), x);
        TestData.AssertSecondOrder(t => Functional.CrossEntropy(t[0], target), x);
    }

    [Fact]
    public void CrossEntropy_ClassWeights_MeanDividesByTheTargetsWeights()
    {
        var w = Vec(0.5, 1, 2); // w[y0 = 2] = 2, w[y1 = 0] = 0.5
        var target = Labels(2, 0);
        Close([2 * Loss0, 0.5 * Loss1], Functional.CrossEntropy(Logits(), target, w, reduction: Reduction.None));
        Close(2 * Loss0 + 0.5 * Loss1, Functional.CrossEntropy(Logits(), target, w, reduction: Reduction.Sum));
        Close((2 * Loss0 + 0.5 * Loss1) / (2 + 0.5), Functional.CrossEntropy(Logits(), target, w));
    }

    [Fact]
    public void CrossEntropy_LabelSmoothing_MixesNllWithUniform()
    {
        const double eps = 0.1;
        var target = Labels(2, 0);
        // Σ_c −log p_c = Σ_c (LSE − x_c): row 0 = 3·LSE0 − (1 + 2 + 3), row 1 = 3·LSE1 − (2 + 0 − 1).
        double s0 = 3 * Lse0 - 6, s1 = 3 * Lse1 - 1;
        double l0 = (1 - eps) * Loss0 + eps / 3 * s0, l1 = (1 - eps) * Loss1 + eps / 3 * s1;
        Close([l0, l1], Functional.CrossEntropy(Logits(), target, labelSmoothing: eps, reduction: Reduction.None));
        Close(l0 + l1, Functional.CrossEntropy(Logits(), target, labelSmoothing: eps, reduction: Reduction.Sum));
        Close((l0 + l1) / 2, Functional.CrossEntropy(Logits(), target, labelSmoothing: eps));
    }

    [Fact]
    public void CrossEntropy_LabelSmoothingWithWeights_FollowsPyTorchFormula()
    {
        const double eps = 0.2;
        double[] w = [0.5, 1, 2];
        var target = Labels(2, 0);
        // smooth_i = Σ_c w_c·(LSE_i − x_ic)
        double s0 = 0.5 * (Lse0 - 1) + 1 * (Lse0 - 2) + 2 * (Lse0 - 3);
        double s1 = 0.5 * (Lse1 - 2) + 1 * (Lse1 - 0) + 2 * (Lse1 + 1);
        double n0 = 2 * Loss0, n1 = 0.5 * Loss1; // weighted NLL
        Close([(1 - eps) * n0 + eps / 3 * s0, (1 - eps) * n1 + eps / 3 * s1],
            Functional.CrossEntropy(Logits(), target, Vec(w), eps, Reduction.None));
        // The mean divides both parts by Σ w_{yᵢ} = 2.5.
        Close(((1 - eps) * (n0 + n1) + eps / 3 * (s0 + s1)) / 2.5, Functional.CrossEntropy(Logits(), target, Vec(w), eps));
    }

    [Fact]
    public void CrossEntropy_IgnoreIndex_DropsSamplesFromSumAndDenominator()
    {
        var target = Labels(2, -100);
        Close([Loss0, 0], Functional.CrossEntropy(Logits(), target, reduction: Reduction.None));
        Close(Loss0, Functional.CrossEntropy(Logits(), target, reduction: Reduction.Sum));
        Close(Loss0, Functional.CrossEntropy(Logits(), target)); // 1 sample counted, not 2
        Close(Loss0, Functional.CrossEntropy(Logits(), target, Vec(0.5, 1, 2))); // 2·Loss0 / 2
        // Label smoothing is zeroed for ignored samples too.
        Close((0.9 * Loss0 + 0.1 / 3 * (3 * Lse0 - 6)), Functional.CrossEntropy(Logits(), target, labelSmoothing: 0.1));
        // A custom ignore index that is also a valid class.
        Close(Loss1, Functional.CrossEntropy(Logits(), Labels(2, 0), ignoreIndex: 2));
        // Every sample ignored: 0/0, as PyTorch.
        Assert.True(double.IsNaN(Functional.CrossEntropy(Logits(), Labels(-100, -100)).Item()));
    }

    [Fact]
    public void CrossEntropy_ExtremeLogits_FiniteAndExact()
    {
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            var x = Vec(1e4, -1e4, 0, -1e4, 1e4, 0).Reshape(2, 3).To(dtype).RequireGrad();
            // Row 0 predicts class 0 with certainty (loss log(1 + e^−2e4 + e^−1e4) = 0); row 1's
            // target 0 sits 2e4 below its maximum, so its loss is exactly 2e4.
            double tol = dtype == DType.Float32 ? 1e-6 : Tol; // float32's e⁰ may round to 1 + 1 ulp
            var loss = Functional.CrossEntropy(x, Labels(0, 0), reduction: Reduction.None);
            Close([0, 2e4], loss, tol);
            loss.Sum().Backward();
            // ∂/∂x = softmax − onehot: row 0 → 0, row 1 → [−1, 1, 0]
            Close([0, 0, 0, -1, 1, 0], x.Grad!, tol);
        }
    }

    [Fact]
    public void CrossEntropy_Unbatched_AndSpatialMatchTheFlatForm()
    {
        Close(Loss0, Functional.CrossEntropy(Vec(1, 2, 3), Tensor.Scalar(2, DType.Int32)));
        Assert.Equal(0, Functional.CrossEntropy(Vec(1, 2, 3), Tensor.Scalar(2, DType.Int32), reduction: Reduction.None).Rank);

        // [N=2, C=3, d=2]: the same as the [4, 3] rows obtained by moving C last.
        var spatial = Tensor.Uniform([2, 3, 2], -2, 2, new Generator(5), DType.Float64);
        var target = Labels(0, 2, 1, -100).Reshape(2, 2);
        var flat = spatial.Permute(0, 2, 1).Reshape(4, 3);
        var w = Vec(0.3, 1.0, 2.0);
        foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum })
            Close(Functional.CrossEntropy(flat, target.Reshape(4), w, 0.1, reduction).Item(),
                Functional.CrossEntropy(spatial, target, w, 0.1, reduction));
        var none = Functional.CrossEntropy(spatial, target, reduction: Reduction.None);
        Assert.Equal([2, 2], none.Shape.ToArray());
    }

    [Fact]
    public void CrossEntropy_OutOfRangeIndex_NamesIndexPositionAndClassCount()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Logits(), Labels(2, 3)));
        Assert.Contains("target index 3", e.Message);
        Assert.Contains("position [1]", e.Message);
        Assert.Contains("C = 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.NllLoss(Logits(), Labels(-1, 0)));
        Assert.Contains("target index -1", e.Message);
        Assert.Contains("position [0]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Tensor.Zeros([2, 3, 2], DType.Float64), Labels(0, 0, 0, 5).Reshape(2, 2)));
        Assert.Contains("position [1, 1]", e.Message);
    }

    [Fact]
    public void CrossEntropy_BadTargetsAndWeights_Throw()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Logits(), Vec(2, 0)));
        Assert.Contains("int32", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Logits(), Labels(2, 0, 1)));
        Assert.Contains("[2]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Logits(), Labels(2, 0), Vec(1, 1)));
        Assert.Contains("[3]", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.CrossEntropy(Logits(), Labels(2, 0), labelSmoothing: 1.5));
    }

    [Fact]
    public void NllLoss_OnLogProbabilities_MatchesHandValues()
    {
        var logp = Vec(Math.Log(0.2), Math.Log(0.3), Math.Log(0.5), Math.Log(0.6), Math.Log(0.3), Math.Log(0.1)).Reshape(2, 3);
        var target = Labels(2, 1);
        Close([-Math.Log(0.5), -Math.Log(0.3)], Functional.NllLoss(logp, target, reduction: Reduction.None));
        Close((-Math.Log(0.5) - Math.Log(0.3)) / 2, Functional.NllLoss(logp, target));
        // Weights [1, 4, 2]: (2·−log 0.5 + 4·−log 0.3) / (2 + 4)
        Close((-2 * Math.Log(0.5) - 4 * Math.Log(0.3)) / 6, Functional.NllLoss(logp, target, Vec(1, 4, 2)));
        // CrossEntropy is log-softmax followed by NLL.
        Close(Functional.CrossEntropy(Logits(), Labels(2, 0)).Item(), Functional.NllLoss(Logits().LogSoftmax(1), Labels(2, 0)));
    }

    public static TheoryData<string> ClassificationCases => new()
    {
        "CE", "CEWeighted", "CESmoothing", "CEWeightedSmoothingIgnore", "CESpatial", "Nll", "NllWeighted",
    };

    [Theory]
    [MemberData(nameof(ClassificationCases))]
    public void ClassificationLosses_Gradients_MatchFiniteDifferences(string name)
    {
        var w = Vec(0.4, 1.3, 2.0, 0.7);
        foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
        {
            if (name == "CESpatial")
            {
                var xs = TestData.Leaf([2, 4, 3], 41);
                var ts = Labels(0, 3, -100, 1, 2, 2).Reshape(2, 3);
                TestData.AssertGradients(t => Functional.CrossEntropy(t[0], ts, w, 0.15, reduction), xs);
                continue;
            }
            var x = TestData.Leaf([3, 4], 40);
            var target = Labels(3, 0, 2);
            Func<Tensor[], Tensor> f = name switch
            {
                "CE" => t => Functional.CrossEntropy(t[0], target, reduction: reduction),
                "CEWeighted" => t => Functional.CrossEntropy(t[0], target, w, reduction: reduction),
                "CESmoothing" => t => Functional.CrossEntropy(t[0], target, labelSmoothing: 0.2, reduction: reduction),
                "CEWeightedSmoothingIgnore" => t => Functional.CrossEntropy(t[0], Labels(3, -100, 2), w, 0.2, reduction),
                "Nll" => t => Functional.NllLoss(t[0], target, reduction: reduction),
                _ => t => Functional.NllLoss(t[0], target, w, reduction),
            };
            TestData.AssertGradients(f, x);
        }
    }

    // ---------- binary cross-entropy ----------

    [Fact]
    public void BinaryCrossEntropy_MatchesHandValues_ClampsLogAtMinus100()
    {
        var p = Vec(0.8, 0.3, 0, 1, 0);
        var y = Vec(1, 0, 0, 1, 1);
        // −log 0.8, −log 0.7, 0 (0·log 0 is taken as 0), 0, and −max(log 0, −100) = 100
        double[] expected = [-Math.Log(0.8), -Math.Log(0.7), 0, 0, 100];
        Close(expected, Functional.BinaryCrossEntropy(p, y, reduction: Reduction.None));
        Close(expected.Sum(), Functional.BinaryCrossEntropy(p, y, reduction: Reduction.Sum));
        Close(expected.Sum() / 5, Functional.BinaryCrossEntropy(p, y));
        var w = Vec(1, 2, 3, 4, 0.5);
        Close(expected.Select((v, i) => v * new[] { 1, 2, 3, 4, 0.5 }[i]).Sum() / 5, Functional.BinaryCrossEntropy(p, y, w));
    }

    [Fact]
    public void BinaryCrossEntropy_SoftTargets_AndFloat32()
    {
        // y = 0.25, p = 0.5: −(0.25·log 0.5 + 0.75·log 0.5) = log 2
        Close(Math.Log(2), Functional.BinaryCrossEntropy(Vec(0.5), Vec(0.25)));
        Close(-Math.Log(0.8), Functional.BinaryCrossEntropy(Vec(0.8).To(DType.Float32), Vec(1).To(DType.Float32)), 1e-6);
    }

    [Fact]
    public void BinaryCrossEntropy_SaturatedProbabilities_GiveFiniteGradients()
    {
        var p = Vec(0, 1, 0.5).RequireGrad();
        var y = Vec(1, 0, 1);
        Functional.BinaryCrossEntropy(p, y, reduction: Reduction.Sum).Backward();
        // PyTorch's derivative (p − y)/max(p(1 − p), 1e-12): −1e12, 1e12, (0.5 − 1)/0.25 = −2
        Close([-1e12, 1e12, -2], p.Grad!);
    }

    [Fact]
    public void BinaryCrossEntropy_ProbabilitiesOutsideUnitInterval_Throw()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.BinaryCrossEntropy(Vec(0.5, 1.5, double.NaN), Vec(1, 1, 1)));
        Assert.Contains("[0, 1]", e.Message);
        Assert.Contains("2 of 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.BinaryCrossEntropy(Vec(0.5, 0.5), Vec(1, 1), Vec(1, 2, 3)));
        Assert.Contains("weight", e.Message);
    }

    [Fact]
    public void BinaryCrossEntropy_Gradients_MatchFiniteDifferences()
    {
        var p = TestData.Leaf([2, 3], 50, 0.1, 0.9);
        var y = TestData.Leaf([2, 3], 51, 0, 1);
        var w = TestData.Leaf([3], 52, 0.5, 2);
        foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
            TestData.AssertGradients(t => Functional.BinaryCrossEntropy(t[0], t[1], t[2], reduction), p, y, w);
    }

    [Fact]
    public void Losses_SecondDerivatives_MatchFiniteDifferences()
    {
        // Second-order training tricks (gradient penalties) differentiate through the loss's backward rule.
        var p = TestData.Leaf([2, 3], 53, 0.1, 0.9);
        var y = TestData.Leaf([2, 3], 54, 0, 1);
        TestData.AssertSecondOrder(t => Functional.BinaryCrossEntropy(t[0], t[1]), p, y);
        var x = TestData.Leaf([3, 4], 55);
        TestData.AssertSecondOrder(t => Functional.CrossEntropy(t[0], Labels(1, 3, 0), Vec(0.5, 1, 2, 1), 0.1), x);
        TestData.AssertSecondOrder(t => Functional.BinaryCrossEntropyWithLogits(t[0], t[1]), x.Detach()[..2, ..3].Clone().RequireGrad(), y);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public void BinaryCrossEntropyWithLogits_MatchesHandValues()
    {
        var x = Vec(0, 2, -1);
        var y = Vec(1, 0, 0.5);
        // max(x, 0) − x·y + log(1 + e^−|x|): log 2;  2 + log(1 + e^−2);  0.5 + log(1 + e^−1)
        double[] expected = [Math.Log(2), 2 + Math.Log(1 + Math.Exp(-2)), 0.5 + Math.Log(1 + Math.Exp(-1))];
        Close(expected, Functional.BinaryCrossEntropyWithLogits(x, y, reduction: Reduction.None));
        Close(expected.Sum() / 3, Functional.BinaryCrossEntropyWithLogits(x, y));
        // the same as −[y·log σ(x) + (1 − y)·log(1 − σ(x))]
        for (int i = 0; i < 3; i++)
        {
            double xi = x.ToArray<double>()[i], yi = y.ToArray<double>()[i];
            Assert.Equal(-(yi * Math.Log(Sigmoid(xi)) + (1 - yi) * Math.Log(1 - Sigmoid(xi))), expected[i], 12);
        }
        // and the same as BinaryCrossEntropy of the sigmoid
        Close(expected, Functional.BinaryCrossEntropy(x.Sigmoid(), y, reduction: Reduction.None));
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_PosWeightAndWeight()
    {
        var x = Vec(0, 2, -1, 0.5).Reshape(2, 2);
        var y = Vec(1, 0, 0.5, 1).Reshape(2, 2);
        var pos = Vec(3, 0.5); // per column
        var w = Vec(2, 1, 1, 0.25).Reshape(2, 2);
        // −w·[pos·y·log σ(x) + (1 − y)·log(1 − σ(x))]
        double[] xs = [0, 2, -1, 0.5], ys = [1, 0, 0.5, 1], ps = [3, 0.5, 3, 0.5], ws = [2, 1, 1, 0.25];
        var expected = new double[4];
        for (int i = 0; i < 4; i++)
            expected[i] = -ws[i] * (ps[i] * ys[i] * Math.Log(Sigmoid(xs[i])) + (1 - ys[i]) * Math.Log(1 - Sigmoid(xs[i])));
        Close(expected, Functional.BinaryCrossEntropyWithLogits(x, y, w, pos, Reduction.None));
        Close(expected.Sum(), Functional.BinaryCrossEntropyWithLogits(x, y, w, pos, Reduction.Sum));
        Assert.Equal(3 * Math.Log(2) * 2, expected[0], 12); // x = 0, y = 1: w·pos·log 2
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_ExtremeLogits_FiniteAndExact()
    {
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            var x = Vec(1e4, -1e4, 1e4, -1e4).To(dtype).RequireGrad();
            var y = Vec(0, 1, 1, 0).To(dtype);
            double tol = dtype == DType.Float32 ? 1e-6 : Tol;
            var loss = Functional.BinaryCrossEntropyWithLogits(x, y, reduction: Reduction.None);
            Close([1e4, 1e4, 0, 0], loss, tol);
            loss.Sum().Backward();
            Close([1, -1, 0, 0], x.Grad!, tol); // σ(x) − y
        }
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_Gradients_MatchFiniteDifferences()
    {
        var x = TestData.Leaf([2, 3], 60, -3, 3);
        var y = TestData.Leaf([2, 3], 61, 0, 1);
        var w = TestData.Leaf([2, 3], 62, 0.5, 2);
        var pos = TestData.Leaf([3], 63, 0.5, 3);
        foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
        {
            TestData.AssertGradients(t => Functional.BinaryCrossEntropyWithLogits(t[0], t[1], reduction: reduction), x, y);
            TestData.AssertGradients(t => Functional.BinaryCrossEntropyWithLogits(t[0], t[1], t[2], t[3], reduction), x, y, w, pos);
        }
    }
}
