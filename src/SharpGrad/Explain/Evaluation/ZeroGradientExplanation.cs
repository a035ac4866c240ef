using System.Text;

namespace SharpGrad.Explain;

/// <summary>
/// <c>sharpgrad why</c>: when ∂objective/∂wrt is zero, or has zero components, says why. Every zero
/// component is traced from wrt up towards the objective through the ops that use it: where the
/// gradient arriving at an op is not zero but the op's local derivative is, that op is the reason
/// (a ReLU whose pre-activation is ≤ 0, a max/min that passed the gradient to its other argument, a
/// multiplication or matrix product by a zero value, any other local derivative that is 0); where
/// the arriving gradient is zero too, the trace goes on above it. When the objective does not use
/// wrt at all, the reason is that there is no path. The numbers come from the real autograd engine
/// (<see cref="GradProgram.Evaluate"/>; local derivatives by re-running one op on copies of its arguments).
/// </summary>
public sealed class ZeroGradientExplanation
{
    private ZeroGradientExplanation(ProgramEvaluation evaluation, GraphNode wrt, bool hasPath, Tensor gradient,
        IReadOnlyList<(IReadOnlyList<string> Components, IReadOnlyList<string> Reasons)> groups)
    {
        Evaluation = evaluation;
        WrtNode = wrt;
        HasPath = hasPath;
        Gradient = gradient;
        Groups = groups;
    }

    /// <summary>The evaluation the numbers come from.</summary>
    public ProgramEvaluation Evaluation { get; }

    private GraphNode WrtNode { get; }

    /// <summary>The node differentiated with respect to.</summary>
    public string Wrt => WrtNode.Name!;

    /// <summary>The objective.</summary>
    public string Objective => Evaluation.ObjectiveName;

    /// <summary>False when the objective is not computed from wrt at all (the gradient is 0 because no path exists).</summary>
    public bool HasPath { get; }

    /// <summary>∂objective/∂wrt.</summary>
    public Tensor Gradient { get; }

    /// <summary>True when every component of the gradient is 0 (or only the rounding left where contributions cancel).</summary>
    public bool IsZero => HasPath ? Groups.Sum(g => g.Components.Count) == Gradient.Count : true;

    /// <summary>The zero components (as "W1[2, 1]", counted from 1, or the name for a single number), grouped by the reasons they share.</summary>
    public IReadOnlyList<(IReadOnlyList<string> Components, IReadOnlyList<string> Reasons)> Groups { get; }

    /// <summary>Every reason found, each once, in the order found.</summary>
    public IReadOnlyList<string> Reasons => Groups.SelectMany(g => g.Reasons).Distinct().ToArray();

    /// <summary>Evaluates the program and explains the zero components of ∂objective/∂<paramref name="wrt"/>.</summary>
    /// <exception cref="ArgumentException">wrt or the objective is not defined.</exception>
    public static ZeroGradientExplanation Create(GradProgram program, string wrt, string? objective = null,
        IReadOnlyDictionary<string, Tensor>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        var graph = program.Graph;
        var objectiveNode = graph.Named("--of", objective ?? program.DefaultObjective.Name);
        var wrtNode = graph.Named("--wrt", wrt);
        var of = objectiveNode.Name!;
        wrt = wrtNode.Name!;
        var evaluation = program.Evaluate(overrides, of);
        var ancestors = graph.AncestorsAndSelf(objectiveNode);
        var value = evaluation.ValueOf(wrtNode);
        var gradient = evaluation.GradientOf(wrtNode) ?? Tensor.ZerosLike(value);
        if (!ancestors.Contains(wrtNode))
        {
            var reason = $"there is no path from {of} to {wrt}: {of} is not computed from {wrt}"
                + (wrtNode.Index > objectiveNode.Index ? $" ({wrt} is defined at line {wrtNode.Position.Line}, after {of} at line {objectiveNode.Position.Line})" : "");
            return new ZeroGradientExplanation(evaluation, wrtNode, false, gradient, [([wrt], [reason])]);
        }
        var tracer = new ZeroGradientTracer(evaluation, ancestors);
        var data = gradient.ToDoubleArray();
        // A component that rounding left at 1e-18 where the others are near 1 is printed 0, and is 0: the paths into it cancel.
        // So is one left at 1e-16 by contributions near 0.3 where every component is such rounding (Σ softmax(z)).
        double scale = data.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        var groups = new List<(IReadOnlyList<string> Components, IReadOnlyList<string> Reasons)>();
        var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < data.Length; k++)
        {
            // Written so that a NaN, which compares false with everything, is no zero.
            if (!(Math.Abs(data[k]) <= 1e-12 * scale) && !(Math.Abs(data[k]) < 1e-10 && Math.Abs(data[k]) <= 1e-12 * tracer.ArrivingScale(wrtNode, k))) continue;
            var reasons = tracer.Explain(wrtNode, k);
            if (reasons.Count == 0) reasons = ["no reason was found (the local derivatives are not zero; the contributions of several paths cancel)"];
            var key = string.Join("\n", reasons);
            var component = ZeroGradientTracer.Component(wrtNode, value, k);
            if (byKey.TryGetValue(key, out var at)) ((List<string>)groups[at].Components).Add(component);
            else
            {
                byKey[key] = groups.Count;
                groups.Add((new List<string> { component }, reasons));
            }
        }
        return new ZeroGradientExplanation(evaluation, wrtNode, true, gradient, groups);
    }

    /// <summary>The report: the gradient, whether (and which components of) it is zero, and why.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        var value = Evaluation.ValueOf(WrtNode);
        sb.Append($"∂{Objective}/∂{Wrt} = {ValueFormat.Tensor(Gradient)}\n");
        int unbounded = Gradient.ToDoubleArray().Count(v => !double.IsFinite(v));
        if (unbounded > 0)
            sb.Append(value.Count == 1 ? "The gradient is not a number (NaN or infinite), not zero" : $"{unbounded} of {value.Count} components {(unbounded == 1 ? "is not a number" : "are not numbers")} (NaN or infinite), not {(unbounded == 1 ? "zero" : "zeros")}")
                .Append(": a function at the edge of its domain on the way (sqrt or log of 0, 0·∞); grad shows each node's value.\n");
        if (Groups.Count == 0 && unbounded > 0) return sb.ToString();
        if (Groups.Count == 0)
        {
            sb.Append($"The gradient is not zero{(value.Count > 1 ? " in any component" : "")}.\n");
            return sb.ToString();
        }
        // With no path, one group names the whole tensor.
        int zeros = HasPath ? Groups.Sum(g => g.Components.Count) : value.Count;
        sb.Append(value.Count == 1 || zeros == value.Count
            ? $"The gradient is zero{(value.Count > 1 ? " in every component" : "")}.\n"
            : $"{zeros} of {value.Count} components {(zeros == 1 ? "is" : "are")} zero.\n");
        // Components count from 1, as the seeds write w_{1,2}; a program's own brackets (W[1, :]) count from 0, as in NumPy.
        if (value.Count > 1 && Evaluation.Graph.Nodes.Any(n => n.Op?.Name == "index"))
            sb.Append($"Components count from 1 ({(value.Rank == 1 ? $"{Wrt}[1] is the first element" : $"{Wrt}[1, 2] is row 1, column 2")}); the program's brackets count from 0.\n");
        foreach (var (components, reasons) in Groups)
        {
            sb.Append(string.Join(", ", components)).Append(components.Count == 1 ? " is 0 because:\n" : " are 0 because:\n");
            foreach (var r in reasons.Distinct()) sb.Append("  - ").Append(r).Append('\n');
        }
        return sb.ToString();
    }
}
