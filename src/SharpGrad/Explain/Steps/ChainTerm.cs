namespace SharpGrad.Explain;

/// <summary>
/// One term of the chain rule for a node m: the part of ∂J/∂m that arrives through one consumer c,
/// ∂J/∂c · ∂c/∂m. When c's expression has unnamed parts (n4 = g(b_4 + w_1_4·n1 + w_2_4·n2)), ∂c/∂m
/// is the derivative through all of them. The numbers come from autograd (the upstream gradient
/// from the full backward pass, the local derivative and the contribution from re-running c's
/// expression alone on copies of its inputs); the formula comes from the shared rules of
/// <see cref="Derivatives"/> evaluated on symbols.
/// </summary>
public sealed class ChainTerm
{
    internal ChainTerm(GraphNode consumer, GraphNode operand, Tensor upstream, Tensor? localDerivative, Tensor contribution, bool summed, Sym? formula,
        IReadOnlyList<GraphNode> heldFixed)
    {
        HeldFixed = heldFixed;
        Consumer = consumer;
        Operand = operand;
        Upstream = upstream;
        LocalDerivative = localDerivative;
        Contribution = contribution;
        Summed = summed;
        Formula = formula;
    }

    /// <summary>The node c that uses m.</summary>
    public GraphNode Consumer { get; }

    /// <summary>The node m differentiated.</summary>
    public GraphNode Operand { get; }

    /// <summary>∂J/∂c, with c's shape.</summary>
    public Tensor Upstream { get; }

    /// <summary>
    /// Where c depends on m elementwise, the diagonal of ∂c/∂m with c's shape; where c is a single
    /// number, ∂c/∂m with m's shape; otherwise null (a matrix product's factor is the other
    /// operand, transposed, and is shown in the formula).
    /// </summary>
    public Tensor? LocalDerivative { get; }

    /// <summary>This term's part of ∂J/∂m, with m's shape.</summary>
    public Tensor Contribution { get; }

    /// <summary>True when m was broadcast in c, so the elementwise products are summed back to m's shape.</summary>
    public bool Summed { get; }

    /// <summary>
    /// ∂J/∂c · ∂c/∂m written out (the vector–Jacobian product, with ∂J/∂c as the symbol
    /// <see cref="Upstream"/> stands for, or 1 when c is the objective); null when an op on the way
    /// has no rule in the shared table.
    /// </summary>
    public Sym? Formula { get; }

    /// <summary>
    /// The other inputs of c's expression, held fixed in the local partial ∂c/∂m. Where c is the
    /// objective and m has other uses too, the local partial is written ∂J/∂m|fixed, so that it is
    /// not mistaken for the total ∂J/∂m it is a part of.
    /// </summary>
    public IReadOnlyList<GraphNode> HeldFixed { get; }

    /// <summary>The symbol that stands for ∂J/∂c inside <see cref="Formula"/>.</summary>
    internal static Sym UpstreamSymbol { get; } = Sym.Partial("\u0001", "\u0002");
}
