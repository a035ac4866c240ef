namespace SharpGrad.Explain;

/// <summary>
/// Decides whether a hand-derived derivative equals the true one (<c>sharpgrad check</c>). The
/// expression uses the program's names and syntax plus derivative notation (docs/grad-format.md,
/// "Checking a derivative"). First symbolically: when the expression, with its local partials
/// replaced by their formulas, simplifies to the same form as the true chain rule of
/// <see cref="ChainDerivation"/>, it is correct. Otherwise numerically: the expression and the
/// true gradient (autograd) are compared at the program's own values and at random points (the
/// declarations resampled from a seeded <see cref="Generator"/> at the scale of their values),
/// rejecting points near kinks of relu, abs, max, min and indicators.
/// <code>
/// var r = DerivativeChecker.Check(GradProgram.Load("examples/e2.grad"), "n1", "(dE/dn6*dn6/dn3 + dE/dn8*dn8/dn3)*dn3/dn1");
/// Console.Write(r.ToText());   // incorrect ... the path through n5, n7 is missing
/// </code>
/// </summary>
public static class DerivativeChecker
{
    /// <summary>Points closer than this (relative) to a kink are not used.</summary>
    public const double KinkMargin = 1e-4;

    /// <summary>
    /// Checks <paramref name="expression"/> against ∂objective/∂<paramref name="wrt"/> (objective:
    /// the program's last assignment unless named). <paramref name="overrides"/> gives values as
    /// <c>--set</c> does; <paramref name="points"/> random points are compared (after the program's
    /// own values), drawn from a generator seeded with <paramref name="seed"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The expression does not parse ("--expr column N: ...") or a name is unknown.</exception>
    /// <exception cref="GradProgramException">The program cannot be evaluated (a missing value, a bad --set).</exception>
    public static CheckResult Check(GradProgram program, string wrt, string expression, string? objective = null,
        IReadOnlyDictionary<string, Tensor>? overrides = null, int points = 40, ulong seed = 0x5EED)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(wrt);
        ArgumentNullException.ThrowIfNull(expression);
        var derivation = ChainDerivation.Create(program, wrt, objective);
        var expr = CheckExprParser.Parse(expression, program.Graph);
        var first = program.Evaluate(overrides, derivation.Objective);   // reports missing values and bad overrides first
        var basePoint = program.Declarations.ToDictionary(d => d.Name,
            d => overrides is not null && overrides.TryGetValue(d.Name, out var v) ? v.To(DType.Float64) : first.Value(d.Name), StringComparer.Ordinal);

        var sym = CheckSymbolic.ToSym(expr, program, derivation);
        if (sym is not null && SymbolicallyEqual(sym, derivation))
        {
            var (s0, t0) = Values(program, first, basePoint, expr, wrt);
            return new CheckResult(CheckVerdict.Correct, "symbolic", derivation.Objective, wrt, expression, basePoint, s0, t0, [], 1);
        }

        var samples = Collect(program, derivation.Objective, wrt, expr, basePoint, points, seed, out var notFinite);
        if (samples.Count == 0 && notFinite is not null)
        {
            // The true derivative is a number and the expression is not: that is a wrong answer, not bad input.
            return new CheckResult(CheckVerdict.Incorrect, "numeric", derivation.Objective, wrt, expression, notFinite.Point, notFinite.Student, notFinite.True,
                ["your expression is not a finite number at this point (a division by zero, the log or square root of a negative number, or an overflow)"], 1);
        }
        if (samples.Count == 0)
            throw new ArgumentException($"--expr: no point away from the kinks (relu, abs, max, min, indicators) gave a finite value for the true derivative ∂{derivation.Objective}/∂{wrt}");
        var bad = samples.FindIndex(s => s.Problem is not null);
        if (bad < 0)
        {
            var ok = samples[0];
            return new CheckResult(CheckVerdict.Correct, "numeric", derivation.Objective, wrt, expression, ok.Point, ok.Student, ok.True, [], samples.Count);
        }
        var c = samples[bad];
        var diagnostics = new List<string>();
        if (c.Problem!.Length > 0) diagnostics.Add(c.Problem);
        if (sym is not null) diagnostics.AddRange(CheckSymbolic.PathDiagnostics(sym, derivation));
        if (diagnostics.Count == 0) diagnostics.AddRange(FactorDiagnostics(program, derivation, samples));
        diagnostics.AddRange(ZeroTermDiagnostics(program, expr, samples));
        return new CheckResult(CheckVerdict.Incorrect, "numeric", derivation.Objective, wrt, expression, c.Point, c.Student, c.True, diagnostics, samples.Count);
    }

    private sealed record Sample(Dictionary<string, Tensor> Point, ProgramEvaluation Evaluation, Tensor Student, Tensor True, string? Problem);

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

    private static (Tensor Student, Tensor True) Values(GradProgram program, ProgramEvaluation evaluation, Dictionary<string, Tensor> point, CheckExpr expr, string wrt) =>
        (new CheckExprEvaluator(program, evaluation, point).Evaluate(expr), evaluation.Gradient(wrt));

    /// <summary>
    /// The points where both the expression and the true derivative are finite; <paramref name="notFinite"/>
    /// is the first point where only the true derivative is.
    /// </summary>
    private static List<Sample> Collect(GradProgram program, string objective, string wrt, CheckExpr expr, Dictionary<string, Tensor> basePoint, int points, ulong seed,
        out Sample? notFinite)
    {
        notFinite = null;
        var generator = new Generator(seed);
        var scales = basePoint.ToDictionary(kv => kv.Key, kv =>
        {
            var v = kv.Value.ToDoubleArray();
            return Math.Max(0.5, Math.Sqrt(v.Sum(x => x * x) / Math.Max(1, v.Length)));
        });
        var samples = new List<Sample>();
        for (int attempt = 0; attempt < points * 10 && samples.Count <= points; attempt++)
        {
            var point = attempt == 0 ? basePoint : basePoint.ToDictionary(kv => kv.Key, kv =>
            {
                var data = new double[kv.Value.Count];
                for (int i = 0; i < data.Length; i++) data[i] = scales[kv.Key] * (2 * generator.NextDouble() - 1) * 1.5;
                return Tensor.FromArray(data, kv.Value.Shape.ToArray());
            }, StringComparer.Ordinal);
            ProgramEvaluation evaluation;
            try
            {
                evaluation = program.Evaluate(point, objective);
            }
            catch (GradProgramException)
            {
                continue;
            }
            if (ProgramKinkDistance(evaluation) < KinkMargin) continue;
            var evaluator = new CheckExprEvaluator(program, evaluation, point);
            var student = evaluator.Evaluate(expr);
            if (evaluator.KinkDistance < KinkMargin) continue;
            var truth = evaluation.Gradient(wrt);
            if (!AllFinite(truth)) continue;
            if (!AllFinite(student))
            {
                notFinite ??= new Sample(point, evaluation, student, truth, "");
                continue;
            }
            samples.Add(new Sample(point, evaluation, student, truth, Compare(student, truth, objective, wrt)));
        }
        return samples;
    }

    private static bool AllFinite(Tensor t) => t.ToDoubleArray().All(double.IsFinite);

    /// <summary>Null when equal; an empty string when the values differ; a message when the shapes differ.</summary>
    private static string? Compare(Tensor student, Tensor truth, string objective, string wrt)
    {
        var s = student.ToDoubleArray();
        var t = truth.ToDoubleArray();
        static int[] Squeeze(Tensor x) => x.Shape.ToArray().Where(d => d != 1).ToArray();
        if (s.Length != 1 && !(s.Length == t.Length && Squeeze(student).SequenceEqual(Squeeze(truth))))
            return $"your expression has shape {ValueFormat.Shape(student)}, but ∂{objective}/∂{wrt} has shape {ValueFormat.Shape(truth)}";
        for (int i = 0; i < t.Length; i++)
        {
            double a = s[s.Length == 1 ? 0 : i], b = t[i];
            if (Math.Abs(a - b) > 1e-9 + 1e-6 * Math.Max(Math.Abs(a), Math.Abs(b))) return "";
        }
        return null;
    }

    private static double ProgramKinkDistance(ProgramEvaluation evaluation)
    {
        double best = double.PositiveInfinity;
        static double Rel(double u, double v) => Math.Abs(u - v) / (1 + Math.Abs(u) + Math.Abs(v));
        foreach (var node in evaluation.Graph.Nodes)
        {
            if (node.Kind != GraphNodeKind.Operation) continue;
            var name = node.Op!.Name;
            if (name is "relu" or "abs")
                foreach (var z in evaluation.ValueOf(node.Operands[0]).ToDoubleArray()) best = Math.Min(best, Rel(z, 0));
            else if (name is "max" or "min" && node.Operands.Count == 2)
            {
                var a = evaluation.ValueOf(node.Operands[0]).ToDoubleArray();
                var b = evaluation.ValueOf(node.Operands[1]).ToDoubleArray();
                for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
                    best = Math.Min(best, Rel(a[a.Length == 1 ? 0 : i % a.Length], b[b.Length == 1 ? 0 : i % b.Length]));
            }
            else if (name is "max" or "min")
            {
                var v = evaluation.ValueOf(node.Operands[0]).ToDoubleArray().Order().ToArray();
                if (v.Length > 1) best = Math.Min(best, name == "max" ? Rel(v[^1], v[^2]) : Rel(v[0], v[1]));
            }
        }
        return best;
    }

    /// <summary>"factor σ′(x1) is missing": the expression times a local derivative (or divided by one) is right at every point.</summary>
    private static IEnumerable<string> FactorDiagnostics(GradProgram program, ChainDerivation derivation, List<Sample> samples)
    {
        if (samples.Any(s => s.Student.Count != 1 || s.True.Count != 1)) yield break;
        foreach (var f in CheckSymbolic.CandidateFactors(program, derivation))
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
            bool Close(double a, double b) => Math.Abs(a - b) <= 1e-9 + 1e-6 * Math.Max(Math.Abs(a), Math.Abs(b));
            var s = samples.Select(x => x.Student.Item()).ToArray();
            var t = samples.Select(x => x.True.Item()).ToArray();
            if (Enumerable.Range(0, s.Length).All(i => Close(s[i] * values[i], t[i])))
                yield return $"factor {f} is missing";
            else if (Enumerable.Range(0, s.Length).All(i => Close(s[i], t[i] * values[i])))
                yield return $"factor {f} is extra";
        }
    }

    /// <summary>"the term … is identically zero": a term (or a factor of one) that is 0 at every point tried.</summary>
    private static IEnumerable<string> ZeroTermDiagnostics(GradProgram program, CheckExpr expr, List<Sample> samples)
    {
        var terms = expr.Terms().ToArray();
        if (terms.Length < 2) yield break;
        bool Zero(CheckExpr e) => samples.All(s =>
        {
            var v = new CheckExprEvaluator(program, s.Evaluation, s.Point).Evaluate(e).ToDoubleArray();
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
