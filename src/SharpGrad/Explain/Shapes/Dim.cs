namespace SharpGrad.Explain;

/// <summary>
/// One dimension of a static shape: a known size (<c>3</c>) or a symbol (<c>D</c>). A symbol is
/// an unknown that matches only itself, until a value binds it to a number; then it also
/// matches that number.
/// </summary>
public readonly record struct Dim
{
    private Dim(int size, string? symbol)
    {
        Size = size;
        Symbol = symbol;
    }

    /// <summary>The size when known; 0 for a symbol.</summary>
    public int Size { get; }

    /// <summary>The symbol's name, or null when the size is known.</summary>
    public string? Symbol { get; }

    /// <summary>True when the size is a number.</summary>
    public bool IsKnown => Symbol is null;

    /// <summary>A known size.</summary>
    public static Dim Known(int size) =>
        size >= 0 ? new Dim(size, null) : throw new ArgumentOutOfRangeException(nameof(size), size, "A size cannot be negative.");

    /// <summary>A symbolic size such as D.</summary>
    public static Dim Of(string symbol) =>
        string.IsNullOrEmpty(symbol) ? throw new ArgumentException("A symbol needs a name.", nameof(symbol)) : new Dim(0, symbol);

    /// <summary>The size as written: "3" or "D".</summary>
    public override string ToString() => Symbol ?? Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
