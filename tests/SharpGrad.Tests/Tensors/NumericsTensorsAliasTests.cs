using System.Numerics.Tensors;
using SharpGrad;
using Tensor = SharpGrad.Tensor;

// Deliberately outside the SharpGrad namespaces: inside them SharpGrad.Tensor is found before any
// using, so only a file like an app's shows the clash between SharpGrad.Tensor and
// System.Numerics.Tensors.Tensor. The alias above is what the README recommends; this file stops
// compiling if that advice stops working.
namespace TensorAliasSample;

/// <summary>A user file that imports both SharpGrad and System.Numerics.Tensors and uses both tensor types.</summary>
public class NumericsTensorsAliasTests
{
    [Fact]
    public void AliasPicksSharpGradTensor_NumericsTypesStayReachable()
    {
        float[] values = [1, 2, 3, 4, 5, 6];
        Tensor sharp = Tensor.FromArray(values, 2, 3);
        Tensor<float> numerics = System.Numerics.Tensors.Tensor.Create(values, [2, 3]);

        Assert.Equal(numerics.FlattenedLength, sharp.Count);
        Assert.Equal(2, numerics.Lengths[0]);
        Assert.Equal(3, numerics.Lengths[1]);
        Assert.Equal([2, 3], sharp.Shape.ToArray());
        Assert.Equal(21f, TensorPrimitives.Sum<float>(values));
        Assert.Equal(21.0, sharp.Sum().Item());
        Assert.Equal(typeof(SharpGrad.Tensor), typeof(Tensor));
        Assert.Equal(DType.Float32, sharp.DType);
    }
}
