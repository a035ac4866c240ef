namespace SharpGrad;

public sealed partial class Tensor
{
    /// <summary>
    /// A view of this tensor broadcast to <paramref name="shape"/>: size-1 dimensions are repeated
    /// by giving them stride 0 and missing leading dimensions are added, so nothing is copied.
    /// The backward rule sums the gradient back over the repeated dimensions.
    /// </summary>
    public Tensor Expand(params int[] shape)
    {
        var target = (int[])shape.Clone();
        int lead = target.Length - Rank;
        if (lead < 0)
            throw new ArgumentException($"Expand: cannot expand shape {ShapeMath.Format(ShapeArray)} to {ShapeMath.Format(shape)}, which has fewer dimensions.");
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == -1 && i >= lead) target[i] = ShapeArray[i - lead];
            if (target[i] < 0)
                throw new ArgumentException($"Expand: size {target[i]} in {ShapeMath.Format(shape)} is invalid for dimension {i}" +
                    (i < lead ? " (−1 cannot be used for a new leading dimension)." : "."));
            int own = i < lead ? 1 : ShapeArray[i - lead];
            if (own != target[i] && own != 1)
                throw new ArgumentException($"Expand: cannot expand shape {ShapeMath.Format(ShapeArray)} to {ShapeMath.Format(shape)}: dimension {i} has size {own}, which is neither 1 nor {target[i]}.");
        }
        if (ShapeMath.SameShape(target, ShapeArray))
            return this;
        var view = AsStrided(target, ShapeMath.BroadcastStrides(ShapeArray, StrideArray, target), Offset);
        return Autograd.Record(view, OpCode.Expand, [this]);
    }

    /// <summary>The same as <see cref="Expand"/> to the shape of <paramref name="other"/>.</summary>
    public Tensor ExpandAs(Tensor other) => Expand(other.ShapeArray);

    /// <summary>
    /// Sums this tensor over the dimensions that broadcasting added or repeated, producing a
    /// tensor of <paramref name="shape"/>: the gradient of a broadcast operand ("un-broadcasting").
    /// </summary>
    internal Tensor SumToShape(int[] shape)
    {
        if (ShapeMath.SameShape(shape, ShapeArray))
            return this;
        int lead = Rank - shape.Length;
        var dims = new List<int>();
        for (int i = 0; i < Rank; i++)
            if (i < lead || (shape[i - lead] == 1 && ShapeArray[i] != 1))
                dims.Add(i);
        var summed = dims.Count == 0 ? this : Sum([.. dims], keepDim: true);
        return summed.Reshape(shape);
    }

    /// <summary>A raw view on the same storage (not recorded).</summary>
    internal Tensor AsStrided(int[] shape, int[] strides, int offset) => new(Storage, shape, strides, offset);
}
