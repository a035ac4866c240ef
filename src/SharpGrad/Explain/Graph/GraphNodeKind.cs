namespace SharpGrad.Explain;

/// <summary>What a node of the computation graph is.</summary>
public enum GraphNodeKind
{
    /// <summary>A <c>param</c> declaration (a leaf that SGD updates).</summary>
    Parameter,

    /// <summary>An <c>input</c> declaration (a leaf).</summary>
    Input,

    /// <summary>A <c>target</c> declaration (a leaf).</summary>
    Target,

    /// <summary>A numeric literal, or an assignment of one (<c>c = 3</c>, which then has a gradient).</summary>
    Constant,

    /// <summary>An application of an operator or function (named when it is the whole right side of an assignment).</summary>
    Operation,
}
