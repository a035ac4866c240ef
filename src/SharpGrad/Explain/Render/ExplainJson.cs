using System.Globalization;
using System.Numerics;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SharpGrad.Explain;

/// <summary>
/// The <c>--json</c> output of the explain commands other than <c>grad</c> (whose contract is
/// <see cref="EvaluationJson"/>): one indented object per command, with the names the text output
/// uses, values as numbers or arrays nested by shape (NaN and infinities as strings), counts that
/// may exceed 2^53 as decimal strings, and every formula as <c>expression</c>, in the text notation
/// that <c>check --expr</c> reads, and, for derivations, <c>latex</c>.
/// </summary>
public static class ExplainJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new TensorConverter(), new CountConverter() },
    };

    /// <summary>An error of any <c>--json</c> command: <c>{error}</c>.</summary>
    public static string Error(string message) => JsonSerializer.Serialize(new { error = message }, Options);

    /// <summary>An error in a program, for any <c>--json</c> command: <c>{error, file, line, column}</c>.</summary>
    public static string Error(GradProgramException program)
    {
        ArgumentNullException.ThrowIfNull(program);
        // An error of the whole program (an objective that is not a number, with no place in the text) has no line: null, not 0.
        bool placed = program.Line > 0;
        return JsonSerializer.Serialize(new { error = program.Reason, file = program.FileName, line = placed ? program.Line : (int?)null, column = placed ? program.Column : (int?)null }, Options);
    }

    /// <summary>
    /// A derivation (<c>explain --json</c>): <c>{form, objective, wrt, layout, expression, latex,
    /// equations: [{left, expression, latex}], paths, factorsPerPath}</c>; <c>expression</c> and
    /// <c>latex</c> are the right side of the first equation (a recurrence has one per node).
    /// </summary>
    public static string Explanation(string form, string objective, string wrt, Layout layout,
        IReadOnlyList<(Sym Left, Sym Right)> equations, BigInteger paths, IReadOnlyDictionary<int, BigInteger>? factorsPerPath = null)
    {
        ArgumentNullException.ThrowIfNull(equations);
        return Write(new
        {
            form, objective, wrt, layout = layout.Name(),
            // A recurrence ends with the line of the derivative asked for.
            expression = equations.Count > 0 ? equations[^1].Right.ToString(Notation.Text) : null,
            latex = equations.Count > 0 ? equations[^1].Right.ToString(Notation.Latex) : null,
            equations = equations.Select(e => new
            {
                left = e.Left.ToString(Notation.Text),
                expression = e.Right.ToString(Notation.Text),
                latex = $"{e.Left.ToString(Notation.Latex)} = {e.Right.ToString(Notation.Latex)}",
            }),
            paths,
            factorsPerPath = (factorsPerPath ?? new Dictionary<int, BigInteger>()).OrderBy(p => p.Key)
                .ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value),
        });
    }

    /// <summary>
    /// A worked step (<c>step --json</c>): <c>{objective, objectiveValue, learningRate, layout, allNodes,
    /// warning, forward: [{node, name, formula, value}], backward: [{node, name, gradient, affectsObjective, terms:
    /// [{consumer, consumerName, chain, expression, numbers, contribution}], value}], updates: [{param, old, gradient, new}]}</c>.
    /// <c>node</c> and <c>consumer</c> are labels as the table prints them (w_{3,5}); <c>name</c> and <c>consumerName</c> are
    /// the program's names (w_3_5), which other commands take (<c>check --wrt</c>), null for a part of an expression.
    /// </summary>
    public static string Step(StepReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var f = new ChainFormatter(Notation.Text, report.Evaluation, report.Layout);
        var ev = report.Evaluation;
        return Write(new
        {
            objective = ev.ObjectiveName, objectiveValue = ev.Value(ev.ObjectiveName), learningRate = report.LearningRate,
            layout = report.Layout.Name(), allNodes = report.AllNodes, warning = report.Warning,
            forward = report.Forward.Select(n => new { node = f.Label(n), name = n.Name, formula = f.Definition(n), value = ev.ValueOf(n) }),
            backward = report.Backward.Select(row => new
            {
                node = f.Label(row.Node), name = row.Node.Name, gradient = f.Gradient(row.Node), affectsObjective = row.AffectsObjective,
                terms = row.Terms.Select(t => (Term: t, Text: f.Term(t, row.Terms.Count > 1))).Select(t => new
                {
                    consumer = f.Label(t.Term.Consumer), consumerName = t.Term.Consumer.Name, chain = t.Text.Chain, expression = t.Text.Formula, numbers = t.Text.Numbers,
                    contribution = t.Term.Contribution,
                }),
                value = row.Gradient,
            }),
            updates = report.Updates.Select(u => new { param = u.Parameter.Name, old = u.Old, gradient = u.Gradient, @new = u.New }),
        });
    }

    /// <summary>
    /// Why a gradient is zero (<c>why --json</c>): <c>{objective, wrt, gradient, hasPath, isZero,
    /// zeroComponents: [{components, reasons}]}</c>, components counted from 1 as the text says them.
    /// </summary>
    public static string Why(ZeroGradientExplanation why)
    {
        ArgumentNullException.ThrowIfNull(why);
        return Write(new
        {
            objective = why.Objective, wrt = why.Wrt, gradient = why.Gradient, hasPath = why.HasPath, isZero = why.IsZero,
            zeroComponents = why.Groups.Select(g => new { components = g.Components, reasons = g.Reasons }),
        });
    }

    /// <summary>
    /// The cost of every gradient (<c>cost --json</c>): <c>{objective, parametersOnly, parameters:
    /// [{name, paths, factors, multiplications}], pathMultiplications, sweepMultiplications, freeEdges}</c>.
    /// </summary>
    public static string Cost(GradientCost cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        return Write(new
        {
            objective = cost.Objective, parametersOnly = cost.ParametersOnly,
            parameters = cost.Parameters.Select(p => new { name = p.Name, paths = p.Paths, factors = p.Factors, multiplications = p.Multiplications }),
            pathMultiplications = cost.PathMultiplications, sweepMultiplications = cost.SweepMultiplications, freeEdges = cost.FreeEdges,
        });
    }

    /// <summary>
    /// Conv layers and Jacobian sizes (<c>shapes --json</c>): <c>{convLayers: [{name, parameters, output}],
    /// jacobian: {objective, wrt, layout, dependsOnWrt, isChain, product, factors: [{factor, size}], result}}</c>;
    /// <c>jacobian</c> is null when not asked for, <c>output</c> when the layer has no input size.
    /// </summary>
    public static string Shapes(IReadOnlyList<ConvLayer> layers, JacobianShapes? jacobian)
    {
        ArgumentNullException.ThrowIfNull(layers);
        return Write(new
        {
            convLayers = layers.Select(l => new
            {
                name = l.Name, parameters = l.ParameterCount,
                output = l.InputHeight is int h && l.InputWidth is int w ? $"{l.OutChannels}×{l.OutputSize(h)}×{l.OutputSize(w)}" : null,
            }),
            jacobian = jacobian is null ? null : new
            {
                objective = jacobian.Objective, wrt = jacobian.Wrt, layout = jacobian.Layout.Name(), dependsOnWrt = jacobian.DependsOnWrt, isChain = jacobian.IsChain,
                product = jacobian.IsChain ? jacobian.Product : null,
                factors = jacobian.Factors.Select(x => new { factor = x.Factor, size = x.Size }), result = jacobian.Result,
            },
        });
    }

    /// <summary>
    /// The graph with its numbers (<c>dot --json</c>): <c>{objective, nodes: [{id, label, op, operands,
    /// value, gradient}]}</c>, ids as in the DOT text (v0, v1, ...), gradient null where there is none.
    /// </summary>
    public static string Graph(ProgramEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        return Write(new
        {
            objective = evaluation.ObjectiveName,
            nodes = evaluation.Graph.Nodes.Select(n => new
            {
                id = $"v{n.Index}", label = n.Label,
                op = n.Kind == GraphNodeKind.Operation ? n.Op!.Name : n.Declaration?.Keyword ?? "constant",
                operands = n.Operands.Select(o => $"v{o.Index}"),
                value = evaluation.ValueOf(n), gradient = evaluation.GradientOf(n),
            }),
        });
    }

    private static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>A tensor as <see cref="EvaluationJson"/> writes it: a number, or arrays nested by shape.</summary>
    private sealed class TensorConverter : JsonConverter<Tensor>
    {
        public override Tensor Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, Tensor value, JsonSerializerOptions options) => EvaluationJson.WriteTensor(writer, value);
    }

    /// <summary>A count as a JSON number while a double holds it exactly, else as a decimal string.</summary>
    private sealed class CountConverter : JsonConverter<BigInteger>
    {
        public override BigInteger Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, BigInteger value, JsonSerializerOptions options)
        {
            if (BigInteger.Abs(value) <= (BigInteger.One << 53)) writer.WriteNumberValue((long)value);
            else writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }
}
