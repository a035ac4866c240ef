using System.Text;

namespace SharpGrad.Explain;

/// <summary>
/// The answer of <see cref="DerivativeChecker.Check"/>: the verdict, how it was reached, the point
/// (values of the params, inputs and targets) where the values shown were taken — a counterexample
/// when the verdict is <see cref="CheckVerdict.Incorrect"/> — the student's and the true value
/// there, and diagnostics naming a missing or extra path or factor where the checker can tell.
/// </summary>
public sealed class CheckResult
{
    internal CheckResult(CheckVerdict verdict, string method, string objective, string wrt, string expression,
        IReadOnlyDictionary<string, Tensor>? point, Tensor? studentValue, Tensor? trueValue, IReadOnlyList<string> diagnostics, int pointsTried)
    {
        Verdict = verdict;
        Method = method;
        Objective = objective;
        Wrt = wrt;
        Expression = expression;
        Point = point;
        StudentValue = studentValue;
        TrueValue = trueValue;
        Diagnostics = diagnostics;
        PointsTried = pointsTried;
    }

    /// <summary>Correct or incorrect.</summary>
    public CheckVerdict Verdict { get; }

    /// <summary>True when the verdict is <see cref="CheckVerdict.Correct"/>.</summary>
    public bool IsCorrect => Verdict == CheckVerdict.Correct;

    /// <summary>"symbolic" (the simplified forms are the same) or "numeric" (values compared at random points).</summary>
    public string Method { get; }

    /// <summary>The node differentiated.</summary>
    public string Objective { get; }

    /// <summary>The node differentiated with respect to.</summary>
    public string Wrt { get; }

    /// <summary>The expression checked, as given.</summary>
    public string Expression { get; }

    /// <summary>The values of the declarations at the point shown (the counterexample when incorrect); null when none was evaluated.</summary>
    public IReadOnlyDictionary<string, Tensor>? Point { get; }

    /// <summary>The expression's value at <see cref="Point"/>.</summary>
    public Tensor? StudentValue { get; }

    /// <summary>The true derivative (autograd) at <see cref="Point"/>.</summary>
    public Tensor? TrueValue { get; }

    /// <summary>What is missing or extra (a path, a factor, a term that is identically zero, a shape), when the checker can tell.</summary>
    public IReadOnlyList<string> Diagnostics { get; }

    /// <summary>How many points (away from kinks) were compared.</summary>
    public int PointsTried { get; }

    /// <summary>The report <c>sharpgrad check</c> prints.</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        var what = $"∂{Objective}/∂{Wrt}";
        if (IsCorrect)
        {
            sb.Append($"correct: {Expression} equals {what}");
            sb.Append(Method == "symbolic" ? " (the simplified forms are the same)\n" : $" at all {PointsTried} points tried (away from kinks)\n");
        }
        else
            sb.Append($"incorrect: {Expression} is not {what}\n");
        if (Point is not null && StudentValue is not null && TrueValue is not null)
        {
            sb.Append(IsCorrect ? "at " : "counterexample: ");
            sb.Append(string.Join(", ", Point.Select(kv => $"{kv.Key} = {ValueFormat.Tensor(kv.Value)}"))).Append('\n');
            sb.Append($"  your expression = {ValueFormat.Tensor(StudentValue)}\n");
            sb.Append($"  true {what} = {ValueFormat.Tensor(TrueValue)}\n");
        }
        foreach (var d in Diagnostics) sb.Append("  - ").Append(d).Append('\n');
        return sb.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => ToText();
}
