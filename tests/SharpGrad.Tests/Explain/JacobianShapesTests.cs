using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary><c>shapes</c>: spec E6's vector chain in the denominator layout, and the same chain in the numerator and gradient layouts.</summary>
public class JacobianShapesTests
{
    [Fact]
    public void Sizes_PastTwoToThe31_AreCountedExactly()
    {
        // 65536 × 65536 = 2^32 components: an int would wrap to 0.
        var shapes = JacobianShapes.Create(GradProgram.Parse("param W[65536, 65536]\na = W * 2\nJ = sum(a)"), "a");
        Assert.Equal("4294967296×1", shapes.Result);
    }

    [Fact]
    public void E6Vector_FactorSizes()
    {
        var shapes = JacobianShapes.Create(ExplainFiles.Load("e6-vector.grad"), "f0");
        Assert.True(shapes.IsChain);
        Assert.Equal(["D1×D1", "D1×D2", "D2×D2", "D2×D3", "D3×D3", "D3×Df", "Df×1"], shapes.Factors.Select(f => f.Size));
        Assert.Equal(["∂h1/∂f0", "∂f1/∂h1", "∂h2/∂f1", "∂f2/∂h2", "∂h3/∂f2", "∂f3/∂h3", "∂loss/∂f3"], shapes.Factors.Select(f => f.Factor));
        Assert.Equal("D1×1", shapes.Result);
        var text = shapes.Render();
        Assert.Contains("Layout: denominator", text);
        Assert.Contains("∂loss/∂f0 = ∂h1/∂f0 · ∂f1/∂h1 · ∂h2/∂f1 · ∂f2/∂h2 · ∂h3/∂f2 · ∂f3/∂h3 · ∂loss/∂f3", text);
    }

    [Fact]
    public void DefaultWrtIsFirstAssignment_AndMatrixComponentsMultiply()
    {
        var shapes = JacobianShapes.Create(ExplainFiles.Load("e6-vector.grad"));
        Assert.Equal("f0", shapes.Wrt);
        var w = JacobianShapes.Create(ExplainFiles.Load("e6-vector.grad"), "W0");
        Assert.Equal("D1·Dx×D1", w.Factors[0].Size);
    }

    [Fact]
    public void FirstAssignmentFeedingTheObjective_StartsTheDefaultChainFromAParameter_AndOneFactorIsNoEquation()
    {
        var program = GradProgram.Parse("input x[3] = [1, 2, 3]\nparam a = 0.5\nparam b = 2\nyhat = a + b * x\nL = mean(yhat^2)");
        var shapes = JacobianShapes.Create(program);
        Assert.Equal("a", shapes.Wrt);
        Assert.Equal(["∂yhat/∂a", "∂L/∂yhat"], shapes.Factors.Select(f => f.Factor));
        Assert.Equal(["1×3", "3×1"], shapes.Factors.Select(f => f.Size));
        // Asked for, the one-factor chain is said in words, never ∂L/∂yhat = ∂L/∂yhat.
        var direct = JacobianShapes.Create(program, "yhat").Render();
        Assert.Contains("∂L/∂yhat is a single local partial: yhat feeds L directly.", direct);
        Assert.DoesNotContain("∂L/∂yhat = ∂L/∂yhat", direct);
    }

    [Fact]
    public void NoPath_IsAnsweredWithNoFactors()
    {
        // a = 2x does not read z: ∂a/∂z is 0, a valid question as in explain, why and check.
        var program = GradProgram.Parse("input x = 1\ninput z = 2\na = x * 2\nb = z + 1\n");
        var shapes = JacobianShapes.Create(program, "z", "a");
        Assert.False(shapes.DependsOnWrt);
        Assert.False(shapes.IsChain);
        Assert.Empty(shapes.Factors);
        Assert.Equal("1×1", shapes.Result);
        Assert.Contains("a is not computed from z, so ∂a/∂z has no factors.\n", shapes.Render());
        Assert.True(JacobianShapes.Create(program, "x", "a").DependsOnWrt);

        // An unused vector parameter: ∂J/∂u is 3×1 in the denominator layout, 1×3 in the numerator layout.
        var unused = GradProgram.Parse("param w = 1\nparam u[3]\nJ = w * w\n");
        Assert.Equal("3×1", JacobianShapes.Create(unused, "u").Result);
        Assert.Equal("1×3", JacobianShapes.Create(unused, "u", layout: Layout.Numerator).Result);
    }

    [Fact]
    public void E6Vector_NumeratorLayout_TransposesEverySizeAndRunsFromTheObjective()
    {
        // Numerator layout: ∂a/∂b is |a|×|b|, so ∂loss/∂f0 = ∂loss/∂f3 · ∂f3/∂h3 ⋯ ∂h1/∂f0 is
        // (1×Df)(Df×D3)(D3×D3)(D3×D2)(D2×D2)(D2×D1)(D1×D1) = 1×D1.
        var shapes = JacobianShapes.Create(ExplainFiles.Load("e6-vector.grad"), "f0", layout: Layout.Numerator);
        Assert.Equal(["∂loss/∂f3", "∂f3/∂h3", "∂h3/∂f2", "∂f2/∂h2", "∂h2/∂f1", "∂f1/∂h1", "∂h1/∂f0"], shapes.Factors.Select(f => f.Factor));
        Assert.Equal(["1×Df", "Df×D3", "D3×D3", "D3×D2", "D2×D2", "D2×D1", "D1×D1"], shapes.Factors.Select(f => f.Size));
        Assert.Equal("1×D1", shapes.Result);
        Assert.Contains("Layout: numerator", shapes.Render());
        AssertConforms(shapes);
    }

    [Fact]
    public void E6Vector_GradientLayout_GivesTheResultTheParametersShape()
    {
        // ∂loss/∂W1 has W1's shape D2×D1 (CS231n), the factors running from the objective down.
        var shapes = JacobianShapes.Create(ExplainFiles.Load("e6-vector.grad"), "W1", layout: Layout.Gradient);
        Assert.Equal("D2×D1", shapes.Result);
        Assert.Equal("∂loss/∂f3", shapes.Factors[0].Factor);
        Assert.Equal("D2×D2·D1", shapes.Factors[^1].Size);
        Assert.Contains("Layout: gradient", shapes.Render());
        AssertConforms(shapes);
    }

    [Fact]
    public void E6Vector_DenominatorProduct_Conforms() =>
        AssertConforms(JacobianShapes.Create(ExplainFiles.Load("e6-vector.grad"), "f0"));

    /// <summary>Each factor's columns are the next factor's rows, so the product as printed is defined.</summary>
    private static void AssertConforms(JacobianShapes shapes)
    {
        for (int i = 0; i + 1 < shapes.Factors.Count; i++)
            Assert.Equal(shapes.Factors[i].Size.Split('×')[1], shapes.Factors[i + 1].Size.Split('×')[0]);
    }
}
