using SharpGrad.Explain;

namespace SharpGrad.Tests.Explain;

/// <summary>Paths of the example programs and golden files, found from the repository root.</summary>
internal static class ExplainFiles
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SharpGrad.sln")))
                return dir.FullName;
        throw new InvalidOperationException("SharpGrad.sln not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The repository root.</summary>
    public static string RepoRoot => Root.Value;

    /// <summary>examples/NAME.</summary>
    public static string Example(string name) => Path.Combine(RepoRoot, "examples", name);

    /// <summary>tests/SharpGrad.Tests/Explain/Golden/NAME.</summary>
    public static string Golden(string name) => Path.Combine(RepoRoot, "tests", "SharpGrad.Tests", "Explain", "Golden", name);

    /// <summary>Loads examples/NAME.</summary>
    public static GradProgram Load(string name) => GradProgram.Load(Example(name));

    /// <summary>
    /// Compares <paramref name="actual"/> with a golden file. With SHARPGRAD_UPDATE_GOLDEN=1 the file
    /// is rewritten instead; a rewritten golden must be checked by hand against the spec.
    /// </summary>
    public static void AssertGolden(string name, string actual)
    {
        var path = Golden(name);
        if (Environment.GetEnvironmentVariable("SHARPGRAD_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"golden file {path} is missing");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual.ReplaceLineEndings("\n"));
    }
}
