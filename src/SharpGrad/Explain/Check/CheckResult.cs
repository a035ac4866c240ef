using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SharpGrad.Explain;

/// <summary>
/// The answer of <see cref="DerivativeChecker.Check"/>: the verdict, how it was reached, the class
/// of mistake, the point (values of the params, inputs and targets) where the values shown were
/// taken — a counterexample when the verdict is <see cref="CheckVerdict.Incorrect"/> — the
/// student's and the true value there, and diagnostics naming a missing or extra path or factor,
/// a flipped sign, a constant factor or a shape where the checker can tell.
/// </summary>
public sealed class CheckResult
{
    internal CheckResult(CheckVerdict verdict, string method, string objective, string wrt, string expression)
    {
        Verdict = verdict;
        Method = method;
        Objective = objective;
        Wrt = wrt;
        Expression = expression;
    }

    /// <summary>Correct or incorrect.</summary>
    public CheckVerdict Verdict { get; }

    /// <summary>True when the verdict is <see cref="CheckVerdict.Correct"/>.</summary>
    public bool IsCorrect => Verdict == CheckVerdict.Correct;

    /// <summary>
    /// "symbolic" (the simplified forms are the same), "numeric" (values compared at random points),
    /// "value" (a number compared at the given values) or "structure" (rejected before any number).
    /// </summary>
    public string Method { get; }

    /// <summary>The node differentiated.</summary>
    public string Objective { get; }

    /// <summary>The node differentiated with respect to.</summary>
    public string Wrt { get; }

    /// <summary>The expression checked, as given.</summary>
    public string Expression { get; }

    /// <summary>The class of mistake; <see cref="CheckMistake.None"/> when correct.</summary>
    public CheckMistake Mistake { get; init; }

    /// <summary>Why the answer is wrong in one line, when that is the first thing to say (a shape, a circular answer); else null.</summary>
    public string? Reason { get; init; }

    /// <summary>The values of the declarations at the point shown (the counterexample when incorrect); null when none was evaluated.</summary>
    public IReadOnlyDictionary<string, Tensor>? Point { get; init; }

    /// <summary>The expression's value at <see cref="Point"/>.</summary>
    public Tensor? StudentValue { get; init; }

    /// <summary>The true derivative (autograd) at <see cref="Point"/>.</summary>
    public Tensor? TrueValue { get; init; }

    /// <summary>What is missing or extra (a path, a factor, a term that is identically zero, a shape), when the checker can tell.</summary>
    public IReadOnlyList<string> Diagnostics { get; init; } = [];

    /// <summary>How many points (away from kinks) were compared.</summary>
    public int PointsTried { get; init; }

    /// <summary>The declarations held at the same value at every point (const, one-hot targets, ±1 and 0/1 labels, --set).</summary>
    public IReadOnlyList<string> Fixed { get; init; } = [];

    /// <summary>The answer as the verdict line quotes it: cut at 300 characters (a pasted sum of thousands of terms), whole in the JSON.</summary>
    private string Shown => Expression.Length > 300 ? string.Concat(Expression.AsSpan(0, 299), "…") : Expression;

    /// <summary>The report <c>sharpgrad check</c> prints.</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        var what = $"∂{Objective}/∂{Wrt}";
        if (IsCorrect)
        {
            sb.Append($"correct: {Shown} equals {what}");
            sb.Append(Method switch
            {
                "symbolic" => " (the simplified forms are the same)\n",
                "value" => " at the given values\n",
                _ => $" at all {PointsTried} points tried (away from kinks{(Fixed.Count > 0 ? "; held fixed: " + string.Join(", ", Fixed) : "")})\n",
            });
        }
        else
            // The class of the mistake, where one was found, is named on the verdict line itself.
            sb.Append(Reason is not null ? $"incorrect: {Reason}\n"
                : Mistake is not (CheckMistake.Value or CheckMistake.None) && Diagnostics.Count > 0
                    ? $"incorrect: {Shown} is not {what}: {Diagnostics[0]}{(Diagnostics.Count > 1 ? $" ({Diagnostics.Count - 1} more below)" : "")}\n"
                : $"incorrect: {Shown} is not {what}\n");
        if (Point is not null && StudentValue is not null && TrueValue is not null)
        {
            sb.Append(IsCorrect ? "at " : "counterexample: ");
            // Long vectors are cut short: --json has every number.
            sb.Append(string.Join(", ", Point.Select(kv => $"{kv.Key} = {ValueFormat.Brief(kv.Value)}"))).Append('\n');
            sb.Append($"  your expression = {ValueFormat.Brief(StudentValue)}\n");
            sb.Append($"  true {what} = {ValueFormat.Brief(TrueValue)}\n");
            if (!IsCorrect && Differences(StudentValue, TrueValue) is { } differences) sb.Append(differences);
        }
        foreach (var d in Diagnostics) sb.Append("  - ").Append(d).Append('\n');
        return sb.ToString();
    }

    /// <summary>Where two values cut short differ (they may print alike), as "  they differ at [3, 7]: −0.262 against −0.351"; null for short values.</summary>
    private static string? Differences(Tensor student, Tensor truth)
    {
        double[] s = student.ToDoubleArray(), t = truth.ToDoubleArray();
        if (t.Length <= 24 || s.Length != t.Length) return null;
        var shape = truth.Shape.ToArray();
        var at = Enumerable.Range(0, t.Length).Where(i => !DerivativeChecker.Agrees(s[i], t[i])).ToList();
        if (at.Count == 0) return null;
        string Position(int flat)
        {
            var index = new int[shape.Length];
            for (int d = shape.Length - 1; d >= 0; d--) { index[d] = flat % shape[d]; flat /= shape[d]; }
            return "[" + string.Join(", ", index) + "]";
        }
        var shown = at.Take(3).Select(i => $"{Position(i)}: {ValueFormat.Number(s[i])} against {ValueFormat.Number(t[i])}");
        return $"  they differ at {string.Join("; ", shown)}{(at.Count > 3 ? $" (and {at.Count - 3} more)" : "")}\n";
    }

    /// <summary>
    /// The result as one JSON object: verdict ("correct" or "incorrect"), method, objective, wrt,
    /// expression, mistake (the <see cref="CheckMistake"/> name, "None" when correct), reason (or
    /// null), diagnostics, fixed, pointsTried, and point, student and true (values as in
    /// <c>grad --json</c>; null when none was evaluated).
    /// </summary>
    public string ToJson(bool indented = true)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("verdict", IsCorrect ? "correct" : "incorrect");
            w.WriteString("method", Method);
            w.WriteString("objective", Objective);
            w.WriteString("wrt", Wrt);
            w.WriteString("expression", Expression);
            w.WriteString("mistake", Mistake.ToString());
            w.WriteString("reason", Reason);
            w.WriteStartArray("diagnostics");
            foreach (var d in Diagnostics) w.WriteStringValue(d);
            w.WriteEndArray();
            w.WriteStartArray("fixed");
            foreach (var f in Fixed) w.WriteStringValue(f);
            w.WriteEndArray();
            w.WriteNumber("pointsTried", PointsTried);
            w.WritePropertyName("point");
            if (Point is null) w.WriteNullValue();
            else
            {
                w.WriteStartObject();
                foreach (var (name, value) in Point)
                {
                    w.WritePropertyName(name);
                    EvaluationJson.WriteTensor(w, value);
                }
                w.WriteEndObject();
            }
            foreach (var (key, value) in new[] { ("student", StudentValue), ("true", TrueValue) })
            {
                w.WritePropertyName(key);
                if (value is null) w.WriteNullValue();
                else EvaluationJson.WriteTensor(w, value);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <inheritdoc/>
    public override string ToString() => ToText();
}
