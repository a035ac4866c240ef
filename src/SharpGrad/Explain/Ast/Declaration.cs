namespace SharpGrad.Explain;

/// <summary>
/// <c>param NAME[SIZE] = VALUE</c>, <c>input ...</c> or <c>target ...</c>: a leaf of the graph.
/// The size (<c>x1[D]</c>, <c>W[3, 4]</c>) and the value are both optional; without a size the
/// shape is that of the value, and without either the leaf is a scalar. A leaf without a value
/// must get one when the program is evaluated (<c>--set NAME=VALUE</c>).
/// </summary>
public sealed class Declaration : Statement
{
    /// <summary>Creates the declaration.</summary>
    public Declaration(DeclarationKind kind, string name, SourcePosition namePosition, SourcePosition position,
        IReadOnlyList<Dim>? size, IReadOnlyList<SourcePosition>? sizePositions, ArrayLiteral? value)
        : base(name, namePosition, position)
    {
        Kind = kind;
        Size = size;
        SizePositions = sizePositions ?? [];
        Value = value;
    }

    /// <summary>param, input, target or const.</summary>
    public DeclarationKind Kind { get; }

    /// <summary>The sizes written in brackets after the name, or null when none were written.</summary>
    public IReadOnlyList<Dim>? Size { get; }

    /// <summary>Where each size in <see cref="Size"/> is written.</summary>
    public IReadOnlyList<SourcePosition> SizePositions { get; }

    /// <summary>The value after <c>=</c>, or null.</summary>
    public ArrayLiteral? Value { get; }

    /// <summary>The keyword as written in programs: "param", "input", "target" or "const".</summary>
    public string Keyword => KeywordOf(Kind);

    /// <summary>The keyword of a declaration kind.</summary>
    public static string KeywordOf(DeclarationKind kind) => kind switch
    {
        DeclarationKind.Param => "param",
        DeclarationKind.Input => "input",
        DeclarationKind.Const => "const",
        _ => "target",
    };
}
