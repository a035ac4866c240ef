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

    /// <summary>
    /// Refuses an empty <paramref name="path"/> and one that names a folder where <paramref name="option"/>
    /// expects a file (to read or to write), with a message naming both; returns the path.
    /// </summary>
    public static string CheckFile(string option, string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException($"{option} needs a file name, got an empty one.");
        if (Directory.Exists(path))
            throw new IOException($"{option}: '{path}' is a folder; give a file name.");
        return path;
    }

    /// <summary>
    /// Refuses an empty <paramref name="path"/> and one that names an existing file where
    /// <paramref name="option"/> expects a folder; returns the path.
    /// </summary>
    public static string CheckFolder(string option, string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException($"{option} needs a folder name, got an empty one.");
        if (File.Exists(path))
            throw new IOException($"{option}: '{path}' is a file; give a folder.");
        return path;
    }

    /// <summary>
    /// Refuses to write <paramref name="path"/> (for <paramref name="option"/>) into a folder that does not
    /// exist, naming that folder, as <see cref="AtomicFile"/> does for every other file the commands write.
    /// </summary>
    public static string CheckNewFile(string option, string path)
    {
        CheckFile(option, path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{option}: cannot write '{path}' because the folder '{folder}' does not exist.");
        return path;
    }

    /// <summary>Writes text atomically, so readers never see half a file.</summary>
    public static void WriteText(string path, string contents, string caller) =>
        AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(contents)), caller);
}
