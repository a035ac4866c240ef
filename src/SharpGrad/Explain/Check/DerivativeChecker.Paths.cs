namespace SharpGrad.Explain;

/// <summary>
/// The part of <see cref="DerivativeChecker"/> that names the paths an answer leaves out or counts twice:
/// whole paths of a scalar, the chain-rule terms of a vector (one per named reader, alone and in sets),
/// paths through readers that read each other, and the places inside one node's expression that read
/// the variable; and a chain of Jacobians that skips a link.
/// </summary>
public static partial class DerivativeChecker
{
    private sealed partial class Grading
    {
        /// <summary>
        /// "factor ∂h/∂u is missing" for a chain of Jacobians that skips a link (∂L/∂h · ∂u/∂W1 where h = relu(u)): between
        /// vectors of other sizes such a chain has no value, so it is named rather than reported as a shape error.
        /// </summary>
        private string? BrokenChain(CheckExpr expr)
        {
            var graph = Program.Graph;
            foreach (var (_, term) in expr.Terms())
            {
                var partials = new List<CheckExpr>();
                void Collect(CheckExpr e)
                {
                    if (e.Kind == CheckExpr.Kinds.Partial) partials.Add(e);
                    else if (e.Kind == CheckExpr.Kinds.Binary && e.Operator is '*' or '@') foreach (var a in e.Args) Collect(a);
                }
                Collect(term);
                partials.Sort((a, b) => a.Start.CompareTo(b.Start));
                for (int i = 0; i + 1 < partials.Count; i++)
                    if (partials[i] is { Wrt: { } from } p && partials[i + 1] is { Name: { } to } q && from != to
                        && graph.TryGetNode(from, out var above) && graph.TryGetNode(to, out var below) && above.DependsOn(below))
                        return $"factor ∂{from}/∂{to} is missing: the chain {p.Text} · {q.Text} goes from {from} to {to} without it";
            }
            return null;
        }

        /// <summary>A whole path missing or repeated, from the student's chain terms or else from the paths' values.</summary>
        private string? PathExplanation(List<Sample> samples, Sym? student)
        {
            static bool WholePath(string d) => d.StartsWith("the ", StringComparison.Ordinal) && d.Contains(" path", StringComparison.Ordinal)
                && (d.Contains(" is missing: ", StringComparison.Ordinal) || d.Contains(" is counted ", StringComparison.Ordinal));
            var symbolic = student is null ? [] : CheckSymbolic.PathDiagnostics(student, Derivation);
            if (symbolic.Count > 0) return symbolic.Count == 1 && WholePath(symbolic[0]) ? symbolic[0] : null;
            return PathValueDiagnostics(samples).FirstOrDefault(WholePath);
        }

        /// <summary>
        /// A path left out or counted twice in an answer written out in closed form, where no chain
        /// factors name the paths: the answer plus (or minus) one path's value is right at every point.
        /// </summary>
        private IEnumerable<string> PathValueDiagnostics(List<Sample> samples)
        {
            if (samples.Count < 2) yield break;
            if (samples.Any(s => s.Student.Count != 1 || s.True.Count != 1))
            {
                foreach (var d in ConsumerDiagnostics(samples)) yield return d;
                yield break;
            }
            List<(double Coefficient, List<Sym> Factors)>? paths;
            try
            {
                paths = CheckSymbolic.Expand(Derivation.Paths(1000), Derivation.Direct());
            }
            catch (ArgumentException)
            {
                yield break;
            }
            if (paths is null || paths.Count < 2) yield break;
            foreach (var (coefficient, factors) in paths)
            {
                double[] values;
                try
                {
                    var closed = Derivation.Closed(Sym.Mul(factors));
                    values = samples.Select(s => coefficient * closed.Evaluate(n => s.Evaluation.Value(n).Item())).ToArray();
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException or NotSupportedException)
                {
                    continue;
                }
                if (values.All(v => Math.Abs(v) < 1e-12)) continue;
                var s = samples.Select(x => x.Student.Item()).ToArray();
                var t = samples.Select(x => x.True.Item()).ToArray();
                if (Enumerable.Range(0, s.Length).All(i => Agrees(s[i] + values[i], t[i])))
                    yield return $"{CheckSymbolic.Through(factors)} is missing: {Sym.Mul(factors)}";
                else if (Enumerable.Range(0, s.Length).All(i => Agrees(s[i] - values[i], t[i])))
                    yield return $"{CheckSymbolic.Through(factors)} is counted twice";
            }
        }

        /// <summary>
        /// A path left out inside one node's expression, where wrt is read at two places of it: the skip x of
        /// r = x + tanh(W @ x + b). The answer plus the share through one place is right at every point.
        /// </summary>
        private IEnumerable<string> PlaceDiagnostics(List<Sample> samples)
        {
            var graph = Program.Graph;
            var wrt = graph[Derivation.Wrt];
            foreach (var c in Derivation.Consumers(Derivation.Wrt).Select(name => graph[name]))
            {
                List<IReadOnlyList<(GraphNode Reader, int Slot, Tensor Share)>> shares;
                try
                {
                    shares = samples.Select(s => StepWalker.PlaceShares(s.Evaluation, c, wrt)).ToList();
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException)
                {
                    continue;
                }
                if (shares[0].Count < 2) continue;
                var places = shares[0].Select((place, k) => (
                    $"the path {wrt.Name} → {c.Name} through {Place(c, place.Reader, place.Slot, shares[0])}",
                    shares.Select(perSample => perSample[k].Share.To(DType.Float64)).ToArray())).ToList();
                if (MissingShares(places, samples) is { } found)
                {
                    yield return found;
                    yield break;
                }
            }
        }

        /// <summary>
        /// Where a place is in c's expression: "the term tanh(W @ x + b)" when it is the only place of its term of
        /// c's sum, else "the factor x of x * exp(x)" or "the x inside exp(x)".
        /// </summary>
        private static string Place(GraphNode c, GraphNode reader, int slot, IEnumerable<(GraphNode Reader, int Slot, Tensor Share)> places)
        {
            static string Text(GraphNode n) => n.Name ?? ExprPrinter.Source(n.Expression!);
            static bool Holds(GraphNode n, GraphNode r) => n == r || n.Operands.Any(o => o is { Kind: GraphNodeKind.Operation, IsNamed: false } && Holds(o, r));
            var node = c;
            while (node.Op?.Name is "add" or "sub")
            {
                var k = node == reader ? slot : Enumerable.Range(0, node.Operands.Count).First(i => node.Operands[i] is { Kind: GraphNodeKind.Operation, IsNamed: false } o && Holds(o, reader));
                var term = node.Operands[k];
                if (term.IsNamed || term.Op?.Name is not ("add" or "sub"))
                {
                    if (node == reader || places.Count(p => Holds(term, p.Reader)) == 1) return $"the term {Text(term)} of {c.Name} = {ExprPrinter.Source(c.Expression!)}";
                    break;
                }
                node = term;
            }
            var x = Text(reader.Operands[slot]);
            var whole = $"{c.Name} = {ExprPrinter.Source(c.Expression!)}";
            if (reader == c) return reader.Op?.Name is "mul" or "matmul" ? $"the factor {x} of {whole}" : $"the {x} read by {whole}";
            return reader.Op?.Name is "mul" or "matmul" ? $"the factor {x} of {Text(reader)} in {whole}" : $"the {x} inside {Text(reader)} in {whole}";
        }

        /// <summary>
        /// The same for a vector or matrix: each named node that reads wrt carries one term of the chain
        /// rule (∂J/∂c · ∂c/∂wrt, the other named inputs held fixed, as step lists them), and the terms
        /// add up to the gradient. The smallest set of terms whose sum the answer lacks (or has twice)
        /// at every point is named.
        /// </summary>
        private IEnumerable<string> ConsumerDiagnostics(List<Sample> samples)
        {
            var graph = Program.Graph;
            var wrt = graph[Derivation.Wrt];
            List<(string Through, Tensor[] Values)> shares;
            try
            {
                var perSample = samples.Select(s => StepWalker.Shares(s.Evaluation, wrt)).ToArray();
                shares = perSample[0].Select((share, k) => (
                    share.Consumer.Name == Derivation.Objective ? "the direct path" : $"the path through {share.Consumer.Name}",
                    perSample.Select(p => p[k].Contribution.To(DType.Float64)).ToArray())).ToList();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException)
            {
                yield break;
            }
            var found = MissingShares(shares, samples);
            // The readers depend on each other (a layer norm's d reads mu): the paths one by one.
            if (found is null && PathShares(samples) is { } paths) found = MissingShares(paths, samples);
            if (found is not null) yield return found;
        }

        /// <summary>Each path from wrt to the objective through named nodes with its share at every point; null past 10 paths.</summary>
        private List<(string Through, Tensor[] Values)>? PathShares(List<Sample> samples)
        {
            var graph = Program.Graph;
            var paths = new List<List<string>>();
            void Walk(List<string> path)
            {
                if (paths.Count > 10) return;
                var last = path[^1];
                if (last == Derivation.Objective) { paths.Add([.. path]); return; }
                foreach (var c in Derivation.Consumers(last)) { path.Add(c); Walk(path); path.RemoveAt(path.Count - 1); }
            }
            Walk([Derivation.Wrt]);
            if (paths.Count < 2 || paths.Count > 10) return null;
            try
            {
                return paths.Select(p => (
                    p.Count == 2 ? "the direct path" : $"the path {string.Join(" → ", p)}",
                    samples.Select(s => StepWalker.AlongPath(s.Evaluation, p.Select(n => graph[n]).ToList()).To(DType.Float64)).ToArray())).ToList();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException)
            {
                return null;
            }
        }

        /// <summary>The smallest set of shares whose sum the answer lacks (or has twice) at every point, said; null when none.</summary>
        private string? MissingShares(List<(string Through, Tensor[] Values)> shares, List<Sample> samples)
        {
            shares = shares.Where(sh => !sh.Values.All(v => v.ToDoubleArray().All(x => Math.Abs(x) < 1e-12))).ToList();
            if (shares.Count < 2 || shares.Count > 10) return null;
            // Subsets in order of size: one term missing is likelier than two.
            foreach (var subset in Enumerable.Range(1, (1 << shares.Count) - 2).OrderBy(BitCount))
            {
                var chosen = shares.Where((_, k) => (subset >> k & 1) == 1).ToArray();
                Tensor Sum(int i) => chosen.Skip(1).Aggregate(chosen[0].Values[i], (a, sh) => a.Add(sh.Values[i]));
                string names = chosen.Length == 1 ? $"{chosen[0].Through} is" : Together(chosen.Select(sh => sh.Through).ToArray());
                if (samples.Select((s, i) => Compare(s.Student.Add(Sum(i)), s.True)).All(problem => problem is null))
                    return $"{names} missing";
                if (samples.Select((s, i) => Compare(s.Student.Sub(Sum(i)), s.True)).All(problem => problem is null))
                    return $"{names} counted twice";
            }
            return null;

            static int BitCount(int x) => System.Numerics.BitOperations.PopCount((uint)x);

            // "the paths through h1 and h2 are", "the direct path and the path through h are".
            static string Together(string[] paths)
            {
                const string through = "the path through ";
                var named = paths.Where(p => p.StartsWith(through, StringComparison.Ordinal)).Select(p => p[through.Length..]).ToArray();
                var parts = paths.Where(p => !p.StartsWith(through, StringComparison.Ordinal)).ToList();
                if (named.Length == 1) parts.Add(through + named[0]);
                else if (named.Length > 1) parts.Add($"the paths through {string.Join(", ", named[..^1])} and {named[^1]}");
                return (parts.Count == 1 ? parts[0] : $"{string.Join(", ", parts[..^1])} and {parts[^1]}") + " are";
            }
        }
    }
}
