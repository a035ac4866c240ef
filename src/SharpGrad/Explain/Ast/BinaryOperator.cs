namespace SharpGrad.Explain;

/// <summary>The infix operators of the <c>.grad</c> format; <see cref="OpTable"/> says how each evaluates and prints.</summary>
public enum BinaryOperator
{
    /// <summary><c>a + b</c>, elementwise with broadcasting.</summary>
    Add,

    /// <summary><c>a - b</c>, elementwise with broadcasting.</summary>
    Subtract,

    /// <summary><c>a * b</c>, elementwise (Hadamard) product with broadcasting.</summary>
    Multiply,

    /// <summary><c>a / b</c>, elementwise with broadcasting.</summary>
    Divide,

    /// <summary><c>a ^ b</c>, elementwise power, right-associative.</summary>
    Power,

    /// <summary><c>A @ B</c>, the matrix product (dot product for two vectors).</summary>
    MatMul,
}
