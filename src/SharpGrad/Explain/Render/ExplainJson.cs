using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace SharpGrad.Explain;

/// <summary>
/// The <c>--json</c> output of the explain commands other than <c>grad</c> (whose contract is
/// <see cref="EvaluationJson"/>): one indented object per command, with the names the text output
/// uses, values as numbers or arrays nested by shape (NaN and infinities as strings), counts that
/// may exceed 2^53 as decimal strings, and every formula twice: <c>expression</c> in the text
/// notation that <c>check --expr</c> reads, and <c>latex</c>.
/// </summary>
public static class ExplainJson
{
    /// <summary>
    /// A derivation (<c>explain --json</c>): <c>{form, objective, wrt, layout, expression, latex,
    /// equations: [{left, expression, latex}], paths, factorsPerPath}</c>. <c>expression</c> and
    /// <c>latex</c> are the right side of the first equation (the derivative itself); a recurrence
    /// has one equation per node.
    /// </summary>
    public static string Explanation(string form, string objective, string wrt, Layout layout,
        IReadOnlyList<(Sym Left, Sym Right)> equations, BigInteger paths, IReadOnlyDictionary<int, BigInteger>? factorsPerPath = null)
    {
        ArgumentNullException.ThrowIfNull(equations);
        return EvaluationJson.Object(w =>
        {
            w.WriteString("form", form);
            w.WriteString("objective", objective);
            w.WriteString("wrt", wrt);
            w.WriteString("layout", layout.Name());
            if (equations.Count > 0)
            {
                w.WriteString("expression", equations[0].Right.ToString(Notation.Text));
                w.WriteString("latex", equations[0].Right.ToString(Notation.Latex));
            }
            w.WriteStartArray("equations");
            foreach (var (left, right) in equations)
            {
                w.WriteStartObject();
                w.WriteString("left", left.ToString(Notation.Text));
                w.WriteString("expression", right.ToString(Notation.Text));
                w.WriteString("latex", $"{left.ToString(Notation.Latex)} = {right.ToString(Notation.Latex)}");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            Count(w, "paths", paths);
            w.WriteStartObject("factorsPerPath");
            foreach (var (factors, count) in (factorsPerPath ?? new Dictionary<int, BigInteger>()).OrderBy(p => p.Key))
                Count(w, factors.ToString(CultureInfo.InvariantCulture), count);
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// A worked step (<c>step --json</c>): <c>{objective, objectiveValue, learningRate, layout, allNodes,
    /// warning, forward: [{node, formula, value}], backward: [{node, gradient, terms: [{consumer, chain,
    /// expression, numbers}], value}], updates: [{param, old, gradient, new}]}</c>.
    /// </summary>
    public static string Step(StepReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var f = new ChainFormatter(Notation.Text, report.Evaluation, report.Layout);
        var ev = report.Evaluation;
        return EvaluationJson.Object(w =>
        {
            w.WriteString("objective", ev.ObjectiveName);
            w.WritePropertyName("objectiveValue");
            w.WriteRawValue(EvaluationJson.Number(ev.ObjectiveValue));
            w.WriteNumber("learningRate", report.LearningRate);
            w.WriteString("layout", report.Layout.Name());
            w.WriteBoolean("allNodes", report.AllNodes);
            if (report.Warning is { } warning) w.WriteString("warning", warning);
            else w.WriteNull("warning");
            w.WriteStartArray("forward");
            foreach (var n in report.Forward)
            {
                w.WriteStartObject();
                w.WriteString("node", f.Label(n));
                w.WriteString("formula", f.Definition(n));
                Tensor(w, "value", ev.ValueOf(n));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("backward");
            foreach (var row in report.Backward)
            {
                w.WriteStartObject();
                w.WriteString("node", f.Label(row.Node));
                w.WriteString("gradient", f.Gradient(row.Node));
                w.WriteBoolean("affectsObjective", row.AffectsObjective);
                w.WriteStartArray("terms");
                foreach (var term in row.Terms)
                {
                    var (chain, formula, numbers) = f.Term(term, row.Terms.Count > 1);
                    w.WriteStartObject();
                    w.WriteString("consumer", f.Label(term.Consumer));
                    w.WriteString("chain", chain);
                    w.WriteString("expression", formula);
                    w.WriteString("numbers", numbers);
                    Tensor(w, "contribution", term.Contribution);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                Tensor(w, "value", row.Gradient);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("updates");
            foreach (var u in report.Updates)
            {
                w.WriteStartObject();
                w.WriteString("param", u.Parameter.Name);
                Tensor(w, "old", u.Old);
                Tensor(w, "gradient", u.Gradient);
                Tensor(w, "new", u.New);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    /// <summary>
    /// Why a gradient is zero (<c>why --json</c>): <c>{objective, wrt, gradient, hasPath, isZero,
    /// zeroComponents: [{components, reasons}]}</c>, components counted from 1 as the text says them.
    /// </summary>
    public static string Why(ZeroGradientExplanation why)
    {
        ArgumentNullException.ThrowIfNull(why);
        return EvaluationJson.Object(w =>
        {
            w.WriteString("objective", why.Objective);
            w.WriteString("wrt", why.Wrt);
            Tensor(w, "gradient", why.Gradient);
            w.WriteBoolean("hasPath", why.HasPath);
            w.WriteBoolean("isZero", why.IsZero);
            w.WriteStartArray("zeroComponents");
            foreach (var (components, reasons) in why.Groups)
            {
                w.WriteStartObject();
                Strings(w, "components", components);
                Strings(w, "reasons", reasons);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    /// <summary>
    /// The cost of every gradient (<c>cost --json</c>): <c>{objective, parametersOnly, parameters:
    /// [{name, paths, factors, multiplications}], pathMultiplications, sweepMultiplications, freeEdges}</c>.
    /// </summary>
    public static string Cost(GradientCost cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        return EvaluationJson.Object(w =>
        {
            w.WriteString("objective", cost.Objective);
            w.WriteBoolean("parametersOnly", cost.ParametersOnly);
            w.WriteStartArray("parameters");
            foreach (var p in cost.Parameters)
            {
                w.WriteStartObject();
                w.WriteString("name", p.Name);
                Count(w, "paths", p.Paths);
                Count(w, "factors", p.Factors);
                Count(w, "multiplications", p.Multiplications);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            Count(w, "pathMultiplications", cost.PathMultiplications);
            Count(w, "sweepMultiplications", cost.SweepMultiplications);
            w.WriteNumber("freeEdges", cost.FreeEdges);
        });
    }

    /// <summary>
    /// Conv layers and Jacobian sizes (<c>shapes --json</c>): <c>{convLayers: [{name, parameters,
    /// output}], jacobian: {objective, wrt, layout, isChain, product, factors: [{factor, size}], result}}</c>;
    /// either part is null when not asked for.
    /// </summary>
    public static string Shapes(IReadOnlyList<ConvLayer> layers, JacobianShapes? jacobian)
    {
        ArgumentNullException.ThrowIfNull(layers);
        return EvaluationJson.Object(w =>
        {
            w.WriteStartArray("convLayers");
            foreach (var layer in layers)
            {
                w.WriteStartObject();
                w.WriteString("name", layer.Name);
                w.WriteNumber("parameters", layer.ParameterCount);
                if (layer.InputHeight is int h && layer.InputWidth is int wd)
                    w.WriteString("output", $"{layer.OutChannels}×{layer.OutputSize(h)}×{layer.OutputSize(wd)}");
                else w.WriteNull("output");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (jacobian is null)
            {
                w.WriteNull("jacobian");
                return;
            }
            w.WriteStartObject("jacobian");
            w.WriteString("objective", jacobian.Objective);
            w.WriteString("wrt", jacobian.Wrt);
            w.WriteString("layout", jacobian.Layout.Name());
            w.WriteBoolean("isChain", jacobian.IsChain);
            if (jacobian.IsChain) w.WriteString("product", jacobian.Product);
            else w.WriteNull("product");
            w.WriteStartArray("factors");
            foreach (var (factor, size) in jacobian.Factors)
            {
                w.WriteStartObject();
                w.WriteString("factor", factor);
                w.WriteString("size", size);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("result", jacobian.Result);
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// The graph with its numbers (<c>dot --json</c>): <c>{objective, nodes: [{id, label, op, operands,
    /// value, gradient}]}</c>, ids as in the DOT text (v0, v1, ...), gradient null where there is none.
    /// </summary>
    public static string Graph(ProgramEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        return EvaluationJson.Object(w =>
        {
            w.WriteString("objective", evaluation.ObjectiveName);
            w.WriteStartArray("nodes");
            foreach (var node in evaluation.Graph.Nodes)
            {
                w.WriteStartObject();
                w.WriteString("id", $"v{node.Index}");
                w.WriteString("label", node.Label);
                if (node.Op is { } op && node.Kind == GraphNodeKind.Operation) w.WriteString("op", op.Name);
                else w.WriteString("op", node.Declaration?.Keyword ?? "constant");
                Strings(w, "operands", node.Operands.Select(o => $"v{o.Index}").ToArray());
                Tensor(w, "value", evaluation.ValueOf(node));
                if (evaluation.GradientOf(node) is { } g) Tensor(w, "gradient", g);
                else w.WriteNull("gradient");
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    private static void Tensor(Utf8JsonWriter w, string name, Tensor value)
    {
        w.WritePropertyName(name);
        EvaluationJson.WriteTensor(w, value);
    }

    private static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    /// <summary>A count as a JSON number while a double holds it exactly, else as a decimal string.</summary>
    private static void Count(Utf8JsonWriter w, string name, BigInteger value)
    {
        if (BigInteger.Abs(value) <= (BigInteger.One << 53)) w.WriteNumber(name, (long)value);
        else w.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
    }
}
