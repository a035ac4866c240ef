using System.Globalization;
using System.Text.RegularExpressions;

namespace SharpGrad.Explain;

/// <summary>
/// Decides whether a hand-derived derivative equals the true one (<c>sharpgrad check</c>). The
/// expression uses the program's names and syntax plus derivative notation (docs/grad-format.md,
/// "Checking a derivative"). First its structure: an answer that uses the derivative asked for (or
/// one computed from it) is circular, and a term with a derivative that is 0 because the nodes do
/// not depend on each other is not a path; both are wrong even where they evaluate right. An
/// expression without names is a numeric answer, compared at the given values. Otherwise
/// symbolically, when the expression with its local partials replaced by their formulas simplifies
/// to the true chain rule of <see cref="ChainDerivation"/> and agrees at the given values; else
/// numerically: shapes first, then values at the program's own values and at random points (the
/// declarations resampled from a seeded <see cref="Generator"/> at the scale of their values, but
/// const declarations, one-hot targets and values given with --set held fixed), rejecting points
/// near kinks of relu, abs, max, min and indicators. A point where either side is NaN or infinite
/// and the other is not is a counterexample. Wrong answers get the class of their mistake.
/// <code>
/// var r = DerivativeChecker.Check(GradProgram.Load("examples/e2.grad"), "n1", "(dE/dn6*dn6/dn3 + dE/dn8*dn8/dn3)*dn3/dn1");
/// Console.Write(r.ToText());   // incorrect ... the path through n5, n7 is missing
/// </code>
/// </summary>
public static partial class DerivativeChecker
{
    /// <summary>Points closer than this (relative) to a kink are not used.</summary>
    public const double KinkMargin = 1e-4;

    /// <summary>
    /// Whether two numbers agree at the checker's tolerance (1e-6 relative, 1e-9 absolute); NaN agrees with NaN and ∞ with
    /// ∞ only (a relative tolerance of ∞ would take in every number).
    /// </summary>
    internal static bool Agrees(double a, double b) => a.Equals(b) || (double.IsFinite(a) && double.IsFinite(b) && Math.Abs(a - b) <= 1e-9 + 1e-6 * Math.Max(Math.Abs(a), Math.Abs(b)));

    /// <summary>
    /// Checks <paramref name="expression"/> against ∂objective/∂<paramref name="wrt"/> (objective:
    /// the program's last assignment unless named). <paramref name="overrides"/> gives values as
    /// <c>--set</c> does, held at every point except for <paramref name="wrt"/> itself (whose value
    /// is the first point); <paramref name="points"/> random points are compared (after the
    /// program's own values), drawn from a generator seeded with <paramref name="seed"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The expression does not parse ("--expr column N: ...") or a name is unknown.</exception>
    /// <exception cref="GradProgramException">The program cannot be evaluated (a missing value, a bad --set).</exception>
    public static CheckResult Check(GradProgram program, string wrt, string expression, string? objective = null,
        IReadOnlyDictionary<string, Tensor>? overrides = null, int points = 40, ulong seed = 0x5EED)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(wrt);
        ArgumentNullException.ThrowIfNull(expression);
        return AmpleStack.Run(() => Grade(program, wrt, expression, objective, overrides, points, seed));
    }

    private static CheckResult Grade(GradProgram program, string wrt, string expression, string? objective,
        IReadOnlyDictionary<string, Tensor>? overrides, int points, ulong seed)
    {
        var g = new Grading(program, ChainDerivation.Create(program, wrt, objective), expression, overrides);
        if (SwappedIndex(program, expression) is { } typo) return g.Structure(CheckMistake.IndexTypo, typo);
        // An array literal ([1, -2.5]) is a numeric answer, as --value takes it.
        if (expression.TrimStart().StartsWith('[') && TryParseValue(expression) is { } literal)
            return g.Value(literal, Halves(expression));
        var expr = CheckExprParser.Parse(expression, program.Graph);
        ReadTotals(expr, program, g.Derivation.Objective);
        if (Circular(program, g.Derivation, expr) is { } circular) return g.Structure(circular.Mistake, circular.Reason);
        if (!HasNames(expr))
        {
            try
            {
                var value = new CheckExprEvaluator(program, g.First, g.BasePoint).Evaluate(expr);
                return g.Value(value, Halves(expression), RoundingSlack(expr, value, e => new CheckExprEvaluator(program, g.First, g.BasePoint).Evaluate(e)));
            }
            catch (CheckShapeException e)
            {
                return g.Structure(CheckMistake.Shape, $"your expression cannot be evaluated: {e.Message}");
            }
        }
        return g.Numeric(expr, points, seed);
    }

    /// <summary>
    /// Checks a numeric answer (<c>--value</c>) against the derivative at the program's values (with
    /// <paramref name="overrides"/>): correct when it equals the true value, or, written with two or
    /// more decimals, when it is the true value rounded to that many decimals.
    /// </summary>
    public static CheckResult CheckValue(GradProgram program, string wrt, string value, string? objective = null,
        IReadOnlyDictionary<string, Tensor>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(value);
        var g = new Grading(program, ChainDerivation.Create(program, wrt, objective), value, overrides);
        // (−0.07, 0.075): a vector as step's numbers print it.
        var text = value.Trim();
        if (text.StartsWith('(') && text.IndexOfAny(['(', ')'], 1) == text.Length - 1) text = "[" + text[1..^1] + "]";
        return g.Value(GradProgram.ParseValue(text), Halves(value));
    }

    private static Tensor? TryParseValue(string text)
    {
        try
        {
            return GradProgram.ParseValue(text);
        }
        catch (GradProgramException)
        {
            return null;
        }
    }

    /// <summary>
    /// For each number of the text, in order, how far from the true value it may be as a rounding of it: half a unit of
    /// its last digit where it is written with two or more decimals, or with four or more significant digits (−949053
    /// and 12345.6, as grad and step print six); 0, exact, otherwise.
    /// </summary>
    private static double[] Halves(string text) =>
        Regex.Matches(text, @"(\d*)(?:\.(\d+))?([eE]([-+]?\d+))?").Where(m => m.Length > 0 && (m.Groups[1].Length > 0 || m.Groups[2].Length > 0)).Select(m =>
        {
            int decimals = m.Groups[2].Length, exponent = m.Groups[4].Success ? int.Parse(m.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
            int significant = (m.Groups[1].Value + m.Groups[2].Value).TrimStart('0').Length;
            return decimals >= 2 || significant >= 4 ? 0.5 * Math.Pow(10, exponent - decimals) : 0;
        }).ToArray();

    /// <summary>
    /// How far a nameless expression's value can move, element by element, when each of its numbers written with two or
    /// more decimals moves by up to half a unit of its last decimal: the largest change over a few such moves (the
    /// rounding of Σ(a ⊙ b) of six-digit numbers can exceed the tolerance where the terms cancel). Null when no number has
    /// two decimals.
    /// </summary>
    private static double[]? RoundingSlack(CheckExpr expr, Tensor value, Func<CheckExpr, Tensor> evaluate)
    {
        var halves = new Dictionary<CheckExpr, double>(ReferenceEqualityComparer.Instance);
        void Collect(CheckExpr e)
        {
            if (e.Kind == CheckExpr.Kinds.Number && Halves(e.Text) is [var h] && h > 0) halves[e] = h;
            foreach (var a in e.Args) Collect(a);
        }
        Collect(expr);
        if (halves.Count == 0) return null;
        var at = value.ToDoubleArray();
        var slack = new double[at.Length];
        var generator = new Generator(0x5EED);
        // One rounded number (1.24, or 2·1.24) has two corners, both tried: its slack is exact, not doubled.
        bool exact = halves.Count == 1;
        for (int round = 0; round < (exact ? 2 : 8); round++)
        {
            CheckExpr Moved(CheckExpr e) => halves.TryGetValue(e, out var h) ? e.With(e.Args, e.Value + (exact ? (round == 0 ? -h : h) : generator.NextDouble() < 0.5 ? -h : h))
                : e.Args.Count == 0 ? e : e.With([.. e.Args.Select(Moved)], e.Value);
            var moved = evaluate(Moved(expr)).ToDoubleArray();
            if (moved.Length != at.Length) return null;
            for (int i = 0; i < at.Length; i++) slack[i] = Math.Max(slack[i], Math.Abs(moved[i] - at[i]));
        }
        // The moves tried are a sample of the corners: twice the largest seen stands for the worst.
        return exact ? slack : slack.Select(x => 2 * x).ToArray();
    }

    private static bool HasNames(CheckExpr e) => e.Kind is CheckExpr.Kinds.Name or CheckExpr.Kinds.Partial || e.Args.Any(HasNames);

    /// <summary>"w_5_2 is not in the program; did you mean w_2_5?" for a name whose indices are swapped.</summary>
    private static string? SwappedIndex(GradProgram program, string expression)
    {
        bool Known(string n) => program.Graph.TryGetNode(n, out _);
        foreach (Match m in Regex.Matches(expression, @"[\p{L}_][\p{L}\p{Nd}_]*"))
        {
            var name = m.Value;
            if (Known(name) || (name.Length > 1 && name[0] == 'd' && Known(name[1..]))) continue;
            foreach (var candidate in name[0] == 'd' ? new[] { name, name[1..] } : [name])
            {
                var parts = candidate.Split('_');
                if (parts.Length != 3) continue;
                var swapped = $"{parts[0]}_{parts[2]}_{parts[1]}";
                if (Known(swapped))
                    return $"{candidate} is not in the program; did you mean {swapped}? (the indices of {candidate} are swapped)";
            }
        }
        return null;
    }

    /// <summary>
    /// Marks the partials ∂O/∂a of the objective O that mean a's total gradient. Where O uses a directly and also
    /// through other names, ∂O/∂a is the direct edge when the answer writes one of those other routes down to a
    /// (∂L/∂q · ∂q/∂a · ∂a/∂r + ∂L/∂a · ∂a/∂r, the paths form explain prints); written without them
    /// (∂L/∂a · ∂a/∂r, as step's rows read) it is a's whole gradient. ∂L/∂a|q always means the edge.
    /// </summary>
    private static void ReadTotals(CheckExpr expr, GradProgram program, string objective)
    {
        var graph = program.Graph;
        var o = graph[objective];
        var partials = new List<CheckExpr>();
        void Collect(CheckExpr e)
        {
            if (e.Kind == CheckExpr.Kinds.Partial) partials.Add(e);
            foreach (var a in e.Args) Collect(a);
        }
        Collect(expr);
        foreach (var p in partials)
        {
            if (p.Name != objective || p.Held is not null || p.Wrt == objective || !CheckExprEvaluator.DirectAmongOthers(o, graph[p.Wrt!])) continue;
            var a = graph[p.Wrt!];
            // Another route to a is written when a local partial goes from a name above a down to a (or to a
            // name that depends on a): ∂q/∂a in ∂L/∂q · ∂q/∂a. ∂L/∂w · ∂w/∂r beside ∂L/∂a · ∂a/∂r passes w
            // but not through a, so there ∂L/∂a is still a's whole gradient.
            p.Total = !partials.Any(q => q.Name != objective && q.Name != p.Wrt && graph.TryGetNode(q.Name!, out var c)
                && c.DependsOn(a) && o.DependsOn(c) && graph.TryGetNode(q.Wrt!, out var m) && (m == a || m.DependsOn(a)));
        }
    }

    /// <summary>
    /// A derivative the answer must not use: ∂objective/∂wrt itself, ∂objective/∂x for an x that
    /// wrt depends on (it is computed from the answer), or ∂a/∂b where a does not depend on b
    /// (identically 0: the term holding it is not a path).
    /// </summary>
    private static (CheckMistake Mistake, string Reason)? Circular(GradProgram program, ChainDerivation d, CheckExpr expr)
    {
        var graph = program.Graph;
        (CheckMistake, string)? Visit(CheckExpr e, CheckExpr term)
        {
            if (e.Kind == CheckExpr.Kinds.Partial)
            {
                if (e.Name == d.Objective && e.Wrt == d.Wrt && e.Held is null && (e.Total || !CheckExprEvaluator.DirectAmongOthers(graph[d.Objective], graph[d.Wrt])))
                    return (CheckMistake.Circular, $"{e.Text} is the derivative asked for: the answer must not use it");
                if (e.Name == d.Objective && graph[d.Wrt].DependsOn(graph[e.Wrt!]))
                    return (CheckMistake.Circular, $"{e.Text} is circular: it is computed from ∂{d.Objective}/∂{d.Wrt} itself ({d.Wrt} depends on {e.Wrt})");
                if (e.Name != e.Wrt && !graph[e.Name!].DependsOn(graph[e.Wrt!]))
                    return (CheckMistake.NotAPath, ReferenceEquals(e, term)
                        ? $"{e.Text} is 0: {e.Name} does not depend on {e.Wrt}"
                        : $"the term {term.Text} is not a path from {d.Objective} to {d.Wrt}: {e.Name} does not depend on {e.Wrt}, so {e.Text} is 0");
            }
            foreach (var a in e.Args)
                if (Visit(a, e.Kind == CheckExpr.Kinds.Binary && e.Operator is '+' or '-' ? a : term) is { } found) return found;
            return null;
        }
        return Visit(expr, expr);
    }

    private sealed record Sample(Dictionary<string, Tensor> Point, ProgramEvaluation Evaluation, Tensor Student, Tensor True, (CheckMistake Mistake, string? Reason)? Problem);

    /// <summary>One check: the program, the derivative, the values at the first point and which declarations stay fixed.</summary>
    private sealed partial class Grading
    {
        public readonly GradProgram Program;
        public readonly ChainDerivation Derivation;
        public readonly ProgramEvaluation First;
        public readonly Dictionary<string, Tensor> BasePoint;
        private readonly string expression;
        private readonly List<string> fixedNames = [];

        public Grading(GradProgram program, ChainDerivation derivation, string expression, IReadOnlyDictionary<string, Tensor>? overrides)
        {
            Program = program;
            Derivation = derivation;
            this.expression = expression;
            First = program.Evaluate(overrides, derivation.Objective);   // reports missing values and bad overrides first
            BasePoint = program.Declarations.ToDictionary(d => d.Name,
                d => overrides is not null && overrides.TryGetValue(d.Name, out var v) ? v.To(DType.Float64) : First.Value(d.Name), StringComparer.Ordinal);
            bool likelihood = program.Graph.Nodes.Any(n => n.Op?.Name is "log" or "binary_cross_entropy" or "cross_entropy" or "log_softmax");
            foreach (var d in program.Declarations)
            {
                // A const stays the number it is even as the variable (∂L/∂γ of a focal loss's γ = 2 may be written with 2).
                if (d.Name == derivation.Wrt && d.Kind != DeclarationKind.Const) continue;
                if (overrides?.ContainsKey(d.Name) == true) fixedNames.Add($"{d.Name} (--set)");
                else if (d.Kind == DeclarationKind.Const) fixedNames.Add($"{d.Name} (const)");
                else if (d.Kind == DeclarationKind.Target && MatrixDerivation.IsClassTarget(program.Graph, d, BasePoint[d.Name])) fixedNames.Add($"{d.Name} (one-hot target)");
                // Labels of ±1 (a hinge loss's y) stay labels: y² = 1 is then part of the exercise, as y(y − s) > 0 is 1 − ys > 0.
                else if (d.Kind == DeclarationKind.Target && IsSignLabels(BasePoint[d.Name])) fixedNames.Add($"{d.Name} (±1 labels)");
                // So do labels of 0 and 1 in a likelihood (a binary cross-entropy's y): p(1 − p) = pt(1 − pt), and p − 1 for a
                // given y = 1. Without a log the program is a regression, whose targets of 0 and 1 are values like others.
                else if (d.Kind == DeclarationKind.Target && likelihood && BasePoint[d.Name].ToDoubleArray() is var labels
                    && labels.All(x => x is 0 or 1) && labels.Contains(1))
                    fixedNames.Add($"{d.Name} (0/1 labels)");
            }
        }

        private static bool IsSignLabels(Tensor t)
        {
            var v = t.ToDoubleArray();
            return v.Length > 1 && v.All(x => x is 1 or -1) && v.Contains(1) && v.Contains(-1);
        }

        private bool IsFixed(string name) => fixedNames.Any(f => f.StartsWith(name + " (", StringComparison.Ordinal));

        public CheckResult Structure(CheckMistake mistake, string reason) =>
            new(CheckVerdict.Incorrect, "structure", Derivation.Objective, Derivation.Wrt, expression) { Mistake = mistake, Reason = reason };

        /// <summary>
        /// Half a unit of the last decimal of each number of a numeric answer written with two or more (0 for an
        /// expression): one per element when the answer writes each element as a number, so [0.75, 0] holds its 0
        /// exact; else one for all, from the number with the most decimals.
        /// </summary>
        private double[] rounding = [0];

        /// <summary>True when the given values themselves were passed over, on or next to a kink.</summary>
        private bool givenOnKink;

        /// <summary>The shape of the derivative graded: the variable's.</summary>
        private int[] WrtShape => First.Value(Derivation.Wrt).Shape.ToArray();

        public CheckResult Value(Tensor value, double[] halves, double[]? slack = null)
        {
            var truth = First.Gradient(Derivation.Wrt);
            // A number cannot equal a derivative that is not one: NaN "equal" to NaN would grade 0/0 correct.
            if (!AllFinite(truth))
                throw new ArgumentException($"∂{Derivation.Objective}/∂{Derivation.Wrt} is {ValueFormat.Tensor(truth)} at the program's values, not a finite number, "
                    + "so a numeric answer cannot be graded there; give values where it is defined with --set");
            rounding = halves.Length == value.Count && halves.Length > 1 ? halves : [halves.Where(h => h > 0).DefaultIfEmpty().Min()];
            // Arithmetic on rounded numbers (step's numbers column pasted back) is as far off as their rounding carries.
            if (slack is not null && slack.Length == value.Count)
                rounding = slack.Select((x, i) => Math.Max(x, rounding[rounding.Length == 1 ? 0 : i])).ToArray();
            var sample = new Sample(BasePoint, First, value, truth, Compare(value, truth, rounding));
            // Zeros everywhere, rounded from a derivative that is not 0, say nothing of it: "the gradient is zero".
            if (sample.Problem is null && value.ToDoubleArray().All(v => v == 0) && truth.ToDoubleArray().Any(v => v != 0))
                return new(CheckVerdict.Incorrect, "value", Derivation.Objective, Derivation.Wrt, expression)
                {
                    Mistake = CheckMistake.Value, Point = BasePoint, StudentValue = value, TrueValue = truth, PointsTried = 1,
                    Reason = $"every number of your answer is 0, but ∂{Derivation.Objective}/∂{Derivation.Wrt} is not; write at least one significant digit",
                };
            if (sample.Problem is null)
                return new(CheckVerdict.Correct, "value", Derivation.Objective, Derivation.Wrt, expression) { Point = BasePoint, StudentValue = value, TrueValue = truth, PointsTried = 1 };
            return Incorrect("value", [sample], sample, null);
        }

        public CheckResult Numeric(CheckExpr expr, int points, ulong seed)
        {
            Tensor firstValue;
            try
            {
                firstValue = new CheckExprEvaluator(Program, First, BasePoint) { TargetShape = WrtShape }.Evaluate(expr);
            }
            catch (CheckShapeException e)
            {
                return TransposedTermShape(expr) is { } transposed ? Structure(CheckMistake.Transposed, transposed)
                    : BrokenChain(expr) is { } broken ? Structure(CheckMistake.MissingFactor, broken)
                    : Structure(CheckMistake.Shape, $"your expression cannot be evaluated: {e.Message}");
            }
            var sym = CheckSymbolic.ToSym(expr, Program, Derivation);
            var truth0 = First.Gradient(Derivation.Wrt);
            if (sym is not null && Compare(firstValue, truth0) is null && SymbolicallyEqual(sym, Derivation))
                return new(CheckVerdict.Correct, "symbolic", Derivation.Objective, Derivation.Wrt, expression) { Point = BasePoint, StudentValue = firstValue, TrueValue = truth0, PointsTried = 1 };

            var samples = Collect(expr, points, seed, out var shapeError);
            if (shapeError is not null) return Structure(CheckMistake.Shape, $"your expression cannot be evaluated: {shapeError}");
            if (samples.Count == 0)
                throw new ArgumentException($"--expr: no point was left to compare: at every point tried the program's value was not finite, or the program or your expression was at or next to a kink (relu, abs, max, min, an indicator) where ∂{Derivation.Objective}/∂{Derivation.Wrt} is not defined");
            var bad = samples.Find(s => s.Problem is not null);
            if (bad is null)
                return new(CheckVerdict.Correct, "numeric", Derivation.Objective, Derivation.Wrt, expression)
                {
                    Point = samples[0].Point, StudentValue = samples[0].Student, TrueValue = samples[0].True, PointsTried = samples.Count, Fixed = fixedNames,
                    // An answer right beside a kink may be wrong on it (w/|w| at w = 0): the values asked about were not among those compared.
                    Diagnostics = givenOnKink
                        ? [$"the given values are on or next to a kink (relu, abs, max, min, an indicator) of the program or of your expression, where ∂{Derivation.Objective}/∂{Derivation.Wrt} has no one value: they were not graded, only the random points around them"]
                        : [],
                };
            // The hints that try each part of the answer in turn cost the answer's size squared: a pasted sum of thousands
            // of terms gets the verdict and its counterexample without them.
            return Incorrect("numeric", samples, bad, Size(expr) <= MaxHintedSize ? (expr, CheckSymbolic.ToSym(expr, Program, Derivation, expandTotals: true)) : null);
        }

        /// <summary>The largest difference between the answer and the derivative at any point, relative to the derivative's size there; null where shapes differ.</summary>
        private static double? Closeness(List<Sample> samples)
        {
            double worst = 0;
            foreach (var x in samples)
            {
                double[] s = x.Student.ToDoubleArray(), t = x.True.ToDoubleArray();
                if (s.Length != t.Length) return null;
                double scale = t.Max(v => Math.Abs(v));
                if (scale < 1e-12) return null;
                worst = Math.Max(worst, s.Zip(t).Max(p => Math.Abs(p.First - p.Second)) / scale);
            }
            return worst;
        }

        /// <summary>The derivative rounded to as many decimals as the numeric answer's numbers have.</summary>
        private string RoundedTruth(Tensor truth)
        {
            static int Decimals(double half) => (int)Math.Clamp(Math.Round(-Math.Log10(2 * half)), 0, 15);
            var values = truth.ToDoubleArray();
            var rounded = values.Select((v, i) => Math.Round(v, Decimals(rounding.Length == values.Length && rounding[i] > 0 ? rounding[i] : rounding.Max()),
                MidpointRounding.AwayFromZero)).ToArray();
            return ValueFormat.Tensor(Tensor.FromArray(rounded, rounded.Length).Reshape(truth.Shape.ToArray()));
        }

        /// <summary>The most nodes an answer may have for the hints that re-evaluate it part by part.</summary>
        private const int MaxHintedSize = 2000;

        private static int Size(CheckExpr e)
        {
            int n = 0;
            var stack = new Stack<CheckExpr>([e]);
            while (stack.Count > 0 && n <= MaxHintedSize)
            {
                n++;
                foreach (var a in stack.Pop().Args) stack.Push(a);
            }
            return n;
        }

        private CheckResult Incorrect(string method, List<Sample> samples, Sample bad, (CheckExpr Expr, Sym? Sym)? student)
        {
            var (mistake, reason) = bad.Problem!.Value;
            var diagnostics = new List<string>();
            if (mistake == CheckMistake.Value && Classify(samples) is { } c)
            {
                (mistake, var message) = c;
                // Where paths are proportional (y = a·x with a = x²), a dropped or repeated path is also a constant
                // multiple of the derivative: the path is what the student can act on.
                if (mistake == CheckMistake.ConstantFactor && PathExplanation(samples, student?.Sym) is { } path)
                    (mistake, message) = (path.Contains(" is missing", StringComparison.Ordinal) ? CheckMistake.MissingPath : mistake, path);
                diagnostics.Add(message);
            }
            if (mistake == CheckMistake.NotFinite) diagnostics.Add(reason!);
            // Within a thousandth everywhere is no missing factor or path: a small constant is (√(mean x²) for √(mean x² + ε)).
            // Numbers off in their last digits are a slip in rounding, not a missing ε: say what the derivative rounds to.
            if (method == "value" && mistake == CheckMistake.Value && Closeness(samples) is double slip && slip < 1e-2 && rounding.Max() > 0)
                diagnostics.Add($"your numbers are within {ValueFormat.Number(slip)} (relative) of ∂{Derivation.Objective}/∂{Derivation.Wrt} but not it rounded to the digits you wrote: it rounds to {RoundedTruth(bad.True)}");
            else if (mistake == CheckMistake.Value && Closeness(samples) is double near && near < 1e-3)
                diagnostics.Add($"your expression is within {ValueFormat.Number(near)} (relative) of ∂{Derivation.Objective}/∂{Derivation.Wrt} at every point tried, but not equal: a small constant, such as the ε of a variance or a norm, is missing or extra");
            if (mistake == CheckMistake.Value && student?.Sym is { } sym)
                diagnostics.AddRange(CheckSymbolic.PathDiagnostics(sym, Derivation));
            // Factors that explain the answer alike are one factor written several ways (1 − tanh(a)^2, ∂h/∂a): the first, closed one is named.
            if (mistake == CheckMistake.Value && diagnostics.Count == 0) diagnostics.AddRange(FactorDiagnostics(samples).Take(1));
            if (mistake == CheckMistake.Value && diagnostics.Count == 0) diagnostics.AddRange(PathValueDiagnostics(samples));
            if (mistake == CheckMistake.Value && diagnostics.Count == 0) diagnostics.AddRange(PlaceDiagnostics(samples));
            if (mistake == CheckMistake.Value && diagnostics.Count == 0 && student is { } added) diagnostics.AddRange(ExtraTermDiagnostics(added.Expr, samples));
            if (mistake == CheckMistake.Value && diagnostics.Count == 0 && student is { } inside) diagnostics.AddRange(InsideFactorDiagnostics(inside.Expr, samples).Take(1));
            if (mistake == CheckMistake.Value && diagnostics.Count == 0 && student is { } transposed) diagnostics.AddRange(TransposedTermDiagnostics(transposed.Expr, samples));
            if (mistake == CheckMistake.Value && diagnostics.Count == 0 && student is { } untransposed) diagnostics.AddRange(TransposedMatrixDiagnostics(untransposed.Expr, samples));
            if (mistake == CheckMistake.Value && diagnostics.Count == 0 && student is { } replaced) diagnostics.AddRange(ReplacedNameDiagnostics(replaced.Expr, samples));
            if (mistake == CheckMistake.Value && diagnostics.Count == 0 && student is { } closedPart) diagnostics.AddRange(ClosedFormPartDiagnostics(closedPart.Expr, samples));
            if (mistake == CheckMistake.Value && diagnostics.Count == 0) diagnostics.AddRange(ConstantTermDiagnostics(samples));
            if (student is { } s) diagnostics.AddRange(ZeroTermDiagnostics(s.Expr, samples));
            diagnostics = [.. diagnostics.Distinct(StringComparer.Ordinal)];
            if (mistake == CheckMistake.Value && diagnostics.Count > 0)
                mistake = diagnostics[0].StartsWith("the term ", StringComparison.Ordinal) && diagnostics[0].EndsWith(" is transposed", StringComparison.Ordinal) ? CheckMistake.Transposed
                    : diagnostics[0].StartsWith("the sign of ", StringComparison.Ordinal) ? CheckMistake.SignFlipped
                    : diagnostics[0].Contains(" is off by a factor ", StringComparison.Ordinal) ? CheckMistake.ConstantFactor
                    : diagnostics[0].StartsWith("a factor 1/", StringComparison.Ordinal) ? CheckMistake.MissingMean
                    : diagnostics[0].StartsWith("factor", StringComparison.Ordinal) ? CheckMistake.MissingFactor
                    : diagnostics[0].Contains(" is extra", StringComparison.Ordinal) ? CheckMistake.NotAPath
                    : diagnostics[0].Contains("path", StringComparison.Ordinal) && !diagnostics[0].EndsWith("counted twice", StringComparison.Ordinal) ? CheckMistake.MissingPath
                    : CheckMistake.Value;
            return new(CheckVerdict.Incorrect, method, Derivation.Objective, Derivation.Wrt, expression)
            {
                Mistake = mistake, Reason = mistake == CheckMistake.NotFinite ? null : reason, Diagnostics = diagnostics,
                Point = bad.Point, StudentValue = bad.Student, TrueValue = bad.True, PointsTried = samples.Count, Fixed = fixedNames,
            };
        }

        /// <summary>
        /// The points where the program's value is a number and no kink is near: the first is the
        /// given values, the others redraw every declaration that is not held fixed.
        /// </summary>
        private List<Sample> Collect(CheckExpr expr, int points, ulong seed, out string? shapeError)
        {
            shapeError = null;
            var generator = new Generator(seed);
            var scales = BasePoint.ToDictionary(kv => kv.Key, kv =>
            {
                var v = kv.Value.ToDoubleArray();
                return Math.Max(0.5, Math.Sqrt(v.Sum(x => x * x) / Math.Max(1, v.Length)));
            });
            var samples = new List<Sample>();
            bool declared = Program.Declarations.Any(d => d.Name == Derivation.Wrt);
            // For an intermediate variable, the nodes computed from it: where a kink still matters to its derivative.
            HashSet<GraphNode>? after = null;
            if (!declared)
            {
                var wrt = Program.Graph[Derivation.Wrt];
                after = [];
                foreach (var n in Program.Graph.Nodes)
                    if (n.Operands.Any(o => o == wrt || after.Contains(o))) after.Add(n);
            }
            for (int attempt = 0; attempt < points * 10 && samples.Count <= points; attempt++)
            {
                // Every fourth point is drawn wider: a sign that changes only far from the given values (1 + (u·w)(1 − h²)
                // below 0 needs u·w below −1) is reached there, so 1/|d| for 1/d is caught, and so is the other side of a
                // hinge with a wide margin, max(0, m − y(s1 − s2)) for m = 2, where a missing indicator shows.
                bool wide = attempt % 4 == 3;
                double spread = wide ? 4 : 1.5;
                var point = attempt == 0 ? BasePoint : BasePoint.ToDictionary(kv => kv.Key, kv =>
                {
                    if (IsFixed(kv.Key)) return kv.Value;
                    var data = new double[kv.Value.Count];
                    for (int i = 0; i < data.Length; i++) data[i] = scales[kv.Key] * (2 * generator.NextDouble() - 1) * spread;
                    return Tensor.FromArray(data, kv.Value.Shape.ToArray());
                }, StringComparer.Ordinal);
                ProgramEvaluation evaluation;
                try
                {
                    evaluation = Program.Evaluate(point, Derivation.Objective);
                }
                catch (GradProgramException)
                {
                    continue;
                }
                // Where the function itself is undefined there is no derivative to compare. Values given exactly on a
                // tie of max or min (p = [1, 2, 2] for max(p)) are graded there too: the derivative is the engine's
                // convention, shared equally between the tied elements, and the answer must give it.
                bool givenTie = attempt == 0 && ProgramKinkDistance(evaluation, tiesOnly: true) == 0;
                // At a drawn point a kink's sides are exactly equal only by construction (relu(m ⊙ a) where a const m
                // is 0, a window of a relu's zeros): the same at every point, and as the declaration varied moves, so no
                // kink to stay away from. Not so for an intermediate variable: moving Z itself breaks maxpool(Z)'s ties;
                // only those built in before it, which its derivative does not pass through, are no kink.
                bool drawn = attempt > 0 && declared;
                bool movedAlike = false;
                if (!AllFinite(evaluation.Value(Derivation.Objective))) continue;
                if (ProgramKinkDistance(evaluation, exactTiesBuilt: drawn, after: attempt > 0 ? after : null,
                        movesAlike: attempt > 0 && !declared ? MovesAlike : null) < KinkMargin && !givenTie)
                {
                    givenOnKink |= attempt == 0;
                    continue;
                }
                bool MovesAlike(GraphNode n, int i)
                {
                    bool alike = MoveAlike(evaluation, n, i, Program.Graph[Derivation.Wrt]);
                    movedAlike |= alike;
                    return alike;
                }
                // Where such a tie holds, the answer's own exact ties on it (I[r < c] at r = c) are by construction too, graded there.
                var evaluator = new CheckExprEvaluator(Program, evaluation, point) { ExactTiesBuilt = drawn || movedAlike, TargetShape = WrtShape };
                Tensor value;
                try
                {
                    value = evaluator.Evaluate(expr);
                }
                catch (CheckShapeException e)
                {
                    shapeError = e.Message;
                    return samples;
                }
                if (evaluator.KinkDistance < KinkMargin && !givenTie)
                {
                    givenOnKink |= attempt == 0;
                    continue;
                }
                var truth = evaluation.Gradient(Derivation.Wrt);
                // Far out, a right answer may overflow where the engine's rule does not (e^a/(1 + e^a) for σ(a)): such a
                // point is for signs, not for the range of floating point.
                if (wide && !AllFinite(value)) continue;
                samples.Add(new Sample(point, evaluation, value, truth, Compare(value, truth)));
            }
            return samples;
        }

        /// <summary>
        /// Null when equal; otherwise the class of the difference: the shapes first (a missing Σ
        /// over a broadcast, a transpose), then NaN or ∞ on one side only, then the values.
        /// </summary>
        private (CheckMistake, string?)? Compare(Tensor student, Tensor truth, double[]? halves = null)
        {
            var s = student.ToDoubleArray();
            var t = truth.ToDoubleArray();
            static int[] Squeeze(Tensor x) => x.Shape.ToArray().Where(d => d != 1).ToArray();
            // One number for a gradient whose every component is that number is the component form ∂L/∂(l)_d = 1/n.
            if (s.Length == 1 && t.Length > 1 && t.All(x => Agrees(x, s[0])))
                return null;
            // A row for a column (or a column for a row) is a transpose like any other; only a vector against a
            // matrix with one row or column is the same thing written two ways.
            bool flipped = student.Rank == 2 && truth.Rank == 2 && student.Shape[0] == truth.Shape[1] && student.Shape[1] == truth.Shape[0]
                && student.Shape[0] != student.Shape[1];
            if (flipped || !Squeeze(student).SequenceEqual(Squeeze(truth)))
            {
                var shapes = $"your expression is {ValueFormat.Shape(student)}, ∂{Derivation.Objective}/∂{Derivation.Wrt} is {ValueFormat.Shape(truth)}";
                if (flipped)
                    return (CheckMistake.Transposed, shapes + " — transposed?");
                if (s.Length > t.Length && SumsTo(student, truth))
                    return (CheckMistake.MissingSum, shapes + " — a sum over the broadcast dimension is missing (your expression sums to the true value)");
                return (CheckMistake.Shape, shapes);
            }
            for (int i = 0; i < t.Length; i++)
            {
                double a = s[i], b = t[i];
                if (a.Equals(b)) continue;   // NaN equals NaN, ∞ equals ∞
                if (!double.IsFinite(a) || !double.IsFinite(b))
                    return (CheckMistake.NotFinite, double.IsFinite(b)
                        ? $"your expression is {ValueFormat.Number(a)} at this point, where ∂{Derivation.Objective}/∂{Derivation.Wrt} is a number (a division by zero, the log or square root of a negative number, a negative base to a fractional power, or an overflow)"
                        : $"∂{Derivation.Objective}/∂{Derivation.Wrt} is {ValueFormat.Number(b)} at this point, but your expression is {ValueFormat.Number(a)}");
                double half = halves is null ? 0 : halves[halves.Length == 1 ? 0 : i];
                if (Math.Abs(a - b) > Math.Max(half * (1 + 1e-9), 1e-9 + 1e-6 * Math.Max(Math.Abs(a), Math.Abs(b)))) return (CheckMistake.Value, null);
            }
            return null;
        }

        /// <summary>
        /// Whether <paramref name="truth"/>'s shape broadcasts to <paramref name="student"/>'s (aligned from the right,
        /// as in the program) and summing the student's tensor over the broadcast axes, leading or of size 1, gives the
        /// truth. A zero gradient sums from anything of zeros, so it names no missing sum.
        /// </summary>
        private static bool SumsTo(Tensor student, Tensor truth)
        {
            int[] s = student.ShapeArray, t = truth.ShapeArray;
            int lead = s.Length - t.Length;
            if (lead < 0) return false;
            for (int i = 0; i < t.Length; i++)
                if (t[i] != 1 && t[i] != s[lead + i]) return false;
            var sums = student.To(DType.Float64).SumToShape(t).ToDoubleArray();
            var values = truth.ToDoubleArray();
            return values.Any(v => v != 0) && sums.Zip(values).All(p => Agrees(p.First, p.Second));
        }

        /// <summary>Sign flipped, transposed, off by a constant factor (a missing 1/n when the factor is a size of the program).</summary>
        private (CheckMistake, string)? Classify(List<Sample> samples)
        {
            var what = $"∂{Derivation.Objective}/∂{Derivation.Wrt}";
            var pairs = samples.Where(x => x.Problem is null || x.Problem.Value.Item1 == CheckMistake.Value).ToList();
            // A numeric answer rounded to its decimals matches a transpose or a multiple as far as its decimals tell:
            // [8, 0.8889, 0.375] is −∂L/∂b = (8, 0.888889, 0.375).
            double half = pairs.Count == 1 ? rounding.Max() : 0;
            bool Near(double[] u, double[] v) => u.Length == v.Length
                && u.Zip(v).All(p => Math.Abs(p.First - p.Second) <= half * (1 + 1e-9) || Agrees(p.First, p.Second));
            if (pairs.All(x => x.True.Rank == 2 && x.True.Shape[0] == x.True.Shape[1] && x.Student.Shape == x.True.Shape
                && Near(x.Student.Transpose(0, 1).Contiguous().ToDoubleArray(), x.True.ToDoubleArray())))
                return (CheckMistake.Transposed, $"your expression is the transpose of {what}");
            double? ratio = null;
            if (half > 0)
            {
                double[] s0 = pairs[0].Student.ToDoubleArray(), t0 = pairs[0].True.ToDoubleArray();
                foreach (var k in (double[])[-1, 2, 3, 4, 5, 10, 0.5, 1.0 / 3, 0.25, 0.2, 0.1, -2, -0.5, .. MeanCounts().Select(n => (double)n)])
                    if (t0.Any(v => v != 0) && Near(s0, [.. t0.Select(v => k * v)])) { ratio = k; break; }
                if (ratio is null) return null;
            }
            else
                foreach (var x in pairs)
                {
                    var s = x.Student.ToDoubleArray();
                    var t = x.True.ToDoubleArray();
                    // Zero is judged against the largest element: 1e-10 beside 0.5 (a unit just above its ReLU's kink) is 0, 4 times it too.
                    double tiny = 1e-9 * Math.Max(1e-3, t.Max(Math.Abs)), small = 1e-6 * Math.Max(1e-3, s.Max(Math.Abs));
                    for (int i = 0; i < t.Length; i++)
                    {
                        if (Math.Abs(t[i]) < tiny) { if (Math.Abs(s[i]) > small) return null; continue; }
                        ratio ??= s[i] / t[i];
                        if (!Agrees(s[i] / t[i], ratio.Value)) return null;
                    }
                }
            if (ratio is not { } c || Agrees(c, 1) || Math.Abs(c) < 1e-12) return null;
            if (Agrees(c, -1)) return (CheckMistake.SignFlipped, $"the sign is flipped: your expression is −{what}");
            // At a single point every wrong number is some multiple of the right one; only a whole factor says something.
            if (pairs.Count < 2 && !(Math.Abs(c) >= 2 && Agrees(c, Math.Round(c))) && !(Math.Abs(c) < 1 && Agrees(1 / c, Math.Round(1 / c)))) return null;
            if (Math.Abs(c - Math.Round(c)) < 1e-9 && MeanCounts().Contains((int)Math.Round(c)))
                return (CheckMistake.MissingMean, $"a factor 1/{Math.Round(c).ToString(CultureInfo.InvariantCulture)} is missing (your expression is {ValueFormat.Number(c)} times {what}; a mean divides by the number of elements)");
            return (CheckMistake.ConstantFactor, $"off by a constant factor: your expression is {ValueFormat.Number(c)} times {what}");
        }

        /// <summary>"factor σ′(x1) is missing": the expression times a local derivative (or divided by one) is right at every point.</summary>
        private IEnumerable<string> FactorDiagnostics(List<Sample> samples)
        {
            // Where the derivative is 0 at every point, any factor that is 0 there "explains" the answer: none is named.
            if (samples.All(s => s.True.ToDoubleArray().All(v => v == 0))) yield break;
            if (samples.Any(s => s.Student.Count != 1 || s.True.Count != 1))
            {
                foreach (var d in ElementwiseFactorDiagnostics(samples)) yield return d;
                yield break;
            }
            foreach (var f in CheckSymbolic.CandidateFactors(Program, Derivation))
            {
                double[] values;
                try
                {
                    values = samples.Select(s => f.Evaluate(n => s.Evaluation.Value(n).Item())).ToArray();
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException)
                {
                    continue;
                }
                var s = samples.Select(x => x.Student.Item()).ToArray();
                var t = samples.Select(x => x.True.Item()).ToArray();
                if (Enumerable.Range(0, s.Length).All(i => Agrees(s[i] * values[i], t[i])))
                    yield return $"factor {f} is missing";
                else if (Enumerable.Range(0, s.Length).All(i => Agrees(s[i], t[i] * values[i])))
                    yield return $"factor {f} is extra";
            }
        }

        /// <summary>The same for a vector or matrix: the answer times (or divided by) a local derivative, elementwise, is right at every point (tanh′ left out of W2ᵀδ).</summary>
        private IEnumerable<string> ElementwiseFactorDiagnostics(List<Sample> samples)
        {
            foreach (var (what, values) in FactorCandidates(samples))
            {
                // A single number (the 1/n of y = x/n) multiplies every element.
                if (values.Any(v => v.Count != 1 && !v.Shape.ToArray().SequenceEqual(samples[0].True.Shape.ToArray()))) continue;
                if (samples.Select((s, i) => Compare(s.Student.Mul(values[i]), s.True)).All(problem => problem is null))
                    yield return $"factor {what} is missing";
                else if (samples.Select((s, i) => Compare(s.Student, s.True.Mul(values[i]))).All(problem => problem is null))
                    yield return $"factor {what} is extra";
            }
        }

        /// <summary>
        /// The factors an answer may lack, with their values at each point: the derivatives of the
        /// functions on the paths (1 − tanh(a)², I[a &gt; 0]) and the elementwise local partials of the
        /// edges on them (∂c/∂c0, which is f in c = f ⊙ c0 + i ⊙ u).
        /// </summary>
        private IEnumerable<(string What, Tensor[] Values)> FactorCandidates(List<Sample> samples)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var f in CheckSymbolic.CandidateFactors(Program, Derivation))
            {
                Tensor[] values;
                try
                {
                    values = samples.Select(s => f.EvaluateTensor(leaf => s.Evaluation.Value(leaf.Name!)).To(DType.Float64)).ToArray();
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException or NotSupportedException)
                {
                    continue;
                }
                seen.Add(f.ToString());
                yield return (f.ToString(), values);
            }
            var graph = Program.Graph;
            foreach (var x in Derivation.NodesOnPaths.Where(n => n != Derivation.Objective))
            {
                List<ChainTerm>[] terms;
                try
                {
                    terms = samples.Select(s => StepWalker.Shares(s.Evaluation, graph[x]).ToList()).ToArray();
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException)
                {
                    continue;
                }
                for (int k = 0; k < terms[0].Count; k++)
                {
                    var term = terms[0][k];
                    if (term.Consumer.Name == Derivation.Objective || term.Summed || term.LocalDerivative is null
                        || !seen.Add($"∂{term.Consumer.Name}/∂{x}")) continue;
                    yield return ($"∂{term.Consumer.Name}/∂{x}", terms.Select(t => t[k].LocalDerivative!.To(DType.Float64)).ToArray());
                }
            }
        }

        /// <summary>The numbers of elements the program's means divide by: all of them, those along an axis, or a batch cross-entropy's rows.</summary>
        private HashSet<int> MeanCounts()
        {
            var counts = Program.Graph.Nodes.Where(n => n.Kind == GraphNodeKind.Operation && n.AveragedCount([], []) is not null)
                .Select(n => n.AveragedCount(First.ValueOf(n.Operands[0]).Shape.ToArray(), First.ValueOf(n).Shape.ToArray()) ?? 1)
                .Where(k => k > 1)
                .ToHashSet();
            // A sum divided by its number of rows or elements, written out: sum(H ⊙ c)/3 over three rows.
            foreach (var n in Program.Graph.Nodes)
                if (n is { Kind: GraphNodeKind.Operation, Op.Name: "div" } && n.Operands[1] is { Kind: GraphNodeKind.Constant, ConstantValue: double k }
                    && k > 1 && k == Math.Floor(k) && (n.Operands[0] is { Op.Name: "neg" } negated ? negated.Operands[0] : n.Operands[0]) is { Kind: GraphNodeKind.Operation, Op.Name: "sum" } sum
                    && First.ValueOf(sum.Operands[0]) is { Rank: > 0 } summed && (summed.Shape[0] == (int)k || summed.Count == (int)k)
                    // sum(O²)/2 is the ½ that cancels a square's 2, whatever O's number of rows.
                    && !(k == 2 && sum.Operands[0] is { Op.Name: "pow", Operands: [_, { Kind: GraphNodeKind.Constant, ConstantValue: 2 }] }))
                    counts.Add((int)k);
            return counts;
        }

        /// <summary>"the term … is identically zero": a term (or a factor of one) that is 0 at every point tried.</summary>
        private IEnumerable<string> ZeroTermDiagnostics(CheckExpr expr, List<Sample> samples)
        {
            var terms = expr.Terms().ToArray();
            if (terms.Length < 2) yield break;
            bool Zero(CheckExpr e) => samples.All(s =>
            {
                var v = new CheckExprEvaluator(Program, s.Evaluation, s.Point) { TargetShape = WrtShape }.Evaluate(e).ToDoubleArray();
                var scale = 1 + s.True.ToDoubleArray().Select(Math.Abs).DefaultIfEmpty(0).Max();
                return v.All(x => Math.Abs(x) <= 1e-9 * scale);
            });
            foreach (var (_, term) in terms)
            {
                if (!Zero(term)) continue;
                var factor = term.Factors().FirstOrDefault(f => f.Kind != CheckExpr.Kinds.Number && !ReferenceEquals(f, term) && Zero(f));
                yield return factor is null
                    ? $"the term {term.Text} is identically zero"
                    : $"the term {term.Text} is identically zero: its factor {factor.Text} is 0 at every point";
            }
        }
    }

    private static bool SymbolicallyEqual(Sym student, ChainDerivation derivation)
    {
        try
        {
            var truth = new List<Sym> { derivation.Paths(1000) };
            if (derivation.Factored() is { } f) truth.Add(f);
            var keys = truth.SelectMany(t => new[] { t.Key, derivation.Closed(t).Key }).ToHashSet(StringComparer.Ordinal);
            return keys.Contains(student.Key) || keys.Contains(derivation.Closed(student).Key);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    private static bool AllFinite(Tensor t) => t.ToDoubleArray().All(double.IsFinite);
}
