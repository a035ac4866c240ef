using System.Text;

namespace SharpGrad.Explain;

/// <summary>
/// <c>sharpgrad shapes</c>, spec E6: the Jacobian size of every factor of ∂objective/∂wrt in a stated
/// <see cref="Explain.Layout"/>. In the seed's denominator layout ∂a/∂b has one row per component of b
/// and one column per component of a, so a chain wrt → z1 → ⋯ → objective multiplies as
/// ∂z1/∂wrt · ∂z2/∂z1 ⋯ ∂objective/∂zk and the result has one row per component of wrt and one
/// column; in the numerator layout every size is transposed and the factors run from the objective
/// down; in the gradient layout they run as in the numerator layout and the 1 × n result is read back
/// in wrt's shape (H×D for a matrix). Sizes stay symbolic (D1, D2, ...): a node of shape [H, D] has
/// H·D components. Factors are taken between named nodes, as <see cref="ChainDerivation"/> writes them.
/// </summary>
public sealed class JacobianShapes
{
    private JacobianShapes(string objective, string wrt, Layout layout, bool isChain, IReadOnlyList<(string Factor, string Size)> factors, string result,
        bool dependsOnWrt = true)
    {
        DependsOnWrt = dependsOnWrt;
        Layout = layout;
        Objective = objective;
        Wrt = wrt;
        IsChain = isChain;
        Factors = factors;
        Result = result;
    }

    /// <summary>The objective.</summary>
    public string Objective { get; }

    /// <summary>The variable differentiated with respect to.</summary>
    public string Wrt { get; }

    /// <summary>The layout the sizes and the order of the factors are given in.</summary>
    public Layout Layout { get; }

    /// <summary>The product of the factors in the order that conforms in <see cref="Layout"/> (meaningful when <see cref="IsChain"/>).</summary>
    public string Product => $"∂{Objective}/∂{Wrt} = " + (Factors.Count == 0 ? "1" : string.Join(" · ", Factors.Select(f => f.Factor)));   // an empty product

    /// <summary>True when exactly one path joins wrt to the objective, so the factors form one product.</summary>
    public bool IsChain { get; }

    /// <summary>Each local partial ∂c/∂x with its Jacobian size "rows×columns", in the order of <see cref="Product"/>.</summary>
    public IReadOnlyList<(string Factor, string Size)> Factors { get; }

    /// <summary>
    /// False when the objective is not computed from wrt at all: ∂objective/∂wrt is then 0 and has
    /// no factors (<see cref="Factors"/> is empty), as explain, why and check also answer it.
    /// </summary>
    public bool DependsOnWrt { get; }

    /// <summary>The size of ∂objective/∂wrt.</summary>
    public string Result { get; }

    /// <summary>
    /// The factors of ∂objective/∂wrt with their sizes; wrt defaults to the program's first
    /// assignment (the start of a chain such as f0 in spec E6), or, where that feeds the objective
    /// directly, to the first parameter whose paths run through it.
    /// </summary>
    /// <exception cref="ArgumentException">A name is not defined.</exception>
    public static JacobianShapes Create(GradProgram program, string? wrt = null, string? objective = null, Layout layout = Layout.Denominator)
    {
        ArgumentNullException.ThrowIfNull(program);
        var of = objective ?? program.DefaultObjective.Name;
        var w = wrt ?? program.Assignments[0].Name;
        var derivation = ChainDerivation.Create(program, w, of);
        // A first assignment that feeds the objective directly (or is the objective) is a chain of one factor or none; start
        // from what it reads instead.
        if (wrt is null && derivation.NodesOnPaths.Count <= 2)
            foreach (var p in program.Graph.Parameters.Concat(program.Graph.Nodes.Where(n => n.IsDeclaration)))
            {
                var chain = p.Name == of ? null : ChainDerivation.Create(program, p.Name!, of);
                if (chain is not null && chain.NodesOnPaths.Contains(w))
                {
                    (w, derivation) = (p.Name!, chain);
                    break;
                }
            }
        var graph = program.Graph;
        var factors = new List<(string, string)>();
        bool denominator = layout == Layout.Denominator;
        foreach (var x in derivation.NodesOnPaths)
            foreach (var c in derivation.Consumers(x))
                factors.Add(($"∂{c}/∂{x}", denominator ? $"{Components(graph[x])}×{Components(graph[c])}" : $"{Components(graph[c])}×{Components(graph[x])}"));
        if (!denominator) factors.Reverse();
        string result = layout switch
        {
            Layout.Denominator => $"{Components(graph[w])}×{Components(graph[of])}",
            Layout.Numerator => $"{Components(graph[of])}×{Components(graph[w])}",
            _ => ShapeOf(graph[w]),
        };
        bool unreached = derivation.PathCount.IsZero && w != of;
        return new JacobianShapes(of, w, layout, derivation.PathCount == 1, unreached ? [] : factors, result, dependsOnWrt: !unreached);
    }

    /// <summary>The number of components of a node, symbolic where its size is: "D1", "H·D", "1" for a scalar.</summary>
    public static string Components(GraphNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var dims = node.Shape.Dims.Where(d => !(d.IsKnown && d.Size == 1)).ToArray();
        if (dims.Length == 0) return "1";
        // A big integer: [65536, 65536] has 2^32 components, past int's reach.
        if (dims.All(d => d.IsKnown)) return dims.Aggregate(System.Numerics.BigInteger.One, (p, d) => p * d.Size).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return string.Join("·", dims.Select(d => d.ToString()));
    }

    /// <summary>A node's shape as the gradient layout gives ∂J/∂node: "H×D", "D1", "1" for a scalar.</summary>
    private static string ShapeOf(GraphNode node)
    {
        var dims = node.Shape.Dims;
        return dims.Count == 0 || node.Shape.IsSingleElement ? "1" : string.Join("×", dims.Select(d => d.ToString()));
    }

    /// <summary>The report: the layout, the product, and a table of factors and sizes.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        sb.Append(Layout.Note()).Append('\n');
        if (!DependsOnWrt)
            sb.Append($"{Objective} is not computed from {Wrt}, so ∂{Objective}/∂{Wrt} has no factors.\n");
        else if (IsChain && Factors.Count == 1)
            sb.Append($"∂{Objective}/∂{Wrt} is a single local partial: {Wrt} feeds {Objective} directly.\n");
        else if (IsChain)
            sb.Append(Product).Append('\n');
        else
            sb.Append($"∂{Objective}/∂{Wrt} is a sum over several paths; every factor that occurs on one is listed.\n");
        var table = new TextTable("factor", "Jacobian size");
        foreach (var (factor, size) in Factors) table.Add(factor, size);
        table.Add($"∂{Objective}/∂{Wrt} (result)", Result);
        sb.Append(table);
        return sb.ToString();
    }
}
