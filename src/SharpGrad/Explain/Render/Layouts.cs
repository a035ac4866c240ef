namespace SharpGrad.Explain;

/// <summary>Parsing, naming and ordering for <see cref="Layout"/>, shared by every command that takes <c>--layout</c>.</summary>
public static class Layouts
{
    /// <summary>The names <c>--layout</c> accepts, in the order of <see cref="Layout"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["gradient", "numerator", "denominator"];

    /// <summary>The layout called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    public static Layout Parse(string name)
    {
        int i = Names.ToList().IndexOf(name);
        return i >= 0 ? (Layout)i : throw new ArgumentException($"--layout must be one of {string.Join(", ", Names)}, got '{name}'.");
    }

    /// <summary>"gradient", "numerator" or "denominator".</summary>
    public static string Name(this Layout layout) => Names[(int)layout];

    /// <summary>One line that says what the layout means, printed with every output that depends on it.</summary>
    public static string Note(this Layout layout) => layout switch
    {
        Layout.Numerator => "Layout: numerator: ∂a/∂b has one row per component of a and one column per component of b, so the factors multiply left to right from the objective down to the variable.",
        Layout.Denominator => "Layout: denominator (the seed's): ∂a/∂b has one row per component of b and one column per component of a, so the factors multiply left to right from the variable up to the objective.",
        _ => "Layout: gradient (CS231n): ∂J/∂x has x's shape, and each factor is applied from the objective down as a vector–Jacobian product (∂J/∂a · ∂a/∂x).",
    };
}
