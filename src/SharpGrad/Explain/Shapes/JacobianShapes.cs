using System.Text;

namespace SharpGrad.Explain;

/// <summary>
/// <c>sharpgrad shapes</c>, spec E6: the Jacobian size of every factor of ∂objective/∂wrt, in the
/// seed's denominator layout: ∂a/∂b has one row per component of b and one column per component of
/// a, so a chain wrt → z1 → ⋯ → objective multiplies as ∂z1/∂wrt · ∂z2/∂z1 ⋯ ∂objective/∂zk, left to
/// right, and the result ∂objective/∂wrt has one row per component of wrt and one column. Sizes stay
/// symbolic (D1, D2, ...): a node of shape [H, D] has H·D components. Factors are taken between
/// named nodes, as <see cref="ChainDerivation"/> writes them.
/// </summary>
public sealed class JacobianShapes
{
    /// <summary>The layout statement printed with every table.</summary>
    public const string LayoutNote = "Layout: denominator (the seed's): ∂a/∂b has one row per component of b and one column per component of a, so the factors multiply left to right from the variable up to the objective.";

    private JacobianShapes(string objective, string wrt, bool isChain, IReadOnlyList<(string Factor, string Size)> factors, string result)
    {
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

    /// <summary>True when exactly one path joins wrt to the objective, so the factors form one product.</summary>
    public bool IsChain { get; }

    /// <summary>Each local partial ∂c/∂x (from wrt up to the objective) with its Jacobian size "rows×columns".</summary>
    public IReadOnlyList<(string Factor, string Size)> Factors { get; }

    /// <summary>The size of ∂objective/∂wrt.</summary>
    public string Result { get; }

    /// <summary>
    /// The factors of ∂objective/∂wrt with their sizes; wrt defaults to the program's first
    /// assignment (the start of a chain such as f0 in spec E6).
    /// </summary>
    /// <exception cref="ArgumentException">A name is not defined, or there is no path.</exception>
    public static JacobianShapes Create(GradProgram program, string? wrt = null, string? objective = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        var of = objective ?? program.DefaultObjective.Name;
        var w = wrt ?? program.Assignments[0].Name;
        var derivation = ChainDerivation.Create(program, w, of);
        if (derivation.PathCount.IsZero && w != of)
            throw new ArgumentException($"{of} is not computed from {w}, so ∂{of}/∂{w} has no factors.");
        var graph = program.Graph;
        var factors = new List<(string, string)>();
        foreach (var x in derivation.NodesOnPaths)
            foreach (var c in derivation.Consumers(x))
                factors.Add(($"∂{c}/∂{x}", $"{Components(graph[x])}×{Components(graph[c])}"));
        return new JacobianShapes(of, w, derivation.PathCount == 1, factors, $"{Components(graph[w])}×{Components(graph[of])}");
    }

    /// <summary>The number of components of a node, symbolic where its size is: "D1", "H·D", "1" for a scalar.</summary>
    public static string Components(GraphNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var dims = node.Shape.Dims.Where(d => !(d.IsKnown && d.Size == 1)).ToArray();
        if (dims.Length == 0) return "1";
        if (dims.All(d => d.IsKnown)) return dims.Aggregate(1, (p, d) => p * d.Size).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return string.Join("·", dims.Select(d => d.ToString()));
    }

    /// <summary>The report: the layout, the product, and a table of factors and sizes.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        sb.Append(LayoutNote).Append('\n');
        if (IsChain)
            sb.Append($"∂{Objective}/∂{Wrt} = ").Append(string.Join(" · ", Factors.Select(f => f.Factor))).Append('\n');
        else
            sb.Append($"∂{Objective}/∂{Wrt} is a sum over several paths; every factor that occurs on one is listed.\n");
        var table = new TextTable("factor", "Jacobian size");
        foreach (var (factor, size) in Factors) table.Add(factor, size);
        table.Add($"∂{Objective}/∂{Wrt} (result)", Result);
        sb.Append(table);
        return sb.ToString();
    }
}
