namespace SharpGrad.Explain;

/// <summary>What a node of a symbolic expression (<see cref="Sym"/>) is.</summary>
public enum SymKind
{
    /// <summary>A number.</summary>
    Number,

    /// <summary>A named variable (a node of the program, or an argument placeholder).</summary>
    Variable,

    /// <summary>A sum of two or more terms (flattened).</summary>
    Sum,

    /// <summary>A product of two or more factors (flattened, numeric coefficient first).</summary>
    Product,

    /// <summary>A power base^exponent.</summary>
    Power,

    /// <summary>An application of an <see cref="OpTable"/> function (relu, sigmoid, g, ...).</summary>
    Call,

    /// <summary>The derivative g′(z) of the abstract activation.</summary>
    Prime,

    /// <summary>An indicator I[a &gt; b], I[a &lt; b] or I[a = b]: 1 when the relation holds, else 0.</summary>
    Indicator,

    /// <summary>sign(a): −1, 0 or 1.</summary>
    Sign,

    /// <summary>A partial-derivative symbol ∂of/∂wrt kept abstract (optionally of one component, ∂n1/∂(v)_d).</summary>
    Partial,

    /// <summary>The matrix product of two shaped expressions (Args[0] Args[1]).</summary>
    MatMul,

    /// <summary>The transpose of a matrix (Args[0]ᵀ).</summary>
    Transpose,

    /// <summary>A sum over some axes of a shaped expression (the Σ of broadcasting and per-axis reductions).</summary>
    SumOver,

    /// <summary>A vector written out by its components, [a, b, c] (the gradient of a vector read through indices).</summary>
    Vector,
}
