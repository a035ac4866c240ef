namespace SharpGrad.Tests.IO;

/// <summary>Locates the repository checkout the tests were built from, to read the bundled data/.</summary>
internal static class Repository
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SharpGrad.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException($"No directory containing SharpGrad.sln above {AppContext.BaseDirectory}.");
    });

    /// <summary>The directory that contains SharpGrad.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>The bundled MNIST subset.</summary>
    public static string DataDirectory => Path.Combine(Root, "data");
}
