namespace SharpGrad.Explain;

/// <summary>
/// One term of the chain rule for a node m: the part of ∂J/∂m that arrives through one
/// argument slot of one consumer c, ∂J/∂c · ∂c/∂m. All three tensors come from autograd: the
/// upstream gradient from the full backward pass, the local derivative and the contribution from
/// re-running c's op alone on copies of its arguments.
/// </summary>
public sealed class ChainTerm
{
    internal ChainTerm(GraphNode consumer, int argumentIndex, Tensor upstream, Tensor? localDerivative, Tensor contribution, bool summed)
    {
        Consumer = consumer;
        ArgumentIndex = argumentIndex;
        Upstream = upstream;
        LocalDerivative = localDerivative;
        Contribution = contribution;
        Summed = summed;
    }

    /// <summary>The node c that uses m.</summary>
    public GraphNode Consumer { get; }

    /// <summary>Which argument of c this is (0 for the left or only one); x * x has two terms.</summary>
    public int ArgumentIndex { get; }

    /// <summary>The node m differentiated.</summary>
    public GraphNode Operand => Consumer.Operands[ArgumentIndex];

    /// <summary>∂J/∂c, with c's shape.</summary>
    public Tensor Upstream { get; }

    /// <summary>
    /// For elementwise ops, the diagonal of ∂c/∂m, with c's shape; for reductions, the factor each
    /// element of m receives, with m's shape; null for the matrix product (its factor is the
    /// other operand, transposed).
    /// </summary>
    public Tensor? LocalDerivative { get; }

    /// <summary>This term's part of ∂J/∂m, with m's shape.</summary>
    public Tensor Contribution { get; }

    /// <summary>True when m was broadcast in c, so the elementwise products are summed back to m's shape.</summary>
    public bool Summed { get; }
}
