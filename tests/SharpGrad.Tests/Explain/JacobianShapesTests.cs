using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary><c>shapes</c>: spec E6's vector chain in the denominator layout.</summary>
public class JacobianShapesTests
{
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
    public void NoPath_IsAnError()
    {
        var program = GradProgram.Parse("input x = 1\ninput z = 2\na = x * 2\nb = z + 1\n");
        Assert.Throws<ArgumentException>(() => JacobianShapes.Create(program, "z", "a"));
    }
}
