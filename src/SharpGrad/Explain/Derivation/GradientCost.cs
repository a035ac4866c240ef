using System.Globalization;
using System.Numerics;
using System.Text;

namespace SharpGrad.Explain;

/// <summary>
/// Spec E12: how many multiplications it takes to get every parameter's gradient path by path,
/// against one backward sweep, counted on the graph of the program's NAMED nodes (as
/// <see cref="ChainDerivation"/> writes the chain rule; unnamed parts of an expression are
/// contracted into the local partial of the named node that contains them).
/// <para>
/// Path by path: ∂E/∂p is the sum over every path E → z1 → ⋯ → p of the product of its k local
/// partials ∂E/∂z1 · ∂z1/∂z2 ⋯ ∂z_{k−1}/∂p; multiplying k factors takes k − 1 multiplications,
/// and nothing is shared between paths or parameters, so the cost is Σ over parameters p, Σ over
/// paths to p, (k − 1).
/// </para>
/// <para>
/// Backward sweep: ∂E/∂E = 1 and, in reverse program order, ∂E/∂n = Σ over the named nodes c that
/// use n of ∂E/∂c · ∂c/∂n: one multiplication per edge c → n of the named-node graph, counting only
/// edges on a path from the objective to some parameter. Edges out of the objective itself cost
/// nothing (∂E/∂E = 1, just as a path's first factor ∂E/∂z1 is not multiplied by anything); the
/// last edge of each parameter, its leaf factor ∂n/∂p, is an ordinary edge and is counted.
/// </para>
/// Counts are big integers computed by dynamic programming over the nodes (the number of paths
/// and the sum of their lengths for every node), never by enumerating paths. Each local partial
/// counts as one factor and each product of two as one multiplication, whatever the shapes.
/// </summary>
public sealed class GradientCost
{
    private GradientCost(string objective, bool parametersOnly, IReadOnlyList<ParameterCost> parameters, BigInteger sweep, int freeEdges)
    {
        Objective = objective;
        ParametersOnly = parametersOnly;
        Parameters = parameters;
        SweepMultiplications = sweep;
        FreeEdges = freeEdges;
    }

    /// <summary>The node differentiated.</summary>
    public string Objective { get; }

    /// <summary>True when the leaves counted are the program's params; false when it declares none and every declaration is counted.</summary>
    public bool ParametersOnly { get; }

    /// <summary>One entry per parameter (or declaration), in program order.</summary>
    public IReadOnlyList<ParameterCost> Parameters { get; }

    /// <summary>The total number of paths from the objective to the parameters.</summary>
    public BigInteger PathCount => Parameters.Aggregate(BigInteger.Zero, (s, p) => s + p.Paths);

    /// <summary>Σ over parameters and their paths of (factors − 1): the cost of computing every gradient path by path.</summary>
    public BigInteger PathMultiplications => Parameters.Aggregate(BigInteger.Zero, (s, p) => s + p.Multiplications);

    /// <summary>One multiplication per edge of the named-node graph on a path to a parameter, edges out of the objective excepted.</summary>
    public BigInteger SweepMultiplications { get; }

    /// <summary>The edges out of the objective on such paths, which cost nothing (∂E/∂E = 1).</summary>
    public int FreeEdges { get; }

    /// <summary>Counts both costs for the gradient of <paramref name="objective"/> (default: the last assignment).</summary>
    /// <exception cref="ArgumentException">The objective is not defined.</exception>
    public static GradientCost Create(GradProgram program, string? objective = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        var graph = program.Graph;
        var objectiveNode = graph.Named("--of", objective ?? program.DefaultObjective.Name);
        if (objectiveNode.IsDeclaration)
            throw new ArgumentException($"--of: '{objectiveNode.Name}' is a {objectiveNode.Declaration!.Keyword} declaration, which computes nothing to count; name an assignment");
        var named = graph.NamedNodes.ToArray();
        var inputs = named.ToDictionary(n => n, n => n.NamedInputs());
        var leaves = named.Where(n => n.Kind == GraphNodeKind.Parameter).ToList();
        bool parametersOnly = leaves.Count > 0;
        if (!parametersOnly) leaves = named.Where(n => n.IsDeclaration).ToList();
        var leafSet = leaves.ToHashSet();

        // Forward: which named nodes are computed from some parameter.
        var fromLeaf = new HashSet<GraphNode>();
        foreach (var n in named)
            if (leafSet.Contains(n) || inputs[n].Any(fromLeaf.Contains)) fromLeaf.Add(n);

        // Backward: number of paths from the objective to n, and the sum of their factor counts.
        var paths = new Dictionary<GraphNode, BigInteger>();
        var factors = new Dictionary<GraphNode, BigInteger>();
        var ancestors = graph.AncestorsAndSelf(objectiveNode);
        BigInteger sweep = 0;
        int free = 0;
        paths[objectiveNode] = 1;
        factors[objectiveNode] = 0;
        foreach (var c in named.Reverse())
        {
            if (!paths.TryGetValue(c, out var pc) || pc.IsZero || !ancestors.Contains(c)) continue;
            var fc = factors[c];
            foreach (var n in inputs[c])
            {
                if (!fromLeaf.Contains(n)) continue;
                paths[n] = paths.GetValueOrDefault(n) + pc;
                factors[n] = factors.GetValueOrDefault(n) + fc + pc;
                if (c == objectiveNode) free++;
                else sweep++;
            }
        }
        var costs = leaves.Select(p => new ParameterCost(p.Name!, paths.GetValueOrDefault(p), factors.GetValueOrDefault(p))).ToArray();
        return new GradientCost(objectiveNode.Name!, parametersOnly, costs, sweep, free);
    }

    /// <summary>The report: one row per parameter, both totals, their ratio and the counting rule.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        var leaf = ParametersOnly ? "parameter" : "declaration";
        sb.Append($"Cost of ∂{Objective}/∂p for every {leaf} p (spec E12), counted on the graph of named nodes.\n");
        if (!ParametersOnly) sb.Append("The program declares no param, so every declaration counts as one.\n");
        var table = new TextTable(leaf, "paths", "factors", "multiplications path by path");
        foreach (var p in Parameters)
            table.Add(p.Name, Big(p.Paths), Big(p.Factors), Big(p.Multiplications));
        table.Add("total", Big(PathCount), Big(Parameters.Aggregate(BigInteger.Zero, (s, p) => s + p.Factors)), Big(PathMultiplications));
        sb.Append(table);
        sb.Append($"Path by path:   {Big(PathMultiplications)} multiplications ({Big(PathCount)} paths; a path of k factors costs k − 1).\n");
        sb.Append($"Backward sweep: {Big(SweepMultiplications)} multiplications (one per edge c → n: ∂{Objective}/∂c · ∂c/∂n; ");
        sb.Append($"the {FreeEdges} edge(s) out of {Objective} are free because ∂{Objective}/∂{Objective} = 1).\n");
        if (SweepMultiplications > 0)
            sb.Append($"Ratio: path by path takes {Ratio(PathMultiplications, SweepMultiplications)} times as many multiplications.\n");
        sb.Append("Each local partial counts as one factor and each product of two as one multiplication, whatever the shapes; only edges on a path from the objective to a " + leaf + " count.\n");
        return sb.ToString();
    }

    private static string Big(BigInteger value)
    {
        var digits = value.ToString(CultureInfo.InvariantCulture);
        return digits.Length <= 15 ? digits : $"{digits} (≈ {digits[0]}.{digits.Substring(1, 3)}e{digits.Length - 1})";
    }

    private static string Ratio(BigInteger a, BigInteger b)
    {
        if (a < b * 1_000_000) return ((double)a / (double)b).ToString("0.##", CultureInfo.InvariantCulture);
        var q = (a / b).ToString(CultureInfo.InvariantCulture);
        return $"about {q[0]}.{q.Substring(1, 2)}e{q.Length - 1}";
    }
}
