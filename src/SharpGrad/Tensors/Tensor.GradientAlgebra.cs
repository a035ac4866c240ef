namespace SharpGrad;

// Tensor is the numeric implementation of the derivative algebra: most members are the public
// ops themselves; the few below exist only for the rules (shape bookkeeping of broadcasting and
// reductions), so they are implemented explicitly and stay out of the public surface.
public sealed partial class Tensor : IGradientAlgebra<Tensor>
{
    Tensor IGradientAlgebra<Tensor>.ZerosOfShape() => ZerosLike(this);

    Tensor IGradientAlgebra<Tensor>.SumToShapeOf(Tensor input) => SumToShape(input.ShapeArray);

    Tensor IGradientAlgebra<Tensor>.Unreduce(Tensor input, int[] dims, bool keptDims) =>
        UnreduceLike(input.ShapeArray, dims, keptDims).Expand(input.ShapeArray);

    Tensor IGradientAlgebra<Tensor>.MT() => Transpose(-1, -2);

    Tensor IGradientAlgebra<Tensor>.ReshapeAs(Tensor input) => Reshape(input.ShapeArray);
}
