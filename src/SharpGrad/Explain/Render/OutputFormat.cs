namespace SharpGrad.Explain;

/// <summary>The output formats of the explain commands.</summary>
public enum OutputFormat
{
    /// <summary>Plain text with box-drawn tables, for a terminal.</summary>
    Text,

    /// <summary>GitHub-flavoured Markdown pipe tables.</summary>
    Markdown,

    /// <summary>LaTeX: <c>tabular</c> tables and an <c>align*</c> environment.</summary>
    Latex,
}
