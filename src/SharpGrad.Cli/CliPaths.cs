using System.CommandLine;
using System.Text;
using SharpGrad.IO;

namespace SharpGrad.Cli;

/// <summary>File-system helpers shared by the commands.</summary>
internal static class CliPaths
{
    /// <summary>
    /// The MNIST folder a command reads: <paramref name="given"/> (the <c>--data</c> option) when set,
    /// otherwise the bundled digits, which the build copies into <c>data/</c> beside the assembly so that
    /// an installed tool finds them from any working directory.
    /// </summary>
    public static string DataFolder(string? given) =>
        given ?? Path.Combine(AppContext.BaseDirectory, "data");

    /// <summary>The <c>--data</c> option of the commands that read digits; unset means the bundled ones.</summary>
    public static Option<string?> DataOption() =>
        new("--data") { Description = "Folder with MNIST IDX files (train-images-idx3-ubyte[.gz], ...); default: the bundled 8 000/2 000 digits." };

    /// <summary>Writes text atomically, so readers never see half a file.</summary>
    public static void WriteText(string path, string contents, string caller) =>
        AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(contents)), caller);
}
