namespace SharpGrad.Explain;

/// <summary>
/// One line of a program that defines a name: a <see cref="Declaration"/> (param, input,
/// target) or an <see cref="Assignment"/>. Every name is defined exactly once, and before it is
/// used, so the statements in order are already a topological order of the graph.
/// </summary>
public abstract class Statement
{
    /// <summary>Creates the statement.</summary>
    protected Statement(string name, SourcePosition namePosition, SourcePosition position)
    {
        Name = name;
        NamePosition = namePosition;
        Position = position;
    }

    /// <summary>The name defined.</summary>
    public string Name { get; }

    /// <summary>Where the name is written.</summary>
    public SourcePosition NamePosition { get; }

    /// <summary>Where the statement starts (its keyword, or its name for an assignment).</summary>
    public SourcePosition Position { get; }

    /// <summary>The statement's line.</summary>
    public int Line => Position.Line;
}
