namespace SharpGrad.Explain;

/// <summary>
/// The computation graph of a program: every leaf, constant and op application as a
/// <see cref="GraphNode"/>, in program order (which is topological, because names are defined
/// before they are used), with static shapes. Built once by <see cref="GradProgram.Parse"/>; the
/// evaluator, the step walker and the explain tools all walk this one structure.
/// </summary>
public sealed class ComputationGraph
{
    private readonly Dictionary<string, GraphNode> byName;
    private readonly Dictionary<Expr, GraphNode> byExpr;
    private readonly Dictionary<string, GraphNode> parts = new(StringComparer.Ordinal);
    private List<(GraphNode Node, string Source, string Text)>? printedParts, printedDefinitions;

    internal ComputationGraph(IReadOnlyList<GraphNode> nodes, Dictionary<Expr, GraphNode> byExpr, IReadOnlyDictionary<string, int> staticSizes)
    {
        Nodes = nodes;
        this.byExpr = byExpr;
        byName = nodes.Where(n => n.Name is not null).ToDictionary(n => n.Name!, StringComparer.Ordinal);
        StaticSizes = staticSizes;
    }

    /// <summary>Every node, operands before the nodes that use them.</summary>
    public IReadOnlyList<GraphNode> Nodes { get; }

    /// <summary>The named nodes in program order (declarations and assignments as written).</summary>
    public IEnumerable<GraphNode> NamedNodes => Nodes.Where(n => n.IsNamed);

    /// <summary>The <c>param</c> leaves in program order.</summary>
    public IEnumerable<GraphNode> Parameters => Nodes.Where(n => n.Kind == GraphNodeKind.Parameter);

    /// <summary>Symbolic sizes fixed by values written in the program (<c>input x1[D] = [1, 2]</c> fixes D = 2).</summary>
    public IReadOnlyDictionary<string, int> StaticSizes { get; }

    /// <summary>The node called <paramref name="name"/>.</summary>
    public GraphNode this[string name] =>
        TryGetNode(name, out var node) ? node : throw new KeyNotFoundException($"The program defines no '{name}'.");

    /// <summary>"--wrt: the program defines no 'w_2'; did you mean 'w2'?": the error for an option naming no node.</summary>
    public ArgumentException NoNode(string option, string name) =>
        new($"{option}: the program defines no '{name}'{(NameSuggestion.Hint(name, byName.Keys) is { Length: > 0 } hint ? hint : ".")}");

    /// <summary>
    /// The program name that <paramref name="written"/> stands for: the name itself, the name as explain and step print it
    /// (φ1 or φ_1 for phi1, ŷ for yhat, w_{3,5} for w_3_5), or a Greek letter for the one name that shortens its spelling
    /// (λ for lam); null when none does.
    /// </summary>
    public string? Resolve(string written)
    {
        ArgumentNullException.ThrowIfNull(written);
        if (byName.ContainsKey(written)) return written;
        static string Bare(string s) => s.Replace("_", "", StringComparison.Ordinal).Replace("{", "", StringComparison.Ordinal)
            .Replace("}", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal);
        // theta for θ: a name spelled as the letter a declared name prints as (the reverse of θ for theta).
        var writtenPrinted = written.Length > 0 ? SymbolName.Parse(written).ToUnicode() : null;
        foreach (var n in NamedNodes)
        {
            var printed = SymbolName.Parse(n.Name!).ToUnicode();
            if (printed == written || Bare(printed) == Bare(written) || printed == writtenPrinted) return n.Name;
        }
        // λ for lam: the letter of a name the program had to shorten (a Python-minded author cannot call it lambda).
        // λ1 and λ_1 for lam1: the letter with the index the name carries after it.
        string head = written.TrimEnd('0', '1', '2', '3', '4', '5', '6', '7', '8', '9');
        string letter = head.TrimEnd('_'), index = written[head.Length..];
        if (SymbolName.SpelledGreek(letter) is { } spelled)
        {
            var shortened = NamedNodes.Where(n => Bare(n.Name!) is var bare && bare.EndsWith(index, StringComparison.Ordinal) && bare[..^index.Length] is var stem
                && stem.Length >= 3 && stem.Length < spelled.Length && spelled.StartsWith(stem, StringComparison.Ordinal)).ToList();
            if (shortened.Count == 1) return shortened[0].Name;
        }
        return null;
    }

    /// <summary>The node <paramref name="written"/> stands for (see <see cref="Resolve"/>), given to <paramref name="option"/>.</summary>
    /// <exception cref="ArgumentException">No node of the program is meant, with the closest names.</exception>
    public GraphNode Named(string option, string written) =>
        Resolve(written) is { } name ? byName[name] : throw NoNode(option, written);

    /// <summary>The node called <paramref name="name"/>, if there is one.</summary>
    public bool TryGetNode(string name, out GraphNode node) => byName.TryGetValue(name, out node!) || parts.TryGetValue(name, out node!);

    /// <summary>
    /// The key of the unnamed part of an expression that <paramref name="written"/> prints, as step labels it
    /// (∂L/∂(W1 @ x) reads W1 @ x, also written W1 x or W1@x), the <paramref name="occurrence"/>th of those that
    /// print alike; null when none does. From then on this graph finds the part under that key, so a derivative of
    /// or with respect to it evaluates like a name's.
    /// </summary>
    internal string? ResolvePart(string written, int occurrence = 1)
    {
        // Spacing, the signs of the three notations and the product's @ (juxtaposition in formulas) do not matter.
        static string Plain(string s) => new string(s.Where(c => !char.IsWhiteSpace(c) && c != '@').ToArray())
            .Replace('−', '-').Replace('·', '*').Replace('⊙', '*').Replace("²", "^2", StringComparison.Ordinal).Replace("**", "^", StringComparison.Ordinal);
        var target = Plain(written);
        // Every part printed once per graph: an answer may name many parts of a long program.
        printedParts ??= Nodes.Where(n => !n.IsNamed && n.Kind == GraphNodeKind.Operation && n.Expression is not null)
            .Select(n => (n, Plain(ExprPrinter.Source(n.Expression!)), Plain(ExprPrinter.Text(n.Expression!)))).ToList();
        foreach (var (n, source, text) in printedParts)
        {
            var e = n.Expression!;
            // Step labels an infix part in brackets, (W1 @ x), and a call, an index or a transpose bare.
            if (target != source && target != text && target != $"({source})" && target != $"({text})") continue;
            if (--occurrence > 0) continue;
            // The key reads as the label in messages; a second part that prints alike keeps its own.
            var key = $"({ExprPrinter.Text(e)})";
            if (parts.TryGetValue(key, out var other) && other != n) key += $"#{n.Index}";
            parts[key] = n;
            return key;
        }
        // ∂L/∂(W @ x + b) for z = W @ x + b: a named node's whole definition, in brackets, is that node (when no other prints so).
        if (occurrence != 1) return null;
        printedDefinitions ??= Nodes.Where(n => n.IsNamed && n.Kind == GraphNodeKind.Operation && n.Expression is not null)
            .Select(n => (n, Plain(ExprPrinter.Source(n.Expression!)), Plain(ExprPrinter.Text(n.Expression!)))).ToList();
        var named = printedDefinitions.Where(d => target == $"({d.Source})" || target == $"({d.Text})").Take(2).ToList();
        return named is [var only] ? only.Node.Name : null;
    }

    /// <summary>
    /// The node an expression of the program evaluates to; a name used inside an expression maps
    /// to the node it names.
    /// </summary>
    public GraphNode NodeFor(Expr expression) =>
        byExpr.TryGetValue(expression, out var node) ? node : throw new ArgumentException("The expression is not part of this program.", nameof(expression));

    /// <summary><paramref name="node"/> and every node it is computed from.</summary>
    public IReadOnlySet<GraphNode> AncestorsAndSelf(GraphNode node)
    {
        var seen = new HashSet<GraphNode> { node };
        var stack = new Stack<GraphNode>();
        stack.Push(node);
        while (stack.Count > 0)
            foreach (var operand in stack.Pop().Operands)
                if (seen.Add(operand)) stack.Push(operand);
        return seen;
    }
}
