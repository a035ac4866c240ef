using System.Globalization;

namespace SharpGrad.Explain;

/// <summary>
/// The part of <see cref="DerivativeChecker"/> that names the mistakes found by changing one part of the
/// answer and trying it at every point: a factor left out or written where it does not belong, a term's
/// sign or factor 2, a term or a matrix transposed, a value standing for another or for a part of the
/// closed form, an indicator the wrong way round.
/// </summary>
public static partial class DerivativeChecker
{
    private sealed partial class Grading
    {
        /// <summary>
        /// A local derivative left out inside the answer, not around it: W1ᵀ(W2ᵀh) where W1ᵀ(I[a &gt; 0] ⊙ W2ᵀh) is
        /// right. Each part of the expression with the factor's shape is multiplied by it in turn; the part
        /// where that makes the answer right at every point is named.
        /// </summary>
        private IEnumerable<string> InsideFactorDiagnostics(CheckExpr expr, List<Sample> samples)
        {
            var placed = Parts(expr);
            var parts = placed.Select(p => p.Part).ToList();
            if (parts.Count == 0 || parts.Count > 64) yield break;
            // The 1/n of a mean left out of one term: 2Xᵀ(X w − y) + 2λw where (2/n)Xᵀ(X w − y) + 2λw is right.
            Tensor[] Constant(double c) => samples.Select(_ => Tensor.Scalar(c, DType.Float64)).ToArray();
            var candidates = MeanCounts().Select(n => (What: $"a factor 1/{n.ToString(CultureInfo.InvariantCulture)}", Values: Constant(1.0 / n), Number: true))
                // A const of the program left out of a term (the p of α·p·|w|^(p−1)·sign(w)).
                .Concat(Program.Declarations.Where(d => d.Kind == DeclarationKind.Const && BasePoint[d.Name].Count == 1)
                    .Select(d => (d.Name, Value: BasePoint[d.Name].Item())).Where(d => d.Value is not (0 or 1 or -1))
                    .Select(d => (What: $"factor {d.Name}", Values: Constant(d.Value), Number: true)))
                .Concat(FactorCandidates(samples).Select(c => (What: $"factor {c.What}", c.Values, Number: false)))
                // One term with its sign flipped or off by 2 (2λw written λw).
                .Concat([("the sign", Constant(-1), true), ("2", Constant(2), true), ("1/2", Constant(0.5), true)])
                .Select(c => (What: c.Item1, Values: c.Item2, Number: c.Item3, Extra: false)).ToList();
            // A factor written where it does not belong (softmax's p ⊙ (1 − p) of a sigmoid): the part divided by it is right.
            candidates.AddRange(candidates.Where(c => !c.Number).Select(c => (c.What, c.Values, c.Number, Extra: true)).ToList());
            foreach (var (what, values, number, extra) in candidates)
            {
                if (!number && values[0].Count < 2) continue;
                // A number standing as a term of the answer may have its sign flipped too (2x/u + 1 for 2x/u − 1).
                var numberTerms = what == "the sign" ? expr.Terms().Select(t => t.Term).Where(t => t.Kind == CheckExpr.Kinds.Number) : [];
                foreach (var part in number ? parts.Where(p => p.Kind != CheckExpr.Kinds.Name).Concat(numberTerms) : parts)
                {
                    // The factor has the part's shape, or is one number (the 1/n of a mean, a sign).
                    if (RightWith(expr, samples, [part], (i, v) => !number && !v.Shape.ToArray().SequenceEqual(values[i].Shape.ToArray())
                            ? throw new CheckShapeException("another shape") : extra ? v.Div(values[i]) : v.Mul(values[i])))
                        yield return what switch
                        {
                            "the sign" => $"the sign of {Place(placed, part)} is flipped",
                            // 1 − H for tanh′ = 1 − H²: H times itself is right, which is better said as a square.
                            _ when !extra && what == $"factor {part.Text}" => $"{Place(placed, part)} should be squared ({Balanced(part.Text)}^2)",
                            "2" or "1/2" => $"{(Place(placed, part) is var place && place.StartsWith("the ", StringComparison.Ordinal) ? place : "the term " + place)} is off by a factor {what}",
                            _ => $"{what} is {(extra ? "extra" : "missing")} in {Place(placed, part)}",
                        };
                }
            }
        }

        /// <summary>
        /// "the term 2*R.T @ X is [2, 3], ∂L/∂W is [3, 2] — transposed?": a sum whose terms do not add up because one
        /// of them, alone, has the gradient's shape transposed while every other has the gradient's shape.
        /// </summary>
        private string? TransposedTermShape(CheckExpr expr)
        {
            var terms = expr.Terms().Select(t => t.Term).ToList();
            if (terms.Count < 2) return null;
            var truth = First.Gradient(Derivation.Wrt);
            if (truth.Rank != 2 || truth.Shape[0] == truth.Shape[1]) return null;
            var shapes = new List<int[]>();
            foreach (var term in terms)
            {
                try
                {
                    shapes.Add(new CheckExprEvaluator(Program, First, BasePoint).Evaluate(term).Shape.ToArray());
                }
                catch (ArgumentException)
                {
                    return null;
                }
            }
            int[] right = truth.Shape.ToArray(), flipped = [right[1], right[0]];
            var odd = Enumerable.Range(0, terms.Count).Where(i => !shapes[i].SequenceEqual(right)).ToList();
            return odd is [var k] && shapes[k].SequenceEqual(flipped)
                ? $"the term {Balanced(terms[k].Text)} is [{flipped[0]}, {flipped[1]}], ∂{Derivation.Objective}/∂{Derivation.Wrt} is [{right[0]}, {right[1]}] — transposed?"
                : null;
        }

        /// <summary>
        /// "X.T @ P / 4 is right with P − Y in place of P": one part of the answer standing for a part of the closed
        /// form (a term of a difference left out, a centring left out). The smallest part and the smallest
        /// replacement that make the answer right at every point are named; the class stays a wrong value.
        /// </summary>
        private static string Plain(string text) => text.Replace(" ", "").Replace('−', '-').Replace('·', '*');

        private IEnumerable<string> ClosedFormPartDiagnostics(CheckExpr expr, List<Sample> samples)
        {
            Sym closed;
            // Written out whole, the closed form of a deep graph with many paths grows exponentially.
            if (!Derivation.FitsInline) yield break;
            try
            {
                closed = MatrixDerivation.Gradient(First, Derivation.Wrt);
            }
            catch (Exception e) when (e is NotSupportedException or ArgumentException or InvalidOperationException or KeyNotFoundException)
            {
                yield break;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var subs = new List<Sym>();
            void Walk(Sym s)
            {
                if (s.Args.Count > 0 && seen.Add(s.Key)) subs.Add(s);
                foreach (var a in s.Args) Walk(a);
            }
            Walk(closed);
            var places = Parts(expr);
            if (places.Count > 32 || subs.Count > 64) yield break;
            // The smallest replacement first: P − Y is named rather than a larger part of the closed form holding it.
            subs = [.. subs.OrderBy(x => x.ToString().Length)];
            var values = new Dictionary<(string, int), Tensor?>();
            Tensor? Value(Sym sub, int i)
            {
                if (values.TryGetValue((sub.Key, i), out var known)) return known;
                var evaluation = samples[i].Evaluation;
                try
                {
                    known = sub.EvaluateTensor(leaf => leaf.Kind == SymKind.Variable && evaluation.Graph.TryGetNode(leaf.Name!, out var node)
                        ? evaluation.ValueOf(node) : Tensor.Scalar(evaluation.Sizes[leaf.Name!], DType.Float64)).To(DType.Float64);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException or NotSupportedException)
                {
                    known = null;
                }
                return values[(sub.Key, i)] = known;
            }
            foreach (var (part, parent) in places.OrderBy(p => p.Part.Text.Length))
            {
                int[] shape;
                try
                {
                    shape = new CheckExprEvaluator(Program, samples[0].Evaluation, samples[0].Point).Evaluate(part).Shape.ToArray();
                }
                catch (ArgumentException)
                {
                    continue;
                }
                int count = shape.Aggregate(1, (a, b) => a * b);
                foreach (var sub in subs)
                {
                    // A mask for a side of a comparison (I[I[R = …] > 0] for I[C > 0]) is right only by accident.
                    if (parent.Kind == CheckExpr.Kinds.Indicator && sub.IsMask) continue;
                    // A column of the closed form (y − t of (y − t) xᵀ) stands for a vector of the answer.
                    if (Value(sub, 0) is not { } first || first.Count != count || (first.Rank > 1 && shape.Length > 1 && !first.Shape.ToArray().SequenceEqual(shape))) continue;
                    if (RightWith(expr, samples, [part], (i, _) => Value(sub, i)?.Reshape(shape) ?? throw new CheckShapeException("no value")))
                    {
                        yield return $"{Balanced(parent.Text)} is right with {sub} in place of {part.Text}";
                        yield break;
                    }
                }
            }
        }

        /// <summary>
        /// True when the answer, with the values of <paramref name="at"/> changed (at point i, value v becomes
        /// change(i, v)), is right at every point: where a guessed mistake is tried. Point 0 first, where most fail.
        /// </summary>
        private bool RightWith(CheckExpr expr, List<Sample> samples, IReadOnlyCollection<CheckExpr> at, Func<int, Tensor, Tensor> change)
        {
            bool Right(int i)
            {
                try
                {
                    var evaluator = new CheckExprEvaluator(Program, samples[i].Evaluation, samples[i].Point) { Inserted = (at, v => change(i, v)), TargetShape = WrtShape };
                    return Compare(evaluator.Evaluate(expr), samples[i].True) is null;
                }
                catch (ArgumentException)
                {
                    return false;
                }
            }
            return Right(0) && Enumerable.Range(1, samples.Count - 1).All(Right);
        }

        /// <summary>
        /// Every part of the answer but its numbers, with the node it is an argument of, outermost first. A part whose
        /// text holds more than the part (V 2(o − t) for the product V(o − t), the 2 standing aside) is left out: a hint
        /// that names its text would name the 2 too.
        /// </summary>
        private static List<(CheckExpr Part, CheckExpr Parent)> Parts(CheckExpr expr)
        {
            var parts = new List<(CheckExpr Part, CheckExpr Parent)>();
            void Collect(CheckExpr e)
            {
                foreach (var a in e.Args)
                {
                    if (a.Kind != CheckExpr.Kinds.Number) parts.Add((a, e));
                    Collect(a);
                }
            }
            Collect(expr);
            // More parts than any guess tries (they stop at 64): not worth the filtering.
            if (parts.Count > 64) return parts;
            static IEnumerable<CheckExpr> Leaves(CheckExpr e) => e.Args.Count == 0 ? [e] : e.Args.SelectMany(Leaves);
            var leaves = Leaves(expr).ToList();
            return [.. parts.Where(p => leaves.Count(l => l.Start >= p.Part.Start && l.End <= p.Part.End) == Leaves(p.Part).Count())];
        }

        /// <summary>
        /// A part's text, with the part it sits in where the same text occurs elsewhere in the answer: "the p of
        /// (1-p)" in p*(1-p)*(-q/p), where a bare "p" would not say which of three.
        /// </summary>
        private static string Place(List<(CheckExpr Part, CheckExpr Parent)> parts, CheckExpr part)
        {
            bool Unique(CheckExpr e) => parts.Count(p => p.Part.Text == e.Text) < 2;
            if (part.Kind == CheckExpr.Kinds.Number) return $"the term {Balanced(part.Text)}";
            if (Unique(part)) return Balanced(part.Text);
            var outer = part;
            while (parts.FirstOrDefault(p => ReferenceEquals(p.Part, outer)).Parent is { } parent)
            {
                outer = parent;
                if (Unique(outer)) break;
            }
            // The whole answer holds it: a term of it is named as one, anything else by its column.
            if (!parts.Any(p => ReferenceEquals(p.Part, outer)))
                return outer.Terms().Any(t => ReferenceEquals(t.Term, part)) ? $"the term {Balanced(part.Text)}" : $"{Balanced(part.Text)} at column {part.Start + 1}";
            return ReferenceEquals(outer, part) || !Unique(outer)
                ? $"{Balanced(part.Text)} at column {part.Start + 1}"
                : $"the {Balanced(part.Text)} of {Balanced(outer.Text)}";
        }

        /// <summary>
        /// "a term −1 is missing": the answer differs from the derivative by the same number at every point and in every
        /// element (phi2 written for phi2 − 1), so a constant term was left out or added.
        /// </summary>
        private static IEnumerable<string> ConstantTermDiagnostics(List<Sample> samples)
        {
            if (samples.Count < 2 || samples.Any(s => !s.Student.Shape.ToArray().SequenceEqual(s.True.Shape.ToArray()))) yield break;
            var gaps = samples.SelectMany(s => s.True.ToDoubleArray().Zip(s.Student.ToDoubleArray(), (t, y) => t - y)).ToArray();
            double gap = gaps[0];
            // Written as "not within" so that a NaN or infinite gap anywhere rules the hint out.
            if (!double.IsFinite(gap) || Math.Abs(gap) < 1e-9 || gaps.Any(g => !(Math.Abs(g - gap) <= 1e-9 * (1 + Math.Abs(gap))))) yield break;
            var number = ValueFormat.Number(Math.Abs(gap));
            yield return gap > 0 ? $"a term {number} is missing: the answer is {number} short of the derivative everywhere"
                : $"a term −{number} is missing: the answer is {number} over the derivative everywhere";
        }

        /// <summary>
        /// "the term lam*b is extra": one term of a sum that the answer is right without, at every point (a penalty's
        /// gradient added to a parameter it does not penalise, a path counted for a node the objective does not use).
        /// </summary>
        private IEnumerable<string> ExtraTermDiagnostics(CheckExpr expr, List<Sample> samples)
        {
            var terms = expr.Terms().Select(t => t.Term).ToList();
            if (terms.Count < 2 || terms.Count > 32) yield break;
            foreach (var term in terms)
                if (RightWith(expr, samples, [term], (_, v) => v.Mul(0)))
                {
                    yield return $"the term {Balanced(term.Text)} is extra: the answer is right without it";
                    yield break;
                }
        }

        /// <summary>A part's text with the opening brackets its span starts after ((Xᵀ V)ᵀ, not Xᵀ V)ᵀ).</summary>
        private static string Balanced(string text)
        {
            int depth = 0, missing = 0;
            foreach (var ch in text)
            {
                if (ch is '(' or '[') depth++;
                else if (ch is ')' or ']' && --depth < 0) { missing++; depth = 0; }
            }
            return new string('(', missing) + text;
        }

        /// <summary>"the term (X W)ᵀ is transposed": one square part of the answer transposed makes it right at every point.</summary>
        private IEnumerable<string> TransposedTermDiagnostics(CheckExpr expr, List<Sample> samples)
        {
            // Whole terms of a sum only: a single factor left untransposed (W2 p for W2ᵀp) is a wrong value, as a teacher grades it.
            var parts = expr.Terms().Select(t => t.Item2).ToList();
            if (parts.Count < 2) yield break;
            foreach (var part in parts)
            {
                if (RightWith(expr, samples, [part], (_, v) => v.Rank == 2 && v.Shape[0] == v.Shape[1] ? v.Transpose(0, 1).Contiguous() : throw new CheckShapeException("not square")))
                {
                    yield return $"the term {Balanced(part.Text)} is transposed";
                    yield break;
                }
            }
        }

        /// <summary>
        /// "W2 @ (p − y) is right with W2ᵀ in place of W2": one square matrix of the answer written without its
        /// transpose (or with one too many). A teacher grades it a wrong value, so the class stays Value; the
        /// hint says which matrix.
        /// </summary>
        private IEnumerable<string> TransposedMatrixDiagnostics(CheckExpr expr, List<Sample> samples)
        {
            // A name, or a transposed name as one (the W of Wᵀ is not tried apart from it).
            var parents = Parts(expr)
                .Where(p => (p.Part.Kind == CheckExpr.Kinds.Name && p.Parent is not { Kind: CheckExpr.Kinds.Call, Name: "transpose" })
                    || p.Part is { Kind: CheckExpr.Kinds.Call, Name: "transpose", Args: [{ Kind: CheckExpr.Kinds.Name }] })
                .Select(p => (Matrix: p.Part, p.Parent)).ToList();
            // One place at a time, then every place of one matrix (W of an RNN is used untransposed at each step).
            var tries = parents.Select(p => (Matrices: new[] { p.Matrix }, p.Matrix, p.Parent))
                .Concat(parents.GroupBy(p => p.Matrix.Text, StringComparer.Ordinal).Where(g => g.Count() > 1)
                    .Select(g => (Matrices: g.Select(p => p.Matrix).ToArray(), g.First().Matrix, Parent: expr)));
            foreach (var (matrices, matrix, parent) in tries)
            {
                if (RightWith(expr, samples, matrices, (_, v) => v.Rank == 2 && v.Shape[0] == v.Shape[1] && v.Shape[0] > 1 ? v.Transpose(0, 1).Contiguous() : throw new CheckShapeException("not square")))
                {
                    var written = matrix.Kind == CheckExpr.Kinds.Name ? matrix.Name! : matrix.Text;
                    var meant = matrix.Kind == CheckExpr.Kinds.Name ? matrix.Name + "ᵀ" : matrix.Args[0].Name!;
                    yield return matrices.Length > 1 ? $"the answer is right with {meant} in place of {written} throughout"
                        : $"{Balanced(parent.Text)} is right with {meant} in place of {written}";
                    yield break;
                }
            }
        }

        /// <summary>
        /// "outer(δ, h0) is right with x in place of h0": one name of the answer standing for another of the same
        /// shape (the previous state for the input, h1 for h2). A wrong value, as a teacher grades it; the hint says which.
        /// </summary>
        private IEnumerable<string> ReplacedNameDiagnostics(CheckExpr expr, List<Sample> samples)
        {
            var places = Parts(expr).Where(p => p.Part.Kind == CheckExpr.Kinds.Name).Select(p => (Name: p.Part, p.Parent)).ToList();
            if (places.Count > 32) yield break;
            // An indicator the wrong way round: I[x1 > x2] written for x2's branch of max(x1, x2).
            foreach (var indicator in Indicators(expr))
            {
                if (indicator.Relation is not (">" or "<")) continue;
                if (RightWith(expr, samples, [indicator], (_, v) => v.Neg().Add(1)))
                {
                    // 1 − I[a > b] is I[a ≤ b]: on a tie that holds by construction, < would be wrong again.
                    var other = indicator.Relation == ">" ? "≤" : "≥";
                    yield return $"{expr.Text} is right with I[{indicator.Args[0].Text} {other} {indicator.Args[1].Text}] in place of {indicator.Text}";
                    yield break;
                }
            }
            static IEnumerable<CheckExpr> Indicators(CheckExpr e) =>
                e.Kind == CheckExpr.Kinds.Indicator ? [e] : e.Args.SelectMany(Indicators);
            var graph = Program.Graph;
            foreach (var (name, parent) in places)
            {
                if (!graph.TryGetNode(name.Name!, out var written)) continue;
                // Any value the program computes, named or a part of an expression (tanh(c) of h = o ⊙ tanh(c), where c was written).
                foreach (var other in graph.Nodes)
                {
                    if (other == written || other.Kind == GraphNodeKind.Constant || !other.HasGradient
                        || !samples[0].Evaluation.ValueOf(other).Shape.ToArray().SequenceEqual(samples[0].Evaluation.ValueOf(written).Shape.ToArray())) continue;
                    if (RightWith(expr, samples, [name], (i, _) => samples[i].Evaluation.ValueOf(other).To(DType.Float64)))
                    {
                        var meant = other.Name ?? ExprPrinter.Source(other.Expression!);
                        // z in 1 - z read as 1 - z makes that part 1 − (1 − z) = z: the part itself should have been z.
                        yield return Plain(meant) == Plain(parent.Text)
                            ? $"the answer is right with {written.Name} in place of {Balanced(parent.Text)}"
                            : $"{Balanced(parent.Text)} is right with {meant} in place of {written.Name}";
                        yield break;
                    }
                }
            }
        }
    }
}
